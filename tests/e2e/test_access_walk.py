"""A district clerk asks for a conditional city resource, the provider grants a narrower scope,
and the clerk sees the grant — in a real browser, by the people who do each step: the 天河区民政局
clerk finds 户籍人口信息 in 目录检索 and requests four items from its published entry; the 公安局
administrator opens 待我决定 and grants two of them for a shorter period; the clerk then finds the
grant under 授权, limited to 天河区 (GZ-21), with the narrower items and validity."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from govshare.kit import clock
from govshare.kit.pages import cn_date
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

RESOURCE = "户籍人口信息"
ASKED = ["公民身份号码", "姓名", "出生日期", "户籍地址"]
KEPT = ["公民身份号码", "姓名"]


@pytest.mark.req("GD-21", "GD-22", "GZ-21")
def test_a_district_clerk_requests_and_the_provider_grants_a_narrower_scope(page: Page):
    nav = page.get_by_role("navigation", name="主导航")
    today = clock.today()

    # 1. The clerk finds the resource in the catalog and opens the request form from its entry.
    log_in(page, "tianhe_civil_clerk")
    nav.get_by_role("link", name="目录检索").click()
    page.get_by_label("检索词").fill("户籍")
    page.get_by_role("button", name="检索").click()
    page.get_by_role("link", name=RESOURCE, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESOURCE)
    page.get_by_role("link", name="申请共享").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"申请共享：{RESOURCE}")
    expect(page.locator("dd.route")).to_contain_text("在 15 个工作日内")

    # 2. … and asks for four of the five items.
    items = page.get_by_role("group", name="申请的信息项")
    expect(items.get_by_label("户籍地址")).to_be_checked()
    items.get_by_label("户主关系").uncheck()
    page.get_by_label("履行的职责").fill("办理困难群众救助时核验申请人户籍（《社会救助暂行办法》第十一条）")
    page.get_by_label("法律依据").fill("《社会救助暂行办法》")
    page.get_by_label("用途").fill("天河区最低生活保障审核")
    page.shot("request-form")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("status")).to_contain_text("提供机关须在 15 个工作日内作出决定")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待提供方决定")
    expect(page.locator("section.deadline-card")).to_contain_text("剩余 15 个工作日")
    expect(page.locator("dd.asked-items")).to_have_text(re.compile(r"公民身份号码、姓名、出生日期、户籍地址"))
    request_id = re.search(r"/access/requests/(\d+)", page.url).group(1)

    # 3. The provider's administrator opens the inbox and grants a narrower scope.
    _switch_to(page, "police_admin")
    nav.get_by_role("link", name="待我决定").click()
    row = page.locator(f"tr#request-{request_id}")
    expect(row).to_contain_text("广州市天河区民政局")
    expect(row).to_contain_text("剩余 15 个工作日")
    row.get_by_role("link", name=RESOURCE).click()
    narrower = page.locator("details#action-grant_narrower")
    narrower.locator("summary").click()
    narrower.get_by_label("出生日期").uncheck()
    narrower.get_by_label("户籍地址").uncheck()
    until = today + timedelta(days=90)
    narrower.get_by_label("有效期至").fill(until.isoformat())
    narrower.get_by_label("缩小范围说明").fill("只提供公民身份号码和姓名，期限三个月")
    narrower.get_by_label("书面理由").fill("核验户籍只需身份号码和姓名，出生日期、户籍地址超出必要范围")
    narrower.get_by_label("法律依据").fill("《中华人民共和国个人信息保护法》第六条")
    page.shot("grant-narrower")
    narrower.get_by_role("button", name="缩小范围授权").click()
    expect(page.get_by_role("status")).to_have_text("已办理：缩小范围授权。当前状态：缩小范围授权。")
    expect(page.locator("section.history")).to_contain_text("只提供公民身份号码和姓名，期限三个月")

    # 4. The clerk sees the grant: the narrower items, 天河区 only, the shorter validity.
    _switch_to(page, "tianhe_civil_clerk")
    nav.get_by_role("link", name="授权").click()
    held = page.get_by_role("row").filter(has_text=RESOURCE)
    expect(held).to_contain_text("公民身份号码、姓名")
    expect(held).to_contain_text("天河区")
    held.get_by_role("link", name=RESOURCE).click()
    expect(page.locator("dd.granted-items")).to_have_text("、".join(KEPT))
    expect(page.locator("dd.division-limit")).to_contain_text("限天河区（440106）的记录")
    expect(page.locator("dd.validity")).to_have_text(f"{cn_date(today)} 至 {cn_date(until)}")
    expect(page.locator(".grant-status")).to_have_text("有效")
    page.shot("grant")


def _switch_to(page: Page, username: str) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    log_in(page, username)
