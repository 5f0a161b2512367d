"""Who may query hosted libraries, verify, and read the query log (GD-31). The grant itself is
checked by the query service (access.grant_service.usable_grant): these rules only say who may
act for an agency at all."""

from __future__ import annotations

from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden

AGENCY_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)
OVERSIGHT = (Role.SUPERVISION, Role.AUDITOR)
LOG_SIDES = ("mine", "provided", "all")


def can_query(actor: Actor) -> None:
    """A clerk of an agency, or one of the agency's API clients, queries under the agency's own
    grants (GZ-18, GZ-25); oversight and the IT authority hold no grants to query under."""
    if actor.agency_id is None or not actor.has(*AGENCY_ROLES):
        raise Forbidden("只有机关工作人员或本机关的接口客户端可以凭本机关的授权查询共享数据",
                        code="not_consumer")


def can_verify(actor: Actor) -> None:
    """Verification (GZ-24) is a query answered yes or no: the same people may ask."""
    can_query(actor)


def can_read_query_log(actor: Actor, side: str) -> None:
    """An agency reads its own queries (`mine`) and, as a provider, the queries of its data by
    others (`provided`); the city IT authority and oversight read every agency's (`all`)."""
    if side not in LOG_SIDES:
        raise Forbidden(f"查询日志范围应为 {'、'.join(LOG_SIDES)} 之一", code="bad_side")
    if side == "all":
        if actor.is_city_it_authority or actor.has(*OVERSIGHT):
            return
        raise Forbidden("只有市信息化主管部门、监察和审计人员可以查看所有机关的查询日志",
                        code="not_oversight")
    if actor.agency_id is None or not actor.has(*AGENCY_ROLES):
        raise Forbidden("只有机关工作人员可以查看本机关的查询日志", code="not_agency_staff")
