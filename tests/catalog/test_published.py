"""An entry as the shared catalog publishes it (GZ-8): /catalog/published/{resource_code} and its
API, where search hits lead — readable by every agency even while the provider revises the entry.

Versions are published as in test_search: Version and VersionEntry rows the way publishing
writes them, then `reindex_published`."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from govshare.catalog import entry_service
from govshare.catalog.models import Entry, Version
from govshare.catalog.published_service import published_entry
from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import NotFound
from tests.catalog.test_search import publish

MARRIAGE = "婚姻登记信息"


def _code(db, name: str = MARRIAGE) -> str:
    with db.session() as s:
        return s.scalar(select(Entry.resource_code).where(Entry.name == name))


def _civil_staff(db) -> Actor:
    return Actor(kind="system", id=None, name="民政测试", agency_id=db.agency_id("civil"),
                 agency_level="city", division_code="440100",
                 roles=frozenset({Role.AGENCY_STAFF, Role.AGENCY_ADMIN}))


def _revise(db, **changes) -> int:
    """The civil affairs bureau revises 婚姻登记信息: the entry goes back to draft."""
    with db.session() as s:
        entry = s.scalar(select(Entry).where(Entry.name == MARRIAGE))
        keep = {f.name: getattr(entry, f.name) for f in fields(EntryDraft) if f.name != "items"}
        items = tuple(ItemDraft(**{f.name: getattr(i, f.name) for f in fields(ItemDraft)})
                      for i in entry.items)
        draft = EntryDraft(**{**keep, "related_codes": tuple(keep["related_codes"]),
                              "items": items, **changes})
        entry_service.revise_entry(s, _civil_staff(db), entry.id, draft)
        return entry.id


def _file_again(db, entry_id: int) -> None:
    it = Actor(kind="system", id=None, name="测试", agency_id=db.agency_id("it"),
               agency_level="city", division_code="440100", roles=frozenset({Role.IT_AUTHORITY}))
    with db.session() as s:
        entry_service.record_review(s, _civil_staff(db), entry_id, "passed", "不含国家秘密")
        entry_service.submit_entry(s, _civil_staff(db), entry_id)
        entry_service.file_entry(s, it, entry_id)


@pytest.fixture
def published(db):
    with db.session() as s:
        db.version_number = publish(s).number
    return db


@pytest.mark.req("GZ-8")
def test_published_page_shows_the_frozen_terms_in_chinese(published, signed_in):
    code = _code(published)
    page = signed_in("police_clerk").get(f"/catalog/published/{code}")
    assert page.status_code == 200, page.text
    html = page.text
    assert f"<h1>{MARRIAGE}</h1>" in html and f"<code>{code}</code>" in html
    assert f"现行政府信息共享目录第 {published.version_number} 版" in html
    assert "广州市民政局" in html
    assert "<dt>共享类型</dt><dd>有条件共享" in html
    assert "<dt>共享条件</dt><dd>限于办理涉及婚姻状况的行政事项时核验</dd>" in html
    assert "<dt>共享方式</dt><dd>共享平台·接口</dd>" in html
    assert "<dt>格式</dt><dd>服务接口" in html
    assert "<dt>更新时限</dt><dd>" in html and "<dt>更新周期</dt><dd>—" not in html
    # items with their sensitivity and share type
    assert "<td>结婚证字号</td>" in html and "<td>个人隐私</td>" in html
    assert "同条目（有条件共享）" in html and "<td>公民身份号码</td>" in html


@pytest.mark.req("GZ-8")
def test_published_api_gives_the_document_with_labels(published, signed_in):
    code = _code(published)
    r = signed_in("market_clerk").get(f"/api/v1/catalog/published/{code}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["resource_code"], body["version_number"], body["in_force"]) == (
        code, published.version_number, True)
    doc = body["document"]
    assert doc["name"] == MARRIAGE and doc["provider"]["name"] == "广州市民政局"
    assert doc["share_condition"] == "限于办理涉及婚姻状况的行政事项时核验"
    assert body["labels"]["share_type"] == "有条件共享"
    assert body["labels"]["share_mode"] == "共享平台·接口"
    assert body["labels"]["format_class"] == "服务接口"
    by_name = dict(zip([i["name"] for i in doc["items"]], body["item_labels"], strict=True))
    assert by_name["结婚证字号"]["sensitivity"] == "个人隐私"
    assert by_name["男方公民身份号码"]["subject_key"] == "公民身份号码"
    assert by_name["登记日期"]["data_type"] == "日期型"


@pytest.mark.req("GZ-8")
def test_an_entry_revised_back_to_draft_still_shows_as_published(published, signed_in):
    code = _code(published)
    entry_id = _revise(published, name="婚姻登记记录", share_type="unconditional",
                       share_condition="")
    police = signed_in("police_clerk")
    assert police.get(f"/catalog/entries/{entry_id}").status_code == 404  # the working draft
    page = police.get(f"/catalog/published/{code}")
    assert page.status_code == 200
    assert f"<h1>{MARRIAGE}</h1>" in page.text and "婚姻登记记录" not in page.text
    assert "<dt>共享类型</dt><dd>有条件共享" in page.text
    body = police.get(f"/api/v1/catalog/published/{code}").json()
    assert (body["document"]["name"], body["labels"]["share_type"]) == (MARRIAGE, "有条件共享")
    # the search hit leads there, not to the closed working page
    hits = police.get("/catalog/search", params={"q": "婚姻"}).text
    assert f'href="/catalog/published/{code}"' in hits
    assert f'href="/catalog/entries/{entry_id}"' not in hits


@pytest.mark.req("GZ-8")
def test_as_of_reads_the_version_in_force_on_that_date(published, signed_in):
    code = _code(published)
    with published.session() as s:
        first = s.scalar(select(Version).where(Version.number == published.version_number))
        first.published_at = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    _file_again(published, _revise(published, name="婚姻登记记录"))
    with published.session() as s:
        publish(s)
    client = signed_in("police_clerk")
    now = client.get(f"/api/v1/catalog/published/{code}").json()
    assert (now["document"]["name"], now["version_number"], now["in_force"]) == (
        "婚姻登记记录", published.version_number + 1, True)
    then = client.get(f"/api/v1/catalog/published/{code}", params={"as_of": "2026-01-10"}).json()
    assert (then["document"]["name"], then["version_number"], then["in_force"]) == (
        MARRIAGE, published.version_number, False)
    page = client.get(f"/catalog/published/{code}", params={"as_of": "2026-01-10"}).text
    assert f"<h1>{MARRIAGE}</h1>" in page and "该版本已被新版本取代" in page
    early = client.get(f"/api/v1/catalog/published/{code}", params={"as_of": "2025-12-31"})
    assert early.status_code == 404 and "尚无已发布的共享目录" in early.json()["detail"]


def test_an_unknown_resource_code_is_404(published, signed_in):
    client = signed_in("police_clerk")
    r = client.get("/api/v1/catalog/published/999999/000001")
    assert r.status_code == 404
    assert "没有资源代码为 999999/000001 的资源" in r.json()["detail"]
    page = client.get("/catalog/published/999999/000001")
    assert page.status_code == 404 and "没有资源代码为 999999/000001 的资源" in page.text
    bad = client.get(f"/api/v1/catalog/published/{_code(published)}", params={"as_of": "昨天"})
    assert bad.status_code == 422
    assert client.get(f"/catalog/published/{_code(published)}",
                      params={"as_of": "昨天"}).status_code == 422


def test_nothing_published_yet_is_404(empty_db):
    reader = Actor(kind="user", id=None, name="测试", agency_id=None, agency_level="city",
                   division_code="440100", roles=frozenset({Role.AGENCY_STAFF}))
    with empty_db.session() as s, pytest.raises(NotFound, match="尚未发布政府信息共享目录"):
        published_entry(s, reader, "101001/000001")
