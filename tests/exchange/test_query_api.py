"""Consumer queries and the query log through the API and the console, on SQLite and PostgreSQL:
an agency's system with its bearer token, a clerk in the console; purpose required (GD-24), the
agency's own grant only (GZ-25), masking, and the log read by the consumer and the provider."""

from __future__ import annotations

import pytest

from govshare.exchange import query_service
from tests.conftest import csrf_of, make_client
from tests.exchange.helpers import HOUSEHOLD, PERSONS, code_of, person
from tests.exchange.test_query_service import CASE, DUTY, PUBLIC, grant, load

API = "/api/v1/exchange"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


def bearer_of(db, tmp_path, signed_in, admin: str, agency: str, name: str):
    r = signed_in(admin).post(f"/api/v1/agencies/{db.agency_id(agency)}/api-clients", json={"name": name})
    assert r.status_code == 201, r.text
    client = make_client(db, tmp_path)
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return client


@pytest.fixture
def setup(db):
    load(db, [person(i, _division_code="440106") for i in range(3)])
    g = grant(db, "civil_clerk")
    with db.session() as s:
        return g.id, code_of(s, HOUSEHOLD)


@pytest.mark.req("GZ-25")
@pytest.mark.req("GD-24")
def test_an_agency_system_queries_under_its_agencys_grant(db, tmp_path, signed_in, setup):
    grant_id, code = setup
    civil = bearer_of(db, tmp_path, signed_in, "civil_admin", "civil", "婚姻登记系统")
    ids = [PERSONS[0].id_number, PERSONS[9].id_number]
    r = civil.post(f"{API}/queries", json={"resource_code": code, "subjects": ids, "duty": DUTY,
                                           "case_number": CASE})
    assert r.status_code == 200, r.text
    a = r.json()
    private = ["户籍地址", "户主关系"]
    assert (a["grant_id"], a["items"], a["masked_items"]) == (grant_id, list(PUBLIC), private)
    found, missing = a["results"]
    assert found["found"] and found["data"]["姓名"] == PERSONS[0].name
    assert found["data"]["户籍地址"].startswith("广州市天河区*") and found["masked"] == private
    assert a["version_ids"] == [found["version_id"]] and missing == {
        "subject": ids[1], "found": False, "version_id": None, "data": None, "masked": [],
        "produced_at": None, "valid_from": None, "loaded_at": None}

    police = bearer_of(db, tmp_path, signed_in, "police_admin", "police", "户籍系统")
    r = police.post(f"{API}/queries", json={"resource_code": code, "subjects": ids[:1], "duty": DUTY,
                                            "case_number": CASE})
    assert (r.status_code, r.json()["code"]) == (403, "no_grant")  # the provider holds no grant either

    log = civil.get(f"{API}/query-log").json()["entries"]
    assert [(e["id"], e["actor_kind"], e["case_number"], e["row_count"]) for e in log] == [
        (a["query_id"], "client", CASE, 1)]
    provided = police.get(f"{API}/query-log", params={"side": "provided"}).json()["entries"]
    assert [e["id"] for e in provided] == [a["query_id"]] and PERSONS[0].id_number not in str(provided)
    assert police.get(f"{API}/query-log", params={"side": "all"}).status_code == 403
    for c in (civil, police):
        c.app.state.engine.dispose()


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("missing", ["duty", "case_number"])
def test_a_query_without_duty_or_case_number_is_refused_naming_it(db, signed_in, setup, missing):
    _, code = setup
    clerk = signed_in("civil_clerk")
    body = {"resource_code": code, "subjects": [PERSONS[0].id_number], "duty": DUTY, "case_number": CASE}
    del body[missing]
    r = clerk.post(f"{API}/queries", json=body)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert (r.json()["field"], r.json()["rule"]) == (missing, "required")
    assert clerk.get(f"{API}/query-log").json()["entries"] == []


def test_a_bad_identifier_is_named_by_its_position(db, signed_in, setup):
    _, code = setup
    r = signed_in("civil_clerk").post(f"{API}/queries", json={
        "resource_code": code, "subjects": [PERSONS[0].id_number, "12345"], "duty": DUTY,
        "case_number": CASE})
    assert r.status_code == 422 and r.json()["field"] == "subjects.1"


@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_a_clerk_queries_in_the_console_and_finds_it_in_the_log(db, signed_in, setup):
    _, code = setup
    clerk = signed_in("civil_clerk")
    page = clerk.get("/exchange/query")
    assert page.status_code == 200 and HOUSEHOLD in page.text
    form = {"csrf_token": csrf_of(page.text), "resource_code": code, "subjects": PERSONS[1].id_number,
            "duty": DUTY, "case_number": ""}
    r = clerk.post("/exchange/query", data=form)
    assert r.status_code == 422 and "办件号" in r.text and 'id="case_number-error"' in r.text
    r = clerk.post("/exchange/query", data={**form, "case_number": CASE})
    assert r.status_code == 200
    assert PERSONS[1].name in r.text and ">广州市天河区***** <" in r.text and "脱敏" in r.text
    assert "天河路2号" not in r.text  # the masked part never reaches the page
    log = clerk.get("/exchange/query-log")
    assert log.status_code == 200 and CASE in log.text and "民政局" in log.text
    provider_log = signed_in("police_clerk").get("/exchange/query-log?side=provided")
    assert CASE in provider_log.text and PERSONS[1].id_number not in provider_log.text


def test_oversight_sees_every_agencys_log_and_a_clerk_only_the_pages_of_its_own(db, signed_in, setup):
    _, code = setup
    clerk = signed_in("civil_clerk")
    r = clerk.post(f"{API}/queries", json={"resource_code": code, "subjects": [PERSONS[0].id_number],
                                           "duty": DUTY, "case_number": CASE})
    assert r.status_code == 200
    auditor = signed_in("auditor")
    page = auditor.get("/exchange/query-log")
    assert page.status_code == 200 and CASE in page.text and "所有机关" in page.text
    assert signed_in("market_clerk").get("/exchange/query-log?side=all").status_code == 403
    assert "所有机关" not in clerk.get("/exchange/query-log").text
