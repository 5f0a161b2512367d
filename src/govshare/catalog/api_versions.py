"""API of the shared catalog's versions (政府信息共享目录, GZ-8, GZ-9): compile, diff, decide,
publish, and read any version — or the one in force on a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from govshare.catalog import version_service
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.kit.clock import today
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import Page, PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description="版本标识")
    number: int = Field(description="版本号（第 N 版），依次递增")
    status: str = Field(description="compiled（已编制待审批）、approved（政府已批准）、"
                                    "rejected（政府未批准）、published（已发布，现行）"
                                    "或 superseded（已被新版本取代）")
    status_label: str = Field(description="状态的中文名称")
    base_version_id: int | None = Field(description="编制时现行的已发布版本，差异即相对于它")
    compiled_by: str = Field(description="编制人")
    compiled_at: datetime = Field(description="编制时间（UTC）")
    entry_count: int = Field(description="本版本包含的目录条目数")
    removes_content: bool = Field(description="本版本是否删减了条目或信息项（GZ-9：须经政府明确批准）")
    diff_summary: dict[str, Any] = Field(
        description="与基础版本相比的差异汇总：added/changed/removed（条目数）、items_added/"
                    "items_changed/items_removed（信息项数）、base_number，以及 needs（考虑的共享需求："
                    "considered 总数、met 已满足数、unmet 未满足的需求列表）")
    decided_by: str | None = Field(description="作出审批决定的政府审批人")
    decided_at: datetime | None = Field(description="审批决定时间（UTC）")
    decision_note: str = Field(description="审批意见；不批准时为理由")
    removal_approved: bool = Field(description="政府是否明确批准了本版本的删减")
    published_by: str | None = Field(description="发布人")
    published_at: datetime | None = Field(description="发布时间（UTC）；自此时起本版本为现行版本")


def _read(version) -> VersionRead:
    data = {name: getattr(version, name) for name in VersionRead.model_fields
            if name != "status_label"}
    return VersionRead(**data, status_label=VersionStatus(version.status).label)


class DecisionCreate(BaseModel):
    approve: bool = Field(description="true 批准，false 不批准")
    reason: str = Field("", description="审批意见；不批准时必须写明理由")
    removal_approved: bool = Field(
        False, description="明确批准本版本对目录内容的删减；版本删减条目或信息项时，批准必须为 true")


class FieldChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    field: str = Field(description="字段名（冻结文档中的键，如 name、share_type、item_order）")
    before: Any = Field(description="基础版本中的值")
    after: Any = Field(description="本版本中的值")


class ItemChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str = Field(description="信息项名称（同一条目内唯一，用于对应前后两版）")
    fields: list[FieldChangeRead] = Field(description="该信息项变化的字段")


class EntryRefRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    resource_code: str = Field(description="资源代码")
    name: str = Field(description="资源名称")
    provider: str = Field(description="提供单位")


class EntryChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    resource_code: str = Field(description="资源代码")
    name: str = Field(description="资源名称（本版本）")
    provider: str = Field(description="提供单位（本版本）")
    fields: list[FieldChangeRead] = Field(description="条目层面变化的字段及前后值")
    items_added: list[dict[str, Any]] = Field(description="新增的信息项（冻结文档）")
    items_removed: list[dict[str, Any]] = Field(description="删除的信息项（冻结文档）")
    items_changed: list[ItemChangeRead] = Field(description="修改的信息项及变化的字段")


class DiffRead(BaseModel):
    version_id: int = Field(description="版本标识")
    number: int = Field(description="版本号")
    base_number: int | None = Field(description="比较所依据的已发布版本号；首个版本为空（全部为新增）")
    totals: dict[str, int] = Field(description="全部差异的条目数：added、changed、removed")
    added: list[EntryRefRead] = Field(description="新增的条目（本页，按资源代码排序）")
    changed: list[EntryChangeRead] = Field(description="变更的条目（本页），含字段和信息项的变化")
    removed: list[EntryRefRead] = Field(description="删除的条目（本页）")
    offset: int = Field(description="每一类差异从第几条开始")
    limit: int = Field(description="每一类差异最多返回的条数")


class VersionEntryRead(BaseModel):
    resource_code: str = Field(description="资源代码")
    entry_id: int = Field(description="目录条目标识")
    agency_id: int = Field(description="提供单位的机关标识")
    content_hash: str = Field(description="冻结内容（RFC 8785 规范 JSON）的 SM3 哈希")
    document: dict[str, Any] = Field(description="条目在本版本中的冻结内容：共享条件、提供单位、信息项等")


@router.post("/versions", response_model=VersionRead, status_code=201)
def compile_version(db: DbSession, actor: CurrentActor):
    """Compile a new version from the filed entries and the needs (city IT authority, GZ-8)."""
    return _read(version_service.compile_version(db, actor))


@router.get("/versions", response_model=PageRead[VersionRead])
def list_versions(db: DbSession, actor: CurrentActor, limit: int = Query(50), offset: int = 0):
    """Every version of the shared catalog, newest first (GZ-9: each stays retrievable)."""
    page = version_service.list_versions(db, actor, PageRequest(limit, offset))
    return PageRead[VersionRead](items=[_read(v) for v in page.items], total=page.total,
                                 limit=page.limit, offset=page.offset)


@router.get("/versions/{version_id}", response_model=VersionRead)
def get_version(version_id: int, db: DbSession, actor: CurrentActor):
    """One version: status, decision, publication and the summary of its changes."""
    return _read(version_service.get_version(db, actor, version_id))


@router.get("/versions/{version_id}/diff", response_model=DiffRead)
def version_diff(version_id: int, db: DbSession, actor: CurrentActor, offset: int = Query(0, ge=0),
                 limit: int = Query(1000, ge=1, le=5000)):
    """Added, changed and removed entries (and items) against the version it was compiled on."""
    diff = version_service.version_diff(db, actor, version_id, offset, limit)
    return DiffRead(version_id=diff.version.id, number=diff.version.number,
                    base_number=diff.base_number, totals=diff.totals,
                    added=[EntryRefRead.model_validate(e) for e in diff.added],
                    changed=[EntryChangeRead.model_validate(e) for e in diff.changed],
                    removed=[EntryRefRead.model_validate(e) for e in diff.removed],
                    offset=diff.offset, limit=diff.limit)


@router.post("/versions/{version_id}/decision", response_model=VersionRead)
def decide_version(version_id: int, body: DecisionCreate, db: DbSession, actor: CurrentActor):
    """The government approves or rejects a compiled version (GZ-8); removals need
    `removal_approved` (GZ-9)."""
    return _read(version_service.decide_version(db, actor, version_id, body.approve, body.reason,
                                                body.removal_approved))


@router.post("/versions/{version_id}/publish", response_model=VersionRead)
def publish_version(version_id: int, db: DbSession, actor: CurrentActor):
    """Publish an approved version; the one in force until now is superseded."""
    return _read(version_service.publish_version(db, actor, version_id))


@router.get("/versions/{version_id}/entries", response_model=PageRead[VersionEntryRead])
def version_entries(version_id: int, db: DbSession, actor: CurrentActor,
                    agency_id: int | None = None, limit: int = Query(50), offset: int = 0):
    """The entries of a version exactly as frozen, by resource code."""
    page = version_service.version_entries(db, actor, version_id, PageRequest(limit, offset),
                                           agency_id)
    return _entries(page)


def _entries(page: Page) -> PageRead[VersionEntryRead]:
    items = [VersionEntryRead(resource_code=e.resource_code, entry_id=e.entry_id,
                              agency_id=e.agency_id, content_hash=e.content_hash,
                              document=thaw(e.content)) for e in page.items]
    return PageRead[VersionEntryRead](items=items, total=page.total, limit=page.limit,
                                      offset=page.offset)


@router.get("/published", response_model=VersionRead)
def published_as_of(db: DbSession, actor: CurrentActor,
                    as_of: date | None = Query(None, description="日期 YYYY-MM-DD；缺省为今天")):
    """The version in force on a date (China time); its entries via /versions/{id}/entries."""
    return _read(version_service.published_as_of(db, actor, as_of or today()))
