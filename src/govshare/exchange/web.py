"""Console page 库表数据 for providers: the agency's hosted resources with record counts and last
load, the load form (CSV or Excel) with its validation report in Chinese, and a look-up of one
subject's record as the library holds it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.evidence.api_log import key_store
from govshare.exchange import ingest_service, readers, record_service
from govshare.exchange.checks import RESERVED_LABELS
from govshare.exchange.ingest_service import LoadRefused
from govshare.exchange.timeliness import LABELS
from govshare.kit.actor import Actor
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ERRORS_SHOWN = 500


def _page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    libraries = record_service.hosted_libraries(db, actor)
    return render(request, "exchange/libraries.html", status_code=status, libraries=libraries,
                  deadlines=LABELS, reserved=RESERVED_LABELS, shown=ERRORS_SHOWN,
                  **{"errors": [], "error": None, "notice": None, "record": None,
                     "chosen": "", "subject": "", **context})


@router.get("/exchange")
def libraries_page(request: Request, db: DbSession, actor: PageActor, loaded: int | None = None,
                   resource: str = "", subject: str = ""):
    """The agency's hosted libraries, the load form and the subject look-up."""
    notice, record, error = None, None, None
    if loaded is not None:
        load = ingest_service.own_load(db, actor, loaded)
        if load is not None:
            notice = (f"已加载第 {load.id} 批：{load.record_count} 条记录，"
                      f"其中新主体 {load.new_subject_count} 个；"
                      f"超过更新时限（{LABELS[load.deadline_class]}）{load.late_count} 条。")
    if resource and subject:
        try:
            record = record_service.provider_record(db, actor, resource, subject)
        except DomainError as exc:
            error = exc
    return _page(request, db, actor, notice=notice, record=record, error=error, chosen=resource,
                 subject=subject)


@router.post("/exchange/load")
def load_file(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Load the uploaded CSV or Excel file into the chosen hosted library, all rows or none."""
    upload, resource = form.get("file"), str(form.get("resource", ""))
    filename = getattr(upload, "filename", "") or ""
    try:
        source = readers.SUFFIXES.get("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else None
        if source not in ("csv", "xlsx"):
            raise InvalidInput("请选择 CSV（.csv）或 Excel（.xlsx）文件，第一行为信息项名称", field="file",
                               rule="format")
        result = ingest_service.load_records(db, actor, resource, upload.file.read(), source,
                                             keys=key_store(request))
    except LoadRefused as exc:
        db.rollback()
        return _page(request, db, actor, status=422, error=exc, errors=exc.errors, filename=filename,
                     chosen=resource)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, status=exc.status, error=exc, chosen=resource)
    return RedirectResponse(f"/exchange?loaded={result.load_id}", status_code=303)
