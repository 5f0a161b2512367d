"""Console page of one entry as the shared catalog publishes it (GZ-8): where search hits lead.

The agency's own entry page (/catalog/entries/{id}) shows its working copy and is closed to other
agencies while the entry is back in draft; this page shows the frozen document of the version in
force — or of the version in force on `as_of` — to every agency."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from govshare.catalog import published_labels, published_service
from govshare.catalog.web_entries_form import LEVELS, agency_names
from govshare.kit.errors import InvalidInput
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/catalog/published/{resource_code:path}")
def published_entry_page(request: Request, resource_code: str, db: DbSession, actor: PageActor,
                         as_of: str = ""):
    found = published_service.published_entry(db, actor, resource_code, _day(as_of))
    doc = found.document
    return render(request, "catalog/published_entry.html", found=found, doc=doc,
                  labels=published_labels.entry_labels(doc),
                  items=[(item, published_labels.item_labels(item)) for item in doc["items"]],
                  levels=dict(LEVELS), agencies=agency_names(db, actor), as_of=as_of.strip())


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("日期格式应为 年-月-日，例如 2026-11-23", field="as_of",
                           rule="date") from None
