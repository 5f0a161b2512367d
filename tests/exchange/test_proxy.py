"""Forwarding queries to a provider's own API (接口, GD-16), against a real HTTP service on a
loopback port, on SQLite and PostgreSQL: the grant is enforced on the way out (only granted items
asked, the division passed, the purpose sent) and on the way back (items not granted removed
whatever the provider sent, sensitive ones masked, other divisions' and other subjects' records
dropped); a failing provider is a 502 and a slow one a 504, both naming the provider."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from sqlalchemy import select

from govshare.exchange import endpoint_service, proxy
from govshare.exchange.endpoint_service import EndpointDraft
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit.errors import Forbidden, InvalidInput, NotFound
from tests.exchange.helpers import MARRIAGE, PERSONS, actor, code_of
from tests.exchange.provider_stub import FIELDS, Provider
from tests.exchange.test_query_service import CASE, DUTY, grant

GRANTED = ("男方公民身份号码", "女方公民身份号码", "登记类型", "登记日期", "婚姻状况")  # not 结婚证字号
SECRET = "s3cret-key"


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    yield p
    p.close()


def register(db, url, username="civil_admin", **kw):
    draft = EndpointDraft(**{"base_url": url, "subject_param": "id", "fields": FIELDS,
                             "auth_header": "X-Api-Key", "secret": SECRET, "timeout_seconds": 1.0,
                             "division_field": "district", **kw})
    with db.session() as s:
        return endpoint_service.register_endpoint(s, actor(s, username), code_of(s, MARRIAGE), draft)


def forward(db, username, subjects, duty=DUTY, case=CASE):
    with db.session() as s:
        return proxy.forward_query(s, actor(s, username), code_of(s, MARRIAGE), subjects, duty, case)


@pytest.fixture
def granted(db):
    return grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_only_granted_items_are_asked_and_only_they_come_back(db, provider, granted):
    register(db, f"{provider.url}/extra")
    provider.requests.clear()
    p = PERSONS[0]
    answer = forward(db, "police_clerk", [p.id_number.lower()])
    # By the key, then by 女方公民身份号码 (granted in clear: a party item) with `match`; this
    # provider ignores `match` and sends the husband's record again, which is not passed on twice.
    sent, by_wife = provider.requests
    assert (sent["query"].get("match"), by_wife["query"]["match"]) == (None, "woman_id")
    # Out: the granted items' fields (and the division field), never 结婚证字号; purpose and secret.
    assert set(sent["query"]["fields"].split(",")) == {"man_id", "woman_id", "kind", "date", "status",
                                                      "district"}
    assert sent["query"]["id"] == p.id_number  # normalised before it leaves
    assert sent["headers"]["x-api-key"] == SECRET and sent["headers"]["x-govshare-grant"] == str(granted.id)
    assert unquote(sent["headers"]["x-govshare-duty"]) == DUTY
    assert unquote(sent["headers"]["x-govshare-case"]) == CASE
    # Back: phone and internal_note removed, 结婚证字号 (not granted, personal privacy) masked.
    [r] = answer.results
    [rec] = r.records
    assert set(rec) == set(GRANTED) | {"结婚证字号"} and rec["结婚证字号"] == "J440" + "*" * 15
    assert rec["男方公民身份号码"] == p.id_number and rec["婚姻状况"] == "已婚"
    assert r.masked == ("结婚证字号",) and set(r.removed) == {"phone", "internal_note"}
    assert "13800138000" not in str(answer) and "内部备注" not in str(answer)
    with db.session() as s:
        [line] = s.scalars(select(QueryLogEntry)).all()
    assert (line.id, line.kind, line.grant_id, line.case_number, line.duty, line.row_count) == (
        answer.query_id, "api", granted.id, CASE, DUTY, 1)
    assert p.id_number not in line.subjects and line.subject_count == 1


@pytest.mark.req("GD-16")
def test_a_subject_the_provider_does_not_know_is_not_found(db, provider, granted):
    register(db, f"{provider.url}/honest")
    provider.unknown = {PERSONS[1].id_number}
    try:
        answer = forward(db, "police_clerk", [PERSONS[0].id_number, PERSONS[1].id_number])
    finally:
        provider.unknown = set()
    found, missing = answer.results
    assert found.found and not found.removed and not found.masked
    assert not missing.found and missing.records == []


def test_a_record_of_another_subject_is_never_passed_on(db, provider, granted):
    register(db, f"{provider.url}/other")
    [r] = forward(db, "police_clerk", [PERSONS[0].id_number]).results
    assert not r.found and r.records == []


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("missing", ["duty", "case"])
def test_no_purpose_no_call(db, provider, granted, missing):
    register(db, f"{provider.url}/extra")
    provider.requests.clear()
    with pytest.raises(InvalidInput) as e:
        forward(db, "police_clerk", [PERSONS[0].id_number], **{missing: " "})
    assert e.value.field == {"duty": "duty", "case": "case_number"}[missing]
    assert provider.requests == []


@pytest.mark.req("GZ-18")
def test_without_a_grant_the_provider_is_not_called(db, provider):
    register(db, f"{provider.url}/extra")
    provider.requests.clear()
    with pytest.raises(Forbidden) as e:
        forward(db, "market_clerk", [PERSONS[0].id_number])
    assert e.value.code == "no_grant" and provider.requests == []


def test_a_query_before_the_endpoint_is_registered_names_it(db, granted):
    with pytest.raises(NotFound) as e:
        forward(db, "police_clerk", [PERSONS[0].id_number])
    assert e.value.code == "endpoint_not_registered"


@pytest.mark.parametrize(("path", "code", "status", "words"), [
    ("/error", "provider_error", 502, "HTTP 500"),
    ("/garbage", "provider_bad_answer", 502, "不是 JSON 记录"),
    ("/slow", "provider_timeout", 504, "未在 0.3 秒内答复"),
])
def test_a_failing_provider_is_named(db, provider, granted, path, code, status, words):
    register(db, f"{provider.url}{path}", timeout_seconds=0.3)
    with pytest.raises(proxy.ProviderFailed) as e:
        forward(db, "police_clerk", [PERSONS[0].id_number])
    assert (e.value.code, e.value.status, e.value.provider) == (code, status, "广州市民政局")
    assert words in e.value.message and "广州市民政局" in e.value.message


def test_an_unreachable_provider_is_a_502(db, granted):
    register(db, "http://127.0.0.1:9/")  # discard port: nothing listens
    with pytest.raises(proxy.ProviderFailed) as e:
        forward(db, "police_clerk", [PERSONS[0].id_number])
    assert (e.value.status, e.value.code) == (502, "provider_unreachable")


@pytest.mark.parametrize(("username", "change", "field"), [
    ("civil_clerk", {}, None),  # staff, not the administrator
    ("police_admin", {}, None),  # another agency's administrator
    ("civil_admin", {"base_url": "ftp://x"}, "base_url"),
    ("civil_admin", {"fields": {"不存在": "x", "男方公民身份号码": "man_id"}}, "fields.不存在"),
    ("civil_admin", {"fields": {"登记类型": "kind"}}, "fields.男方公民身份号码"),
    ("civil_admin", {"timeout_seconds": 60}, "timeout_seconds"),
    ("civil_admin", {"secret": ""}, "secret"),
])
def test_only_the_providers_administrator_registers_a_sound_endpoint(db, username, change, field):
    if field is None:
        with pytest.raises(Forbidden):
            register(db, "http://127.0.0.1:1/x", username=username)
        return
    with pytest.raises(InvalidInput) as e:
        register(db, "http://127.0.0.1:1/x", **change)
    assert e.value.field == field


@pytest.mark.req("GD-16")
def test_a_district_agency_gets_its_own_divisions_records_only(db, provider):
    g = grant(db, "tianhe_civil_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    assert g.division_code == "440106"
    register(db, f"{provider.url}/districts")
    provider.requests.clear()
    [r] = forward(db, "tianhe_civil_clerk", [PERSONS[0].id_number]).results
    assert provider.requests[0]["query"]["division_code"] == "440106"  # passed on the way out
    assert len(r.records) == 1  # the 越秀 (440104) record the provider sent anyway is dropped
    assert "district" not in r.records[0] and r.removed == ()
