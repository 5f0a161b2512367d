"""Console page of the audit trail: search with filters, expand a row to its payload and hashes,
and (for overseers) verify the whole chain."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from govshare.evidence import policy, service, web_keys, web_snapshots
from govshare.evidence.chain import ChainReport
from govshare.evidence.labels import event_label
from govshare.kit.actor import Actor
from govshare.kit.clock import CHINA
from govshare.kit.errors import InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 50
FILTERS = ("agency_id", "event_type", "actor_name", "since", "until")


@router.get("/audit")
def events_page(request: Request, db: DbSession, actor: PageActor, page: int = 1,
                agency_id: str = "", event_type: str = "", actor_name: str = "",
                since: str = "", until: str = ""):
    """The audit trail, newest first, filtered by agency, event type, actor and dates."""
    form = {"agency_id": agency_id, "event_type": event_type, "actor_name": actor_name,
            "since": since, "until": until}
    return _render(request, db, actor, form, max(page, 1))


# POST, not GET: verifying reads the whole chain, so it must not run from a prefetched or shared
# link, nor from another site's page through an overseer's browser; the CSRF token sees to that.
@router.post("/audit/verify")
def verify_page(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Verify the whole chain and show the result above the first page of the trail."""
    report = service.verify_chain(db, actor)
    return _render(request, db, actor, dict.fromkeys(FILTERS, ""), 1, report)


def _render(request: Request, db, actor: Actor, form: dict[str, str], page_no: int,
            report: ChainReport | None = None):
    page = service.search_events(db, actor, _filter(form),
                                 PageRequest(PAGE_SIZE, (page_no - 1) * PAGE_SIZE))
    return render(request, "evidence/events.html", page=page, page_no=page_no,
                  pages=max(1, math.ceil(page.total / PAGE_SIZE)), form=form,
                  query=urlencode({k: v for k, v in form.items() if v}),
                  choices=service.filter_choices(db, actor),
                  overseer=policy.sees_all_agencies(actor), report=report, pretty=_pretty,
                  event_label=event_label)


def _filter(form: dict[str, str]) -> service.AuditFilter:
    until = _day_start(form["until"], "until")
    return service.AuditFilter(
        agency_id=_agency_id(form["agency_id"]),
        event_type=form["event_type"] or None,
        actor_name=form["actor_name"].strip() or None,
        since=_day_start(form["since"], "since"),
        # The end date is inclusive: everything before the next day's midnight in China.
        until=until + timedelta(days=1) if until else None,
    )


def _agency_id(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"机关编号“{text}”不是数字", field="agency_id", rule="integer")
    return int(text)


def _day_start(text: str, field: str) -> datetime | None:
    """Midnight at the start of the day in China: auditors think in local calendar days."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”不是 YYYY-MM-DD 格式", field=field, rule="date") from None
    return datetime.combine(day, time.min, CHINA)


def _pretty(payload: str) -> str:
    return json.dumps(json.loads(payload), ensure_ascii=False, indent=2)


router.include_router(web_keys.router)
router.include_router(web_snapshots.router)
