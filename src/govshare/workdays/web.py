"""Console page of the working-day calendar."""

from __future__ import annotations

from fastapi import APIRouter, Request

from govshare.kit.clock import today
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.workdays import service

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/workdays")
def year_page(request: Request, db: DbSession, actor: PageActor, year: int | None = None):
    view = service.year_view(db, actor, year or today().year)
    return render(request, "workdays/year.html", view=view)
