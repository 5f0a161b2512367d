"""Console page 目录检索: search the published shared catalog; hits lead to the entry as published
(web_published)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request

from govshare.catalog import search_service, web_published
from govshare.catalog.terms import LibraryGroup, ResourceKind, ShareMode, ShareType
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
router.include_router(web_published.router)
PAGE_SIZE = 20
CATEGORIES = [("1", "1 基础信息资源"), ("2", "2 主题信息资源"), ("3", "3 部门信息资源")]


@router.get("/catalog/search")
def search_page(request: Request, db: DbSession, actor: PageActor, q: str = "",
                share_type: str = "", provider_agency_id: str = "", classification: str = "",
                share_mode: str = "", resource_kind: str = "", library_group: str = "",
                page: int = 1):
    page_no = max(page, 1)
    filters = search_service.SearchFilters(
        share_type=share_type, provider_agency_id=provider_agency_id,
        classification=classification, share_mode=share_mode, resource_kind=resource_kind,
        library_group=library_group)
    result = search_service.search_catalog(db, actor, q, filters,
                                           PageRequest(PAGE_SIZE, (page_no - 1) * PAGE_SIZE))
    pages = max((result.page.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "catalog/search.html", result=result, f=filters, page_no=page_no,
                  pages=pages, more=not result.total_is_exact,
                  providers=search_service.list_providers(db, actor),
                  share_types=ShareType.choices(), share_modes=ShareMode.choices(),
                  resource_kinds=ResourceKind.choices(), library_groups=LibraryGroup.choices(),
                  categories=CATEGORIES, params=_params(request))


def _params(request: Request) -> str:
    """The query string without `page`, for the pager's links."""
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
