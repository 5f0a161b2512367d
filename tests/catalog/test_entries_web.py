"""The catalog console on SQLite and PostgreSQL: 本机关目录, the editor, an entry with its review
record and history, 保密审查 / 报送 / 撤销, the IT authority's 备案审核 queue, the base-information
catalog and needs. A refused form comes back with the message next to its field, values kept."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from govshare.catalog.models import Entry, Need
from tests.directory.conftest_web import count, field_error, input_value, nav, post_form

CN_DATETIME = r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"


def entry_form(**overrides) -> list[tuple[str, str]]:
    """The editor's fields as the browser posts them: one value per item column and row."""
    fields = dict(category="3", subcategory="06", subject="001", name="殡葬服务信息",
                  abstract="遗体火化记录。", format_class="database", share_type="conditional",
                  share_condition="限于丧葬补贴和户籍注销核验", share_mode="platform_api",
                  update_cycle="daily", deadline_class="within_3_days",
                  resource_kind="business", library_group="specialised", publish_date="",
                  related_codes="", legal_basis="", open_condition="", format_type="",
                  update_frequency="", timeliness="", detail="")
    items = overrides.pop("items", [("逝者公民身份号码", "C", "18", "id_number", ""),
                                    ("火化日期", "D", "", "", "")])
    fields.update(overrides)
    pairs = list(fields.items()) + [("scope_levels", "city"), ("scope_levels", "district")]
    for name, dtype, length, key, base in items:
        pairs += [("item_name", name), ("item_data_type", dtype), ("item_length", length),
                  ("item_share_type", ""), ("item_sensitivity", "none"),
                  ("item_subject_key", key), ("item_base_item_code", base)]
    return pairs


def main(page: str) -> str:
    return re.search(r"<main>(.*)</main>", page, re.S).group(1)


def text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>|\s+", "", main(page)))


def new_entry(client, **overrides) -> int:
    r = post_form(client, "/catalog/entries/new", entry_form(**overrides))
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/catalog/entries/(\d+)\?notice=drafted", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def history(page: str) -> list[str]:
    section = page.split('<section class="card history">')[1].split("</section>")[0]
    return [re.sub(r"<[^>]+>|\s+", "", r) for r in re.findall(r"<tr class=\"step-.*?</tr>",
                                                                 section, re.S)]


# --- navigation -----------------------------------------------------------------------------

@pytest.mark.req("GZ-7", "GZ-14")
def test_the_navigation_offers_the_catalog_pages_by_role(db, signed_in):
    clerk = nav(signed_in("civil_clerk").get("/").text)
    assert 'href="/catalog/entries"' in clerk and "本机关目录" in clerk
    assert "基准信息目录" in clerk and "备案审核" not in clerk
    for it in ("admin", "tianhe_it"):
        assert 'href="/catalog/filing">备案审核' in nav(signed_in(it).get("/").text)
    approver = nav(signed_in("approver").get("/").text)
    assert "本机关目录" not in approver and "备案审核" not in approver


# --- 本机关目录 and the editor -------------------------------------------------------------------

@pytest.mark.req("GZ-7")
def test_the_agency_catalog_lists_its_entries_with_status_badges(db, signed_in):
    page = signed_in("police_clerk").get("/catalog/entries")
    assert page.status_code == 200
    body = main(page.text)
    assert "本机关目录" in body and "广州市公安局" in body
    assert re.search(r'<a href="/catalog/entries/\d+">户籍人口信息</a> <span class="tag">基准信息</span>',
                     body)
    assert '<span class="state state-active status-filed">已备案</span>' in body
    assert "婚姻登记信息" not in body  # another agency's entry
    assert 'href="/catalog/entries/new"' in body


def test_the_editor_groups_fields_as_the_guide_and_labels_choices_in_chinese(db, signed_in):
    page = signed_in("civil_clerk").get("/catalog/entries/new").text
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends[:5] == ["分类", "基本信息", "共享属性", "更新", "广州市要求"]
    for label in ("无条件共享", "共享平台·接口", "每季度", "产生后3日内", "证照", "人口基础信息库",
                  "字符型", "个人隐私", "公民身份号码"):
        assert f">{label}<" in page or f"> {label}<" in page or f"C {label}<" in page, label
    assert '<template id="item-row">' in page and 'id="add-item"' in page
    assert '<script src="/static/catalog.js" defer></script>' in page
    js = signed_in("civil_clerk").get("/static/catalog.js")
    assert js.status_code == 200 and "remove-item" in js.text


