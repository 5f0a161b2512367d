"""Console pages of grants (授权): the grants the agency holds and has given, and one grant with
its items, row scope, division limit (GZ-21), validity and status; the provider's administrator
(or the IT authority) revokes it with reasons; the provider records its consent to passing the
data on or publishing it (GZ-25)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govshare.access import grant_service, policy
from govshare.access.rules import GrantStatus
from govshare.access.web_shared import (
    FIXABLE,
    PAGE_SIZE,
    Posted,
    agency_names,
    division_names,
    errors_of,
    page_request,
)
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

SIDES = {"held": "本机关获得的授权", "given": "本机关给予的授权", "all": "全部授权"}
BASIS = {"RequestGrantedAtOnce": "目录内无条件共享，即时授权", "RequestGranted": "提供机关决定授权",
         "RequestGrantedNarrower": "提供机关决定缩小范围授权",
         "InformationSupplied": "政府决定共享后提供机关提供",
         "CoordinationRecorded": "信息化主管部门协调结果", "LeadingGroupDecisionRecorded": "领导小组决定"}
NOTICES = {"revoked": "授权已撤销，申请机关已收到通知。", "consented": "已记录本机关的同意（GZ-25）。"}


@router.get("/access/grants")
def grants_page(request: Request, db: DbSession, actor: PageActor, side: str = "", status: str = "",
                page: int = 1):
    sides = _sides(actor)
    side = side if side in sides else sides[0]
    status = status if status in GrantStatus._value2member_map_ else ""
    found = grant_service.list_grants(db, actor, page_request(page), side=side,
                                      status=status or None)
    return render(request, "access/grants_list.html", grants=found.items, total=found.total,
                  side=side, sides=[(s, SIDES[s]) for s in sides], status=status,
                  statuses=list(GrantStatus), page=max(page, 1),
                  pages=max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                  agencies=agency_names(db, actor), divisions=division_names(db, actor))


def _sides(actor: Actor) -> list[str]:
    own = ["held", "given"] if actor.agency_id else []
    return own + (["all"] if actor.has(Role.IT_AUTHORITY, Role.SUPERVISION, Role.AUDITOR) else [])


@router.get("/access/grants/{grant_id:int}")
def grant_page(request: Request, grant_id: int, db: DbSession, actor: PageActor, notice: str = ""):
    return _grant_page(request, db, actor, grant_id, notice=NOTICES.get(notice))


@router.post("/access/grants/{grant_id:int}/revoke")
def revoke_grant(request: Request, grant_id: int, db: DbSession, actor: PageActor, form: Posted):
    values = {"reasons": str(form.get("reasons", "")).strip()}
    grant_service.get_grant(db, actor, grant_id)  # another agency's: not found
    try:
        grant_service.revoke_grant(db, actor, grant_id, values["reasons"])
    except FIXABLE as exc:
        db.rollback()
        return _grant_page(request, db, actor, grant_id, failed="revoke", values=values,
                           errors=errors_of(exc), status=exc.status)
    return RedirectResponse(f"/access/grants/{grant_id}?notice=revoked", status_code=303)


@router.post("/access/grants/{grant_id:int}/consents")
def record_consent(request: Request, grant_id: int, db: DbSession, actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")).strip() for k in ("kind", "recipient", "purpose")}
    try:
        grant_service.record_consent(db, actor, grant_id, values["kind"], values["recipient"],
                                     values["purpose"])
    except FIXABLE as exc:
        db.rollback()
        return _grant_page(request, db, actor, grant_id, failed="consent", values=values,
                           errors=errors_of(exc), status=exc.status)
    return RedirectResponse(f"/access/grants/{grant_id}?notice=consented", status_code=303)


def _grant_page(request: Request, db: Session, actor: Actor, grant_id: int, *,
                notice: str | None = None, failed: str = "", values: dict | None = None,
                errors: dict | None = None, status: int = 200):
    grant = grant_service.get_grant(db, actor, grant_id)
    in_force = grant.status in (GrantStatus.ACTIVE, GrantStatus.PENDING_AGREEMENT)
    return render(request, "access/grant_detail.html", status_code=status, grant=grant,
                  status_label=GrantStatus(grant.status).label, basis=BASIS.get(grant.basis, grant.basis),
                  consents=grant_service.consents_of(db, actor, grant_id),
                  consent_kinds=grant_service.CONSENT_KINDS,
                  can_revoke=in_force and _allowed(policy.can_revoke_grant, actor, grant,
                                                   grant_service.divisions_of(db, grant)),
                  can_consent=in_force and _allowed(policy.can_give_consent, actor, grant),
                  agencies=agency_names(db, actor), divisions=division_names(db, actor),
                  failed=failed, values=values or {}, errors=errors or {}, notice=notice)


def _allowed(check, actor: Actor, grant, *more) -> bool:
    """Whether the policy lets the actor take a step, so the page offers only what will work."""
    try:
        check(actor, grant, *more)
    except Forbidden:
        return False
    return True
