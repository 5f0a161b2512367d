"""What the city IT authority and a clerk may see and do in the console, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from govshare.kit.identifiers import make_credit_code
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

NEW_CODE = make_credit_code("11440100MB2C3D4E5")


@pytest.mark.req("GD-31")
def test_the_city_it_authority_registers_an_agency_through_the_form(page):
    log_in(page, "admin")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="用户管理")).to_be_visible()
    expect(nav.get_by_role("link", name="审计记录")).to_be_visible()

    nav.get_by_role("link", name="机关名录").click()
    page.get_by_role("link", name="登记机关", exact=True).click()
    expect(page.get_by_role("heading", name="登记机关")).to_be_visible()
    page.locator('input[name="name"]').fill("广州市测试数据中心")
    page.locator('input[name="credit_code"]').fill(NEW_CODE[:17] + _wrong(NEW_CODE[17]))
    page.locator('select[name="division_code"]').select_option("440100")
    page.locator('input[name="responsible_name"]').fill("测试负责人")
    page.locator('input[name="responsible_position"]').fill("副主任")
    page.get_by_role("button", name="登记", exact=True).click()

    error = page.locator("#credit_code-error")
    expect(error).to_contain_text(f"第18位应为“{NEW_CODE[17]}”")
    expect(page.locator('input[name="name"]')).to_have_value("广州市测试数据中心")
    page.shot("register-error")

    page.locator('input[name="credit_code"]').fill(NEW_CODE)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("heading", name="广州市测试数据中心")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("已登记机关")

    nav.get_by_role("link", name="机关名录").click()
    page.locator('input[name="q"]').fill("测试数据中心")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("link", name="广州市测试数据中心")).to_be_visible()
    page.shot("directory")


@pytest.mark.req("GD-31")
def test_a_clerk_sees_no_administration(page):
    log_in(page, "civil_clerk")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="机关名录")).to_be_visible()
    expect(nav.get_by_role("link", name="用户管理")).to_have_count(0)
    expect(nav.get_by_role("link", name="审计记录")).to_have_count(0)
    page.shot("home")

    response = page.goto("/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("只有机关管理员或信息化主管部门可以管理用户")
    page.shot("users-forbidden")


@pytest.mark.req("GD-31")
def test_an_agency_admin_sees_a_new_token_once(page):
    log_in(page, "civil_admin")
    page.get_by_role("link", name="管理本机关的接口客户端").click()
    page.locator('input[name="name"]').fill("婚姻登记系统")
    page.get_by_role("button", name="签发令牌").click()
    token = page.locator("#issued-token")
    expect(token).to_contain_text("gs_")
    expect(page.get_by_text("请立即复制并妥善保存此令牌")).to_be_visible()
    expect(page.locator("tr.client-active")).to_contain_text("有效")
    page.shot("issued")
    page.reload()  # the browser's reload after the post: no new token, and this one is gone
    expect(page.locator("#issued-token")).to_have_count(0)
    expect(page.locator("tr.client-active")).to_have_count(1)
    page.goto("/users")
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    page.shot("users")


def _wrong(digit: str) -> str:
    return "0" if digit != "0" else "1"
