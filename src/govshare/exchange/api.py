"""API of hosted libraries (库表, GD-16): the provider loads records (JSON, NDJSON, or a CSV/Excel
file) and reads its own records by subject, now or as of a moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from govshare.evidence.api_log import Keys
from govshare.exchange import ingest_service, readers, record_service
from govshare.exchange.ingest_service import LoadRefused
from govshare.exchange.schemas import LibraryRead, LoadRead, RecordErrorRead, RecordRead
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import TITLES, CurrentActor, DbSession, TransactionalRoute, problem

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 交换·库表"], route_class=TransactionalRoute)

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key",
    description="幂等键：同一键、同一批数据重试时返回第一次的结果；同一键、不同数据返回 409")]
ProducedAt = Annotated[datetime | None, Query(
    description="本批记录默认的数据产生时间（记录中的 _produced_at 优先）；不带时区按北京时间")]
AS_OF = Query(None, description="查询该时刻平台上的版本；不带时区按北京时间")
UPLOAD = File(description="CSV（UTF-8 或 GB18030）或 Excel（.xlsx）文件，第一行为信息项名称")
REFUSED = {422: {"description": "有错误，本批记录均未写入；"
                                "errors 列出每处错误（记录序号、信息项、规则、说明）",
                 "model": list[RecordErrorRead]},
           403: {"description": "调用者不是该资源的提供机关"},
           409: {"description": "幂等键已用于另一批数据"},
           503: {"description": "证照、文书须盖电子印章，而印章密钥无法使用（未设置密钥口令）：本批未写入"}}


BODY = {
    "application/json": {"schema": {"oneOf": [
        {"type": "object",
         "description": "一条记录：信息项名称 → 值，可加 _produced_at、_valid_from、_division_code"},
        {"type": "array", "items": {"type": "object"}, "description": "一批记录"}]}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "每行一条记录（JSON 对象）"}},
}


class UnsupportedMedia(DomainError):
    status = 415
    code = "unsupported_media_type"


def _china(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=CHINA) if moment is not None and moment.tzinfo is None else moment


def _answer(result, status: int = 201) -> JSONResponse:
    body = LoadRead.of(result).model_dump(mode="json")
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(body, status_code=status, headers=headers)


def _refused(exc: LoadRefused) -> JSONResponse:
    errors = [RecordErrorRead(**vars(e)).model_dump() for e in exc.errors]
    return problem(422, exc.code, TITLES[422], exc.message, field=exc.field, rule=exc.rule, errors=errors)


@router.post("/resources/{resource_code:path}/records", status_code=201, response_model=LoadRead,
             responses=REFUSED, openapi_extra={"requestBody": {"required": True, "content": BODY}})
async def load_records(resource_code: str, request: Request, db: DbSession, actor: CurrentActor,
                       keys: Keys, idempotency_key: IdempotencyKey = None,
                       produced_at: ProducedAt = None):
    """Load one record or a batch (JSON object or array, or NDJSON) into the provider's hosted
    library: every record checked against the published catalog entry, all stored or none."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    source = readers.MEDIA_TYPES.get(media)
    if source not in ("json", "ndjson"):
        raise UnsupportedMedia(f"不支持的内容类型“{media}”：请用 application/json 或 application/x-ndjson；"
                               "CSV、Excel 文件请用 …/records/upload 上传", field="content-type")
    data = await request.body()
    try:
        result = await run_in_threadpool(
            ingest_service.load_records, db, actor, resource_code, data, source,
            idempotency_key=idempotency_key, produced_at=_china(produced_at), keys=keys)
    except LoadRefused as exc:
        return _refused(exc)
    return _answer(result)


@router.post("/resources/{resource_code:path}/records/upload", status_code=201, response_model=LoadRead,
             responses=REFUSED)
def upload_records(resource_code: str, db: DbSession, actor: CurrentActor, keys: Keys,
                   file: UploadFile = UPLOAD,
                   idempotency_key: IdempotencyKey = None, produced_at: ProducedAt = None):
    """Load a CSV or Excel file into the provider's hosted library, all rows or none."""
    source = readers.SUFFIXES.get(PurePath(file.filename or "").suffix.lower()) or \
        readers.MEDIA_TYPES.get((file.content_type or "").lower())
    if source not in ("csv", "xlsx"):
        raise InvalidInput("请上传 .csv 或 .xlsx 文件", field="file", rule="format")
    try:
        result = ingest_service.load_records(db, actor, resource_code, file.file.read(), source,
                                             idempotency_key=idempotency_key,
                                             produced_at=_china(produced_at), keys=keys)
    except LoadRefused as exc:
        return _refused(exc)
    return _answer(result)


@router.get("/resources/{resource_code:path}/records/{subject}", response_model=RecordRead)
def read_record(resource_code: str, subject: str, db: DbSession, actor: CurrentActor,
                as_of: datetime | None = AS_OF):
    """The provider's own record of one subject: the current version, or the one as of a moment."""
    return RecordRead.of(record_service.provider_record(db, actor, resource_code, subject, _china(as_of)))


@router.get("/resources/{resource_code:path}/records/{subject}/versions", response_model=list[RecordRead])
def record_versions(resource_code: str, subject: str, db: DbSession, actor: CurrentActor,
                    limit: int = Query(100, ge=1, le=1000, description="最多返回的版本数")):
    """Every version of one subject's record in the provider's library, newest first."""
    return [RecordRead.of(v) for v in record_service.record_history(db, actor, resource_code, subject, limit)]


@router.get("/libraries", response_model=list[LibraryRead])
def libraries(db: DbSession, actor: CurrentActor):
    """The caller's agency's hosted (共享平台·库表) resources, with record counts and last load."""
    return [LibraryRead.of(row) for row in record_service.hosted_libraries(db, actor)]
