"""Who may do what in the directory (GD-31: access control). One function per use case; each
raises Forbidden with the reason, or returns None."""

from __future__ import annotations

from govshare.directory.models import Agency
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden, NotFound

# Roles an agency administrator may hand out inside its own agency.
AGENCY_GRANTABLE = {Role.AGENCY_STAFF, Role.AGENCY_ADMIN}


def governs(actor: Actor, agency: Agency) -> bool:
    """The city IT authority governs every agency; a district one, the agencies of its district."""
    if not actor.has(Role.IT_AUTHORITY):
        return False
    if actor.agency_level == "city":
        return True
    return agency.division_code == actor.division_code


def can_view_directory(actor: Actor) -> None:
    # Every signed-in agency sees the directory: it must know whom to ask for information.
    if actor.kind == "anonymous":
        raise Forbidden("请先登录")


def can_register_agency(actor: Actor, division_code: str) -> None:
    if not actor.has(Role.IT_AUTHORITY):
        raise Forbidden("只有信息化主管部门可以登记机关")
    if actor.agency_level != "city" and division_code != actor.division_code:
        raise Forbidden("区信息化主管部门只能登记本区的机关")


def can_manage_agency(actor: Actor, agency: Agency) -> None:
    if governs(actor, agency):
        return
    if actor.has(Role.AGENCY_ADMIN) and actor.agency_id == agency.id:
        return
    raise Forbidden("只有本机关管理员或主管的信息化主管部门可以修改该机关")


def can_manage_users(actor: Actor, agency: Agency) -> None:
    can_manage_agency(actor, agency)


def can_administer_users(actor: Actor) -> None:
    if not actor.has(Role.IT_AUTHORITY, Role.AGENCY_ADMIN):
        raise Forbidden("只有机关管理员或信息化主管部门可以管理用户")


def grantable_roles(actor: Actor) -> list[Role]:
    """The roles the actor may hand out in the agencies it administers, in display order."""
    if actor.has(Role.IT_AUTHORITY):
        return list(Role)
    return [r for r in Role if r in AGENCY_GRANTABLE]


def can_grant_roles(actor: Actor, agency: Agency, roles: set[Role]) -> None:
    can_manage_users(actor, agency)
    if not governs(actor, agency) and not roles <= AGENCY_GRANTABLE:
        raise Forbidden("机关管理员只能授予“机关工作人员”和“机关管理员”角色")


def can_view_api_clients(actor: Actor, agency: Agency) -> None:
    # Existence of another agency's systems is private: answer 404, not 403.
    if actor.agency_id == agency.id and actor.has(Role.AGENCY_ADMIN) or governs(actor, agency):
        return
    raise NotFound("没有找到该机关的接口客户端")


def can_issue_api_client(actor: Actor, agency: Agency) -> None:
    can_view_api_clients(actor, agency)


def can_change_own_password(actor: Actor, user_id: int) -> None:
    if actor.kind != "user" or actor.id != user_id:
        raise Forbidden("只能修改自己的密码")
