"""Finding a resource in the published shared catalog (GZ-8, GZ-11): in Chinese, with filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from govshare.catalog import policy, search, search_terms
from govshare.catalog.models import Version
from govshare.catalog.search_models import SearchEntry
from govshare.catalog.terms import Labelled, LibraryGroup, ResourceKind, ShareMode, ShareType
from govshare.directory.models import Agency
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput
from govshare.kit.pagination import Page, PageRequest

VOCABULARIES: dict[str, tuple[type[Labelled], str]] = {
    "share_type": (ShareType, "st"), "share_mode": (ShareMode, "sm"),
    "resource_kind": (ResourceKind, "rk"), "library_group": (LibraryGroup, "lg"),
}
FIELD_LABELS = {"share_type": "共享类型", "share_mode": "共享方式", "resource_kind": "资源类型",
                "library_group": "基础信息库"}


@dataclass(frozen=True)
class SearchFilters:
    """Filters as given (a form or a query string); blank means no filter."""

    share_type: str | None = None
    provider_agency_id: str | int | None = None
    classification: str | None = None  # 类 (1), 类+项 (101) or 类+项+目 (101001)
    share_mode: str | None = None
    resource_kind: str | None = None
    library_group: str | None = None


@dataclass(frozen=True)
class SearchHit:
    entry_id: int
    resource_code: str
    name: str
    abstract: str
    provider_agency_id: int
    provider_name: str
    classification: str
    share_type: str
    share_mode: str
    resource_kind: str
    library_group: str
    matched_in: list[str]  # name, abstract, items, provider: where the query's words occur
    matched_items: list[str]  # the information items that hold them
    name_marks: list[tuple[str, bool]]  # the name in pieces, True where it matched

    @property
    def share_type_label(self) -> str:
        return ShareType(self.share_type).label

    @property
    def share_mode_label(self) -> str:
        return ShareMode(self.share_mode).label


@dataclass(frozen=True)
class SearchResult:
    page: Page[SearchHit]  # page.total: every hit, or at least that many (total_is_exact)
    query: str
    version_number: int | None = None  # None: no shared catalog published yet
    published_at: datetime | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    # False when counting stopped at search.COUNT_CAP (or at the page asked for, if further):
    # there are more than page.total hits. Exact counts of broad words cost every hit.
    total_is_exact: bool = True


def search_catalog(session: Session, actor: Actor, query: str, filters: SearchFilters,
                   page: PageRequest) -> SearchResult:
    """Search the published shared catalog by words in names, abstracts, items and providers."""
    policy.can_read_catalog(actor)
    query = (query or "").strip()
    if len(query) > search_terms.MAX_QUERY_LENGTH:
        raise InvalidInput(f"检索词不能超过 {search_terms.MAX_QUERY_LENGTH} 个字", field="q",
                           rule="max_length")
    facets = _facets(session, filters)
    terms = search_terms.query_terms(query)
    if query and not terms:  # only punctuation: nothing can contain it as a word
        return _result(session, query, filters, Page([], 0, page.limit, page.offset))
    found = search.find(session, terms, facets, page.limit, page.offset)
    hits = [_hit(row, query) for row in search.fetch(session, found.ids)]
    return _result(session, query, filters, Page(hits, found.total, page.limit, page.offset),
                   found.total_is_exact)


def list_providers(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The agencies with entries in the published catalog: the choices of the provider filter."""
    policy.can_read_catalog(actor)
    return search.providers(session)


def _result(session: Session, query: str, filters: SearchFilters, page: Page,
            exact: bool = True) -> SearchResult:
    version_id = search.indexed_version_id(session)
    version = session.get(Version, version_id) if version_id else None
    return SearchResult(page, query, version.number if version else None,
                        version.published_at if version else None, filters, exact)


def _facets(session: Session, filters: SearchFilters) -> list[str]:
    """The index terms of the filters, each value checked against its vocabulary."""
    facets = []
    for name, (vocabulary, kind) in VOCABULARIES.items():
        value = _blank_to_none(getattr(filters, name))
        if value is None:
            continue
        if value not in {m.value for m in vocabulary}:
            raise InvalidInput(f"{FIELD_LABELS[name]}“{value}”不在可选范围内", field=name,
                               rule="choice")
        facets.append(search_terms.facet(kind, value))
    agency_id = _agency_id(session, filters.provider_agency_id)
    if agency_id is not None:
        facets.append(search_terms.facet("ag", agency_id))
    classification = _classification(filters.classification)
    if classification is not None:
        facets.append(search_terms.facet("cl", classification))
    return facets


def _blank_to_none(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _agency_id(session: Session, value: str | int | None) -> int | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    try:
        agency_id = int(value)
    except ValueError:
        raise InvalidInput("提供机关应为机关编号", field="provider_agency_id", rule="integer") from None
    if session.get(Agency, agency_id) is None:
        raise InvalidInput(f"没有编号为 {agency_id} 的机关", field="provider_agency_id", rule="exists")
    return agency_id


def _classification(value: str | None) -> str | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) in (1, 3, 6) and value[0] in "123"):
        raise InvalidInput("资源分类应为类（1 位，1–3）、类+项（3 位）或类+项+目（6 位）的代码，"
                           "如 1、101、101001", field="classification", rule="format")
    return value


def _hit(row: SearchEntry, query: str) -> SearchHit:
    items = row.item_names.split("、") if row.item_names else []
    matched_items = [name for name in items if search_terms.contains(name, query)]
    places = {"name": row.name, "abstract": row.abstract, "provider": row.provider_name}
    matched_in = [place for place, value in places.items() if search_terms.contains(value, query)]
    if matched_items:
        matched_in.append("items")
    return SearchHit(
        entry_id=row.entry_id, resource_code=row.resource_code, name=row.name,
        abstract=row.abstract, provider_agency_id=row.provider_agency_id,
        provider_name=row.provider_name, classification=row.classification,
        share_type=row.share_type, share_mode=row.share_mode, resource_kind=row.resource_kind,
        library_group=row.library_group, matched_in=matched_in, matched_items=matched_items,
        name_marks=search_terms.marked(row.name, query))
