"""Search totals are counted up to a cap (search.COUNT_CAP = 1000, or the page asked for if it
lies further): beyond it the API says `total_is_exact: false` and the page says 1000 条以上
(GZ-8). Exact counts of broad words visited every hit and made PostgreSQL miss its p95."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from govshare.catalog import search, search_terms
from govshare.catalog.models import Version
from govshare.catalog.snapshot import entry_document
from govshare.demo.catalog_scale import synthetic_entries
from govshare.directory.models import Agency
from tests.catalog.test_search import DEMO_ENTRIES, publish

EXTRA = 1005  # synthetic entries: each has the item 公民身份号码


@pytest.fixture
def published(db):
    with db.session() as s:
        db.version_number = publish(s).number
    return db


@pytest.fixture
def crowded(published):
    """The published demo catalog plus 1,005 synthetic documents in the search index."""
    with published.session() as s:
        version_id = s.scalar(select(Version.id).where(Version.status == "published"))
        agency = s.scalar(select(Agency).where(Agency.id == published.agency_id("civil")))
        documents = [(DEMO_ENTRIES + n, (0, _document(n, draft, agency)))
                     for n, (_, draft) in enumerate(synthetic_entries(EXTRA), start=1)]
        search.index_documents(s, version_id, documents)
    return published


def _document(n: int, draft, agency: Agency) -> dict:
    values = {name: getattr(draft, name) for name in draft.__dataclass_fields__ if name != "items"}
    code = f"{draft.category}{draft.subcategory}{draft.subject}/{900000 + n}"
    entry = SimpleNamespace(**values, resource_code=code, agency_id=agency.id, revision=1,
                            items=list(draft.items))
    return entry_document(entry, agency.name, agency.credit_code)


def _find(db, query: str, limit: int, offset: int = 0, cap: int = search.COUNT_CAP):
    with db.session() as s:
        return search.find(s, search_terms.query_terms(query), [], limit, offset, cap)


@pytest.mark.req("GZ-8")
def test_a_total_within_the_cap_is_exact(published):
    found = _find(published, "登记", limit=2, cap=1000)
    assert found.total_is_exact and found.total == len(_find(published, "登记", 50).ids) > 2


@pytest.mark.req("GZ-8")
def test_beyond_the_cap_the_total_is_a_lower_bound_and_paging_goes_on(published):
    everything = _find(published, "息", limit=50).ids
    assert len(everything) == DEMO_ENTRIES
    first = _find(published, "息", limit=2, cap=5)
    assert (first.total, first.total_is_exact) == (5, False)
    # a page past the cap is counted up to its end, and the last page is exact again
    deeper = _find(published, "息", limit=2, offset=6, cap=5)
    assert (deeper.total, deeper.total_is_exact, deeper.ids) == (8, False, everything[6:8])
    last = _find(published, "息", limit=5, offset=8, cap=5)
    assert (last.total, last.total_is_exact, last.ids) == (DEMO_ENTRIES, True, everything[8:])


@pytest.mark.req("GZ-8")
def test_the_page_beyond_the_name_tier_is_found_with_a_capped_count(published):
    whole = _find(published, "登记", limit=50).ids
    for offset in range(len(whole)):
        assert _find(published, "登记", limit=1, offset=offset, cap=1).ids == whole[offset:offset + 1]


@pytest.mark.req("GZ-8")
def test_api_and_page_say_when_the_total_is_not_exact(crowded, signed_in):
    client = signed_in("police_clerk")
    body = client.get("/api/v1/catalog/search", params={"q": "公民身份号码"}).json()
    assert (body["total"], body["total_is_exact"], len(body["items"])) == (1000, False, 20)
    tail = client.get("/api/v1/catalog/search",
                      params={"q": "公民身份号码", "offset": 1000, "limit": 50}).json()
    assert tail["total_is_exact"] and tail["total"] == 1000 + len(tail["items"]) > 1005
    exact = client.get("/api/v1/catalog/search", params={"q": "婚姻登记"}).json()
    assert exact["total_is_exact"] and exact["total"] < 1000
    page = client.get("/catalog/search", params={"q": "公民身份号码"}).text
    assert "找到 1000 条以上资源" in page and "共找到" not in page
    assert "第 1 / 50+ 页" in page and "page=2\">下一页" in page
    page_50 = client.get("/catalog/search", params={"q": "公民身份号码", "page": 50}).text
    assert "第 50 / 50+ 页" in page_50 and "page=51\">下一页" in page_50
    page_51 = client.get("/catalog/search", params={"q": "公民身份号码", "page": 51}).text
    assert "共找到 10" in page_51 and "下一页" not in page_51
