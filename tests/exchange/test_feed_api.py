"""The change feed and push subscriptions through the API, the console pages and the CLI, on SQLite
and PostgreSQL: an agency's system synchronises a hosted library with its bearer token and the
cursor it keeps (GD-16, GZ-18), purpose required (GD-24), division-limited (GZ-21), refusals as
problem details naming the field; subscriptions created, listed, paused, resumed, deleted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.exchange import query_service
from tests.conftest import csrf_of
from tests.exchange.helpers import HOUSEHOLD, PERSONS, code_of, person
from tests.exchange.test_query_api import bearer_of
from tests.exchange.test_query_service import CASE, DUTY, grant, load

API = "/api/v1/exchange"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


@pytest.fixture
def code(db):
    load(db, [person(i, _division_code="440106") for i in range(3)] + [person(3, _division_code="440104")])
    with db.session() as s:
        return code_of(s, HOUSEHOLD)


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_an_agency_system_synchronises_through_the_feed_api(db, tmp_path, signed_in, code):
    g = grant(db, "civil_clerk")
    civil = bearer_of(db, tmp_path, signed_in, "civil_admin", "civil", "婚姻登记系统")
    params = {"duty": DUTY, "case_number": CASE, "limit": 3}
    r = civil.get(f"{API}/feed/{code}", params=params)
    assert r.status_code == 200, r.text
    a = r.json()
    assert (a["grant_id"], a["more"], len(a["changes"])) == (g.id, True, 3)
    assert a["masked_items"] == ["户籍地址", "户主关系"]
    assert a["changes"][0]["data"]["户籍地址"].startswith("广州市天河区*")
    b = civil.get(f"{API}/feed/{code}", params={**params, "cursor": a["next_cursor"]}).json()
    assert [c["subject"] for c in a["changes"] + b["changes"]] == [p.id_number for p in PERSONS[:4]]
    versions = [c["version_id"] for c in a["changes"] + b["changes"]]
    assert versions == sorted(versions) and b["more"] is False
    log = civil.get(f"{API}/query-log").json()["entries"]
    assert [(e["kind"], e["id"]) for e in log] == [("feed", b["query_id"]), ("feed", a["query_id"])]

    r = civil.get(f"{API}/feed/{code}", params={"duty": DUTY})
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "case_number", "required")
    r = civil.get(f"{API}/feed/{code}", params={**params, "cursor": "garbage"})
    assert (r.status_code, r.json()["field"]) == (422, "cursor")
    r = civil.get(f"{API}/feed/{code}", params={**params, "limit": 501})
    assert (r.status_code, r.json()["field"]) == (422, "limit")
    police = bearer_of(db, tmp_path, signed_in, "police_admin", "police", "户籍系统")
    r = police.get(f"{API}/feed/{code}", params=params)
    assert (r.status_code, r.json()["code"]) == (403, "no_grant")
    for c in (civil, police):
        c.app.state.engine.dispose()


@pytest.mark.req("GZ-21")
def test_a_district_system_reads_only_its_division(db, tmp_path, signed_in, code):
    grant(db, "tianhe_civil_clerk")
    tianhe = bearer_of(db, tmp_path, signed_in, "tianhe_civil_admin", "civil-440106", "天河民政系统")
    a = tianhe.get(f"{API}/feed/{code}", params={"duty": DUTY, "case_number": CASE}).json()
    assert [c["subject"] for c in a["changes"]] == [p.id_number for p in PERSONS[:3]]
    assert a["division_code"] == "440106"
    tianhe.app.state.engine.dispose()


@pytest.mark.req("GD-16")
def test_subscriptions_are_managed_through_the_api(db, tmp_path, signed_in, code):
    g = grant(db, "civil_clerk")
    system = bearer_of(db, tmp_path, signed_in, "civil_admin", "civil", "婚姻登记系统")
    body = {"resource_code": code, "url": "https://hyxt.example.gov.cn/changes", "duty": DUTY,
            "case_number": "TB-2026-001", "batch_size": 50}
    r = system.post(f"{API}/subscriptions", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["grant_id"], created["active"], len(created["secret"])) == (g.id, True, 64)
    sid = created["id"]
    listed = system.get(f"{API}/subscriptions").json()
    assert [s["id"] for s in listed] == [sid] and "secret" not in listed[0]
    assert system.post(f"{API}/subscriptions/{sid}/pause").json()["stopped_reason"] == "已由本机关暂停"
    assert system.post(f"{API}/subscriptions/{sid}/pause").status_code == 409
    assert system.post(f"{API}/subscriptions/{sid}/resume").json()["active"] is True
    clerk = signed_in("civil_clerk")
    assert clerk.get(f"{API}/subscriptions").status_code == 200
    assert clerk.post(f"{API}/subscriptions/{sid}/pause").json()["code"] == "not_agency_admin"
    other = signed_in("police_admin")
    assert other.get(f"{API}/subscriptions/{sid}").status_code == 404
    r = system.post(f"{API}/subscriptions", json={**body, "duty": ""})
    assert (r.status_code, r.json()["field"]) == (422, "duty")
    r = system.post(f"{API}/subscriptions", json={**body, "cursor": "x"})
    assert (r.status_code, r.json()["field"]) == (422, "cursor")
    assert system.delete(f"{API}/subscriptions/{sid}").status_code == 204
    assert system.get(f"{API}/subscriptions/{sid}").status_code == 404
    system.app.state.engine.dispose()
    spec = system.get("/openapi.json").json()
    secret = spec["components"]["schemas"]["SubscriptionIssued"]["properties"]["secret"]
    assert "sm3-hmac" in secret["description"]


@pytest.mark.req("GD-24")
def test_the_feed_page_reads_page_by_page(db, signed_in, code):
    grant(db, "civil_clerk")
    clerk = signed_in("civil_clerk")
    page = clerk.get("/exchange/feed")
    assert page.status_code == 200 and "变更订阅" in page.text and 'href="/exchange/feed"' in page.text
    form = {"csrf_token": csrf_of(page.text), "resource_code": code, "duty": DUTY, "case_number": CASE,
            "limit": "2", "cursor": ""}
    missing = clerk.post("/exchange/feed", data={**form, "duty": ""})
    assert missing.status_code == 422 and "职责" in missing.text
    first = clerk.post("/exchange/feed", data=form)
    assert first.status_code == 200 and PERSONS[1].id_number in first.text
    assert "读取下一页" in first.text and PERSONS[2].id_number not in first.text
    cursor = first.text.split('id="next-cursor">')[1].split("<")[0]
    second = clerk.post("/exchange/feed", data={**form, "cursor": cursor})
    assert PERSONS[2].id_number in second.text and PERSONS[0].id_number not in second.text


def test_the_subscriptions_page_issues_the_secret_once_and_explains_the_signature(db, signed_in, code):
    grant(db, "civil_clerk")
    admin = signed_in("civil_admin")
    page = admin.get("/exchange/subscriptions")
    assert page.status_code == 200 and "X-Govshare-Signature" in page.text and "HMAC-SM3" in page.text
    form = {"csrf_token": csrf_of(page.text), "resource_code": code, "url": "https://hyxt.example.gov.cn/c",
            "duty": DUTY, "case_number": "TB-1", "start": "now", "cursor": "", "batch_size": "100"}
    bad = admin.post("/exchange/subscriptions", data={**form, "url": "hyxt"})
    assert bad.status_code == 422 and "推送地址" in bad.text
    made = admin.post("/exchange/subscriptions", data=form)
    secret = made.text.split('id="subscription-secret">')[1].split("<")[0]
    assert len(secret) == 64 and "推送中" in made.text
    again = admin.get("/exchange/subscriptions")
    assert secret not in again.text
    sid = again.text.split('id="subscription-')[1].split('"')[0]
    paused = admin.post(f"/exchange/subscriptions/{sid}/pause", data={"csrf_token": form["csrf_token"]})
    assert paused.status_code == 200 and "已由本机关暂停" in paused.text  # after the redirect
    clerk = signed_in("civil_clerk").get("/exchange/subscriptions")
    assert "由本机关管理员" in clerk.text and 'action="/exchange/subscriptions"' not in clerk.text


def test_the_cli_reads_the_feed_and_manages_subscriptions(db, tmp_path, code):
    grant(db, "civil_clerk")
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    civil = str(db.agency_id("civil"))
    base = ["exchange", "feed", code, "--agency", civil, "--duty", DUTY, "--case", CASE]
    r = runner.invoke(cli_app, [*base, "--limit", "3"], env=env)
    assert r.exit_code == 0, r.output
    assert PERSONS[2].id_number in r.output and "下一页游标：" in r.output
    cursor = r.output.split("下一页游标：")[1].split()[0]
    r = runner.invoke(cli_app, [*base, "--cursor", cursor], env=env)
    assert PERSONS[3].id_number in r.output and PERSONS[0].id_number not in r.output
    assert "已读到末尾" in r.output
    r = runner.invoke(cli_app, ["exchange", "feed", code, "--agency", civil, "--duty", DUTY, "--case", " "],
                      env=env)
    assert r.exit_code == 2 and "办件号" in r.output
    police = runner.invoke(cli_app, [*base[:3], "--agency", str(db.agency_id("police")), *base[5:]], env=env)
    assert police.exit_code == 2 and "有效授权" in police.output

    subs = ["exchange", "subscriptions"]
    r = runner.invoke(cli_app, [*subs, "create", code, "--agency", civil, "--url", "https://x.example/c",
                                "--duty", DUTY, "--case", "TB-1", "--from-now"], env=env)
    assert r.exit_code == 0, r.output
    assert "签名密钥" in r.output and "#1" in r.output
    r = runner.invoke(cli_app, [*subs, "pause", "1", "--agency", civil], env=env)
    assert r.exit_code == 0 and "已暂停" in r.output
    r = runner.invoke(cli_app, [*subs, "list", "--agency", civil], env=env)
    assert "已停止：已由本机关暂停" in r.output
    r = runner.invoke(cli_app, [*subs, "delete", "1", "--agency", civil], env=env)
    assert r.exit_code == 0
    r = runner.invoke(cli_app, [*subs, "list", "--agency", civil], env=env)
    assert "还没有推送订阅" in r.output
