from __future__ import annotations

from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden

OVERSEERS = (Role.AUDITOR, Role.SUPERVISION)


def can_read_audit(actor: Actor) -> None:
    if actor.has(*OVERSEERS) or actor.is_city_it_authority or actor.has(Role.AGENCY_ADMIN):
        return
    raise Forbidden("只有审计、监察、市信息化主管部门或机关管理员可以查看审计记录")


def sees_all_agencies(actor: Actor) -> bool:
    return actor.has(*OVERSEERS) or actor.is_city_it_authority


def can_verify_chain(actor: Actor) -> None:
    if not sees_all_agencies(actor):
        raise Forbidden("只有审计、监察或市信息化主管部门可以校验审计链")


def can_manage_keys(actor: Actor) -> None:
    """Signing keys are the platform's: only the city IT authority creates or rotates them."""
    if not actor.is_city_it_authority:
        raise Forbidden("只有市信息化主管部门可以创建或轮换签名密钥")
