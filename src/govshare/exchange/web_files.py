"""Console pages of file resources (文件): 共享文件 lists the 共享平台·文件 resources the agency
provides or holds a grant for; a resource's page shows its versions (SM3, size, who and when),
lets the provider upload a new one, and a consumer download one stating duty and case number."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govshare.exchange import file_service
from govshare.kit.errors import DomainError
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/exchange/files")
def files_page(request: Request, db: DbSession, actor: PageActor):
    """The file resources the agency provides, and those it holds an active grant for."""
    entries = file_service.listed_resources(db, actor)
    return render(request, "exchange/files.html", entries=entries, actor=actor)


def _page(request, db, actor, code: str, status: int = 200, **context: Any):
    listing = file_service.versions(db, actor, code)
    return render(request, "exchange/files_resource.html", status_code=status, listing=listing,
                  **{"error": None, "values": {}, "errors": {}, "uploaded": None, **context})


@router.get("/exchange/files/{resource_code:path}/versions")
def resource_page(request: Request, db: DbSession, actor: PageActor, resource_code: str, uploaded: int = 0):
    """Versions of one file resource; 403 page naming why without a grant."""
    return _page(request, db, actor, resource_code, uploaded=uploaded or None)


@router.post("/exchange/files/{resource_code:path}/versions")
def upload_version(request: Request, db: DbSession, actor: PageActor, resource_code: str, form: CheckedForm):
    """The provider uploads a new version."""
    upload = form.get("file")
    try:
        data = upload.file.read(file_service.MAX_BYTES + 1) if hasattr(upload, "file") else b""
        v = file_service.upload(db, actor, resource_code, getattr(upload, "filename", "") or "", data,
                                getattr(upload, "content_type", None), str(form.get("note", "")))
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, resource_code, status=exc.status, error=exc,
                     errors={(exc.field or "form"): exc.message})
    return RedirectResponse(f"/exchange/files/{resource_code}/versions?uploaded={v.version}", status_code=303)


@router.get("/exchange/files/{resource_code:path}/versions/{version}/download")
def download(request: Request, db: DbSession, actor: PageActor, resource_code: str, version: int,
             duty: str = "", case_number: str = ""):
    """The bytes of one version (X-Content-SM3); a consumer's download states its purpose."""
    try:
        d = file_service.download(db, actor, resource_code, version, duty, case_number)
    except DomainError as exc:
        if exc.status != 422:
            raise
        db.rollback()
        return _page(request, db, actor, resource_code, status=422, error=exc,
                     values={"duty": duty, "case_number": case_number, "version": version},
                     errors={exc.field or "form": exc.message})
    headers = {"X-Content-SM3": d.version.sm3,
               "Content-Disposition": f"attachment; filename*=UTF-8''{quote(d.version.filename)}"}
    return Response(d.content, media_type=d.version.media_type, headers=headers)
