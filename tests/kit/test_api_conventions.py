"""The API's conventions, on SQLite and PostgreSQL: every error is an RFC 9457 problem with a
stable `code`, request validation names the field, lists are paginated the same way, and the
operational endpoints (/healthz, /metrics, /openapi.json, /docs) answer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from govshare import __version__
from govshare.directory.models import Agency
from govshare.kit.http import DbSession, TransactionalRoute
from tests.conftest import make_client

PROBLEM = "application/problem+json"


@pytest.fixture
def anonymous(db, tmp_path):
    client = make_client(db, tmp_path)
    yield client
    client.app.state.engine.dispose()


def assert_problem(r, status: int, code: str) -> dict:
    """An RFC 9457 problem: its members, our stable code, and a sentence for a person."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys(), body
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:govshare:problem:{code}"
    assert body["title"].strip() and body["detail"].strip()
    return body


# --- problem details ---------------------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_every_kind_of_error_is_a_problem_with_a_stable_code(signed_in, anonymous, db):
    clerk, admin = signed_in("civil_clerk"), signed_in("admin")
    civil = admin.get(f"/api/v1/agencies/{db.agency_id('civil')}").json()
    cases = [
        (anonymous.get("/api/v1/me"), 401, "unauthenticated"),
        (anonymous.get("/api/v1/agencies"), 401, "unauthenticated"),
        (clerk.post("/api/v1/agencies", json={**civil, "name": "新机关"}), 403, "forbidden"),
        (clerk.get("/api/v1/agencies/999999"), 404, "not_found"),
        (clerk.get("/api/v1/no-such-resource"), 404, "not_found"),
        (clerk.delete("/api/v1/me"), 405, "method_not_allowed"),
        (admin.post("/api/v1/agencies", json={**civil}), 409, "agency_exists"),
        (admin.post("/api/v1/agencies", json={"name": "缺字段"}), 422, "invalid_input"),
        (admin.post("/api/v1/agencies", content=b"{not json",
                    headers={"Content-Type": "application/json"}), 422, "invalid_input"),
    ]
    for response, status, code in cases:
        assert_problem(response, status, code)
    # A 401 tells the caller how to authenticate.
    assert cases[0][0].headers["www-authenticate"] == "Bearer"
    assert cases[0][0].json()["detail"] == "需要登录或提供有效的接口令牌"


def test_an_unexpected_error_is_a_problem_too_and_writes_nothing(db, tmp_path):
    client = make_client(db, tmp_path)

    def boom(session: DbSession):
        session.add(Agency(name="半途机关", credit_code="X" * 18, level="city",
                           division_code="440100", platform_division_code="440100",
                           responsible_name="无"))
        session.flush()
        raise RuntimeError("a bug in an endpoint")

    client.app.router.routes.append(
        TransactionalRoute("/api/v1/test-only/boom", boom, methods=["POST"]))
    body = assert_problem(client.post("/api/v1/test-only/boom"), 500, "internal_error")
    assert "a bug" not in body["detail"]  # no internals leak to the caller
    with db.session() as s:
        assert s.scalar(select(func.count()).where(Agency.name == "半途机关")) == 0
    client.app.state.engine.dispose()


def test_request_validation_names_the_field_and_rule(signed_in):
    admin = signed_in("admin")
    missing = assert_problem(admin.post("/api/v1/agencies", json={"name": "缺字段"}), 422,
                             "invalid_input")
    assert missing["field"] == "credit_code"
    assert missing["detail"].startswith("字段“credit_code”必须填写")
    assert {(e["field"], e["rule"]) for e in missing["errors"]} == {
        ("credit_code", "missing"), ("level", "missing"), ("division_code", "missing"),
        ("responsible_name", "missing")}

    wrong_type = assert_problem(admin.post("/api/v1/agencies", json={
        "name": "类型错", "credit_code": "x", "level": "city", "division_code": "440100",
        "responsible_name": "某", "parent_id": "第一个"}), 422, "invalid_input")
    assert (wrong_type["field"], wrong_type["errors"][0]["rule"]) == ("parent_id", "int_parsing")

    in_path = assert_problem(admin.get("/api/v1/agencies/abc"), 422, "invalid_input")
    assert in_path["field"] == "agency_id"  # the field's own name, not where it was found
    in_query = assert_problem(admin.get("/api/v1/agencies", params={"limit": "many"}), 422,
                              "invalid_input")
    assert in_query["field"] == "limit"


