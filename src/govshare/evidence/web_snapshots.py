"""Console pages of data snapshots (GZ-23, GD-31): one snapshot — what was returned, to whom and
why, its proof status and the evidence file to download — and the auditors' search (审计检索)
over snapshots and audit events by agency, subject, user and time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request

from govshare.evidence import search_service, service, snapshot_service
from govshare.evidence import snapshot_policy as policy
from govshare.evidence.api_snapshots import day_bounds
from govshare.evidence.labels import event_label
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
KINDS = {"query": "查询", "verify": "核验", "api": "经提供机关接口查询"}


@router.get("/evidence/snapshots/{snapshot_id}")
def snapshot_page(request: Request, db: DbSession, actor: PageActor, snapshot_id: int):
    """What was returned, the records and seals it came from, and whether a signed head covers it."""
    view = snapshot_service.read_snapshot(db, actor, snapshot_id)
    signed_at = datetime.fromtimestamp(view.head.timestamp / 1000, UTC) if view.head else None
    return render(request, "evidence/snapshot.html", view=view, body=view.body, signed_at=signed_at,
                  kinds=KINDS, pretty=json.dumps(view.body, ensure_ascii=False, indent=2))


@router.get("/evidence/search")
def search_page(request: Request, db: DbSession, actor: PageActor, agency: str = "", subject: str = "",
                user: str = "", since: str = "", until: str = ""):
    """The auditors' search form and its results (snapshots, then audit events)."""
    form = {"agency": agency, "subject": subject, "user": user, "since": since, "until": until}
    found, error = None, None
    asked = any(form.values())
    try:
        policy.can_search(actor)
        if asked:
            start, end = day_bounds(_day(since, "since"), _day(until, "until"))
            found = search_service.search(db, actor, search_service.SearchFilter(
                _agency(agency), subject, user, start, end, 100))
    except DomainError as exc:
        error = exc
    agencies = service.filter_choices(db, actor).agencies if policy.may_search(actor) else {}
    return render(request, "evidence/search.html", status_code=error.status if error else 200,
                  form=form, found=found, error=error, kinds=KINDS, agencies=agencies,
                  oversight=policy.sees_every_agency(actor), event_label=event_label)


def _agency(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput(f"机关编号“{text}”不是数字", field="agency", rule="integer")
    return int(text)


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”不是 YYYY-MM-DD 格式", field=field, rule="date") from None
