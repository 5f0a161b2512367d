"""Who may do what with requests, grants, agreements and notices. One function per use case;
which party takes which step of a request is the workflow's table (workflow.TRANSITIONS)."""

from __future__ import annotations

from govshare.access.models import AccessRequest, Agreement, Grant
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden, NotFound

AGENCY_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)
OVERSIGHT = (Role.SUPERVISION, Role.AUDITOR)


def can_submit_request(actor: Actor) -> None:
    if actor.agency_id is None or not actor.has(*AGENCY_ROLES):
        raise Forbidden("只有机关工作人员或管理员可以代表本机关提出共享申请", code="not_requester")


def can_read_request(actor: Actor, request: AccessRequest, divisions: tuple[str, str]) -> None:
    """The two agencies, their IT authority, the government and oversight see a request;
    `divisions` are the requester's and the provider's division codes."""
    if actor.agency_id in (request.requester_agency_id, request.provider_agency_id):
        return
    if actor.has(Role.GOVERNMENT, *OVERSIGHT) or _it_authority_over(actor, divisions):
        return
    raise NotFound(f"没有找到编号为 {request.id} 的共享申请")


def can_act_on_request(actor: Actor, request: AccessRequest, divisions: tuple[str, str]) -> None:
    """A request is acted on only by its parties (the workflow then checks which party takes the
    step); another agency is told it may not, not that the request does not exist (GD-31)."""
    try:
        can_read_request(actor, request, divisions)
    except NotFound:
        if actor.has(Role.IT_AUTHORITY):  # a district's IT authority, the request another's
            raise _other_division("该申请的申请机关和提供机关", actor, "协调办理") from None
        raise Forbidden("无权办理其他机关的共享申请", code="not_a_party") from None


def can_view_queue(actor: Actor, queue: str) -> None:
    needs = {"mine": AGENCY_ROLES, "inbox": AGENCY_ROLES, "coordination": (Role.IT_AUTHORITY,),
             "government": (Role.GOVERNMENT,), "all": (Role.IT_AUTHORITY, *OVERSIGHT)}
    if queue not in needs:
        raise NotFound(f"没有“{queue}”这个申请列表")
    if not actor.has(*needs[queue]) or (queue in ("mine", "inbox") and actor.agency_id is None):
        raise Forbidden("无权查看该申请列表")


def queue_division(actor: Actor, queue: str) -> str | None:
    """The division a queue is limited to, or None for the whole city. A district's IT authority
    coordinates its own division (GZ-21, the two-level platforms): in the coordination queue and
    the list of all requests it sees those whose requester or provider belongs to it. The city IT
    authority, and oversight, see every request."""
    if queue not in ("coordination", "all"):
        return None
    return it_division(actor)


def it_division(actor: Actor) -> str | None:
    """The division a district IT authority oversees (GZ-21, the two-level platforms): the one its
    lists of requests, grants and agreements are limited to. None (the whole city) for the city IT
    authority, oversight and everyone else, whose lists are limited otherwise or not at all."""
    if actor.has(*OVERSIGHT) or not actor.has(Role.IT_AUTHORITY) or actor.is_city_it_authority:
        return None
    return actor.division_code or ""


def can_read_grant(actor: Actor, grant: Grant, divisions: tuple[str, str]) -> None:
    """The two agencies, the government, oversight and the IT authority over either agency's
    division see a grant (GZ-21); `divisions` are the grantee's and the provider's."""
    if actor.agency_id in (grant.grantee_agency_id, grant.provider_agency_id):
        return
    if actor.has(Role.GOVERNMENT, *OVERSIGHT) or _it_authority_over(actor, divisions):
        return
    raise NotFound(f"没有找到编号为 {grant.id} 的授权")


def can_list_grants(actor: Actor) -> None:
    if actor.agency_id is None and not actor.has(Role.IT_AUTHORITY, *OVERSIGHT):
        raise Forbidden("无权查看授权")