@pytest.mark.req("GZ-7")
def test_a_clerk_drafts_an_entry_and_sees_it_with_its_items_and_history(db, signed_in):
    clerk = signed_in("civil_clerk")
    eid = new_entry(clerk, publish_date="2026-10-08")
    page = clerk.get(f"/catalog/entries/{eid}?notice=drafted").text
    shown = text(page)
    assert "殡葬服务信息草稿" in shown and "条目已保存为草稿" in shown
    assert re.search(r"<code>306001/\d{6}</code>", page)
    assert "逝者公民身份号码字符型18同条目不涉密公民身份号码" in shown
    assert "2026年10月8日（周四）" in shown and "市级机关、区级机关" in shown
    assert "尚未进行保密审查" in shown
    assert f'action="/catalog/entries/{eid}/review"' not in page  # staff cannot review
    [step] = history(page)
    assert re.fullmatch(CN_DATETIME.replace(" ", "") + r"起草钱办事资源代码306001/\d{6}", step)
    with db.session() as s:
        entry = s.get(Entry, eid)
        assert [i.name for i in entry.items] == ["逝者公民身份号码", "火化日期"]
        assert entry.share_scope == {"levels": ["city", "district"], "agency_ids": []}


@pytest.mark.req("GD-4")
def test_a_refused_entry_comes_back_with_the_message_at_its_field_and_values_kept(db, signed_in):
    clerk = signed_in("civil_clerk")
    before = count(db, Entry)
    r = post_form(clerk, "/catalog/entries/new", entry_form(share_condition=""))
    assert r.status_code == 422
    assert "共享条件" in field_error(r.text, "share_condition")
    assert input_value(r.text, "name") == "殡葬服务信息"
    assert 'name="item_name" value="火化日期"' in r.text
    assert '<option value="conditional" selected>有条件共享</option>' in r.text
    r = post_form(clerk, "/catalog/entries/new", entry_form(used_in_licensing="on",
                                                             share_condition="限于审批"))
    assert r.status_code == 422 and "无条件共享" in field_error(r.text, "share_type")
    assert 'name="used_in_licensing" checked' in r.text
    r = post_form(clerk, "/catalog/entries/new", entry_form(share_type="not_shared"))
    assert r.status_code == 422 and "依据" in field_error(r.text, "legal_basis")
    assert count(db, Entry) == before


@pytest.mark.req("GZ-13")
def test_the_editor_refuses_another_agency_s_base_item_naming_its_source(db, signed_in):
    r = post_form(signed_in("civil_clerk"), "/catalog/entries/new", entry_form(items=[
        ("火化日期", "D", "", "", ""), ("公民身份号码", "C", "18", "id_number", "p0001")]))
    assert r.status_code == 422
    message = field_error(r.text, "items[1].base_item_code")
    assert "广州市公安局" in message and "户籍人口信息" in message and "一数一源" in message
    assert 'name="item_base_item_code" value="p0001"' in r.text


@pytest.mark.req("GZ-16")
def test_a_population_entry_without_subject_key_is_refused_under_the_items(db, signed_in):
    r = post_form(signed_in("civil_clerk"), "/catalog/entries/new", entry_form(
        library_group="natural_person", items=[("姓名", "C", "50", "", "")]))
    assert r.status_code == 422 and "主体标识" in field_error(r.text, "items")
    r = post_form(signed_in("civil_clerk"), "/catalog/entries/new", entry_form(
        items=[("姓名", "C", "很长", "", "")]))
    assert r.status_code == 422 and "正整数" in field_error(r.text, "items[0].length")


# --- review, submission, filing, return, history ------------------------------------------------

