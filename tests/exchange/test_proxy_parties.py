"""A forwarded query (接口查询) of 婚姻登记信息 — keyed by 男方公民身份号码 — finds a registration by
either party's number, against a real HTTP provider on loopback, on SQLite and PostgreSQL: by the
key as before, by the wife's number through `match=woman_id` (only when the grant shows
女方公民身份号码 in clear), never a stranger's or a record whose field does not hold the number;
shown as a query shows (granted items, masked as before), logged (kind `api`) and kept as a data
snapshot (GZ-23) — through the service, the API, the console page and the CLI."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.evidence.snapshot_models import Snapshot
from govshare.exchange import proxy, query_log, query_service
from tests.conftest import csrf_of
from tests.exchange.helpers import MARRIAGE, PERSONS, actor, code_of
from tests.exchange.test_proxy import GRANTED, register
from tests.exchange.test_query_service import CASE, DUTY, grant, log_lines
from tests.exchange.test_verify_proxy import (  # noqa: F401 - fixtures
    EX_HUSBAND,
    EX_WIFE,
    HUSBAND,
    STRANGER,
    WIFE,
    endpoint,
    provider,
)

API = "/api/v1/exchange/api-queries"
NEEDED = {"man_id", "woman_id", "kind", "date", "status", "district"}  # the granted items' fields


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


def forward(db, username, subjects):
    with db.session() as s:
        return proxy.forward_query(s, actor(s, username), code_of(s, MARRIAGE), subjects, DUTY, CASE)


def asked(requests):
    return [(r["query"]["id"], r["query"].get("match"), set(r["query"]["fields"].split(",")))
            for r in requests]


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
@pytest.mark.req("GD-24")
def test_a_query_finds_the_registration_by_the_husbands_or_the_wifes_number(db, endpoint):  # noqa: F811
    g = grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    by_husband = forward(db, "police_clerk", [HUSBAND])
    endpoint.requests.clear()
    by_wife, stranger = forward(db, "police_clerk", [WIFE.lower(), STRANGER]).results
    # Out: per number, by the key as before, then by 女方公民身份号码 with `match=woman_id`; only the
    # granted items' fields; the purpose in the headers.
    assert asked(endpoint.requests) == [(WIFE, None, NEEDED), (WIFE, "woman_id", NEEDED),
                                        (STRANGER, None, NEEDED), (STRANGER, "woman_id", NEEDED)]
    assert unquote(endpoint.requests[1]["headers"]["x-govshare-case"]) == CASE
    # Back: the same registration by either number, shown exactly as a query shows it.
    [husband] = by_husband.results
    assert husband.found and by_wife.found and by_wife.subject == WIFE
    assert husband.records == by_wife.records == [{"男方公民身份号码": HUSBAND, "女方公民身份号码": WIFE,
                                                   "登记类型": "结婚", "登记日期": "2020-05-20",
                                                   "婚姻状况": "已婚"}]
    assert (by_wife.masked, by_wife.removed) == ((), ())
    assert (stranger.found, stranger.records) == (False, [])
    # Logged as a provider-API query with its purpose; the numbers only as digests.
    first, second = log_lines(db)
    assert [(x.kind, x.grant_id, x.duty, x.case_number, x.row_count) for x in (first, second)] == [
        ("api", g.id, DUTY, CASE, 1), ("api", g.id, DUTY, CASE, 1)]
    assert second.subjects == " ".join(map(query_log.subject_digest, [WIFE, STRANGER]))
    assert WIFE not in second.subjects


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
def test_the_wifes_number_finds_a_divorce_as_well_as_the_marriage(db, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    [r] = forward(db, "police_clerk", [EX_WIFE]).results
    assert [(x["婚姻状况"], x["男方公民身份号码"]) for x in r.records] == [("已婚", EX_HUSBAND),
                                                                         ("离婚", EX_HUSBAND)]


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
def test_without_the_wifes_item_granted_her_number_finds_nothing_and_match_is_never_sent(db, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=("男方公民身份号码", "婚姻状况"), decider="civil_admin")
    [husband] = forward(db, "police_clerk", [HUSBAND]).results
    [wife] = forward(db, "police_clerk", [WIFE]).results
    assert husband.records == [{"男方公民身份号码": HUSBAND, "婚姻状况": "已婚"}]
    assert (wife.found, wife.records) == (False, [])  # else it would confirm a number the grant hides
    assert [r["query"].get("match") for r in endpoint.requests] == [None, None]
    assert all("woman_id" not in r["query"]["fields"] for r in endpoint.requests)


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
def test_a_provider_that_ignores_match_cannot_pass_on_another_persons_record(db, provider):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    register(db, f"{provider.url}/other")  # always someone else's registration, whatever is asked
    provider.requests.clear()
    [r] = forward(db, "police_clerk", [WIFE]).results
    assert [q["query"].get("match") for q in provider.requests] == [None, "woman_id"]
    assert (r.found, r.records) == (False, [])
    [line] = log_lines(db)
    assert line.row_count == 0


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
@pytest.mark.req("GD-24")
def test_the_api_and_the_console_page_find_the_wife(db, signed_in, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        code = code_of(s, MARRIAGE)
    clerk = signed_in("police_clerk")
    r = clerk.post(API, json={"resource_code": code, "subjects": [WIFE], "duty": DUTY, "case_number": CASE})
    assert r.status_code == 200, r.text
    answer = r.json()
    [res] = answer["results"]
    assert res["found"] and res["records"][0]["男方公民身份号码"] == HUSBAND
    assert [q["query"].get("match") for q in endpoint.requests] == [None, "woman_id"]
    with db.session() as s:  # 婚姻登记信息 is a document: the answer is kept (GZ-23)
        snapshot = s.get(Snapshot, answer["snapshot_id"])
        assert (snapshot.kind, snapshot.query_log_id) == ("api", answer["query_id"])
        assert json.loads(snapshot.data)["returned"] == answer["results"]
    page = clerk.get("/exchange/api-query")
    assert "女方公民身份号码" in page.text  # the form says either party's number is asked
    r = clerk.post("/exchange/api-query", data={"csrf_token": csrf_of(page.text), "resource_code": code,
                                                "subjects": WIFE, "duty": DUTY, "case_number": CASE})
    assert r.status_code == 200 and HUSBAND in r.text and "已婚" in r.text
    assert "授权范围内没有记录" not in r.text
    assert [(x.kind, x.row_count) for x in log_lines(db)] == [("api", 1), ("api", 1)]


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-24")
@pytest.mark.req("GD-24")
def test_the_cli_finds_the_wife_through_the_same_path(db, tmp_path, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        code = code_of(s, MARRIAGE)
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    args = ["exchange", "query", code, WIFE, STRANGER, "--agency", str(db.agency_id("police")),
            "--duty", DUTY, "--case", CASE]
    result = CliRunner().invoke(cli_app, args, env=env)
    out = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert f"男方公民身份号码 │ {HUSBAND}" in out and f"主体 {STRANGER}：提供机关在授权范围内没有记录" in out
    assert "找到 1/2 个主体" in out
    assert [q["query"].get("match") for q in endpoint.requests] == [None, "woman_id", None, "woman_id"]
    [line] = log_lines(db)
    assert (line.kind, line.duty, line.case_number, line.row_count) == ("api", DUTY, CASE, 1)


@pytest.mark.req("GZ-21")
@pytest.mark.req("GZ-24")
def test_a_wifes_registration_in_another_district_is_answered_as_none(db, endpoint):  # noqa: F811
    grant(db, "tianhe_civil_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    outside, inside = forward(db, "tianhe_civil_clerk", [PERSONS[6].id_number, WIFE]).results
    assert (outside.found, outside.records) == (False, [])  # a 越秀 (440104) registration
    assert inside.found and all(r["query"]["division_code"] == "440106" for r in endpoint.requests)
