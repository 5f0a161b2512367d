"""Console page 目录导入导出: the Excel template, importing the actor's agency catalog from it
(all or nothing, every error listed), and exports of the shared catalog's versions as Excel and
DCAT. Downloads are served by the API (the console's session is accepted there)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.catalog import io_service, version_service
from govshare.catalog.io_service import ImportRefused
from govshare.catalog.terms import VersionStatus
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
VERSIONS_SHOWN = 20


def _imports(actor: Actor) -> bool:
    # Only an agency's own cataloguers import into its catalog (the service checks it too).
    return bool(actor.agency_id) and actor.has(Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


def _page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    versions = version_service.list_versions(db, actor, PageRequest(VERSIONS_SHOWN, 0))
    published = next((v for v in versions.items if v.status == VersionStatus.PUBLISHED), None)
    return render(request, "catalog/io_page.html", status_code=status, versions=versions,
                  published=published, can_import=_imports(actor),
                  labels={s.value: s.label for s in VersionStatus},
                  **{"errors": [], "error": None, "notice": None, **context})


@router.get("/catalog/io")
def io_page(request: Request, db: DbSession, actor: PageActor, imported: int | None = None,
            items: int | None = None):
    """Template download, the import form, and exports of every version."""
    notice = (f"已导入 {imported} 个信息资源（{items or 0} 个信息项），均为草稿；请在“本机关目录”中完成"
              "保密审查后报送备案。") if imported is not None else None
    return _page(request, db, actor, notice=notice)


@router.post("/catalog/io/import")
def import_catalog(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Import the filled template into the actor's own agency catalog."""
    upload = form.get("file")
    try:
        if not _imports(actor):
            raise InvalidInput("只有机关工作人员可以导入本机关目录", field="file", rule="cataloguer")
        data = upload.file.read() if hasattr(upload, "file") else b""
        if not data:
            raise InvalidInput("请选择按模板填写的 Excel 文件（.xlsx）", field="file", rule="required")
        report = io_service.import_agency_catalog(db, actor, actor.agency_id, data)
    except ImportRefused as exc:
        db.rollback()
        return _page(request, db, actor, status=422, error=exc, errors=exc.errors,
                     filename=getattr(upload, "filename", ""))
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, status=exc.status, error=exc)
    return RedirectResponse(f"/catalog/io?imported={len(report.entries)}&items={report.items}",
                            status_code=303)
