"""What a visitor of `govshare demo` tries first, in a real browser: the demo's exchange data is
loaded as the demo loads it (demo.exchange_seed: the ingest service, the request service), and
the 天河区民政局 clerk — the clerk at the civil affairs bureau checking a record while handling a
case — signs in, opens 查询核验, picks the household grant, types the two ID numbers the demo's
login summary prints (one of 天河区, one of another district) with duty and case number, and
sees the 天河 resident's record with the private items masked, and "no record" for the other
(GZ-21: a district bureau sees its own district of the city's library)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from govshare.demo import exchange_data
from govshare.demo.exchange_seed import seed_exchange
from govshare.evidence.keystore import KeyStore
from govshare.exchange import query_service
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

DUTY = "办理困难群众救助时核验申请人户籍（《社会救助暂行办法》第十一条）"
CASE = "TH-MZ-2026-0789"


@pytest.fixture
def demo_access(db, tmp_path):
    query_service.forget_cached_grants()
    keys = KeyStore(tmp_path / "keys", passphrase="演示-印章口令-2026", kdf_rounds=1000)
    with db.session() as s:
        result = seed_exchange(s, keys=keys)
    return next(a for a in result.access
                if (a.username, a.resource) == ("tianhe_civil_clerk", exchange_data.HOUSEHOLD))


@pytest.mark.req("GZ-18", "GZ-21", "GD-24")
def test_the_demo_clerk_queries_a_tianhe_resident_and_not_another_districts(page: Page, demo_access):
    person = {p.id_number: p for p in exchange_data.City.of(exchange_data.sizes(0)).persons}
    resident = person[demo_access.example]
    log_in(page, demo_access.username)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="查询核验").click()
    chooser = page.get_by_label("授权与资源")
    expect(chooser).to_contain_text("出生医学证明信息")  # the demo clerk holds two grants
    chooser.select_option(demo_access.resource_code)
    expect(chooser.locator("option:checked")).to_contain_text("户籍人口信息")
    expect(chooser.locator("option:checked")).to_contain_text("限 440106")
    page.get_by_label("主体标识").fill(f"{demo_access.example}\n{demo_access.outside}")
    page.get_by_label("履行的职责").fill(DUTY)
    page.get_by_label("办件号").fill(CASE)
    page.get_by_role("button", name="查询").click()

    answer = page.locator("section.q-answer")
    expect(answer).to_contain_text("已记入查询日志")
    expect(answer.locator('td[data-item="姓名"]')).to_have_text(resident.name)
    expect(answer.locator('td[data-item="出生日期"]')).to_have_text(resident.birth_date.isoformat())
    address = answer.locator('td[data-item="户籍地址"]')
    expect(address).to_have_class("masked")
    expect(address).to_contain_text("广州市天河区*")
    expect(answer.locator('td[data-item="户主关系"]')).to_have_class("masked")
    expect(answer.locator("table.q-results")).to_have_count(1)  # the other district: no record
    expect(answer.locator("h3").nth(1)).to_have_text(demo_access.outside)
    expect(answer).to_contain_text("在授权范围内没有该主体的记录")
    page.shot("demo-query")
