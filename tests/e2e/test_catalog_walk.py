"""One catalog entry walked from draft to the published shared catalog, in a real browser, by the
people who do each step: the 民政局 clerk writes it, the agency admin records the
confidentiality review and submits it, the city IT authority files it and compiles a new
version, the government approves it, the IT authority publishes it, and the clerk finds it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

NAME = "收养登记信息"
CONDITION = "仅限办理收养、户籍和社会救助业务时使用，不得用于其他目的"
CODE = re.compile(r"^3\d{5}/\d{6}$")


@pytest.mark.req("GZ-7", "GZ-8", "GZ-16")
def test_a_new_entry_walks_from_draft_to_the_published_catalog(page: Page):
    nav = page.get_by_role("navigation", name="主导航")

    # 1. The clerk writes the entry in the editor and saves it as a draft.
    log_in(page, "civil_clerk")
    nav.get_by_role("link", name="本机关目录").click()
    page.get_by_role("link", name="新建目录条目").click()
    expect(page.get_by_role("heading", name="新建目录条目")).to_be_visible()
    _fill_the_editor(page)
    page.shot("editor")
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_role("status")).to_have_text("条目已保存为草稿，已生成资源代码。")
    expect(page.get_by_role("heading", name=NAME)).to_contain_text("草稿")
    terms = page.locator("section.terms")
    expect(terms).to_contain_text("有条件共享")
    expect(terms).to_contain_text(CONDITION)
    code = page.locator("dl.facts code").first.inner_text()
    assert CODE.match(code), code

    nav.get_by_role("link", name="本机关目录").click()
    row = page.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("草稿")
    expect(row).to_contain_text("未审查")

    # 2. Submitting before the confidentiality review is refused, in words (GZ-16).
    row.get_by_role("link", name=NAME).click()
    page.get_by_role("button", name="报送备案").click()
    expect(page.get_by_role("alert")).to_have_text("报送前须完成保密审查并记录结果（GZ-16）")
    expect(page.get_by_role("heading", name=NAME)).to_contain_text("草稿")
    page.shot("submit-refused")

    # 3. The agency admin records the review and submits the entry.
    _switch_to(page, "civil_admin")
    nav.get_by_role("link", name="本机关目录").click()
    page.get_by_role("link", name=NAME).click()
    review = page.locator("section.review")
    review.get_by_label("通过（不含国家秘密）").check()
    review.get_by_label("审查意见").fill("不含国家秘密，个人隐私信息项按有条件共享")
    review.get_by_role("button", name="记录保密审查").click()
    expect(page.get_by_role("status")).to_have_text("保密审查结果已记录。")
    expect(review).to_contain_text("王建国")
    page.get_by_role("button", name="报送备案").click()
    expect(page.get_by_role("status")).to_have_text("条目已报送，等待信息化主管部门备案审核。")
    expect(page.get_by_role("heading", name=NAME)).to_contain_text("已报送")

    # 4. The city IT authority files it from the 备案审核 queue.
    _switch_to(page, "admin")
    nav.get_by_role("link", name="备案审核").click()
    queued = page.get_by_role("row").filter(has_text=code)
    expect(queued).to_contain_text(NAME)
    expect(queued).to_contain_text("广州市民政局")
    expect(queued).to_contain_text("通过")
    page.shot("filing-queue")
    queued.get_by_role("button", name="予以备案").click()
    expect(page.get_by_role("status")).to_have_text(f"条目已备案。（{code}）")
    expect(page.get_by_role("row").filter(has_text=code)).to_have_count(0)

    # 5. … and compiles a new version: the diff shows the entry as added.
    nav.get_by_role("link", name="共享目录").click()
    page.get_by_role("button", name="编制新版本").click()
    expect(page.get_by_role("status")).to_have_text("新版本已编制，等待人民政府审批。")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("第 2 版")
    expect(heading).to_contain_text("已编制待审批")
    expect(page.locator(".diff-totals")).to_contain_text("新增 1 个条目，变更 0 个，删除 0 个")
    expect(page.locator("li.diff-added")).to_have_text(f"新增：{code} {NAME}（广州市民政局）")
    page.shot("version-diff")

    # 6. The government approves the version; the IT authority publishes it.
    _switch_to(page, "approver")
    _open_version_2(page)
    page.get_by_label("审批意见（可选）").fill("同意发布")
    page.get_by_role("button", name="批准本版本").click()
    expect(page.get_by_role("status")).to_have_text("已批准本版本。")
    expect(page.get_by_role("heading", level=1)).to_contain_text("政府已批准")
    expect(page.get_by_role("button", name="发布本版本")).to_have_count(0)

    _switch_to(page, "admin")
    _open_version_2(page)
    page.get_by_role("button", name="发布本版本").click()
    expect(page.get_by_role("status")).to_have_text("本版本已发布，即日起为现行版本。")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已发布")

    # 7. The clerk finds the entry in 目录检索 and in the published version.
    _switch_to(page, "civil_clerk")
    nav.get_by_role("link", name="目录检索").click()
    page.get_by_label("检索词").fill("收养")
    page.get_by_role("button", name="检索").click()
    expect(page.get_by_text(re.compile(r"检索范围：已发布的政府信息共享目录第 2 版"))).to_be_visible()
    hit = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=NAME))
    expect(hit).to_contain_text(f"资源代码 {code}")
    expect(hit).to_contain_text("广州市民政局")
    expect(hit).to_contain_text("有条件共享")
    page.shot("search")

    _open_version_2(page)
    page.get_by_role("link", name="查看本版本全部条目").click()
    listed = page.get_by_role("row").filter(has_text=code)
    expect(listed).to_contain_text(NAME)
    expect(listed).to_contain_text("公民身份号码、收养登记日期")
    nav.get_by_role("link", name="本机关目录").click()
    expect(page.get_by_role("row").filter(has_text=code)).to_contain_text("已备案")


def _fill_the_editor(page: Page) -> None:
    group = page.get_by_role("group", name="分类")
    group.get_by_role("combobox", name=re.compile("^类")).select_option(label="部门信息资源")
    group.get_by_label("项（2位数字）").fill("02")
    group.get_by_label("目（3位数字）").fill("015")

    basics = page.get_by_role("group", name="基本信息")
    basics.get_by_label("信息资源名称").fill(NAME)
    basics.get_by_label("信息资源摘要").fill("本市办理的收养登记、解除收养登记信息，用于核验收养关系。")
    basics.get_by_label("信息资源格式分类").select_option(label="数据库")

    terms = page.get_by_role("group", name="共享属性")
    terms.get_by_label("共享类型").select_option(label="有条件共享")
    terms.get_by_label("共享条件").fill(CONDITION)
    terms.get_by_label("共享方式").select_option(label="共享平台·接口")

    update = page.get_by_role("group", name="更新")
    update.get_by_label("更新周期").select_option(label="每日")
    update.get_by_label("更新时限").select_option(label="产生后3日内")

    local = page.get_by_role("group", name="广州市要求")
    local.get_by_label("资源类别").select_option(label="其他业务信息")
    local.get_by_label("所属信息库").select_option(label="人口基础信息库")

    items = page.get_by_role("group", name="信息项")
    _fill_item(items, 0, "公民身份号码", "C 字符型", "18", "个人隐私", "公民身份号码")
    items.get_by_role("button", name="增加信息项").click()
    _fill_item(items, 1, "收养登记日期", "D 日期型", "", "不涉密", "—")


def _fill_item(items, i: int, name: str, data_type: str, length: str, sensitivity: str,
               subject_key: str) -> None:
    items.get_by_label("信息项名称").nth(i).fill(name)
    items.get_by_label("数据类型").nth(i).select_option(label=data_type)
    items.get_by_label("长度").nth(i).fill(length)
    items.get_by_label("涉密与敏感类型").nth(i).select_option(label=sensitivity)
    items.get_by_label("主体标识").nth(i).select_option(label=subject_key)


def _switch_to(page: Page, username: str) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    log_in(page, username)


def _open_version_2(page: Page) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="共享目录").click()
    page.get_by_role("link", name="第 2 版").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 2 版")
