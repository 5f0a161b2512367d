"""Console page of the notice inbox (提醒): the agency's notices, unread first, marked read one
by one or all at once; the agency's administrator sets the webhook its own system receives them
at, and sees the signing secret once."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govshare.access import notice_service
from govshare.access.web_shared import FIXABLE, PAGE_SIZE, Posted, errors_of, page_request
from govshare.kit.actor import Actor, Role
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.outbox import DELIVERY_HEADER, SIGNATURE_HEADER
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NOTICES = {"read": "已标记为已读。", "all-read": "本机关的提醒已全部标记为已读。"}

# The secret just issued waits in the signed session for the one page after the redirect, which
# takes it out: a reload (or the back button) re-posts nothing, so no new secret replaces the one
# the agency's system was just given, and the page shows none again.
ISSUED_KEY = "issued_notice_hook"


@router.get("/access/notices")
def notices_page(request: Request, db: DbSession, actor: PageActor, unread: bool = False,
                 page: int = 1, notice: str = ""):
    issued = request.session.pop(ISSUED_KEY, None)
    if issued is not None and issued.get("agency_id") != actor.agency_id:
        issued = None  # shown only to its own agency; taken out of the session either way
    response = _page(request, db, actor, unread=unread, page=page, notice=NOTICES.get(notice),
                     issued=issued, hook_set=notice == "hook-set")
    response.headers["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


@router.post("/access/notices/{notice_id:int}/read")
def mark_one_read(notice_id: int, db: DbSession, actor: PageActor, form: Posted):
    notice_service.mark_read(db, actor, [notice_service.get_notice(db, actor, notice_id).id])
    return RedirectResponse(_back(form, "read"), status_code=303)


@router.post("/access/notices/read-all")
def mark_all_read(db: DbSession, actor: PageActor, form: Posted):
    notice_service.mark_read(db, actor, None)
    return RedirectResponse(_back(form, "all-read"), status_code=303)


@router.post("/access/notices/hook")
def set_hook(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = {"url": str(form.get("url", "")).strip(), "active": form.get("active") == "on"}
    try:
        hook, secret = notice_service.set_hook(db, actor, values["url"], values["active"])
    except FIXABLE as exc:
        return _page(request, db, actor, hook_form=values, errors=errors_of(exc),
                     status=exc.status)
    request.session[ISSUED_KEY] = {"agency_id": actor.agency_id, "url": hook.url,
                                   "active": hook.active, "secret": secret}
    # Post/redirect/get: reloading the page after this asks for the inbox, not another secret.
    return RedirectResponse("/access/notices?notice=hook-set#hook", status_code=303)


def _back(form, notice: str) -> str:
    unread = "&unread=true" if form.get("unread") == "true" else ""
    page = str(form.get("page", "1"))
    page = page if page.isdigit() and int(page) > 0 else "1"
    return f"/access/notices?page={page}{unread}&notice={notice}"


def _page(request: Request, db: Session, actor: Actor, *, unread: bool = False, page: int = 1,
          notice: str | None = None, hook_form: dict | None = None, errors: dict | None = None,
          issued: dict | None = None, hook_set: bool = False, status: int = 200):
    page = max(page, 1)
    found = notice_service.list_notices(db, actor, page_request(page), unread_only=unread)
    hook = notice_service.get_hook(db, actor)
    admin = actor.has(Role.AGENCY_ADMIN)
    form = hook_form or {"url": hook.url if hook else "", "active": hook.active if hook else True}
    return render(request, "access/notices.html", status_code=status, notices=found.items,
                  total=found.total, unread=unread, unread_count=notice_service.unread_count(db, actor),
                  page=page, pages=max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                  kind_label=notice_service.kind_label, notice=notice, hook=hook, admin=admin,
                  hook_form=form, errors=errors or {}, issued=issued, hook_set=hook_set,
                  signature_header=SIGNATURE_HEADER, delivery_header=DELIVERY_HEADER)