@pytest.mark.req("GZ-7", "GZ-16")
def test_an_entry_walks_from_draft_to_filed_through_the_pages(db, signed_in):
    clerk, civil_admin, city_it = (signed_in("civil_clerk"), signed_in("civil_admin"),
                                   signed_in("admin"))
    eid = new_entry(clerk)
    url = f"/catalog/entries/{eid}"

    early = post_form(clerk, f"{url}/submit")
    assert early.status_code == 422 and "保密审查" in field_error(early.text, "review_result")
    assert post_form(civil_admin, f"{url}/review", {"result": "", "note": ""}).status_code == 422
    r = post_form(civil_admin, f"{url}/review", {"result": "passed", "note": "不含国家秘密"})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?notice=reviewed"
    shown = text(clerk.get(url).text)
    assert "审查结果通过（不含国家秘密）审查人王建国审查时间" in shown
    assert post_form(clerk, f"{url}/submit").headers["location"] == f"{url}?notice=submitted"

    queue = city_it.get("/catalog/filing").text
    assert f'href="/catalog/entries/{eid}">殡葬服务信息</a>' in queue and "广州市民政局" in queue
    refused = post_form(city_it, f"{url}/return", {"reason": ""})
    assert refused.status_code == 422
    assert "理由" in field_error(refused.text, f"reason-{eid}")
    r = post_form(city_it, f"{url}/return", {"reason": "共享条件请写明具体事项"})
    assert r.status_code == 303 and r.headers["location"].startswith("/catalog/filing?notice=returned")
    assert "条目已退回" in city_it.get(r.headers["location"]).text

    page = clerk.get(url).text
    assert "退回理由：共享条件请写明具体事项" in text(page)
    assert '<span class="state state-revoked status-returned">已退回</span>' in page
    edit = clerk.get(f"{url}/edit").text
    assert input_value(edit, "name") == "殡葬服务信息" and 'value="火化日期"' in edit
    r = post_form(clerk, f"{url}/edit", entry_form(share_condition="限于丧葬补贴发放核验"))
    assert r.headers["location"] == f"{url}?notice=revised"
    assert "尚未进行保密审查" in text(clerk.get(url).text)  # the revision cleared the review
    post_form(civil_admin, f"{url}/review", {"result": "passed", "note": ""})
    post_form(clerk, f"{url}/submit")
    r = post_form(city_it, f"{url}/file")
    assert r.status_code == 303 and "notice=filed" in r.headers["location"]

    page = clerk.get(url).text
    assert '<span class="state state-active status-filed">已备案</span>' in page
    steps = history(page)
    assert [re.sub(CN_DATETIME.replace(" ", ""), "", s)[:4] for s in steps] == [
        "起草钱办", "保密审查", "报送钱办", "退回林卫", "修订钱办", "保密审查", "报送钱办", "备案林卫"]
    assert "退回林卫东共享条件请写明具体事项" in steps[3] and "修订钱办事第2版" in steps[4]
    assert f"/catalog/entries/{eid}" not in city_it.get("/catalog/filing").text


@pytest.mark.req("GZ-7")
def test_a_district_it_authority_cannot_file_a_city_entry_and_the_page_says_why(db, signed_in):
    city_it = signed_in("admin")
    with db.session() as s:
        entry = s.scalar(select(Entry).where(Entry.name == "户籍人口信息"))
        entry.status = "submitted"  # as if the police had submitted a revision
    tianhe = signed_in("tianhe_it").get("/catalog/filing").text
    assert "户籍人口信息" not in tianhe and "没有待备案审核的目录条目" in tianhe
    r = post_form(signed_in("tianhe_it"), f"/catalog/entries/{entry.id}/file")
    assert r.status_code == 403 and "同级信息化主管部门" in r.text
    assert "户籍人口信息" in city_it.get("/catalog/filing").text


@pytest.mark.req("GZ-16")
def test_a_state_secret_review_blocks_submission_on_the_page(db, signed_in):
    clerk, civil_admin = signed_in("civil_clerk"), signed_in("civil_admin")
    eid = new_entry(clerk)
    post_form(civil_admin, f"/catalog/entries/{eid}/review", {"result": "state_secret",
                                                              "note": "含涉密坐标"})
    r = post_form(clerk, f"/catalog/entries/{eid}/submit")
    assert r.status_code == 422 and "国家秘密" in field_error(r.text, "items")
    assert "含国家秘密，不得上平台" in text(r.text)


@pytest.mark.req("GZ-7")
def test_withdrawing_needs_a_reason_and_leaves_the_entry_marked(db, signed_in):
    clerk = signed_in("civil_clerk")
    eid = new_entry(clerk)
    r = post_form(clerk, f"/catalog/entries/{eid}/withdraw", {"reason": " "})
    assert r.status_code == 422 and "理由" in field_error(r.text, "reason")
    r = post_form(clerk, f"/catalog/entries/{eid}/withdraw", {"reason": "并入公墓安葬信息"})
    assert r.headers["location"] == f"/catalog/entries/{eid}?notice=withdrawn"
    page = clerk.get(f"/catalog/entries/{eid}").text
    assert '<span class="state state-revoked status-withdrawn">已撤销</span>' in page
    assert "撤销钱办事并入公墓安葬信息" in history(page)[-1]
    assert f'action="/catalog/entries/{eid}/submit"' not in page


