"""The access API on both engines, as clients use it: console sessions and API tokens submit,
decide, dispute and read requests and grants. Deadlines are checked on real dates by fixing the
server's clock (a client cannot choose "today"); the bad input the issue lists, each a test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from govshare.evidence import chain
from govshare.workdays.calendar import LIBRARY_YEARS
from tests.access import api_helpers
from tests.access.api_helpers import API, act, body, counts, submit
from tests.access.helpers import HOUSEHOLD, LICENCE, code_of

api_as, on = api_helpers.api_as, api_helpers.on  # fixtures

SEPT_28 = date(2026, 9, 28)
NOT_SHARED = "未成年人犯罪记录封存信息"
PLAIN_HOUSEHOLD = ["公民身份号码", "姓名", "出生日期"]  # no personal-privacy item: no agreement needed


def _token(client, db, agency: str) -> str:
    r = client.post(f"/api/v1/agencies/{db.agency_id(agency)}/api-clients", json={"name": "业务系统"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
    return r.json()


def _code(db, name: str) -> str:
    with db.session() as s:
        return code_of(s, name)


# --- unconditional: granted at once ------------------------------------------------------------

@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-19")
@pytest.mark.req("GD-20")
def test_an_unconditional_request_comes_back_granted_with_a_usable_grant(db, api_as):
    clerk = api_as("civil_clerk")
    got = submit(clerk, db, LICENCE)
    assert (got["status"], got["status_label"], got["route"]) == ("granted", "已授权", "unconditional")
    assert got["due_date"] is None and got["actions"] == []
    assert [(s["action"], s["to_status"]) for s in got["steps"]] == [("submit", "granted")]
    assert got["grant"]["id"] == got["grant_id"] and got["grant"]["status"] == "active"
    usable = clerk.get(f"{API}/grants/usable", params={"resource_code": _code(db, LICENCE)})
    assert usable.status_code == 200 and usable.json()["id"] == got["grant_id"]
    assert clerk.get(f"{API}/requests/{got['id']}").json()["grant_id"] == got["grant_id"]


@pytest.mark.req("GZ-25")
def test_an_api_client_uses_its_agencys_grants_and_never_another_agencys(db, signed_in, tmp_path):
    from tests.conftest import make_client

    # The agencies' administrators issue their programs' tokens in a console session.
    civil_token = _token(signed_in("civil_admin"), db, "civil")
    police_token = _token(signed_in("police_admin"), db, "police")
    programs = []
    for token in (civil_token, police_token):
        c = make_client(db, tmp_path)
        c.headers["Authorization"] = f"Bearer {token}"
        programs.append(c)
    civil_program, police_program = programs
    try:
        got = submit(civil_program, db, LICENCE)
        assert got["grant"]["grantee_agency_id"] == db.agency_id("civil")
        code = _code(db, LICENCE)
        assert civil_program.get(f"{API}/grants/usable", params={"resource_code": code}).json()[
            "id"] == got["grant_id"]
        # The police's program holds no grant of its own; it cannot use the civil affairs one.
        _problem(police_program.get(f"{API}/grants/usable", params={"resource_code": code}),
                 403, "no_grant")
        _problem(police_program.get(f"{API}/grants/{got['grant_id']}"), 404, "not_found")
        assert police_program.get(f"{API}/grants", params={"side": "held"}).json()["total"] == 0
    finally:
        for c in programs:
            c.app.state.engine.dispose()


@pytest.mark.req("GZ-25")
@pytest.mark.req("GD-25")  # the same row: no passing on without consent
def test_passing_on_needs_the_providers_recorded_consent(db, api_as):
    clerk = api_as("civil_clerk")
    grant_id = submit(clerk, db, LICENCE)["grant_id"]
    consent = {"kind": "pass_on", "recipient": "天河区民政局", "purpose": "婚姻登记窗口核验"}
    _problem(clerk.post(f"{API}/grants/{grant_id}/consents", json=consent), 403, "forbidden")
    provider = api_as("market_clerk")
    r = provider.post(f"{API}/grants/{grant_id}/consents", json=consent | {"recipient": ""})
    assert _problem(r, 422, "invalid_input")["field"] == "recipient"
    r = provider.post(f"{API}/grants/{grant_id}/consents", json=consent)
    assert r.status_code == 201, r.text
    listed = clerk.get(f"{API}/grants/{grant_id}/consents").json()
    assert [(c["kind"], c["recipient"], c["given_by"]) for c in listed] == [
        ("pass_on", "天河区民政局", "李晓红的系统")]


@pytest.mark.req("GZ-21")
def test_a_district_agency_is_granted_its_own_division_of_a_city_resource(db, api_as):
    got = submit(api_as("tianhe_civil_clerk"), db, LICENCE)
    assert got["grant"]["division_code"] == "440106"  # 天河区


@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_a_request_names_the_duty_it_serves_and_the_grant_is_bound_to_it(db, api_as):
    clerk = api_as("civil_clerk")
    before = counts(db)
    r = clerk.post(f"{API}/requests", json=body(db, LICENCE, duty=" "))
    assert (_problem(r, 422, "invalid_input")["field"], "GD-24" in r.json()["detail"]) == ("duty", True)
    assert counts(db) == before
    got = submit(clerk, db, LICENCE, purpose="核验婚姻登记当事人的营业执照")
    assert got["grant"]["duty"] == got["duty"] and got["grant"]["purpose"] == "核验婚姻登记当事人的营业执照"


# --- conditional: the provider decides within 15 working days -----------------------------------

@pytest.mark.req("GD-21")
@pytest.mark.req("GD-22")
def test_a_conditional_request_submitted_on_28_september_2026_is_due_23_october(db, api_as, on):
    on(SEPT_28)
    clerk, provider = api_as("civil_clerk"), api_as("police_admin")
    got = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)
    # 15 working days across the National Day holiday and its make-up Saturday (10 October).
    assert (got["status"], got["due_date"], got["provisional"]) == ("submitted", "2026-10-23", False)
    assert (got["working_days_left"], got["overdue"]) == (15, False)
    assert [a["action"] for a in got["actions"]] == ["withdraw"]  # escalate only once overdue
    on(date(2026, 10, 22))
    [row] = provider.get(f"{API}/requests", params={"queue": "inbox"}).json()["items"]
    assert (row["id"], row["due_date"], row["working_days_left"]) == (got["id"], "2026-10-23", 1)
    offered = {a["action"]: a["required_inputs"] for a in row["actions"]}
    assert offered == {"grant": [], "grant_narrower": ["narrowing", "reasons", "legal_basis"],
                       "refuse": ["reasons", "legal_basis"]}
    on(date(2026, 10, 26))
    late = provider.get(f"{API}/requests/{got['id']}").json()
    assert (late["working_days_left"], late["overdue"]) == (-1, True)
    mine = clerk.get(f"{API}/requests/{got['id']}").json()
    assert [a["action"] for a in mine["actions"]] == ["escalate", "withdraw"]
    granted = act(provider, got["id"], "grant")
    assert (granted["status"], granted["steps"][-1]["late"]) == ("granted", True)
    assert granted["grant"]["items"] == PLAIN_HOUSEHOLD


@pytest.mark.req("GD-22")
def test_a_late_december_request_is_due_in_2027_provisionally_until_2027_is_entered(
        db, api_as, on):
    if 2027 in LIBRARY_YEARS:
        pytest.skip("chinese-calendar now knows 2027: nothing about it is provisional any more")
    on(date(2026, 12, 28))
    got = submit(api_as("civil_clerk"), db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)
    # 29–31 December, then 2027 by weekends alone (1 January counted as a working day).
    assert (got["due_date"], got["provisional"]) == ("2027-01-18", True)
    it = api_as("admin")
    r = it.put("/api/v1/workdays/days/2027-01-01", json={"kind": "holiday", "name": "元旦"})
    assert r.status_code == 200, r.text
    assert it.post("/api/v1/workdays/years/2027/declare").status_code == 200
    again = api_as("civil_clerk").get(f"{API}/requests/{got['id']}").json()
    assert (again["due_date"], again["provisional"]) == ("2027-01-19", False)


@pytest.mark.req("GD-22")
@pytest.mark.req("GD-34")
def test_the_provider_grants_narrower_and_the_grant_waits_for_an_agreement(db, api_as):
    clerk, provider = api_as("civil_clerk"), api_as("police_admin")
    rid = submit(clerk, db, HOUSEHOLD)["id"]
    shorter = (date.fromisoformat(body(db, HOUSEHOLD)["valid_from"]) + timedelta(days=90)).isoformat()
    got = act(provider, rid, "grant_narrower", items=["公民身份号码", "姓名", "户籍地址"],
              valid_until=shorter, narrowing="只提供核验所需的三项，期限三个月", reasons="最小必要",
              legal_basis="《个人信息保护法》第六条")
    assert (got["status"], got["grant"]["items"]) == ("narrowed", ["公民身份号码", "姓名", "户籍地址"])
    assert (got["grant"]["valid_until"], got["grant"]["status"]) == (shorter, "pending_agreement")
    r = clerk.get(f"{API}/grants/usable", params={"resource_code": _code(db, HOUSEHOLD)})
    _problem(r, 403, "agreement_required")


@pytest.mark.req("GD-21")
@pytest.mark.req("GD-11")
def test_a_disputed_refusal_goes_to_coordination_then_the_leading_group(db, api_as):
    clerk, provider, it = api_as("civil_clerk"), api_as("police_admin"), api_as("admin")
    rid = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)["id"]
    act(provider, rid, "refuse", reasons="系统改造期间暂停", legal_basis="《户口登记条例》")
    act(clerk, rid, "dispute", reasons="婚姻登记依法须核验户籍，暂停不是法定理由")
    [row] = it.get(f"{API}/requests", params={"queue": "coordination"}).json()["items"]
    assert (row["id"], row["status"]) == (rid, "in_coordination")
    coordinated = act(it, rid, "record_coordination", outcome="公安局同意提供三项", share=True)
    assert (coordinated["status"], coordinated["grant"]["status"]) == ("coordinated", "active")
    act(provider, rid, "dispute", reasons="不同意协调结果")
    decided = act(it, rid, "record_leading_group_decision", decision="不予共享", share=False)
    assert (decided["status"], decided["grant"]["status"]) == ("leading_group_decided", "revoked")


@pytest.mark.req("GZ-19")
def test_outside_the_catalog_the_provider_supplies_within_5_working_days(db, api_as, on):
    on(SEPT_28)
    clerk = api_as("civil_clerk")
    got = submit(clerk, db, LICENCE, resource_code=None, provider_agency_id=db.agency_id("market"),
                 resource_name="企业欠薪记录", items=["统一社会信用代码", "欠薪金额"])
    assert (got["route"], got["status"]) == ("outside_catalog", "pending_referral")
    on(date(2026, 9, 29))
    act(api_as("admin"), got["id"], "refer_to_government")
    on(date(2026, 9, 30))
    decided = act(api_as("approver"), got["id"], "decide_to_share")
    # 5 working days from Wednesday 30 September, across the National Day holiday: 13 October.
    assert (decided["status"], decided["due_date"], decided["provisional"]) == (
        "awaiting_supply", "2026-10-13", False)
    provider = api_as("market_clerk")
    on(date(2026, 10, 14))
    [row] = provider.get(f"{API}/requests", params={"queue": "inbox",
                                                     "status": "awaiting_supply"}).json()["items"]
    assert (row["overdue"], row["working_days_left"]) == (True, -1)
    supplied = act(provider, got["id"], "supply")
    assert (supplied["status"], supplied["steps"][-1]["late"]) == ("supplied", True)
    assert supplied["grant"]["status"] == "active"


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.req("GD-22")
def test_deciding_a_withdrawn_request_is_a_conflict_naming_its_state(db, api_as):
    clerk, provider = api_as("civil_clerk"), api_as("police_admin")
    rid = submit(clerk, db, HOUSEHOLD)["id"]
    assert act(clerk, rid, "withdraw")["status"] == "withdrawn"
    problem = act(provider, rid, "grant", expect=409)
    assert problem["code"] == "request_state" and "已撤回" in problem["detail"]


@pytest.mark.req("GD-22")
def test_deciding_an_already_decided_request_is_a_conflict_naming_its_state(db, api_as):
    clerk, admin, other_clerk = (api_as(u) for u in ("civil_clerk", "police_admin", "police_clerk"))
    rid = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)["id"]
    act(admin, rid, "grant")
    before = counts(db)
    problem = act(other_clerk, rid, "refuse", expect=409, reasons="不同意",
                  legal_basis="《户口登记条例》")
    assert problem["code"] == "request_state" and "已授权" in problem["detail"]
    assert counts(db) == before


@pytest.mark.req("GD-21")
def test_another_agency_may_not_decide_a_request(db, api_as):
    rid = submit(api_as("civil_clerk"), db, HOUSEHOLD)["id"]
    problem = act(api_as("market_clerk"), rid, "grant", expect=403)
    assert problem["code"] == "not_a_party"


@pytest.mark.req("GD-11")
def test_a_refusal_without_reasons_is_refused_naming_the_field(db, api_as):
    clerk, provider = api_as("civil_clerk"), api_as("police_admin")
    rid = submit(clerk, db, HOUSEHOLD)["id"]
    problem = act(provider, rid, "refuse", expect=422, legal_basis="《户口登记条例》", reasons="  ")
    assert (problem["field"], problem["rule"]) == ("reasons", "required")
    problem = act(provider, rid, "grant_narrower", expect=422, narrowing="少两项", reasons="最小必要",
                  items=PLAIN_HOUSEHOLD)
    assert problem["field"] == "legal_basis"
    assert clerk.get(f"{API}/requests/{rid}").json()["status"] == "submitted"


@pytest.mark.req("GD-21")
def test_a_validity_longer_than_the_catalog_allows_is_refused(db, api_as):
    start = date.fromisoformat(body(db, HOUSEHOLD)["valid_from"])
    r = api_as("civil_clerk").post(f"{API}/requests", json=body(
        db, HOUSEHOLD, valid_until=(start + timedelta(days=400)).isoformat()))
    problem = _problem(r, 422, "invalid_input")
    assert (problem["field"], problem["rule"]) == ("valid_until", "max_validity")
    assert "366" in problem["detail"]  # a conditional grant is looked at again at least yearly


@pytest.mark.req("GD-11")
def test_a_not_shared_resource_is_refused_at_once_citing_its_legal_basis(db, api_as):
    got = submit(api_as("civil_clerk"), db, NOT_SHARED)
    assert (got["status"], got["route"], got["grant_id"]) == ("refused", "not_shared", None)
    assert [a["action"] for a in got["actions"]] == ["dispute"]  # coordination may still be asked
    assert "第二百八十六条" in got["steps"][0]["inputs"]["legal_basis"]


def test_a_refused_request_leaves_nothing_half_written(db, api_as):
    clerk, provider, other = (api_as("civil_clerk"), api_as("police_admin"),
                              api_as("market_clerk"))
    rid = submit(clerk, db, HOUSEHOLD)["id"]
    before = counts(db)
    start = date.fromisoformat(body(db, HOUSEHOLD)["valid_from"])
    refused = [
        clerk.post(f"{API}/requests", json=body(db, HOUSEHOLD, valid_until=(
            start + timedelta(days=400)).isoformat())),
        clerk.post(f"{API}/requests", json=body(db, LICENCE, items=["企业名称", "银行账号"])),
        provider.post(f"{API}/requests/{rid}/actions/refuse", json={"legal_basis": "x"}),
        provider.post(f"{API}/requests/{rid}/actions/grant_narrower", json={
            "narrowing": "多要一项", "reasons": "r", "legal_basis": "b", "items": ["婚姻状况"]}),
        other.post(f"{API}/requests/{rid}/actions/grant", json={}),
        clerk.post(f"{API}/requests/{rid}/actions/record_coordination", json={"outcome": "x"}),
        clerk.post(f"{API}/requests/{rid}/actions/fast_track", json={}),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422, 422, 403, 409, 422]
    assert counts(db) == before
    with db.session() as s:
        assert chain.verify(s).ok


# --- lists and grants ----------------------------------------------------------------------------

def test_queues_and_filters_are_checked(db, api_as):
    clerk = api_as("civil_clerk")
    submit(clerk, db, LICENCE)
    submit(clerk, db, HOUSEHOLD)
    mine = clerk.get(f"{API}/requests", params={"queue": "mine", "status": "submitted"}).json()
    assert [r["resource_name"] for r in mine["items"]] == [HOUSEHOLD]
    assert clerk.get(f"{API}/requests", params={"queue": "mine"}).json()["total"] == 2
    assert _problem(clerk.get(f"{API}/requests", params={"queue": "everything"}), 422,
                    "invalid_input")["field"] == "queue"
    assert _problem(clerk.get(f"{API}/requests", params={"status": "lost"}), 422,
                    "invalid_input")["field"] == "status"
    _problem(clerk.get(f"{API}/requests", params={"queue": "coordination"}), 403, "forbidden")
    _problem(api_as("police_clerk").get(f"{API}/requests/1"), 404, "not_found")


@pytest.mark.req("GD-21")
def test_grants_are_listed_by_side_and_revoked_only_with_reasons(db, api_as):
    clerk, provider = api_as("civil_clerk"), api_as("police_admin")
    rid = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)["id"]
    grant_id = act(provider, rid, "grant")["grant_id"]
    assert [g["id"] for g in clerk.get(f"{API}/grants", params={"side": "held"}).json()["items"]] == [
        grant_id]
    assert provider.get(f"{API}/grants", params={"side": "held"}).json()["total"] == 0
    assert provider.get(f"{API}/grants", params={"side": "given", "status": "active"}).json()[
        "total"] == 1
    _problem(api_as("police_clerk").post(f"{API}/grants/{grant_id}/revoke",
                                            json={"reasons": "x"}), 403, "forbidden")
    r = provider.post(f"{API}/grants/{grant_id}/revoke", json={"reasons": " "})
    assert _problem(r, 422, "invalid_input")["field"] == "reasons"
    revoked = provider.post(f"{API}/grants/{grant_id}/revoke", json={"reasons": "用途已完成"}).json()
    assert (revoked["status"], revoked["status_label"], revoked["revoke_reasons"]) == (
        "revoked", "已撤销", "用途已完成")
    _problem(clerk.get(f"{API}/grants/usable", params={"resource_code": _code(db, HOUSEHOLD)}),
             403, "no_grant")
    _problem(provider.post(f"{API}/grants/{grant_id}/revoke", json={"reasons": "再次"}), 409,
             "grant_state")


def test_openapi_describes_every_field_of_the_access_schemas(db, api_as):
    spec = api_as("civil_clerk").get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    names = ["RequestCreate", "RequestRead", "RequestRowRead", "ActionCreate", "ActionRead",
             "RequestStepRead", "GrantRead", "RevokeCreate", "ConsentCreate", "ConsentRead", "RowScope"]
    undescribed = [f"{n}.{f}" for n in names for f, p in schemas[n]["properties"].items()
                   if not p.get("description")]
    assert undescribed == []
    ops = [op for path, item in spec["paths"].items() if path.startswith(API)
           for op in item.values()]
    assert ops and all(op.get("description") for op in ops)
