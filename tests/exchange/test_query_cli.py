"""`govshare exchange query` and `govshare exchange verify` on SQLite and PostgreSQL: the operator
queries for the agency named with --agency under that agency's grant, through the services the
API calls — masked items marked, the purpose required and logged (GD-24), a licence's snapshot
id printed (GZ-23), verification answered yes/no with exit codes 0/1 and 2 for an error (GZ-24),
the marriage verification and query through the provider's API (a real HTTP stub on loopback)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.evidence.snapshot_models import Snapshot
from govshare.exchange import query_service
from govshare.exchange.query_models import QueryLogEntry
from tests.exchange.helpers import ENTERPRISES, HOUSEHOLD, MARRIAGE, PERSONS, code_of, person
from tests.exchange.test_proxy import GRANTED, register
from tests.exchange.test_query_service import CASE, DUTY, grant, load, log_lines
from tests.exchange.test_snapshots import keys, licences  # noqa: F401 - fixtures
from tests.exchange.test_verify_proxy import (  # noqa: F401 - fixtures
    EX_WIFE,
    HUSBAND,
    STRANGER,
    WIFE,
    endpoint,
    provider,
)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


@pytest.fixture
def cli(db, tmp_path):
    """Run `govshare exchange …` against the test database; the result and its output on one line."""
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}

    def run(*args: str):
        result = runner.invoke(cli_app, ["exchange", *args], env=env)
        return result, " ".join(result.output.split())
    return run


def purpose(agency_id: int, duty: str = DUTY, case: str = CASE) -> list[str]:
    return ["--agency", str(agency_id), "--duty", duty, "--case", case]


def number_after(label: str, text: str) -> int:
    return int(re.search(rf"{label} #(\d+)", text).group(1))


@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_a_query_through_the_cli_shows_masked_items_and_logs_its_purpose(db, cli, signed_in):
    load(db, [person(i) for i in range(3)])
    g = grant(db, "civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    p, absent = PERSONS[1], PERSONS[9]
    result, out = cli("query", code, p.id_number.lower(), absent.id_number, *purpose(db.agency_id("civil")))
    assert result.exit_code == 0, result.output
    assert f"授权 #{g.id}" in out and p.name in out and f"主体 {p.id_number}" in out
    # 户籍地址 and 户主关系 are personal privacy the grant does not list: masked, and marked so.
    assert re.search(r"户籍地址 │ 广州市天河区\*{5} │ 脱敏", out)
    assert re.search(r"户主关系 │ \*\* │ 脱敏", out)
    assert "天河路2号" not in out and f"主体 {absent.id_number}：授权范围内没有记录" in out
    [line] = log_lines(db)
    assert f"找到 1/2 个主体；查询日志 #{line.id}" in out
    assert (line.kind, line.agency_id, line.grant_id, line.duty, line.case_number, line.row_count) == (
        "query", db.agency_id("civil"), g.id, DUTY, CASE, 1)
    assert line.actor.startswith("cli 命令行:")  # the operator, acting for the agency
    # --json prints what the API answers (the ids and times of the two queries aside).
    result, _ = cli("query", code, p.id_number, *purpose(db.agency_id("civil")), "--json")
    api = signed_in("civil_clerk").post("/api/v1/exchange/queries", json={
        "resource_code": code, "subjects": [p.id_number], "duty": DUTY, "case_number": CASE}).json()
    printed = json.loads(result.output)
    for answer in (printed, api):
        del answer["query_id"], answer["queried_at"]
    assert printed == api and printed["results"][0]["masked"] == ["户籍地址", "户主关系"]


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("field", ["duty", "case_number"])
def test_a_query_without_its_purpose_is_refused_naming_the_field(db, cli, field):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    args = purpose(db.agency_id("civil"), **{"duty" if field == "duty" else "case": " "})
    result, out = cli("query", code, PERSONS[0].id_number, *args)
    assert result.exit_code == 2
    assert f"错误（字段 {field}，规则 required）" in out and "GD-24" in out and PERSONS[0].name not in out
    assert log_lines(db) == []


def test_a_query_without_a_grant_or_with_a_bad_subject_is_an_error(db, cli):
    load(db, [person(0)])
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    result, out = cli("query", code, PERSONS[0].id_number, *purpose(db.agency_id("civil")))
    assert result.exit_code == 2 and "授权" in out
    grant(db, "civil_clerk")
    result, out = cli("query", code, PERSONS[0].id_number, "4401", *purpose(db.agency_id("civil")))
    assert result.exit_code == 2 and "字段 subjects.1" in out
    assert log_lines(db) == []


@pytest.mark.req("GZ-23")
def test_a_licence_query_prints_its_data_snapshot(db, cli, licences):  # noqa: F811
    number = ENTERPRISES[1].credit_code
    result, out = cli("query", licences, number, *purpose(db.agency_id("civil")))
    assert result.exit_code == 0, result.output
    [line] = log_lines(db)
    snapshot_id = number_after("数据快照", out)
    with db.session() as s:
        snap = s.get(Snapshot, snapshot_id)
    assert snap is not None and snap.query_log_id == line.id == number_after("查询日志", out)
    assert f"govshare audit snapshot {snapshot_id} --out FILE" in out


@pytest.mark.req("GZ-24")
def test_a_verification_exits_0_for_yes_1_for_no_and_2_for_an_error(db, cli, licences):  # noqa: F811
    number, civil = ENTERPRISES[0].credit_code, db.agency_id("civil")
    yes, out = cli("verify", licences, number, *purpose(civil), "--condition", "登记状态=存续,在业")
    assert yes.exit_code == 0, yes.output
    assert "核验结论：是" in out and "比对的信息项：登记状态" in out
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert f"据以核验：记录版本 #{lines[0].record_ids}" in out and "数据快照 #" in out
    no, out = cli("verify", licences, number, *purpose(civil), "--condition", "登记状态=注销")
    assert no.exit_code == 1 and "核验结论：否（condition_not_met" in out and "不符合：登记状态" in out
    none, out = cli("verify", licences, ENTERPRISES[8].credit_code, *purpose(civil))
    assert none.exit_code == 1 and "no_record" in out
    # A condition on an item the grant does not show would let a clerk guess it: an error, exit 2.
    bad, out = cli("verify", licences, number, *purpose(civil), "--condition", "法定代表人=王伟")
    assert bad.exit_code == 2 and "字段 conditions.法定代表人，规则 not_granted" in out
    form, out = cli("verify", licences, number, *purpose(civil), "--condition", "登记状态")
    assert form.exit_code == 2 and "字段 conditions，规则 format" in out
    with db.session() as s:
        assert [x.outcome for x in s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id))] == [
            "yes", "no", "no"]


@pytest.mark.req("GZ-24")
@pytest.mark.req("GZ-23")
def test_a_marriage_is_verified_through_the_providers_api(db, cli, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        code = code_of(s, MARRIAGE)
    police, married = db.agency_id("police"), ["--condition", "婚姻状况=已婚"]
    wife, out = cli("verify", code, WIFE, *purpose(police), *married)
    assert wife.exit_code == 0, wife.output
    assert "经提供机关接口核验；据以核验：提供机关记录版本 7，号码见于女方公民身份号码" in out
    assert "数据快照 #" in out and HUSBAND not in out  # the other party is not disclosed
    assert [r["query"].get("match") for r in endpoint.requests] == [None, "woman_id"]
    divorced, out = cli("verify", code, EX_WIFE, *purpose(police), *married)
    assert divorced.exit_code == 1 and "condition_not_met" in out and "提供机关记录版本 4" in out
    stranger, out = cli("verify", code, STRANGER, *purpose(police), *married, "--json")
    verdict = json.loads(stranger.output)
    assert stranger.exit_code == 1 and (verdict["holds"], verdict["reason"], verdict["source"]) == (
        False, "no_record", "api")
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [(x.kind, x.outcome, x.duty) for x in lines] == [("verify", "yes", DUTY), ("verify", "no", DUTY),
                                                            ("verify", "no", DUTY)]


@pytest.mark.req("GZ-24")
def test_a_failing_provider_is_exit_2_naming_it_and_nothing_is_logged(db, cli, provider):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    register(db, f"{provider.url}/error")
    with db.session() as s:
        code = code_of(s, MARRIAGE)
    result, out = cli("verify", code, WIFE, *purpose(db.agency_id("police")))
    assert result.exit_code == 2 and "广州市民政局" in out and "HTTP 500" in out
    assert log_lines(db) == []


@pytest.mark.req("GZ-18")
@pytest.mark.req("GZ-23")
def test_a_query_of_an_api_resource_goes_to_the_provider(db, cli, endpoint):  # noqa: F811
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        code = code_of(s, MARRIAGE)
    police = db.agency_id("police")
    result, out = cli("query", code, HUSBAND, *purpose(police))
    assert result.exit_code == 0, result.output
    assert "经提供机关“广州市民政局”的接口查询" in out and f"女方公民身份号码 │ {WIFE}" in out
    assert "结婚证字号" not in out  # not granted, not asked, not shown
    printed, _ = cli("query", code, HUSBAND, *purpose(police), "--json")
    answer = json.loads(printed.output)
    assert answer["provider"] == "广州市民政局" and answer["results"][0]["found"]
    with db.session() as s:  # 婚姻登记信息 is a document: each answer kept as a snapshot (GZ-23)
        assert s.get(Snapshot, answer["snapshot_id"]).query_log_id == answer["query_id"]
    assert [x.kind for x in log_lines(db)] == ["api", "api"]
    as_of, out = cli("query", code, HUSBAND, *purpose(police), "--as-of", "2026-01-01")
    assert as_of.exit_code == 2 and "字段 as_of，规则 not_supported" in out
    # two queries, each by the key and by 女方公民身份号码 (`match`); the --as-of one sends nothing
    assert [r["query"].get("match") for r in endpoint.requests] == [None, "woman_id"] * 2
