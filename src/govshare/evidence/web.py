"""Console page of the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Request

from govshare.evidence import service
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/audit")
def events_page(request: Request, db: DbSession, actor: PageActor, page: int = 1,
                event_type: str = ""):
    size = 50
    result = service.search_events(db, actor, service.AuditFilter(event_type=event_type or None),
                                   PageRequest(size, (max(page, 1) - 1) * size))
    return render(request, "evidence/events.html", page=result, page_no=max(page, 1),
                  event_type=event_type)