def can_revoke_grant(actor: Actor, grant: Grant, divisions: tuple[str, str]) -> None:
    """The provider's administrator, or the IT authority over either agency's division, revokes a
    grant with reasons."""
    if actor.agency_id == grant.provider_agency_id and actor.has(Role.AGENCY_ADMIN):
        return
    if _it_authority_over(actor, divisions):
        return
    if actor.has(Role.IT_AUTHORITY):
        raise _other_division("授权的获得机关和提供机关", actor)
    raise Forbidden("只有提供机关管理员或信息化主管部门可以撤销授权")


def can_give_consent(actor: Actor, grant: Grant) -> None:
    """GZ-25: passing on or publishing needs the provider's consent, given by the provider."""
    if actor.agency_id == grant.provider_agency_id and actor.has(*AGENCY_ROLES):
        return
    raise Forbidden("只有提供机关可以同意转授或公开其共享信息（GZ-25）")


def can_file_agreement(actor: Actor, provider_agency_id: int, consumer_agency_id: int,
                       divisions: tuple[str, str]) -> None:
    """Either party files the signed agreement; the IT authority over either party's division may
    file it for them (GZ-21); `divisions` are the provider's and the consumer's."""
    if actor.agency_id in (provider_agency_id, consumer_agency_id) and actor.has(Role.AGENCY_ADMIN):
        return
    if _it_authority_over(actor, divisions):
        return
    if actor.has(Role.IT_AUTHORITY):
        raise _other_division("协议双方", actor, "备案")
    raise Forbidden("保密协议由协议一方的机关管理员或信息化主管部门备案")


def can_read_agreement(actor: Actor, agreement: Agreement, divisions: tuple[str, str]) -> None:
    """The two parties, oversight and the IT authority over either party's division (GZ-21);
    `divisions` are the provider's and the consumer's."""
    if actor.agency_id in (agreement.provider_agency_id, agreement.consumer_agency_id):
        return
    if actor.has(*OVERSIGHT) or _it_authority_over(actor, divisions):
        return
    raise NotFound(f"没有找到编号为 {agreement.id} 的保密协议")


def can_list_agreements(actor: Actor) -> None:
    """An agency sees the agreements it is party to; the IT authority and oversight see all."""
    if actor.agency_id is None and not actor.has(Role.IT_AUTHORITY, *OVERSIGHT):
        raise Forbidden("无权查看保密协议")


def can_terminate_agreement(actor: Actor, agreement: Agreement, divisions: tuple[str, str]) -> None:
    """Either party's administrator, or the IT authority over either party's division, ends an
    agreement with reasons."""
    if actor.agency_id in (agreement.provider_agency_id, agreement.consumer_agency_id) \
            and actor.has(Role.AGENCY_ADMIN):
        return
    if _it_authority_over(actor, divisions):
        return
    if actor.has(Role.IT_AUTHORITY):
        raise _other_division("协议双方", actor)
    raise Forbidden("只有协议一方的机关管理员或信息化主管部门可以终止保密协议")


def can_read_notices(actor: Actor, agency_id: int | None) -> None:
    if actor.agency_id is not None and actor.agency_id == agency_id:
        return
    raise Forbidden("只能查看本机关的提醒")


def can_set_notice_hook(actor: Actor, agency_id: int | None) -> None:
    if actor.agency_id is not None and actor.agency_id == agency_id and actor.has(Role.AGENCY_ADMIN):
        return
    raise Forbidden("只有本机关管理员可以设置提醒推送地址")


def can_run_sweep(actor: Actor) -> None:
    if actor.kind == "system" or actor.has(Role.IT_AUTHORITY):
        return
    raise Forbidden("期限巡检由系统或信息化主管部门运行")


def _it_authority_over(actor: Actor, divisions: tuple[str, str]) -> bool:
    if not actor.has(Role.IT_AUTHORITY):
        return False
    return actor.agency_level == "city" or actor.division_code in divisions


def _other_division(parties: str, actor: Actor, verb: str = "办理") -> Forbidden:
    """A district IT authority's step on another division's matter: say whose it is (GZ-21)."""
    return Forbidden(f"{parties}都不属于本区（行政区划 {actor.division_code}），"
                     f"由其所属区或市信息化主管部门{verb}（GZ-21）", code="other_division")
