"""API of the yearly archive transfer (归档移交, GZ-15, GD-9): each year's status per agency, the
transfer itself (a signed package written under `<data_dir>/archive/<year>/`), its manifest and
package, and the archive's receipt or a failed hand-over."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from govshare.evidence.api_log import Keys
from govshare.exchange import archive_service
from govshare.exchange.archive_models import STATUS_LABELS, ArchiveTransfer
from govshare.exchange.archive_service import AgencyYear
from govshare.kit.errors import NotFound
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute

router = APIRouter(prefix="/api/v1/exchange/archive", tags=["exchange 交换·归档移交"],
                   route_class=TransactionalRoute)

STATE_LABELS = {**STATUS_LABELS, "pending": "待移交", "nothing": "无电子文件"}
REFUSED = {403: {"description": "不是本机关的机关管理员或市信息化主管部门"},
           409: {"description": "该机关该年度已移交（code: already_transferred），标记失败后才能重新移交"},
           422: {"description": "年度尚未结束（rule: year_not_ended），"
                              "或该年度没有电子文件（rule: nothing_to_transfer）"},
           503: {"description": "平台签名密钥不可用（code: key_unavailable）：未创建或口令未设置"}}


class TransferRead(BaseModel):
    id: int = Field(description="归档移交编号")
    agency_id: int = Field(description="移交机关")
    year: int = Field(description="电子文件所属年度")
    attempt: int = Field(description="第几次移交（前一次标记失败后加 1）")
    status: str = Field(description="overdue 逾期未移交、transferred 已移交、received 档案馆已接收、"
                                    "failed 移交失败")
    status_label: str = Field(description="状态的中文名")
    deadline_date: date = Field(description="移交期限：次年6月30日（GZ-15、GD-9）")
    late: bool = Field(description="逾期移交：在期限之后移交，或至今逾期未移交")
    resource_count: int = Field(description="涉及的资源数")
    record_count: int = Field(description="记录版本条数")
    file_count: int = Field(description="文件版本个数")
    package_name: str = Field(description="归档包文件名（POSIX tar）")
    package_sm3: str = Field(description="整个归档包的 SM3 摘要")
    manifest_sm3: str = Field(description="清单 manifest.json 的 SM3 摘要")
    key_id: str = Field(description="签署清单的平台密钥标识（公钥 DER 的 SM3）")
    transferred_at: datetime | None = Field(description="移交时间")
    transferred_by: str = Field(description="办理人")
    received_by: str = Field(description="档案馆接收人")
    received_at: datetime | None = Field(description="登记接收的时间")
    receipt_note: str = Field(description="接收说明（签收单号等）")
    failed_reason: str = Field(description="移交失败的原因")

    @classmethod
    def of(cls, t: ArchiveTransfer) -> TransferRead:
        fields = {k: getattr(t, k) for k in cls.model_fields if hasattr(t, k)}
        return cls(**fields, status_label=STATUS_LABELS[t.status],
                   package_name=Path(t.package_path).name if t.package_path else "")


class AgencyYearRead(BaseModel):
    agency_id: int
    agency_name: str
    credit_code: str
    state: str = Field(description="pending 待移交、nothing 无电子文件，或最近一次移交的状态")
    state_label: str
    resources: int = Field(description="该年度有电子文件的资源数（文书、证照类）")
    records: int = Field(description="该年度入库的文书、证照类记录版本条数")
    files: int = Field(description="该年度上传的文书、证照类文件版本个数")
    may_transfer: bool = Field(description="当前用户能否为该机关办理移交")
    transfer: TransferRead | None = Field(description="最近一次移交")

    @classmethod
    def of(cls, a: AgencyYear) -> AgencyYearRead:
        c = a.content
        return cls(agency_id=a.agency_id, agency_name=a.agency_name, credit_code=a.credit_code,
                   state=a.state, state_label=STATE_LABELS[a.state], resources=c.resources if c else 0,
                   records=c.records if c else 0, files=len(c.files) if c else 0,
                   may_transfer=a.may_transfer, transfer=TransferRead.of(a.transfer) if a.transfer else None)


class YearStatusRead(BaseModel):
    year: int
    deadline_date: date = Field(description="次年6月30日")
    days_left: int = Field(description="距期限的自然日数，已过为负")
    working_days_left: int = Field(description="距期限的工作日数（按工作日历），已过为负")
    provisional: bool = Field(description="工作日历尚未录入相关年度的节假日，工作日数暂按周末推算")
    agencies: list[AgencyYearRead]


class TransferCreate(BaseModel):
    year: int = Field(description="要移交的年度（已结束的年度）", examples=[2025])
    agency_id: int = Field(description="移交机关编号")


class ReceiptCreate(BaseModel):
    received_by: str = Field(description="档案馆接收人", max_length=100)
    note: str = Field("", description="签收单号或说明", max_length=500)


class FailureCreate(BaseModel):
    reason: str = Field(description="移交失败的原因", max_length=500)


def packages_dir(request: Request, year: int) -> Path:
    return Path(request.app.state.settings.data_dir) / "archive" / str(year)


@router.get("/transfers", response_model=YearStatusRead)
def year_status(db: DbSession, actor: CurrentActor,
                year: int = Query(description="年度，例如 2025"),
                agency_id: int | None = Query(None, description="只看一个机关")) -> YearStatusRead:
    """Per agency: the year's electronic documents, the latest transfer, the deadline and days left."""
    rows = archive_service.status(db, actor, year, agency_id)
    due = archive_service.countdown(db, year)
    return YearStatusRead(year=year, deadline_date=due.deadline, days_left=due.calendar_days,
                          working_days_left=due.working_days, provisional=due.provisional,
                          agencies=[AgencyYearRead.of(a) for a in rows])


