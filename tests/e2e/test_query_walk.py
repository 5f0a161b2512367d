"""A clerk queries a citizen's record and sees masked items — in a real browser. Set up through
the services: 公安局 loads household records of a 天河区 and a 越秀区 resident through the ingest
service, and grants the 天河区民政局 the three items that are not private, limited to 天河区
(GZ-21). The 天河区民政局 clerk opens 共享查询, picks the grant, enters both ID numbers with the
duty and case number, and sees the 天河 resident's name in clear, the address and household
relation masked, and no trace of the 越秀 resident; then finds the query in 查询日志, and the
公安局 clerk finds it among the queries of its data — by digest, without the ID number."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from govshare.exchange import query_service
from tests.e2e.conftest import log_in
from tests.exchange.helpers import PERSONS, person
from tests.exchange.test_query_service import grant, load

pytestmark = pytest.mark.e2e

DUTY = "办理困难群众救助时核验申请人户籍（《社会救助暂行办法》第十一条）"
CASE = "TH-MZ-2026-0456"


@pytest.fixture
def records(db):
    query_service.forget_cached_grants()
    load(db, [person(0, _division_code="440106"), person(1, _division_code="440104")])
    g = grant(db, "tianhe_civil_clerk")
    assert (g.status, g.division_code) == ("active", "440106")
    return PERSONS[0], PERSONS[1]


@pytest.mark.req("GZ-18", "GZ-21", "GD-24")
def test_a_clerk_queries_a_citizens_record_and_sees_masked_items(page: Page, records):
    tianhe, yuexiu = records
    nav = page.get_by_role("navigation", name="主导航")
    log_in(page, "tianhe_civil_clerk")
    nav.get_by_role("link", name="查询核验").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("共享查询")
    chooser = page.get_by_label("授权与资源")
    expect(chooser).to_contain_text("户籍人口信息")
    expect(chooser).to_contain_text("限 440106")
    chooser.select_option(index=0)
    page.get_by_label("主体标识").fill(f"{tianhe.id_number}\n{yuexiu.id_number}")
    page.get_by_label("履行的职责").fill(DUTY)
    page.get_by_role("button", name="查询").click()
    # Without a case number the query is refused, naming the field; nothing was shown.
    expect(page.locator("#case_number-error")).to_contain_text("办件号")
    expect(page.locator("section.q-answer")).to_have_count(0)
    page.get_by_label("办件号").fill(CASE)
    page.get_by_role("button", name="查询").click()

    answer = page.locator("section.q-answer")
    expect(answer).to_contain_text("已记入查询日志")
    expect(answer.locator('td[data-item="姓名"]')).to_have_text(tianhe.name)
    expect(answer.locator('td[data-item="公民身份号码"]')).to_have_text(tianhe.id_number)
    address = answer.locator('td[data-item="户籍地址"]')
    expect(address).to_have_class("masked")
    expect(address).to_contain_text("广州市天河区*****")
    expect(address).not_to_contain_text("天河路1号")
    expect(answer.locator('td[data-item="户主关系"]')).to_contain_text("**")
    expect(answer).to_contain_text("脱敏显示户籍地址、户主关系")
    expect(answer).to_contain_text("限行政区划 440106")
    expect(answer).to_contain_text("在授权范围内没有该主体的记录")  # the 越秀 resident
    expect(answer.locator("table.q-results")).to_have_count(1)
    page.shot("query-answer")

    nav.get_by_role("link", name="查询日志").click()
    row = page.locator("table.query-log tbody tr").first
    expect(row).to_contain_text(CASE)
    expect(row).to_contain_text("1 条")
    expect(row).to_contain_text("户籍地址（脱敏）")

    page.context.clear_cookies()
    log_in(page, "police_clerk")
    nav.get_by_role("link", name="查询日志").click()
    page.get_by_role("link", name="其他机关查询本机关的数据").click()
    row = page.locator("table.query-log tbody tr").first
    expect(row).to_contain_text(CASE)
    expect(row).to_contain_text("天河区民政局")
    expect(page.locator("table.query-log")).not_to_contain_text(tianhe.id_number)
    page.shot("provider-log")