@pytest.mark.req("GZ-7")
def test_another_agency_reads_a_filed_entry_but_not_drafts_or_the_review(db, signed_in):
    police = signed_in("police_clerk")
    with db.session() as s:
        marriage = s.scalar(select(Entry.id).where(Entry.name == "婚姻登记信息"))
    page = police.get(f"/catalog/entries/{marriage}").text
    assert "婚姻登记信息" in page and "限于办理涉及婚姻状况的行政事项时核验" in text(page)
    assert "保密审查" not in main(page) and "历史记录" not in page
    assert f'href="/catalog/entries/{marriage}/edit"' not in page
    draft = new_entry(signed_in("civil_clerk"))
    assert police.get(f"/catalog/entries/{draft}").status_code == 404
    assert post_form(police, f"/catalog/entries/{draft}/submit").status_code == 404


# --- 基准信息目录 and 共享需求 ----------------------------------------------------------------------

@pytest.mark.req("GZ-14", "GZ-3")
def test_the_city_it_authority_edits_the_base_information_catalog_on_its_page(db, signed_in):
    city_it, clerk = signed_in("admin"), signed_in("civil_clerk")
    page = clerk.get("/catalog/base-items").text
    assert "<code>P0001</code></td><td>公民身份号码</td><td>人口基础信息库</td><td>广州市公安局</td>" in page
    assert 'action="/catalog/base-items"' not in page
    assert post_form(clerk, "/catalog/base-items", {"code": "P0006", "name": "死亡日期",
                                                     "library_group": "natural_person",
                                                     "responsible_agency_id": "1"}
                     ).status_code == 403
    bad = post_form(city_it, "/catalog/base-items", {"code": "P0006", "name": "死亡日期",
                                                      "library_group": "natural_person",
                                                      "responsible_agency_id": "",
                                                      "description": ""})
    assert bad.status_code == 422 and "责任机关" in field_error(bad.text, "responsible_agency_id")
    assert input_value(bad.text, "name") == "死亡日期"
    ok = post_form(city_it, "/catalog/base-items", {
        "code": "P0006", "name": "死亡日期", "library_group": "natural_person",
        "responsible_agency_id": str(db.agency_id("civil")), "description": "以火化记录为准"})
    assert ok.headers["location"] == "/catalog/base-items?notice=defined"
    assert "<code>P0006</code></td><td>死亡日期</td><td>人口基础信息库</td><td>广州市民政局</td>" in \
        clerk.get("/catalog/base-items").text


@pytest.mark.req("GD-12")
def test_a_clerk_records_a_need_and_a_missing_duty_is_shown_at_its_field(db, signed_in):
    clerk = signed_in("civil_clerk")
    with db.session() as s:
        code = s.scalar(select(Entry.resource_code).where(Entry.name == "户籍人口信息"))
    need = {"title": "核验婚姻登记当事人户籍", "provider_agency_id": str(db.agency_id("police")),
            "resource_code": code, "items_wanted": "公民身份号码、户籍地址", "duty": ""}
    r = post_form(clerk, "/catalog/needs", need)
    assert r.status_code == 422 and "职责" in field_error(r.text, "duty")
    assert input_value(r.text, "title") == "核验婚姻登记当事人户籍"
    assert count(db, Need) == 0
    r = post_form(clerk, "/catalog/needs", need | {"duty": "《婚姻登记条例》第五条"})
    assert r.headers["location"] == "/catalog/needs?mine=true&notice=recorded"
    shown = text(clerk.get(r.headers["location"]).text)
    row = f"核验婚姻登记当事人户籍广州市民政局广州市公安局{code}公民身份号码、户籍地址《婚姻登记条例》第五条"
    assert row in shown
    assert "核验婚姻登记当事人户籍" in signed_in("admin").get("/catalog/needs").text
    assert 'action="/catalog/needs"' not in signed_in("approver").get("/catalog/needs").text