# --- pagination --------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"limit": -5},
                                    {"offset": -1}],
                         ids=["limit-0", "limit-201", "limit-negative", "offset-negative"])
@pytest.mark.parametrize("path", ["/api/v1/agencies", "/api/v1/users"])
def test_a_limit_outside_1_to_200_is_422(signed_in, path, params):
    r = signed_in("admin").get(path, params=params)
    body = assert_problem(r, 422, "invalid_input")
    assert (body["field"], body["rule"]) == (next(iter(params)), "range")


def test_pages_carry_total_limit_offset_and_cover_every_row_once(signed_in, db):
    clerk = signed_in("civil_clerk")
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Agency))
        every = set(s.scalars(select(Agency.id)))
    assert total == len(db.seed.agencies) == 58  # 14 city bodies; 11 districts × (IT authority + 3 branches)

    default = clerk.get("/api/v1/agencies").json()
    assert (default["total"], default["limit"], default["offset"], len(default["items"])) == (
        total, 50, 0, 50)  # the first 50 of 58
    seen: list[int] = []
    for offset in range(0, total, 10):
        page = clerk.get("/api/v1/agencies", params={"limit": 10, "offset": offset}).json()
        assert (page["total"], page["limit"], page["offset"]) == (total, 10, offset)
        assert len(page["items"]) == min(10, total - offset)
        seen += [a["id"] for a in page["items"]]
    assert len(seen) == len(set(seen)) == total and set(seen) == every

    beyond = clerk.get("/api/v1/agencies", params={"limit": 200, "offset": total}).json()
    assert (beyond["items"], beyond["total"], beyond["limit"]) == ([], total, 200)
    one = clerk.get("/api/v1/agencies", params={"limit": 1, "division_code": "440106"}).json()
    assert (one["total"], len(one["items"])) == (4, 1)  # 天河区: IT authority, 公安, 市场监管, 民政


# --- operations --------------------------------------------------------------------------------

def test_healthz_says_the_database_is_up(anonymous):
    r = anonymous.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "up", "version": __version__}


def test_metrics_count_requests_by_route_template_and_status(anonymous, db):
    civil = db.agency_id("civil")
    for _ in range(3):
        anonymous.get("/api/v1/me")
    anonymous.get(f"/api/v1/agencies/{civil}")
    anonymous.get("/healthz")
    r = anonymous.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    samples = dict(re.findall(r"^(govshare_http_requests_total\{.*\}) (\S+)$", r.text, re.M))
    assert samples == {
        'govshare_http_requests_total{method="GET",route="/api/v1/me",status="401"}': "3.0",
        # The route's template, not the id: one series per endpoint, whatever the ids.
        'govshare_http_requests_total{method="GET",route="/api/v1/agencies/{agency_id}",'
        'status="401"}': "1.0",
        'govshare_http_requests_total{method="GET",route="/healthz",status="200"}': "1.0",
    }
    assert re.search(r'^govshare_http_request_seconds_count\{method="GET",route="/api/v1/me"\}'
                     r" 3\.0$", r.text, re.M)


def test_openapi_lists_the_v1_api_and_docs_serve_it(anonymous):
    spec = anonymous.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/v1/me", "/api/v1/agencies", "/api/v1/agencies/{agency_id}",
            "/api/v1/agencies/{agency_id}/responsible-person", "/api/v1/users",
            "/api/v1/users/{user_id}/deactivate", "/api/v1/agencies/{agency_id}/api-clients",
            "/api/v1/api-clients/{client_id}/revoke", "/api/v1/divisions"} <= paths
    # Only the versioned API (and the health check) is published; console pages are not.
    assert {p for p in paths if not p.startswith("/api/v1/")} == {"/healthz"}
    assert "/login" not in paths
    # One-line docstrings become the operations' summaries/descriptions for integrators.
    put = spec["paths"]["/api/v1/agencies/{agency_id}/responsible-person"]["put"]
    assert put["description"] == "Name the person responsible for sharing (GZ-29)."

    docs = anonymous.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in docs.text and "swagger" in docs.text.lower()
    # The platform runs on a closed network: /docs loads nothing from outside the platform.
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assets = [a for a in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css")
              if a in docs.text]
    assert len(assets) == 2
    for asset in assets:
        assert anonymous.get(asset).status_code == 200
