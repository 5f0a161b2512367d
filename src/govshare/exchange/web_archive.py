"""Console page 归档移交 (/exchange/archive, GZ-15, GD-9): per agency, the year's electronic documents,
the transfer's state, the deadline (30 June of the next year) with calendar and working days left,
a button to transfer (the agency's administrator, or the city IT authority), the signed manifest,
and the archive's receipt or a failed hand-over."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govshare.evidence.api_log import key_store
from govshare.exchange import archive_service
from govshare.exchange.api_archive import STATE_LABELS, packages_dir
from govshare.kit import clock
from govshare.kit.errors import DomainError, InvalidInput, NotFound
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _page(request: Request, db, actor, year: int, status: int = 200, **context: Any):
    rows = archive_service.status(db, actor, year)
    due = archive_service.countdown(db, year)
    return render(request, "exchange/archive.html", status_code=status, year=year, rows=rows, due=due,
                  labels=STATE_LABELS, this_year=clock.today().year,
                  **{"error": None, "done": None, **context})


def _year(text: str | int | None) -> int:
    if text in (None, ""):
        return clock.today().year - 1  # the year whose documents are due this 30 June
    try:
        return int(str(text).strip())
    except ValueError:
        raise InvalidInput(f"年度“{text}”不是数字", field="year", rule="integer") from None


@router.get("/exchange/archive")
def archive_page(request: Request, db: DbSession, actor: PageActor, year: str = "", done: str = ""):
    """The year's documents and transfers per agency (the previous year by default)."""
    return _page(request, db, actor, _year(year), done=done or None)


@router.post("/exchange/archive/transfer")
def transfer(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Transfer one agency's year: the package is written and signed, then the page shows it."""
    year = _year(form.get("year"))
    try:
        agency_id = int(str(form.get("agency_id", "")))
        row = archive_service.transfer(db, actor, key_store(request), agency_id, year,
                                       packages_dir(request, year))
    except (DomainError, ValueError) as exc:
        db.rollback()
        error = exc if isinstance(exc, DomainError) else InvalidInput("请选择机关", field="agency_id")
        return _page(request, db, actor, year, status=error.status, error=error)
    return RedirectResponse(f"/exchange/archive?year={year}&done={row.id}", status_code=303)


@router.post("/exchange/archive/transfers/{transfer_id}/receipt")
def receipt(request: Request, db: DbSession, actor: PageActor, transfer_id: int, form: CheckedForm):
    """Record the archive's receipt."""
    return _outcome(request, db, actor, transfer_id, lambda: archive_service.record_receipt(
        db, actor, transfer_id, str(form.get("received_by", "")), str(form.get("note", ""))))


@router.post("/exchange/archive/transfers/{transfer_id}/failed")
def failed(request: Request, db: DbSession, actor: PageActor, transfer_id: int, form: CheckedForm):
    """Mark a transfer failed, so that the year can be transferred again."""
    return _outcome(request, db, actor, transfer_id, lambda: archive_service.mark_failed(
        db, actor, transfer_id, str(form.get("reason", ""))))


def _outcome(request: Request, db, actor, transfer_id: int, write):
    year = archive_service.get_transfer(db, actor, transfer_id).year
    try:
        write()
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, year, status=exc.status, error=exc)
    return RedirectResponse(f"/exchange/archive?year={year}", status_code=303)


@router.get("/exchange/archive/transfers/{transfer_id}/manifest")
def manifest(db: DbSession, actor: PageActor, transfer_id: int) -> Response:
    """The signed manifest, byte for byte as in the package."""
    row = archive_service.get_transfer(db, actor, transfer_id)
    if not row.manifest:
        raise NotFound("该归档移交尚未生成清单")
    return Response(row.manifest.encode("utf-8"), media_type="application/json",
                    headers={"X-Manifest-SM3": row.manifest_sm3})
