"""Data snapshots over HTTP (GZ-23, GZ-24, GD-31): a snapshot by id and its evidence file, for
the requesting agency and oversight (anyone else: 404); the auditors' search over snapshots and
audit events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from govshare.evidence import search_service, snapshot_service
from govshare.evidence.api_log import Keys
from govshare.evidence.schemas import AuditEventRead
from govshare.kit.clock import CHINA
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence 数据快照"], route_class=TransactionalRoute)
NOT_FOUND = {404: {"description": "没有该快照，或它不属于本机关（不透露是否存在）"}}


class SnapshotSummaryRead(BaseModel):
    id: int = Field(description="快照编号")
    taken_at: datetime = Field(description="生成时间（与答复同一事务）")
    kind: str = Field(description="query（查询）、verify（核验）、api（经提供机关接口查询）")
    agency_id: int = Field(description="查询机关")
    actor: str = Field(description="查询者，如 user:7 钱办事")
    resource_code: str = Field(description="资源代码")
    grant_id: int | None = Field(description="所依据的授权")
    case_number: str = Field(description="办件号")
    query_log_id: int | None = Field(description="查询日志编号")
    leaf_index: int | None = Field(description="在收据日志中的序号；空表示尚待写入（后台每秒写入）")


class SnapshotRead(SnapshotSummaryRead):
    status: str = Field(description="pending：尚无签名树头覆盖；covered：已被签名树头覆盖，可取证据文件")
    tree_size: int | None = Field(description="覆盖它的第一个签名树头的大小")
    signed_at: datetime | None = Field(description="该树头的签署时间")
    snapshot: dict[str, Any] = Field(description="快照内容（收据日志叶数据，RFC 8785 JSON）："
                                                 "requester、grant_id、purpose、query、returned、records")
    leaf_data: str = Field(description="快照的规范化字节（即被哈希的叶数据），原样")


def _summary(row) -> dict[str, Any]:
    return {k: getattr(row, k) for k in SnapshotSummaryRead.model_fields}


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotRead, responses=NOT_FOUND)
def read_snapshot(db: DbSession, actor: CurrentActor, snapshot_id: int):
    """A data snapshot: what was returned, to whom, why, from which record versions (GZ-23)."""
    view = snapshot_service.read_snapshot(db, actor, snapshot_id)
    head = view.head
    return SnapshotRead(**_summary(view.row), status="covered" if head else "pending",
                        tree_size=head.tree_size if head else None,
                        signed_at=datetime.fromtimestamp(head.timestamp / 1000, CHINA) if head else None,
                        snapshot=view.body, leaf_data=view.row.data)


PENDING = {409: {"description": "尚无签名树头覆盖（rule: tree_head_pending），稍后再取"}}


@router.get("/snapshots/{snapshot_id}/evidence", responses={**NOT_FOUND, **PENDING})
def snapshot_evidence(db: DbSession, actor: CurrentActor, keys: Keys, snapshot_id: int):
    """The snapshot's self-contained evidence file: `govshare verify FILE` checks it offline."""
    document = snapshot_service.snapshot_evidence(db, actor, keys, snapshot_id)
    return JSONResponse(document, headers={
        "Content-Disposition": f'attachment; filename="govshare-snapshot-{snapshot_id}.json"'})


class SearchRead(BaseModel):
    agency_id: int | None = Field(description="检索的机关（机关管理员只能检索本机关）")
    snapshots: list[SnapshotSummaryRead]
    events: list[AuditEventRead]
    events_searched: bool = Field(description="按主体检索时为 false：审计记录不含主体标识")


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """China calendar days, the end inclusive: [since 00:00, the day after until 00:00)."""
    start = datetime.combine(since, time.min, CHINA) if since else None
    end = datetime.combine(until, time.min, CHINA) + timedelta(days=1) if until else None
    return start, end


@router.get("/search", response_model=SearchRead)
def search(db: DbSession, actor: CurrentActor,
           agency: int | None = Query(None, description="机关编号"),
           subject: str = Query("", description="主体标识（按其 SM3 摘要查找，平台不存明文索引）"),
           user: str = Query("", description="查询者或操作者（姓名或 user:7 的一部分）"),
           since: date | None = Query(None, description="起始日期（北京时间，含）"),
           until: date | None = Query(None, description="截止日期（北京时间，含）"),
           limit: int = Query(50, ge=1, le=200, description="每类最多条数")):
    """Snapshots and audit events by agency, subject, user and time (GD-31), newest first."""
    start, end = day_bounds(since, until)
    found = search_service.search(db, actor, search_service.SearchFilter(agency, subject, user, start, end,
                                                                         limit))
    return SearchRead(agency_id=found.agency_id, events_searched=found.events_searched,
                      snapshots=[SnapshotSummaryRead(**_summary(s)) for s in found.snapshots],
                      events=[AuditEventRead.model_validate(e) for e in found.events])

