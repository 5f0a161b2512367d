"""The access console on SQLite and PostgreSQL: the request form from the published catalog, the
requester's requests, the provider's inbox by deadline, the request page with its history and the
forms of the steps open to the viewer, the IT authority's and the government's queues, grants
with their division limit, revocation and the provider's consents. A refused form comes back
with the message next to its field; another agency is told nothing."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from govshare.access import request_service
from govshare.access.models import AccessRequest, Consent, Grant
from govshare.kit import clock
from govshare.kit.pages import cn_date
from tests.access.helpers import HOUSEHOLD, LICENCE, actor, code_of, draft
from tests.directory.conftest_web import count, field_error, nav, post_form

pytestmark = pytest.mark.usefixtures("db")
DUTY = "办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）"


def text(page: str) -> str:
    body = re.search(r"<main>(.*)</main>", page, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>|\s+", "", body))


def section(page: str, cls: str) -> str:
    m = re.search(rf'<(section|details) class="[^"]*\b{re.escape(cls)}\b[^"]*".*?</\1>', page, re.S)
    assert m, f"no section {cls}"
    return text(f"<main>{m.group(0)}</main>")


def request_form(code: str, items: list[str], **overrides) -> list[tuple[str, str]]:
    today = clock.today()
    fields = dict(resource_code=code, duty=DUTY, legal_basis="《婚姻登记条例》",
                  purpose="婚姻登记业务办理", division_codes="", condition="",
                  valid_from=today.isoformat(), valid_until=(today + timedelta(180)).isoformat())
    fields.update(overrides)
    return list(fields.items()) + [("items", i) for i in items]


def new_request(client, form) -> int:
    r = post_form(client, "/access/requests/new", form)
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/access/requests/(\d+)\?notice=submitted", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def submitted(db, username: str, name: str, today: date | None = None, **overrides) -> int:
    """A request filed through the service (setup, not what the test is about)."""
    today = today or clock.today()
    with db.session() as s:
        return request_service.submit_request(s, actor(s, username), draft(s, name, today, **overrides),
                                              today=today).id


def act(client, request_id: int, action: str, data: dict | list | None = None):
    return post_form(client, f"/access/requests/{request_id}/actions/{action}", data or {})


def status_of(db, request_id: int) -> str:
    with db.session() as s:
        return s.get(AccessRequest, request_id).status


# --- navigation and queues --------------------------------------------------------------------

def test_each_queue_opens_for_the_people_who_work_it(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    mine = clerk.get("/access/requests")
    assert mine.status_code == 200
    assert 'href="/access/requests/new">提出共享申请</a>' in mine.text
    assert 'href="/access/requests"' in nav(mine.text)
    for url in ("/access/coordination", "/access/government"):
        assert clerk.get(url).status_code == 403
    assert signed_in("police_admin").get("/access/inbox").status_code == 200
    it = signed_in("admin")
    assert it.get("/access/coordination").status_code == 200
    assert 'href="/access/grants?side=all"' in it.get("/access/grants").text  # oversight of all grants
    assert 'side=all' not in clerk.get("/access/grants").text
    approver = signed_in("approver")
    assert approver.get("/access/government").status_code == 200
    assert approver.get("/access/inbox").status_code == 403
    refused = approver.get("/access/requests/new")
    assert refused.status_code == 403 and "只有机关工作人员或管理员可以代表本机关提出共享申请" in refused.text


# --- the request form -------------------------------------------------------------------------

@pytest.mark.req("GD-21")
def test_the_request_form_is_built_from_the_published_catalog_entry(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    published = clerk.get(f"/catalog/published/{code}").text
    assert f'href="/access/requests/new?resource_code={code}">申请共享</a>' in published
    assert "申请共享" not in signed_in("police_clerk").get(f"/catalog/published/{code}").text

    page = clerk.get(f"/access/requests/new?resource_code={code}").text
    boxes = re.findall(r'<input type="checkbox" name="items" value="([^"]+)" checked>', page)
    assert boxes == ["公民身份号码", "姓名", "出生日期", "户籍地址", "户主关系"]
    shown = text(page)
    assert "户籍地址个人隐私" in shown and "户主关系个人隐私" in shown and "姓名个人隐私" not in shown
    assert "广州市公安局" in shown and "有条件共享" in shown
    today = clock.today()
    assert f'name="valid_from" type="date" value="{today.isoformat()}"' in page
    assert f'name="valid_until" type="date" value="{(today + timedelta(180)).isoformat()}"' in page
    assert "在15个工作日内" in shown and "最长366天" in shown
    for name in ("duty", "legal_basis", "purpose", "division_codes", "condition"):
        assert f'name="{name}"' in page


@pytest.mark.req("GZ-19")
def test_the_form_outside_the_catalog_names_the_provider_and_the_items(db, signed_in):
    page = signed_in("tianhe_civil_clerk").get("/access/requests/new").text
    assert '<select name="provider_agency_id"' in page and "广州市公安局</option>" in page
    assert ">广州市天河区民政局</option>" not in page  # not to one's own agency
    assert 'name="items_text"' in page and 'action="/catalog/search"' in page
    assert "5个工作日内提供（GZ-19）" in text(page)


# --- submitting -------------------------------------------------------------------------------

@pytest.mark.req("GD-21")
@pytest.mark.req("GD-22")
def test_a_clerk_requests_a_conditional_resource_and_sees_its_deadline(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    rid = new_request(clerk, request_form(code, ["公民身份号码", "姓名", "户籍地址"]))
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        assert (req.status, req.items) == ("submitted", ["公民身份号码", "姓名", "户籍地址"])
        due = req.due_date
    page = clerk.get(f"/access/requests/{rid}?notice=submitted").text
    shown = text(page)
    assert "申请已提交提供机关，提供机关须在15个工作日内作出决定（GD-22）。" in shown
    assert "待提供方决定" in shown
    assert f"{cn_date(due)}前，剩余15个工作日" in shown
    assert "户籍地址个人隐私" in shown
    assert "授权以天河区的记录为限" in shown  # GZ-21, said before anyone decides
    assert "提交申请天河民政办事员" in section(page, "history")
    assert f'action="/access/requests/{rid}/actions/withdraw"' in page
    assert "/actions/grant" not in page  # the requester does not decide
    row = re.search(rf'<tr id="request-{rid}".*?</tr>', clerk.get("/access/requests").text, re.S)
    assert "户籍人口信息" in text(f"<main>{row.group(0)}</main>")
    assert "剩余15个工作日" in text(f"<main>{row.group(0)}</main>")


def test_a_refused_request_form_is_shown_again_with_the_error_next_to_the_field(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    r = post_form(clerk, "/access/requests/new", request_form(code, ["姓名"], duty=" ",
                                                              purpose="核验户籍"))
    assert r.status_code == 422
    assert "职责" in field_error(r.text, "duty")
    assert '<input type="checkbox" name="items" value="姓名" checked>' in r.text
    assert '<input type="checkbox" name="items" value="户籍地址" >' in r.text
    assert ">核验户籍</textarea>" in r.text
    too_long = (clock.today() + timedelta(400)).isoformat()
    r = post_form(clerk, "/access/requests/new", request_form(code, ["姓名"], valid_until=too_long))
    assert r.status_code == 422 and "最长 366 天" in field_error(r.text, "valid_until")
    r = post_form(clerk, "/access/requests/new", request_form(code, [], division_codes="天河"))
    assert r.status_code == 422 and "请至少选择一个信息项" in field_error(r.text, "items")
    r = post_form(clerk, "/access/requests/new", request_form(code, ["姓名"], division_codes="天河"))
    assert r.status_code == 422 and "6 位数字" in field_error(r.text, "division_codes")
    assert count(db, AccessRequest) == 0


def test_forms_without_the_csrf_token_are_refused(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    with db.session() as s:
        code = code_of(s, LICENCE)
    r = post_form(clerk, "/access/requests/new", request_form(code, ["企业名称"]), csrf=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert count(db, AccessRequest) == 0


@pytest.mark.req("GZ-19")
@pytest.mark.req("GZ-21")
def test_an_unconditional_resource_is_granted_at_once_and_limited_to_the_district(db, signed_in):
    clerk = signed_in("tianhe_civil_clerk")
    with db.session() as s:
        code = code_of(s, LICENCE)
    rid = new_request(clerk, request_form(code, ["统一社会信用代码", "企业名称"]))
    page = clerk.get(f"/access/requests/{rid}?notice=submitted").text
    assert "已即时授权（GZ-19）" in text(page)
    grant = section(page, "grant")
    assert "有效" in grant and "统一社会信用代码、企业名称" in grant
    assert "限天河区（440106）的记录" in grant


# --- the provider decides -------------------------------------------------------------------------

@pytest.mark.req("GD-22")
def test_the_inbox_puts_the_most_urgent_first_and_marks_the_overdue(db, signed_in):
    fresh = submitted(db, "civil_clerk", HOUSEHOLD)
    late = submitted(db, "tianhe_civil_clerk", HOUSEHOLD, today=date(2026, 10, 9))
    page = signed_in("police_admin").get("/access/inbox").text
    ids = [int(i) for i in re.findall(r'<tr id="request-(\d+)"', page)]
    assert ids.index(late) < ids.index(fresh)
    row = re.search(rf'<tr id="request-{late}" class="overdue to-do">.*?</tr>', page, re.S)
    assert row, "the overdue request is not highlighted"
    assert re.search(r"已逾期\d+个工作日", text(f"<main>{row.group(0)}</main>"))
    assert "广州市天河区民政局" in text(f"<main>{row.group(0)}</main>")
    assert signed_in("civil_clerk").get("/access/inbox").text.count("<tr id=\"request-") == 0


@pytest.mark.req("GD-22")
@pytest.mark.req("GZ-21")
def test_the_provider_grants_a_narrower_scope_and_the_requester_sees_it(db, signed_in):
    rid = submitted(db, "tianhe_civil_clerk", HOUSEHOLD, items=("公民身份号码", "姓名", "出生日期"))
    provider = signed_in("police_admin")
    page = provider.get(f"/access/requests/{rid}").text
    for action in ("grant", "grant_narrower", "refuse"):
        assert f'action="/access/requests/{rid}/actions/{action}"' in page
    assert "withdraw" not in page
    until = (clock.today() + timedelta(90)).isoformat()
    r = act(provider, rid, "grant_narrower", [
        ("items", "公民身份号码"), ("items", "姓名"), ("valid_until", until),
        ("division_codes", ""), ("condition", ""), ("narrowing", "不提供出生日期，期限三个月"),
        ("reasons", "核验身份只需公民身份号码和姓名"), ("legal_basis", "《个人信息保护法》第六条")])
    assert r.status_code == 303 and r.headers["location"] == f"/access/requests/{rid}?notice=grant_narrower"
    assert status_of(db, rid) == "narrowed"

    clerk = signed_in("tianhe_civil_clerk")
    page = clerk.get(f"/access/requests/{rid}").text
    history = section(page, "history")
    assert "缩小范围授权陈志强" in history and "核验身份只需公民身份号码和姓名" in history
    assert "《个人信息保护法》第六条" in history and "授权的信息项：公民身份号码、姓名" in history
    assert f'action="/access/requests/{rid}/actions/dispute"' in page
    with db.session() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.request_id == rid))
    held = clerk.get("/access/grants").text
    assert f'href="/access/grants/{grant_id}"' in held
    grant = clerk.get(f"/access/grants/{grant_id}").text
    shown = section(grant, "granted")
    assert "授权的信息项公民身份号码、姓名数据范围" in shown
    assert "限天河区（440106）的记录（GZ-21）" in shown
    end = date.fromisoformat(until)
    assert f"{cn_date(clock.today())}至{cn_date(end)}" in shown
    assert "撤销授权" not in grant and "记录同意" not in grant  # the grantee neither revokes nor consents


@pytest.mark.req("GD-22")
def test_a_refusal_without_a_legal_basis_is_shown_again_naming_the_field(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD)
    provider = signed_in("police_clerk")
    r = act(provider, rid, "refuse", {"reasons": "申请用途与户籍核验无关", "legal_basis": ""})
    assert r.status_code == 422
    assert field_error(r.text, "refuse-legal_basis") == "拒绝共享须写明法律依据"
    assert field_error(r.text, "refuse-reasons") is None
    assert ">申请用途与户籍核验无关</textarea>" in r.text
    assert re.search(r'<details class="action action-refuse" id="action-refuse" open>', r.text)
    assert status_of(db, rid) == "submitted"


def test_a_step_already_taken_is_refused_on_the_page_and_a_reload_takes_nothing(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    provider = signed_in("police_admin")
    first = act(provider, rid, "grant")
    assert first.status_code == 303
    assert "已办理：授权共享" in provider.get(first.headers["location"]).text
    again = act(provider, rid, "grant")
    assert again.status_code == 409
    assert "申请当前状态为“已授权”，不能授权共享" in text(again.text)
    with db.session() as s:
        assert len(s.get(AccessRequest, rid).steps) == 2


def test_another_agency_sees_and_decides_nothing(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    act(signed_in("police_admin"), rid, "grant")
    with db.session() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.request_id == rid))
    other = signed_in("market_clerk")
    assert other.get(f"/access/requests/{rid}").status_code == 404
    assert act(other, rid, "withdraw", {"confirm": "on"}).status_code == 404
    assert other.get(f"/access/grants/{grant_id}").status_code == 404
    assert post_form(other, f"/access/grants/{grant_id}/revoke", {"reasons": "x"}).status_code == 404
    assert status_of(db, rid) == "granted"


def test_withdrawal_asks_for_confirmation(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD)
    clerk = signed_in("civil_clerk")
    r = act(clerk, rid, "withdraw")
    assert r.status_code == 422 and "请勾选确认" in field_error(r.text, "withdraw-confirm")
    assert status_of(db, rid) == "submitted"
    assert act(clerk, rid, "withdraw", {"confirm": "on"}).status_code == 303
    assert status_of(db, rid) == "withdrawn"
    assert "已撤回" in text(clerk.get(f"/access/requests/{rid}").text)


# --- coordination, the leading group and the government --------------------------------------------

@pytest.mark.req("GD-22")
def test_a_disputed_refusal_goes_to_coordination_which_records_whether_to_share(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    assert act(signed_in("police_admin"), rid, "refuse",
               {"reasons": "涉及个人信息", "legal_basis": "《户口登记条例》"}).status_code == 303
    clerk = signed_in("civil_clerk")
    r = act(clerk, rid, "dispute", {"reasons": ""})
    assert r.status_code == 422
    assert field_error(r.text, "dispute-reasons") == "提出异议须写明书面理由"
    assert act(clerk, rid, "dispute", {"reasons": "婚姻登记须核验户籍"}).status_code == 303
    it = signed_in("admin")
    assert f'<tr id="request-{rid}"' in it.get("/access/coordination").text
    r = act(it, rid, "record_coordination", {"outcome": "经协调，同意提供姓名"})
    assert r.status_code == 422 and "是否共享" in field_error(r.text, "record_coordination-share")
    assert act(it, rid, "record_coordination",
               {"outcome": "经协调，同意提供姓名", "share": "yes"}).status_code == 303
    assert status_of(db, rid) == "coordinated"
    page = clerk.get(f"/access/requests/{rid}").text
    assert "经协调，同意提供姓名" in section(page, "history") and "决定共享" in section(page, "history")
    assert "有效" in section(page, "grant")


@pytest.mark.req("GD-22")
def test_a_disputed_coordination_goes_to_the_leading_group_whose_decision_is_recorded(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    provider, clerk, it = signed_in("police_admin"), signed_in("civil_clerk"), signed_in("admin")
    act(provider, rid, "refuse", {"reasons": "涉及个人信息", "legal_basis": "《户口登记条例》"})
    act(clerk, rid, "dispute", {"reasons": "婚姻登记须核验户籍"})
    act(it, rid, "record_coordination", {"outcome": "同意提供姓名", "share": "yes"})
    page = provider.get(f"/access/requests/{rid}").text
    assert f'action="/access/requests/{rid}/actions/dispute"' in page  # either party may disagree
    assert act(provider, rid, "dispute", {"reasons": "协调结果超出必要范围"}).status_code == 303
    assert f'<tr id="request-{rid}"' in it.get("/access/coordination").text
    r = act(it, rid, "record_leading_group_decision", {"decision": "", "share": "no"})
    assert r.status_code == 422
    assert "领导小组的决定" in field_error(r.text, "record_leading_group_decision-decision")
    assert act(it, rid, "record_leading_group_decision",
               {"decision": "领导小组决定不予共享", "share": "no"}).status_code == 303
    page = clerk.get(f"/access/requests/{rid}").text
    assert "领导小组已决定" in text(page) and "领导小组决定不予共享" in section(page, "history")
    assert "已撤销" in section(page, "grant")


@pytest.mark.req("GZ-19")
def test_a_request_outside_the_catalog_goes_through_the_government(db, signed_in):
    clerk = signed_in("civil_clerk")
    form = request_form("", [], provider_agency_id=str(db.agency_id("police")),
                        resource_name="流动人口居住登记信息", items_text="公民身份号码\n居住地址")
    rid = new_request(clerk, form)
    assert "报请政府决定" in text(clerk.get(f"/access/requests/{rid}?notice=submitted").text)
    it = signed_in("admin")
    assert act(it, rid, "refer_to_government").status_code == 303
    approver = signed_in("approver")
    assert f'<tr id="request-{rid}"' in approver.get("/access/government").text
    assert act(approver, rid, "decide_to_share").status_code == 303
    provider = signed_in("police_admin")
    page = provider.get(f"/access/requests/{rid}").text
    assert "剩余5个工作日" in text(page) and "/actions/supply" in page
    assert act(provider, rid, "supply").status_code == 303
    with db.session() as s:
        grant = s.scalar(select(Grant).where(Grant.request_id == rid))
        assert grant.items == ["公民身份号码", "居住地址"] and grant.status == "active"


def test_outside_the_catalog_without_a_provider_names_the_field(db, signed_in):
    clerk = signed_in("civil_clerk")
    form = request_form("", [], provider_agency_id="", resource_name="x", items_text="a")
    r = post_form(clerk, "/access/requests/new", form)
    assert r.status_code == 422 and "提供机关" in field_error(r.text, "provider_agency_id")
    form = request_form("", [], provider_agency_id=str(db.agency_id("police")),
                        resource_name="x", items_text="")
    r = post_form(clerk, "/access/requests/new", form)
    assert r.status_code == 422 and "信息项" in field_error(r.text, "items_text")


# --- grants: revocation and consents (GZ-25) ---------------------------------------------------------

@pytest.mark.req("GZ-25")
@pytest.mark.req("GD-25")  # the same row: no passing on without consent
def test_the_provider_records_consent_to_pass_on_and_revokes_with_reasons(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    provider = signed_in("police_admin")
    act(provider, rid, "grant")
    with db.session() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.request_id == rid))
    page = provider.get(f"/access/grants/{grant_id}").text
    assert "记录同意" in page and "撤销授权" in page
    assert "提供机关尚未同意转授或公开" in section(page, "consents")
    url = f"/access/grants/{grant_id}/consents"
    r = post_form(provider, url, {"kind": "pass_on", "recipient": "", "purpose": "低保审核"})
    assert r.status_code == 422 and "接收机关" in field_error(r.text, "consent-recipient")
    r = post_form(provider, url, {"kind": "pass_on", "recipient": "广州市天河区民政局",
                                  "purpose": "低保家庭户籍核验"})
    assert r.status_code == 303
    assert count(db, Consent, Consent.grant_id == grant_id) == 1
    consents = section(signed_in("civil_clerk").get(f"/access/grants/{grant_id}").text, "consents")
    assert "转授其他机关广州市天河区民政局低保家庭户籍核验陈志强" in consents

    r = post_form(provider, f"/access/grants/{grant_id}/revoke", {"reasons": ""})
    assert r.status_code == 422 and "理由" in field_error(r.text, "revoke-reasons")
    r = post_form(provider, f"/access/grants/{grant_id}/revoke", {"reasons": "申请机关职责调整"})
    assert r.status_code == 303
    shown = text(provider.get(r.headers["location"]).text)
    assert "已撤销" in shown and "申请机关职责调整" in shown
    assert "撤销授权" not in section(provider.get(f"/access/grants/{grant_id}").text, "granted")


@pytest.mark.req("GZ-25")
@pytest.mark.req("GD-25")  # the same row: no passing on without consent
def test_only_the_provider_may_consent(db, signed_in):
    rid = submitted(db, "civil_clerk", HOUSEHOLD, items=("姓名",))
    act(signed_in("police_admin"), rid, "grant")
    with db.session() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.request_id == rid))
    grantee = signed_in("civil_clerk")
    r = post_form(grantee, f"/access/grants/{grant_id}/consents",
                  {"kind": "publish", "recipient": "", "purpose": "向社会公开"})
    assert r.status_code == 403 and "只有提供机关可以同意" in text(r.text)
    assert count(db, Consent) == 0
    assert f'id="grant-{grant_id}"' not in grantee.get("/access/grants?side=given").text
    assert f'id="grant-{grant_id}"' in grantee.get("/access/grants?side=held").text
    assert f'id="grant-{grant_id}"' in signed_in("police_clerk").get("/access/grants?side=given").text
