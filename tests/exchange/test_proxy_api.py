"""Provider APIs through the HTTP API and the console, against a real provider on loopback, on
SQLite and PostgreSQL: registration by the provider's administrator (secret never shown), a
forwarded query answered within the grant, 502 and 504 problem details naming the provider."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of
from tests.exchange.helpers import MARRIAGE, PERSONS, code_of
from tests.exchange.provider_stub import FIELDS, Provider
from tests.exchange.test_proxy import GRANTED
from tests.exchange.test_query_service import CASE, DUTY, grant

API = "/api/v1/exchange"


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    yield p
    p.close()


@pytest.fixture
def code(db):
    grant(db, "police_clerk", name=MARRIAGE, items=GRANTED, decider="civil_admin")
    with db.session() as s:
        return code_of(s, MARRIAGE)


def put(client, code, url, **kw):
    return client.put(f"{API}/endpoints/{code}", json={
        "base_url": url, "subject_param": "id", "fields": FIELDS, "auth_header": "X-Api-Key",
        "secret": "k1", "timeout_seconds": 0.5, **kw})


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_register_then_query_through_the_api(db, signed_in, provider, code):
    admin = signed_in("civil_admin")
    assert put(signed_in("civil_clerk"), code, provider.url).status_code == 403
    r = put(admin, code, f"{provider.url}/extra")
    assert r.status_code == 200, r.text
    assert r.json()["secret_set"] is True and "k1" not in r.text
    assert "k1" not in admin.get(f"{API}/endpoints/{code}").text

    clerk = signed_in("police_clerk")
    body = {"resource_code": code, "subjects": [PERSONS[0].id_number], "duty": DUTY, "case_number": CASE}
    r = clerk.post(f"{API}/api-queries", json=body)
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert set(res["records"][0]) == set(GRANTED) | {"结婚证字号"} and res["masked"] == ["结婚证字号"]
    assert "13800138000" not in r.text and r.json()["provider"] == "广州市民政局"
    log = clerk.get(f"{API}/query-log").json()["entries"]
    assert [(e["id"], e["kind"], e["case_number"]) for e in log] == [(r.json()["query_id"], "api", CASE)]
    r = clerk.post(f"{API}/api-queries", json={**body, "case_number": ""})
    assert (r.status_code, r.json()["field"]) == (422, "case_number")


@pytest.mark.parametrize(("path", "status", "code_"), [("/error", 502, "provider_error"),
                                                      ("/slow", 504, "provider_timeout")])
def test_a_failing_provider_is_a_problem_naming_it(db, signed_in, provider, code, path, status, code_):
    r = put(signed_in("civil_admin"), code, f"{provider.url}{path}", timeout_seconds=0.3)
    assert r.status_code == 200
    r = signed_in("police_clerk").post(f"{API}/api-queries", json={
        "resource_code": code, "subjects": [PERSONS[0].id_number], "duty": DUTY, "case_number": CASE})
    assert (r.status_code, r.headers["content-type"]) == (status, "application/problem+json")
    p = r.json()
    assert (p["code"], p["provider"], p["resource_code"]) == (code_, "广州市民政局", code)
    assert "广州市民政局" in p["detail"]


def test_the_console_pages(db, signed_in, provider, code):
    admin = signed_in("civil_admin")
    page = admin.get("/exchange/endpoints")
    assert page.status_code == 200 and MARRIAGE in page.text and "尚未登记" in page.text
    edit = admin.get(f"/exchange/endpoints/{code}/edit")
    assert edit.status_code == 200 and "男方公民身份号码" in edit.text
    form = {"csrf_token": csrf_of(edit.text), "base_url": f"{provider.url}/extra", "subject_param": "id",
            "auth_header": "X-Api-Key", "secret": "k2", "timeout_seconds": "1", "division_field": "",
            **{f"field.{k}": v for k, v in FIELDS.items()}}
    r = admin.post(f"/exchange/endpoints/{code}/edit", data={**form, "base_url": "nope"})
    assert r.status_code == 422 and "http://" in r.text
    r = admin.post(f"/exchange/endpoints/{code}/edit", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert f"{provider.url}/extra" in admin.get("/exchange/endpoints").text

    clerk = signed_in("police_clerk")
    q = clerk.get("/exchange/api-query")
    r = clerk.post("/exchange/api-query", data={"csrf_token": csrf_of(q.text), "resource_code": code,
                                                "subjects": PERSONS[2].id_number, "duty": DUTY,
                                                "case_number": CASE})
    assert r.status_code == 200 and "已婚" in r.text and "J440***" in r.text and "13800138000" not in r.text