@router.post("/transfers", status_code=201, response_model=TransferRead, responses=REFUSED)
def transfer(body: TransferCreate, request: Request, db: DbSession, actor: CurrentActor,
             keys: Keys) -> TransferRead:
    """Pack, sign and record the transfer of an agency's electronic documents of a finished year."""
    row = archive_service.transfer(db, actor, keys, body.agency_id, body.year,
                                   packages_dir(request, body.year))
    return TransferRead.of(row)


@router.get("/transfers/{transfer_id}", response_model=TransferRead)
def get_transfer(transfer_id: int, db: DbSession, actor: CurrentActor) -> TransferRead:
    """One transfer."""
    return TransferRead.of(archive_service.get_transfer(db, actor, transfer_id))


@router.get("/transfers/{transfer_id}/manifest", response_class=Response,
            responses={200: {"description": "签署的清单（RFC 8785 JSON，与包内 manifest.json 逐字节相同）",
                             "content": {"application/json": {}}}})
def manifest(transfer_id: int, db: DbSession, actor: CurrentActor) -> Response:
    """The signed manifest exactly as in the package; X-Manifest-SM3 carries its digest."""
    row = archive_service.get_transfer(db, actor, transfer_id)
    if not row.manifest:
        raise NotFound("该归档移交尚未生成清单", field="transfer_id", rule="manifest_exists")
    return Response(row.manifest.encode("utf-8"), media_type="application/json",
                    headers={"X-Manifest-SM3": row.manifest_sm3})


@router.get("/transfers/{transfer_id}/package", response_class=FileResponse,
            responses={200: {"description": "归档包（POSIX tar）", "content": {"application/x-tar": {}}}})
def package(transfer_id: int, db: DbSession, actor: CurrentActor):
    """The package as written (X-Content-SM3), for handing to the archive."""
    row = archive_service.get_transfer(db, actor, transfer_id)
    path = Path(row.package_path) if row.package_path else None
    if path is None or not path.is_file():
        raise NotFound("归档包文件不在平台上（可能已移走）", field="transfer_id", rule="package_exists")
    return FileResponse(path, media_type="application/x-tar", filename=path.name,
                        headers={"X-Content-SM3": row.package_sm3})


@router.post("/transfers/{transfer_id}/receipt", response_model=TransferRead, responses=REFUSED)
def receipt(transfer_id: int, body: ReceiptCreate, db: DbSession, actor: CurrentActor) -> TransferRead:
    """Record that the archive signed for the package."""
    row = archive_service.record_receipt(db, actor, transfer_id, body.received_by, body.note)
    return TransferRead.of(row)


@router.post("/transfers/{transfer_id}/failed", response_model=TransferRead, responses=REFUSED)
def failed(transfer_id: int, body: FailureCreate, db: DbSession, actor: CurrentActor) -> TransferRead:
    """Mark a transfer failed; the agency-year may then be transferred again."""
    return TransferRead.of(archive_service.mark_failed(db, actor, transfer_id, body.reason))
