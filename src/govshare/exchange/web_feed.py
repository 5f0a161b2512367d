"""Console pages of the change feed: 变更订阅 — read a hosted resource's changes page by page under
the agency's grant (each page states its purpose and is logged), and the agency's push
subscriptions with how the receiving system checks the signature."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.exchange import feed_service, holdings, subscription_service
from govshare.exchange.subscription_service import Draft
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.outbox import DELIVERY_HEADER, MAX_ATTEMPTS, SIGNATURE_HEADER, TOPIC_HEADER
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
FEED_FIELDS = ("resource_code", "duty", "case_number", "limit", "cursor")
SUB_FIELDS = ("resource_code", "url", "duty", "case_number", "start", "cursor", "batch_size")


def _errors(exc: DomainError) -> dict[str, str]:
    return {(exc.field or "form").split(".")[0]: exc.message}


def _feed_page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    return render(request, "exchange/feed.html", status_code=status, held=holdings.held_grants(db, actor),
                  max_page=feed_service.MAX_PAGE,
                  **{"values": {"limit": "20"}, "errors": {}, "page": None, "error": None, **context})


@router.get("/exchange/feed")
def feed_page(request: Request, db: DbSession, actor: PageActor, resource: str = ""):
    """The form: which grant, the purpose, the page size; the cursor starts empty."""
    return _feed_page(request, db, actor, values={"resource_code": resource, "limit": "20"})


@router.post("/exchange/feed")
def read_feed(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Read the next page after the cursor and show it with the next cursor; logged."""
    values = {k: str(form.get(k, "")).strip() for k in FEED_FIELDS}
    try:
        limit = _int(values["limit"] or str(feed_service.DEFAULT_PAGE), "limit")
        page = feed_service.read_feed(db, actor, values["resource_code"], values["cursor"], limit,
                                      values["duty"], values["case_number"])
    except DomainError as exc:
        db.rollback()
        return _feed_page(request, db, actor, status=exc.status, values=values, errors=_errors(exc),
                          error=exc)
    return _feed_page(request, db, actor, values=values, page=page)


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("请填写整数", field=field, rule="integer") from None


def _may_manage(actor: Actor) -> bool:
    return actor.agency_id is not None and actor.has(Role.AGENCY_ADMIN)


def _subs_page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    return render(request, "exchange/subscriptions.html", status_code=status,
                  subscriptions=subscription_service.list_subscriptions(db, actor),
                  held=holdings.held_grants(db, actor), may_manage=_may_manage(actor),
                  signature_header=SIGNATURE_HEADER, delivery_header=DELIVERY_HEADER,
                  topic_header=TOPIC_HEADER, max_attempts=MAX_ATTEMPTS,
                  cursor_of=lambda s: feed_service.encode_cursor(s.grant_id, s.cursor),
                  **{"values": {"start": "beginning", "batch_size": "100"}, "errors": {}, "error": None,
                     "issued": None, "notice": "", **context})


@router.get("/exchange/subscriptions")
def subscriptions_page(request: Request, db: DbSession, actor: PageActor, done: str = ""):
    """The agency's push subscriptions, their state, and (for its administrator) the form."""
    return _subs_page(request, db, actor, notice=NOTICES.get(done, ""))


@router.post("/exchange/subscriptions")
def create_subscription(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Create a subscription; the signing secret is shown on this page once."""
    values = {k: str(form.get(k, "")).strip() for k in SUB_FIELDS}
    try:
        size = _int(values["batch_size"] or str(feed_service.DEFAULT_PAGE), "batch_size")
        sub, secret = subscription_service.create(db, actor, Draft(
            values["resource_code"], values["url"], values["duty"], values["case_number"],
            values["start"] or "beginning", values["cursor"], size))
    except DomainError as exc:
        db.rollback()
        return _subs_page(request, db, actor, status=exc.status, values=values, errors=_errors(exc),
                          error=exc)
    return _subs_page(request, db, actor, issued={"id": sub.id, "url": sub.url, "secret": secret},
                      status=200)


NOTICES = {"pause": "已暂停推送。", "resume": "已恢复推送。", "delete": "已删除订阅。"}
ACTIONS = {"pause": subscription_service.pause, "resume": subscription_service.resume,
           "delete": subscription_service.delete}


@router.post("/exchange/subscriptions/{subscription_id}/{action}")
def act(request: Request, db: DbSession, actor: PageActor, subscription_id: int, action: str,
        form: CheckedForm):
    """Pause, resume or delete one of the agency's subscriptions."""
    if action not in ACTIONS:
        return _subs_page(request, db, actor, status=404, error=InvalidInput("没有这种操作"))
    try:
        ACTIONS[action](db, actor, subscription_id)
    except DomainError as exc:
        db.rollback()
        return _subs_page(request, db, actor, status=exc.status, error=exc)
    return RedirectResponse(f"/exchange/subscriptions?done={action}", status_code=303)
