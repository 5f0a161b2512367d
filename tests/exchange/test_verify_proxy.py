"""Verification (GZ-24) of a resource served through its provider's API — 婚姻登记信息, keyed by
男方公民身份号码 — against a real HTTP provider on loopback, on SQLite and PostgreSQL: "does this
person hold a valid marriage registration?" answered yes or no for either party, with the
provider's version of the deciding record, asking the provider nothing but what the judgement
needs, disclosing nothing beyond the grant, with purpose, and logged (kind `verify`)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from govshare.directory import account_service
from govshare.exchange import endpoint_service, query_log, query_service, verify_proxy, verify_service
from govshare.exchange.endpoint_service import EndpointDraft
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit.errors import Forbidden, InvalidInput
from tests.conftest import csrf_of
from tests.exchange.helpers import MARRIAGE, PERSONS, actor, code_of, enterprise
from tests.exchange.provider_stub import Provider
from tests.exchange.test_proxy import GRANTED, register
from tests.exchange.test_query_service import CASE, DUTY, grant

MARRIED = {"婚姻状况": ["已婚"]}
HUSBAND, WIFE, STRANGER = PERSONS[0].id_number, PERSONS[1].id_number, PERSONS[2].id_number
EX_HUSBAND, EX_WIFE = PERSONS[3].id_number, PERSONS[4].id_number


def registration(man, woman, status="已婚", kind="结婚", version="1", since="2020-05-20T10:00:00+08:00",
                 district="440106"):
    return {"man_id": man, "woman_id": woman, "kind": kind, "date": since[:10], "status": status,
            "cert_no": f"J{district}-{since[:4]}-000{version}", "district": district,
            "_version": version, "_valid_from": since}


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    p.registrations = {
        "couple": [registration(HUSBAND, WIFE, version="7")],
        "divorced": [registration(EX_HUSBAND, EX_WIFE, version="3", since="2015-01-05T09:00:00+08:00"),
                     registration(EX_HUSBAND, EX_WIFE, "离婚", "离婚", "4", "2019-06-01T09:00:00+08:00")],
        "yuexiu": [registration(PERSONS[5].id_number, PERSONS[6].id_number, district="440104")],
    }
    yield p
    p.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


@pytest.fixture
def endpoint(db, provider):
    register(db, f"{provider.url}/registrations")
    provider.requests.clear()
    return provider


def verify(db, username, subject, conditions=MARRIED, duty=DUTY, case=CASE):
    with db.session() as s:
        return verify_service.verify(s, actor(s, username), code_of(s, MARRIAGE), subject, duty, case,
                                     conditions)


@pytest.mark.req("GZ-24")
@pytest.mark.req("GD-24")
def test_either_party_of_a_marriage_is_confirmed_through_the_providers_api(db, endpoint):
    g = grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    husband = verify(db, "police_clerk", HUSBAND)
    wife = verify(db, "police_clerk", WIFE.lower())  # normalised like every subject
    stranger = verify(db, "police_clerk", STRANGER)
    assert (husband.holds, husband.reason, husband.matched_item, husband.record_version) == (
        True, "holds", "男方公民身份号码", "7")
    assert (wife.holds, wife.subject, wife.matched_item, wife.record_version) == (
        True, WIFE, "女方公民身份号码", "7")
    assert wife.valid_from.isoformat() == "2020-05-20T10:00:00+08:00" and wife.source == "api"
    assert (stranger.holds, stranger.reason, stranger.record_version) == (False, "no_record", None)
    # Asked: by the key item as a query asks, then by the wife's item with `match`; only the
    # fields the judgement needs (the parties, 婚姻状况, the division) and the record's version —
    # never 登记类型, 登记日期 or 结婚证字号; the purpose in the headers.
    asked = [(r["query"]["id"], r["query"].get("match"), set(r["query"]["fields"].split(",")))
             for r in endpoint.requests[:2]]
    needed = {"man_id", "woman_id", "status", "district", "_version", "_valid_from"}
    assert asked == [(HUSBAND, None, needed), (HUSBAND, "woman_id", needed)]
    assert unquote(endpoint.requests[0]["headers"]["x-govshare-duty"]) == DUTY
    assert endpoint.requests[0]["headers"]["x-govshare-grant"] == str(g.id)
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [(x.kind, x.outcome, x.row_count, x.items, x.duty, x.case_number, x.grant_id)
            for x in lines] == [("verify", "yes", 1, "婚姻状况", DUTY, CASE, g.id),
                                ("verify", "yes", 1, "婚姻状况", DUTY, CASE, g.id),
                                ("verify", "no", 0, "婚姻状况", DUTY, CASE, g.id)]
    assert [x.id for x in lines] == [husband.query_id, wife.query_id, stranger.query_id]
    assert lines[1].subjects == query_log.subject_digest(WIFE) and WIFE not in lines[1].subjects


@pytest.mark.req("GZ-24")
def test_the_newest_registration_decides_a_divorce_is_no(db, endpoint):
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    for number in (EX_HUSBAND, EX_WIFE):
        v = verify(db, "police_clerk", number)
        assert (v.holds, v.reason, v.unmet, v.record_version) == (
            False, "condition_not_met", ("婚姻状况",), "4")
    assert verify(db, "police_clerk", EX_WIFE, conditions={}).holds  # a registration exists


def test_a_registration_dated_in_the_future_does_not_decide_today():
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    man = "男方公民身份号码"
    married = verify_proxy.Match(man, {"婚姻状况": "已婚"}, "7", datetime(2020, 5, 20, tzinfo=UTC))
    divorce = verify_proxy.Match(man, {"婚姻状况": "离婚"}, "8", datetime(2027, 1, 1, tzinfo=UTC))
    assert verify_proxy._deciding([married, divorce], now) is married
    assert verify_proxy._deciding([divorce], now) is divorce  # then judged not yet valid
    assert verify_proxy._deciding([], now) is None


@pytest.mark.req("GZ-24")
def test_a_party_item_the_grant_withholds_is_not_used_and_nothing_beyond_the_grant_is_told(db, endpoint):
    grant(db, "police_clerk", name=MARRIAGE, items=("男方公民身份号码", "婚姻状况"), decider="civil_admin")
    assert verify(db, "police_clerk", HUSBAND).holds
    # 女方公民身份号码 is not granted: asking by the wife's number must not confirm that it is on
    # a registration, so it is not looked up at all — and the provider is never asked `match`.
    wife = verify(db, "police_clerk", WIFE)
    assert (wife.holds, wife.reason) == (False, "no_record")
    assert all("match" not in r["query"] for r in endpoint.requests)
    assert all("woman_id" not in r["query"]["fields"] for r in endpoint.requests)
    with pytest.raises(InvalidInput) as err:  # no guessing 结婚证字号 one yes/no at a time
        verify(db, "police_clerk", HUSBAND, conditions={"结婚证字号": ["J440106-2020-0007"]})
    assert (err.value.field, err.value.rule) == ("conditions.结婚证字号", "not_granted")
    endpoint.requests.clear()
    with pytest.raises(Forbidden) as denied:  # no grant: no answer, not even "no"; nothing sent
        verify(db, "market_clerk", HUSBAND)
    assert denied.value.code == "no_grant" and endpoint.requests == []


@pytest.mark.req("GZ-21")
@pytest.mark.req("GZ-24")
def test_a_registration_outside_the_district_is_answered_as_none(db, endpoint):
    grant(db, "tianhe_civil_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    outside = verify(db, "tianhe_civil_clerk", PERSONS[6].id_number)  # a 越秀 (440104) registration
    inside = verify(db, "tianhe_civil_clerk", WIFE)
    assert (outside.holds, outside.reason, outside.record_version) == (False, "no_record", None)
    assert inside.holds and endpoint.requests[0]["query"]["division_code"] == "440106"


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("missing", ["duty", "case"])
def test_no_purpose_no_call(db, endpoint, missing):
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with pytest.raises(InvalidInput) as err:
        verify(db, "police_clerk", WIFE, **{missing: ""})
    assert err.value.field == {"duty": "duty", "case": "case_number"}[missing]
    assert endpoint.requests == []
    with db.session() as s:
        assert s.scalars(select(QueryLogEntry)).all() == []


@pytest.mark.req("GZ-24")
def test_a_clerk_verifies_a_marriage_through_the_api_and_the_page(db, signed_in, endpoint):
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        resource = code_of(s, MARRIAGE)
    clerk = signed_in("police_clerk")
    body = {"resource_code": resource, "subject": WIFE, "duty": DUTY, "case_number": CASE,
            "conditions": MARRIED}
    r = clerk.post("/api/v1/exchange/verifications", json=body)
    assert r.status_code == 200, r.text
    v = r.json()
    assert (v["holds"], v["source"], v["matched_item"], v["record_version"], v["version_id"]) == (
        True, "api", "女方公民身份号码", "7", None)
    assert HUSBAND not in r.text and "J440106" not in r.text and "2020-05-20" in v["valid_from"]
    assert v["snapshot_id"] is not None  # 婚姻登记信息 is a document: its verdict is kept (GZ-23)
    page = clerk.get("/exchange/verify")
    assert page.status_code == 200 and "是否持有有效的结婚登记" in page.text
    r = clerk.post("/exchange/verify", data={"csrf_token": csrf_of(page.text), "resource_code": resource,
                                             "subject": WIFE, "use_question": "1", "duty": DUTY,
                                             "case_number": CASE})
    assert r.status_code == 200 and 'class="verdict yes">是<' in r.text
    assert "提供机关版本 7" in r.text and "女方公民身份号码" in r.text
    log = clerk.get("/exchange/query-log")  # both verifications, and what every kind of line means
    assert log.status_code == 200 and log.text.count("<td>核验</td>") == 2
    for kind in ("查询（query）", "核验（verify）", "接口查询（api）", "文件下载（file）", "变更读取（feed）",
                 "变更推送（push）"):
        assert kind in log.text


def test_a_failing_provider_is_a_502_naming_it_and_nothing_is_logged(db, signed_in, provider):
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    register(db, f"{provider.url}/error")
    with db.session() as s:
        resource = code_of(s, MARRIAGE)
    r = signed_in("police_clerk").post("/api/v1/exchange/verifications", json={
        "resource_code": resource, "subject": WIFE, "duty": DUTY, "case_number": CASE})
    assert (r.status_code, r.json()["code"], r.json()["provider"]) == (502, "provider_error", "广州市民政局")
    with db.session() as s:
        assert s.scalars(select(QueryLogEntry)).all() == []


TAX = "纳税信用等级信息"  # 税务局, unconditional, 共享平台·接口, keyed by 统一社会信用代码


@pytest.mark.req("GD-20")
@pytest.mark.req("GZ-24")
def test_an_unconditional_api_resource_is_verified_straight_after_the_request(db, provider):
    with db.session() as s:  # the 税务局's administrator registers its API
        account_service.create_user(s, actor(s, "admin"), account_service.UserDraft(
            "tax_admin", "税务管理员", "Tax-admin-2026!", db.agency_id("tax"), ("agency_admin",)))
    with db.session() as s:
        endpoint_service.register_endpoint(s, actor(s, "tax_admin"), code_of(s, TAX), EndpointDraft(
            f"{provider.url}/tax", "id", {"统一社会信用代码": "uscc", "评价年度": "year",
                                          "信用等级": "grade"}))
    # No decision: a catalog resource shared unconditionally is opened at once (GD-20) ...
    g = grant(db, "market_clerk", name=TAX, items=("统一社会信用代码", "信用等级"), decider=None)
    assert g.status == "active"
    number = enterprise(0)["统一社会信用代码"]
    with db.session() as s:  # ... and verified straight away: the newest year's grade decides
        v = verify_service.verify(s, actor(s, "market_clerk"), code_of(s, TAX), number.lower(), DUTY, CASE,
                                  {"信用等级": ["A"]})
    assert (v.holds, v.subject, v.matched_item, v.record_version) == (
        True, number, "统一社会信用代码", "2025")
    assert "match" not in provider.requests[-1]["query"]  # one party item: asked as a query asks
    assert "year" not in provider.requests[-1]["query"]["fields"]  # 评价年度: not granted, not asked
