"""GET /api/v1/catalog/search: the published shared catalog, searched in Chinese."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from govshare.catalog import search_service
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)


class SearchHitRead(BaseModel):
    entry_id: int = Field(description="目录条目编号，详情见 /catalog/entries/{entry_id}")
    resource_code: str = Field(description="资源代码 {分类码}/{顺序码}")
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
    total: int = Field(description="命中条目总数")
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
    return SearchResultRead(items=items, total=result.page.total, limit=result.page.limit,
                            offset=result.page.offset, query=result.query,
                            version_number=result.version_number, published_at=result.published_at)
