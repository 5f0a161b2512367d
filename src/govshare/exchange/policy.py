"""Who may do what with hosted libraries (GD-31). One function per use case."""

from __future__ import annotations

from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden

PROVIDER_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


def can_load(actor: Actor, provider_agency_id: int) -> None:
    """Only the provider agency — its staff, administrators or API clients — loads its library:
    who collects the information updates it (GZ-13: 谁采集、谁更新)."""
    if actor.agency_id == provider_agency_id and actor.has(*PROVIDER_ROLES):
        return
    raise Forbidden("只有该资源的提供机关可以向其库表加载数据", code="not_provider")


def can_read_own_records(actor: Actor, provider_agency_id: int) -> None:
    """The provider's own view of its library; consumers read through grants (later)."""
    if actor.agency_id == provider_agency_id and actor.has(*PROVIDER_ROLES):
        return
    raise Forbidden("只有提供机关可以按主体查看本机关库表中的原始记录；其他机关请凭授权查询",
                    code="not_provider")


def can_list_libraries(actor: Actor) -> None:
    if actor.agency_id is None or not actor.has(*PROVIDER_ROLES):
        raise Forbidden("只有机关工作人员可以查看本机关托管的库表")


def can_check_seals(actor: Actor, provider_agency_id: int) -> None:
    """Whether stored records still match their seals (GZ-26): the provider for its own
    library, the city IT authority, supervision and auditors for any."""
    if actor.is_city_it_authority or actor.has(Role.SUPERVISION, Role.AUDITOR):
        return
    if actor.agency_id == provider_agency_id and actor.has(*PROVIDER_ROLES):
        return
    raise Forbidden("只有提供机关、市信息化主管部门、监察或审计人员可以核对库表记录的电子印章",
                    code="not_provider")
