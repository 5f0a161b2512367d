"""Search over the published shared catalog, on SQLite and PostgreSQL (GZ-8, GZ-11).

Versions are published here by writing Version and VersionEntry rows the way publishing does
(frozen entry documents) and calling `reindex_published`, as the publishing transaction will."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from govshare.catalog import entry_service, search, search_terms
from govshare.catalog.models import Entry, Version, VersionEntry
from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.catalog.search_service import SearchFilters, search_catalog
from govshare.catalog.snapshot import entry_document, freeze
from govshare.directory.models import Agency
from govshare.kit.actor import Actor, Role
from govshare.kit.clock import now
from govshare.kit.errors import Forbidden, InvalidInput
from govshare.kit.pagination import PageRequest
from tests.conftest import make_client

DEMO_ENTRIES = 12


def publish(session) -> Version:
    """Publish every filed entry as the next version of the shared catalog."""
    number = (session.scalar(select(Version.number).order_by(Version.number.desc()).limit(1)) or 0) + 1
    session.execute(update(Version).where(Version.status == "published").values(status="superseded"))
    version = Version(number=number, status="published", compiled_by="test", published_by="test",
                      published_at=now())
    session.add(version)
    session.flush()
    for entry in session.scalars(select(Entry).where(Entry.status == "filed").order_by(Entry.id)):
        agency = session.get(Agency, entry.agency_id)
        content, digest = freeze(entry_document(entry, agency.name, agency.credit_code))
        session.add(VersionEntry(version_id=version.id, entry_id=entry.id, agency_id=agency.id,
                                 resource_code=entry.resource_code, content=content,
                                 content_hash=digest))
    session.flush()
    search.reindex_published(session, version.id)
    return version


def clerk(db, key: str = "civil", *roles: Role) -> Actor:
    return Actor(kind="user", id=None, name="检索测试", agency_id=db.agency_id(key),
                 agency_level="city", division_code="440100",
                 roles=frozenset(roles or (Role.AGENCY_STAFF,)))


def find(db, query: str = "", limit: int = 50, offset: int = 0, actor: Actor | None = None,
         **filters):
    with db.session() as s:
        return search_catalog(s, actor or clerk(db), query, SearchFilters(**filters),
                              PageRequest(limit, offset))


def names(result) -> list[str]:
    return [h.name for h in result.page.items]


@pytest.fixture
def published(db):
    """The demo city with its filed entries published (as a new version, should the seed
    have published one already)."""
    with db.session() as s:
        db.version_number = publish(s).number
    return db


# --- the terms ---------------------------------------------------------------------------------

def test_chinese_is_cut_into_bigrams_and_a_last_character():
    assert search_terms.index_terms("户籍人口") == ["户籍", "籍人", "人口", "口"]
    assert search_terms.index_terms("婚") == ["婚"]
    assert search_terms.index_terms("营业执照ＡＢ１２，住所") == ["营业", "业执", "执照", "照", "ab12",
                                                             "住所", "所"]


def test_a_query_asks_for_bigrams_exactly_and_a_lone_character_as_a_prefix():
    terms = search_terms.query_terms("婚姻登记 婚 101001")
    assert [(t.text, t.prefix) for t in terms] == [
        ("婚姻", False), ("姻登", False), ("登记", False), ("婚", True), ("101001", True)]
    assert search_terms.query_terms("，。！") == []


# --- finding -----------------------------------------------------------------------------------

@pytest.mark.req("GZ-8")
@pytest.mark.parametrize("query, expected", [
    ("婚姻", "婚姻登记信息"), ("户籍", "户籍人口信息"), ("营业", "营业执照信息"),
    ("营业执照", "营业执照信息"), ("不动产登记", "不动产登记信息")])
def test_two_and_four_character_chinese_queries_find_the_resource_first(published, query, expected):
    result = find(published, query)
    assert names(result)[0] == expected
    assert result.page.items[0].name_marks[0:2] != [(expected, False)]  # the name is highlighted
    assert result.version_number == published.version_number


@pytest.mark.req("GZ-8")
def test_a_single_character_finds_every_entry_that_holds_it(published):
    result = find(published, "婚")
    assert "婚姻登记信息" in names(result)
    for hit in result.page.items:
        assert any(search_terms.contains(text, "婚") for text in
                   (hit.name, hit.abstract, hit.provider_name, *hit.matched_items))


@pytest.mark.req("GZ-8")
def test_a_character_that_only_ends_a_word_is_found_too(published):
    # In the demo catalog 息 only ever ends a run (…信息, …信息。), so no bigram starts with it:
    # only the indexed last character lets a one-character query find it.
    result = find(published, "息")
    assert result.page.total == DEMO_ENTRIES


@pytest.mark.req("GZ-8")
def test_an_item_name_finds_its_entry_and_says_which_item(published):
    result = find(published, "结婚证字号")
    assert names(result) == ["婚姻登记信息"]
    hit = result.page.items[0]
    assert hit.matched_items == ["结婚证字号"]
    assert hit.matched_in == ["items"]


@pytest.mark.req("GZ-8")
def test_a_provider_name_finds_what_that_agency_provides(published):
    result = find(published, "公安")
    # Not-shared resources are in the catalog too (GZ-8 lists what is not shared and why).
    assert sorted(names(result)) == ["户籍人口信息", "未成年人犯罪记录封存信息"]
    assert {i.provider_name for i in result.page.items} == {"广州市公安局"}
    assert {tuple(i.matched_in) for i in result.page.items} == {("provider",)}


@pytest.mark.req("GZ-8")
def test_letters_and_digits_match_resource_codes_and_mix_with_chinese(published):
    with published.session() as s:
        code = s.scalar(select(Entry.resource_code).where(Entry.name == "营业执照信息"))
    classification, sequence = code.split("/")
    assert names(find(published, code)) == ["营业执照信息"]
    assert names(find(published, f"营业 {classification}")) == ["营业执照信息"]
    # full-width digits, as an input method types them, are the same digits
    wide = classification.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert "营业执照信息" in names(find(published, wide))


def test_no_hits_is_an_empty_page_not_an_error(published):
    for query in ("火箭发射", "xyz123", "！！"):
        result = find(published, query)
        assert (result.page.items, result.page.total) == ([], 0)


def test_an_empty_query_lists_the_whole_published_catalog(published):
    assert find(published, "  ").page.total == DEMO_ENTRIES


# --- ranking and paging ------------------------------------------------------------------------

@pytest.mark.req("GZ-8")
def test_entries_named_with_the_words_come_before_those_that_only_mention_them(published):
    result = find(published, "登记")
    named = [n for n in names(result) if "登记" in n]
    assert sorted(named) == ["不动产登记信息", "婚姻登记信息"]
    assert names(result)[:2] == named
    assert len(names(result)) > 2  # 营业执照信息 (abstract), 户籍人口信息 (abstract) …
    assert "营业执照信息" in names(result)[2:]
    assert all("name" not in h.matched_in for h in result.page.items[2:])


def test_pages_across_the_two_tiers_add_up_to_the_whole_list(published):
    whole = names(find(published, "登记"))
    for size in (1, 2, 3):
        paged = []
        for offset in range(0, len(whole) + size, size):
            result = find(published, "登记", limit=size, offset=offset)
            assert result.page.total == len(whole)
            paged += names(result)
        assert paged == whole


# --- filters -----------------------------------------------------------------------------------

@pytest.mark.req("GZ-8")
@pytest.mark.parametrize("field, value, attribute", [
    ("share_type", "unconditional", "share_type"), ("share_type", "conditional", "share_type"),
    ("share_mode", "platform_api", "share_mode"), ("resource_kind", "licence", "resource_kind")])
def test_each_filter_keeps_exactly_the_matching_entries(published, field, value, attribute):
    everything = find(published).page.items
    expected = sorted(h.name for h in everything if getattr(h, attribute) == value)
    assert expected  # the demo catalog has some of each
    assert sorted(names(find(published, **{field: value}))) == expected


@pytest.mark.req("GZ-8")
def test_filter_by_provider_agency(published):
    market = published.agency_id("market")
    result = find(published, provider_agency_id=str(market))
    assert sorted(names(result)) == ["企业年度报告信息", "营业执照信息"]
    assert names(find(published, "营业", provider_agency_id=market)) == ["营业执照信息"]
    assert find(published, "户籍", provider_agency_id=market).page.total == 0


@pytest.mark.req("GZ-8")
def test_filter_by_classification_prefix_class_item_and_subject(published):
    everything = find(published).page.items
    for prefix in ("3", "302", "302003"):
        expected = sorted(h.name for h in everything if h.classification.startswith(prefix))
        assert expected
        assert sorted(names(find(published, classification=prefix))) == expected
    assert names(find(published, classification="302003")) == ["企业年度报告信息"]


@pytest.mark.req("GZ-11")
@pytest.mark.parametrize("group, resource", [
    ("natural_person", "户籍人口信息"), ("legal_person", "企业年度报告信息"),
    ("geography", "基础地理信息"), ("real_estate", "不动产登记信息"), ("licence", "营业执照信息")])
def test_every_foundational_library_can_be_searched(published, group, resource):
    result = find(published, library_group=group)
    assert resource in names(result)
    assert {h.library_group for h in result.page.items} == {group}


@pytest.mark.req("GZ-11")
def test_words_and_library_together(published):
    assert names(find(published, "登记", library_group="natural_person")) == [
        "婚姻登记信息", "户籍人口信息"]


@pytest.mark.parametrize("field, value", [
    ("share_type", "free"), ("share_mode", "fax"), ("resource_kind", "poem"),
    ("library_group", "moon"), ("provider_agency_id", "abc"), ("provider_agency_id", "999999"),
    ("classification", "4"), ("classification", "10"), ("classification", "1x1")])
def test_a_bad_filter_value_is_refused_naming_the_field(published, field, value):
    with pytest.raises(InvalidInput) as caught:
        find(published, "登记", **{field: value})
    assert caught.value.field == field


def test_an_overlong_query_is_refused(published):
    with pytest.raises(InvalidInput) as caught:
        find(published, "户" * 101)
    assert caught.value.field == "q"


# --- only the published version ----------------------------------------------------------------

def _file_new_entry(db) -> int:
    civil = db.agency_id("civil")
    staff = Actor(kind="system", id=None, name="测试", agency_id=civil, agency_level="city",
                  division_code="440100", roles=frozenset({Role.AGENCY_STAFF, Role.AGENCY_ADMIN}))
    city_it = Actor(kind="system", id=None, name="测试", agency_id=db.agency_id("it"),
                    agency_level="city", division_code="440100",
                    roles=frozenset({Role.IT_AUTHORITY}))
    draft = EntryDraft(category="3", subcategory="01", subject="009", name="收养登记信息",
                       format_class="database", share_type="conditional",
                       share_mode="platform_api", update_cycle="realtime",
                       deadline_class="realtime", resource_kind="document",
                       library_group="natural_person", abstract="收养关系成立和解除登记。",
                       share_condition="限于依法履职", items=(ItemDraft(
                           name="收养人公民身份号码", data_type="C", length=18,
                           subject_key="id_number"),))
    with db.session() as s:
        entry = entry_service.draft_entry(s, staff, civil, draft)
        entry_service.record_review(s, staff, entry.id, "passed", "不含国家秘密")
        entry_service.submit_entry(s, staff, entry.id)
        entry_service.file_entry(s, city_it, entry.id)
        return entry.id


@pytest.mark.req("GZ-8")
def test_only_the_published_version_is_searched(published):
    entry_id = _file_new_entry(published)
    assert find(published, "收养").page.total == 0  # filed, but not yet in a published version
    with published.session() as s:
        publish(s)
    result = find(published, "收养")
    assert [(h.entry_id, h.name) for h in result.page.items] == [(entry_id, "收养登记信息")]
    assert result.version_number == published.version_number + 1
    assert find(published).page.total == DEMO_ENTRIES + 1  # version 1 is no longer indexed


def test_nothing_is_found_before_a_catalog_is_published(empty_db):
    reader = Actor(kind="user", id=None, name="检索测试", agency_id=None, agency_level="city",
                   division_code="440100", roles=frozenset({Role.AGENCY_STAFF}))
    result = find(empty_db, "户籍", actor=reader)
    assert (result.page.total, result.page.items, result.version_number) == (0, [], None)
    assert find(empty_db, actor=reader).page.total == 0


def test_signed_out_callers_may_not_search(published):
    nobody = Actor(kind="anonymous", id=None, name="", agency_id=None, agency_level=None,
                   division_code=None)
    with pytest.raises(Forbidden):
        find(published, "户籍", actor=nobody)


# --- API and page ------------------------------------------------------------------------------

@pytest.mark.req("GZ-8")
def test_api_search_describes_each_hit(published, signed_in):
    client = signed_in("tianhe_civil_clerk")  # a district agency sees the city's catalog too
    r = client.get("/api/v1/catalog/search", params={"q": "婚姻", "limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= 1 and body["version_number"] == published.version_number
    hit = body["items"][0]
    assert hit["name"] == "婚姻登记信息"
    assert hit["share_type"] == "conditional" and hit["share_type_label"] == "有条件共享"
    assert hit["provider_name"] == "广州市民政局" and hit["resource_code"]
    assert hit["share_mode_label"] == "共享平台·接口"


def test_api_refuses_a_bad_filter_with_its_field(published, signed_in):
    client = signed_in("civil_clerk")
    r = client.get("/api/v1/catalog/search", params={"q": "婚姻", "share_type": "free"})
    assert r.status_code == 422
    assert r.json()["field"] == "share_type"
    r = client.get("/api/v1/catalog/search", params={"limit": 0})
    assert (r.status_code, r.json()["field"]) == (422, "limit")


def test_api_needs_a_signed_in_caller(published, tmp_path):
    client = make_client(published, tmp_path)
    assert client.get("/api/v1/catalog/search", params={"q": "婚姻"}).status_code == 401
    client.app.state.engine.dispose()


@pytest.mark.req("GZ-8")
def test_search_page_lists_hits_with_labels_and_links(published, signed_in):
    client = signed_in("police_clerk")
    r = client.get("/catalog/search", params={"q": "婚姻", "share_type": "conditional"})
    assert r.status_code == 200
    page = r.text
    assert "<h1>目录检索</h1>" in page and "<mark>婚姻</mark>登记信息" in page
    assert '<a href="/catalog/search" aria-current="page">目录检索</a>' in page  # the nav link
    with published.session() as s:
        code = s.scalar(select(Entry.resource_code).where(Entry.name == "婚姻登记信息"))
    assert f'href="/catalog/published/{code}"' in page  # the entry as published (test_published)
    assert 'class="badge conditional">有条件共享' in page and "共享平台·接口" in page
    assert '<option value="conditional" selected>有条件共享</option>' in page
    assert "广州市民政局" in page and "人口基础信息库" in page


def test_search_page_shows_a_bad_filter_as_an_error_page(published, signed_in):
    client = signed_in("police_clerk")
    r = client.get("/catalog/search", params={"classification": "9"})
    assert r.status_code == 422
    assert "资源分类" in r.text
