"""GET /api/v1/catalog/search: the published shared catalog, searched in Chinese; and
GET /api/v1/catalog/published/{resource_code}: one entry of it as published, where hits lead."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from govshare.catalog import published_labels, published_service, search_service
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)


class SearchHitRead(BaseModel):
    entry_id: int = Field(description="目录条目编号")
    resource_code: str = Field(description="资源代码 {分类码}/{顺序码}；已发布的内容见 "
                                           "/api/v1/catalog/published/{resource_code}")
    name: str = Field(description="资源名称")
    abstract: str = Field(description="资源摘要")
    provider_agency_id: int = Field(description="提供机关编号")
    provider_name: str = Field(description="提供机关名称")
    classification: str = Field(description="分类码：类(1位)+项(2位)+目(3位)")
    share_type: str = Field(description="共享类型：unconditional / conditional / not_shared")
    share_type_label: str = Field(description="共享类型（中文）")
    share_mode: str = Field(description="共享方式代码")
    share_mode_label: str = Field(description="共享方式（中文）")
    resource_kind: str = Field(description="资源类型：licence 证照 / document 文书 / business 其他")
    library_group: str = Field(description="所属基础信息库")
    matched_in: list[str] = Field(description="检索词出现的位置：name, abstract, provider, items")
    matched_items: list[str] = Field(description="含检索词的信息项名称")


class SearchResultRead(BaseModel):
    items: list[SearchHitRead]
    total: int = Field(description="命中条目总数；total_is_exact 为 false 时表示“至少这么多”，"
                                   "计数在 1000 条（或所请求的页之后）处停止")
    total_is_exact: bool = Field(description="total 是否为精确总数；false 时命中多于 total 条，"
                                             "可继续按 offset 翻页")
    limit: int
    offset: int
    query: str
    version_number: int | None = Field(description="所检索的共享目录版本号；尚未发布时为空")
    published_at: datetime | None = Field(description="该版本的发布时间")


@router.get("/search", response_model=SearchResultRead)
def search_catalog(
    db: DbSession, actor: CurrentActor,
    q: str = Query("", description="检索词：名称、摘要、信息项、提供机关；两个汉字即可检索，单字按前缀"),
    share_type: str | None = Query(None, description="共享类型"),
    provider_agency_id: str | None = Query(None, description="提供机关编号"),
    classification: str | None = Query(None, description="分类码前缀：1、101 或 101001"),
    share_mode: str | None = Query(None, description="共享方式"),
    resource_kind: str | None = Query(None, description="资源类型"),
    library_group: str | None = Query(None, description="基础信息库（GZ-11）"),
    limit: int = Query(20, description="每页条数，1–200"),
    offset: int = Query(0, description="跳过的条数"),
):
    """Search the published shared catalog; entries whose name matches come first."""
    filters = search_service.SearchFilters(
        share_type=share_type, provider_agency_id=provider_agency_id,
        classification=classification, share_mode=share_mode, resource_kind=resource_kind,
        library_group=library_group)
    result = search_service.search_catalog(db, actor, q, filters, PageRequest(limit, offset))
    items = [SearchHitRead(**{**vars(hit), "share_type_label": hit.share_type_label,
                              "share_mode_label": hit.share_mode_label}) for hit in result.page.items]
    return SearchResultRead(items=items, total=result.page.total,
                            total_is_exact=result.total_is_exact, limit=result.page.limit,
                            offset=result.page.offset, query=result.query,
                            version_number=result.version_number, published_at=result.published_at)


class PublishedEntryRead(BaseModel):
    resource_code: str = Field(description="资源代码")
    entry_id: int = Field(description="目录条目编号")
    version_id: int = Field(description="所据共享目录版本的标识")
    version_number: int = Field(description="所据共享目录版本号（第 N 版）")
    published_at: datetime = Field(description="该版本的发布时间")
    in_force: bool = Field(description="该版本是否为现行版本（按 as_of 查询较早日期时可能为否）")
    content_hash: str = Field(description="冻结内容（RFC 8785 规范 JSON）的 SM3 哈希")
    document: dict[str, Any] = Field(description="条目在该版本中的冻结内容：共享条件、提供单位、信息项等")
    labels: dict[str, str | None] = Field(
        description="document 中代码值的中文名称：category、format_class、share_type、share_mode、"
                    "update_cycle、deadline_class、resource_kind、library_group")
    item_labels: list[dict[str, str | None]] = Field(
        description="各信息项（与 document.items 同序）代码值的中文名称：data_type、share_type、"
                    "sensitivity、subject_key")


@router.get("/published/{resource_code:path}", response_model=PublishedEntryRead)
def published_entry(resource_code: str, db: DbSession, actor: CurrentActor,
                    as_of: date | None = Query(None, description="日期 YYYY-MM-DD：该日有效的版本；"
                                                                 "缺省为现行版本")):
    """One entry as the published shared catalog states it, even while its agency revises it."""
    found = published_service.published_entry(db, actor, resource_code, as_of)
    doc = found.document
    return PublishedEntryRead(
        resource_code=doc["resource_code"], entry_id=found.entry_id, version_id=found.version_id,
        version_number=found.version_number, published_at=found.published_at,
        in_force=found.in_force, content_hash=found.content_hash, document=doc,
        labels=published_labels.entry_labels(doc),
        item_labels=[published_labels.item_labels(item) for item in doc["items"]])
