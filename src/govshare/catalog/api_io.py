"""API of catalog import and export: the Excel template, importing an agency catalog all or
nothing (GZ-7), a shared-catalog version as Excel, and the published catalog as DCAT (GZ-8)."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from govshare.catalog import io_service
from govshare.catalog.api_entries import entry_read
from govshare.catalog.dcat import MEDIA_TYPES
from govshare.catalog.io_service import EXCEL_TYPE, ImportRefused
from govshare.catalog.schemas import EntryRead
from govshare.kit.http import TITLES, CurrentActor, DbSession, TransactionalRoute, problem

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)


class ImportRead(BaseModel):
    count: int = Field(description="导入的信息资源条数（均为草稿）")
    items: int = Field(description="导入的信息项个数")
    entries: list[EntryRead] = Field(description="新建的目录条目")


class CellErrorRead(BaseModel):
    sheet: str = Field(description="工作表：资源 或 信息项；空为整个文件")
    row: int | None = Field(description="Excel 中的行号（表头为第 1 行）")
    column: str = Field(description="列名（表头文字）")
    rule: str = Field(description="违反的规则，如 required、one_of、required_for_conditional、single_source")
    message: str = Field(description="中文说明")


def _attachment(data: bytes | str, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/template.xlsx", response_class=Response,
            responses={200: {"content": {EXCEL_TYPE: {}}, "description": "Excel 模板"}})
def template(actor: CurrentActor):
    """The Excel template of an agency catalog: sheets 资源, 信息项 and 填写说明."""
    return _attachment(io_service.template(actor), EXCEL_TYPE, "catalog-template.xlsx")


@router.post("/agencies/{agency_id}/import", status_code=201, response_model=ImportRead,
             responses={422: {"description": "文件有错误，未导入任何条目；errors 列出每处错误",
                              "model": list[CellErrorRead]}})
def import_catalog(agency_id: int, db: DbSession, actor: CurrentActor,
                         file: UploadFile = File(description="按模板填写的 .xlsx 文件")):
    """Import the agency's catalog from the filled template: every entry becomes a draft, or —
    when any row is bad — nothing is imported and every error is listed."""
    # A plain (threadpool) endpoint: a 10,000-row import must not hold up the event loop.
    data = file.file.read()
    try:
        report = io_service.import_agency_catalog(db, actor, agency_id, data)
    except ImportRefused as exc:
        errors = [CellErrorRead(**{k: getattr(e, k) for k in CellErrorRead.model_fields}).model_dump()
                  for e in exc.errors]
        return problem(422, exc.code, TITLES[422], exc.message, field=exc.field, rule=exc.rule,
                       errors=errors)
    return ImportRead(count=len(report.entries), items=report.items,
                      entries=[entry_read(e) for e in report.entries])


@router.get("/versions/{version_id}/export.xlsx", response_class=Response,
            responses={200: {"content": {EXCEL_TYPE: {}}, "description": "Excel 工作簿"}})
def export_version(version_id: int, db: DbSession, actor: CurrentActor):
    """A version of the shared catalog as Excel, every field of every entry."""
    version, data = io_service.export_version_excel(db, actor, version_id)
    return _attachment(data, EXCEL_TYPE, f"shared-catalog-v{version.number}.xlsx")


def _dcat(request: Request, db, actor, version: int | None, fmt: str) -> Response:
    found, text = io_service.export_dcat(db, actor, version, fmt, str(request.base_url))
    return _attachment(text.encode("utf-8"), f"{MEDIA_TYPES[fmt]}; charset=utf-8",
                       f"shared-catalog-v{found.number}.{fmt}")


VERSION = Query(None, description="版本标识（versions 接口的 id）；不填为现行发布版本")


@router.get("/dcat.jsonld", response_class=Response,
            responses={200: {"content": {MEDIA_TYPES["jsonld"]: {}}, "description": "DCAT JSON-LD"}})
def dcat_jsonld(request: Request, db: DbSession, actor: CurrentActor, version: int | None = VERSION):
    """The published shared catalog as DCAT (JSON-LD) for catalog harvesters."""
    return _dcat(request, db, actor, version, "jsonld")


@router.get("/dcat.ttl", response_class=Response,
            responses={200: {"content": {MEDIA_TYPES["ttl"]: {}}, "description": "DCAT Turtle"}})
def dcat_turtle(request: Request, db: DbSession, actor: CurrentActor, version: int | None = VERSION):
    """The published shared catalog as DCAT (Turtle) for catalog harvesters."""
    return _dcat(request, db, actor, version, "ttl")
