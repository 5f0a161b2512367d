"""API of file resources (文件, GD-16): the provider uploads versions; a consumer with a grant in
force lists them and downloads one (X-Content-SM3 carries the digest), stating its purpose
(GD-24); every consumer download is in the query log (kind `file`)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from govshare.exchange import file_service
from govshare.exchange.endpoint_models import FileVersion
from govshare.kit.errors import InvalidInput
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 交换·文件"], route_class=TransactionalRoute)

REFUSED = {403: {"description": "没有该资源的有效授权（code: no_grant，说明原因），或不是提供机关"},
           422: {"description": "共享方式不是共享平台·文件，文件为空或超过 50 MB，或缺少职责、办件号"}}


class FileVersionRead(BaseModel):
    id: int = Field(description="文件版本标识")
    resource_code: str = Field(description="资源代码")
    version: int = Field(description="版本号，1 起，每次上传加 1")
    filename: str = Field(description="文件名")
    media_type: str = Field(description="媒体类型")
    size: int = Field(description="字节数")
    sm3: str = Field(description="文件内容的 SM3 摘要（十六进制），下载时在 X-Content-SM3 头中给出")
    note: str = Field(description="提供机关的说明")
    uploaded_by: str = Field(description="上传者")
    uploaded_at: datetime = Field(description="上传时间")

    @classmethod
    def of(cls, v: FileVersion) -> FileVersionRead:
        return cls(**{k: getattr(v, k) for k in cls.model_fields})


@router.post("/files/{resource_code:path}/versions", status_code=201, response_model=FileVersionRead,
             responses=REFUSED)
def upload_file(resource_code: str, db: DbSession, actor: CurrentActor,
                file: UploadFile = File(description=f"文件，最大 {file_service.MAX_BYTES // 1048576} MB"),
                note: str = Form("", description="本版说明（可选）")) -> FileVersionRead:
    """Upload a new version of a file resource (provider only); stored with its SM3 digest."""
    data = file.file.read(file_service.MAX_BYTES + 1)
    if len(data) > file_service.MAX_BYTES:
        raise InvalidInput(f"文件最大 {file_service.MAX_BYTES // 1048576} MB", field="file", rule="max_size")
    return FileVersionRead.of(file_service.upload(db, actor, resource_code, file.filename or "", data,
                                                  file.content_type, note))


@router.get("/files/{resource_code:path}/versions", response_model=list[FileVersionRead], responses=REFUSED)
def list_versions(resource_code: str, db: DbSession, actor: CurrentActor) -> list[FileVersionRead]:
    """The versions of a file resource, newest first (the provider, or a consumer with a grant)."""
    return [FileVersionRead.of(v) for v in file_service.versions(db, actor, resource_code).versions]


@router.get("/files/{resource_code:path}/versions/{version}/content", response_class=Response,
            responses={200: {"description": "文件内容；X-Content-SM3 为 SM3 摘要，X-Query-Id 为日志编号",
                             "content": {"application/octet-stream": {}}}, **REFUSED})
def download_file(resource_code: str, version: int, db: DbSession, actor: CurrentActor,
                  duty: str = Query("", description="职责（GD-24），消费机关必填"),
                  case_number: str = Query("", description="办件号，消费机关必填")) -> Response:
    """Download one version: a consumer needs a grant in force and states its purpose; logged."""
    d = file_service.download(db, actor, resource_code, version, duty, case_number)
    headers = {"X-Content-SM3": d.version.sm3,
               "Content-Disposition": f"attachment; filename*=UTF-8''{quote(d.version.filename)}"}
    if d.query_id is not None:
        headers["X-Query-Id"] = str(d.query_id)
    return Response(d.content, media_type=d.version.media_type, headers=headers)
