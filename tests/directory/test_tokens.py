"""API clients and their bearer tokens on SQLite and PostgreSQL (GD-31): shown once and stored
only as a hash, revocable at once, expiring, private to their agency; and a browser session
that calls the API must carry the page's CSRF token."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text

from govshare.directory.models import ApiClient
from govshare.kit.clock import now
from tests.conftest import make_client


def _clients(agency_id: int) -> str:
    return f"/api/v1/agencies/{agency_id}/api-clients"


def _issue(client, agency_id: int, **body) -> dict:
    r = client.post(_clients(agency_id), json={"name": "婚姻登记系统"} | body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def bearer(db, tmp_path):
    """A factory: a client without any session that sends `Authorization: Bearer <token>`."""
    made = []

    def _with(token: str):
        c = make_client(db, tmp_path)
        c.headers["Authorization"] = f"Bearer {token}"
        made.append(c)
        return c

    yield _with
    for c in made:
        c.app.state.engine.dispose()


def _problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
    return r.json()


# --- issuing ---------------------------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_the_token_is_shown_once_and_only_its_hash_is_stored(signed_in, db, audit):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    issued = _issue(admin, civil)
    scheme, prefix, secret = issued["token"].split("_", 2)
    assert (scheme, issued["token_prefix"], issued["roles"]) == ("gs", prefix,
                                                                 ["agency_staff"])
    assert len(secret) >= 43  # 32 random bytes

    listed = admin.get(_clients(civil))
    assert listed.status_code == 200
    assert [c["name"] for c in listed.json()] == ["婚姻登记系统"]
    assert "token" not in listed.json()[0] and secret not in listed.text

    with db.engine.connect() as conn:
        [row] = conn.execute(text("SELECT * FROM directory_api_client")).mappings().all()
        payloads = conn.execute(text("SELECT payload FROM evidence_audit_event")).scalars().all()
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["token_prefix"] == prefix
    assert not [column for column, value in row.items() if secret in str(value)]
    assert not [p for p in payloads if secret in p]
    assert audit("ApiClientIssued") == [{
        "actor": "王建国", "actor_kind": "user", "client_id": issued["id"], "agency_id": civil,
        "name": "婚姻登记系统", "roles": ["agency_staff"], "token_prefix": prefix}]


@pytest.mark.req("GD-31")
def test_the_token_authenticates_without_any_session_or_csrf(signed_in, db, bearer):
    civil = db.agency_id("civil")
    token = _issue(signed_in("civil_admin"), civil, name="民政业务系统",
                   roles=["agency_admin"])["token"]
    system = bearer(token)
    me = system.get("/api/v1/me")
    assert me.status_code == 200, me.text
    assert me.json() == {"kind": "api_client", "id": me.json()["id"], "name": "民政业务系统",
                         "agency_id": civil, "roles": ["agency_admin"]}
    # A token is no cookie a foreign page could make a browser send: no CSRF header needed.
    r = system.put(f"/api/v1/agencies/{civil}/responsible-person", json={"name": "系统指定"})
    assert r.status_code == 200, r.text
    # …but it holds only its own agency's rights.
    police = db.agency_id("police")
    assert system.put(f"/api/v1/agencies/{police}/responsible-person",
                      json={"name": "越权"}).status_code == 403


@pytest.mark.req("GD-31")
def test_an_expiry_in_the_future_is_kept_one_in_the_past_or_without_zone_is_422(signed_in, db,
                                                                              rows):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    later = (now() + timedelta(days=30)).replace(microsecond=0)
    kept = _issue(admin, civil, expires_at=later.isoformat())
    assert kept["expires_at"].replace("Z", "+00:00") == later.isoformat()

    past = admin.post(_clients(civil), json={"name": "旧系统",
                                             "expires_at": (now() - timedelta(minutes=1))
                                             .isoformat()})
    assert (_problem(past, 422, "invalid_input")["field"], past.json()["rule"]) == (
        "expires_at", "in_future")
    # Without a time zone the moment is ambiguous (UTC? Beijing?): refused, not guessed.
    naive = admin.post(_clients(civil), json={"name": "旧系统",
                                              "expires_at": "2030-01-01T00:00:00"})
    assert _problem(naive, 422, "invalid_input")["field"] == "expires_at"
    assert rows(ApiClient, ApiClient.name == "旧系统") == 0


# --- revoked, expired, garbage ---------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_a_revoked_token_is_401_token_revoked_at_once(signed_in, db, bearer, audit):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    issued = _issue(admin, civil)
    system = bearer(issued["token"])
    assert system.get("/api/v1/me").status_code == 200

    r = admin.post(f"/api/v1/api-clients/{issued['id']}/revoke", json={"reason": "系统下线"})
    assert r.status_code == 200, r.text
    assert r.json()["revoked_reason"] == "系统下线" and r.json()["revoked_at"]

    refused = system.get("/api/v1/me")
    assert _problem(refused, 401, "token_revoked")["detail"] == "令牌已被吊销"
    assert refused.headers["www-authenticate"] == "Bearer"
    again = admin.post(f"/api/v1/api-clients/{issued['id']}/revoke", json={"reason": "再次"})
    _problem(again, 409, "already_revoked")
    assert audit("ApiClientRevoked") == [{"actor": "王建国", "actor_kind": "user",
                                          "client_id": issued["id"], "agency_id": civil,
                                          "reason": "系统下线"}]


@pytest.mark.req("GD-31")
def test_revoking_needs_a_reason(signed_in, db, bearer):
    issued = _issue(signed_in("civil_admin"), db.agency_id("civil"))
    admin = signed_in("civil_admin")
    r = admin.post(f"/api/v1/api-clients/{issued['id']}/revoke", json={"reason": "  "})
    assert (_problem(r, 422, "invalid_input")["field"], r.json()["rule"]) == ("reason",
                                                                              "required")
    assert bearer(issued["token"]).get("/api/v1/me").status_code == 200


@pytest.mark.req("GD-31")
def test_an_expired_token_is_401_token_expired(signed_in, db, bearer):
    issued = _issue(signed_in("civil_admin"), db.agency_id("civil"),
                    expires_at=(now() + timedelta(hours=1)).isoformat())
    system = bearer(issued["token"])
    assert system.get("/api/v1/me").status_code == 200
    with db.session() as s:  # an hour passes
        s.get(ApiClient, issued["id"]).expires_at = now() - timedelta(seconds=1)
    refused = system.get("/api/v1/me")
    assert _problem(refused, 401, "token_expired")["detail"] == "令牌已过期"


@pytest.mark.req("GD-31")
def test_a_garbage_or_forged_token_is_401(signed_in, db, bearer):
    token = _issue(signed_in("civil_admin"), db.agency_id("civil"))["token"]
    _scheme, prefix, secret = token.split("_", 2)
    forged = [
        "not-a-token",
        "",
        f"xx_{prefix}_{secret}",  # wrong scheme
        f"gs_{prefix}",  # no secret
        f"gs_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",  # one character off
        f"gs_000000000000_{secret}",  # someone else's prefix
    ]
    for value in forged:
        r = bearer(value).get("/api/v1/me")
        assert _problem(r, 401, "bad_token")["status"] == 401, value
    # Nor does a forged token reach a write.
    r = bearer(f"gs_{prefix}_x").post(_clients(db.agency_id("civil")), json={"name": "偷偷"})
    _problem(r, 401, "bad_token")


# --- private to the agency -------------------------------------------------------------------

@pytest.mark.req("GD-31")
@pytest.mark.parametrize("username", ["police_admin", "civil_clerk", "tianhe_it", "auditor"])
def test_another_agencys_clients_are_404_to_list_issue_and_revoke(signed_in, db, rows,
                                                                  username):
    civil = db.agency_id("civil")
    issued = _issue(signed_in("civil_admin"), civil)
    outsider = signed_in(username)
    for r in (outsider.get(_clients(civil)),
              outsider.post(_clients(civil), json={"name": "冒名系统"}),
              outsider.post(f"/api/v1/api-clients/{issued['id']}/revoke",
                            json={"reason": "恶意"})):
        assert _problem(r, 404, "not_found")["detail"] == "没有找到该机关的接口客户端"
    assert rows(ApiClient) == 1
    assert rows(ApiClient, ApiClient.revoked_at.is_(None)) == 1


@pytest.mark.req("GD-31")
def test_the_governing_it_authority_sees_and_revokes_an_agencys_clients(signed_in, db):
    branch = db.agency_id("civil-440106")
    issued = _issue(signed_in("tianhe_it"), branch, name="天河民政系统")
    admin = signed_in("admin")
    assert [c["name"] for c in admin.get(_clients(branch)).json()] == ["天河民政系统"]
    r = admin.post(f"/api/v1/api-clients/{issued['id']}/revoke", json={"reason": "市局统一停用"})
    assert r.status_code == 200, r.text


# --- CSRF for browser sessions ---------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_a_browser_session_posting_to_the_api_needs_the_csrf_header(signed_in, db, rows):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    page_token = admin.headers.pop("X-CSRF-Token")

    missing = admin.post(_clients(civil), json={"name": "无令牌"})
    assert _problem(missing, 403, "csrf_failed")["status"] == 403
    wrong = admin.post(_clients(civil), json={"name": "无令牌"},
                       headers={"X-CSRF-Token": page_token[:-1] + ("y" if page_token[-1] == "x" else "x")})
    _problem(wrong, 403, "csrf_failed")
    put = admin.put(f"/api/v1/agencies/{civil}/responsible-person", json={"name": "无令牌"})
    _problem(put, 403, "csrf_failed")
    assert rows(ApiClient) == 0
    # Reading needs no token; writing with the page's token works.
    assert admin.get(_clients(civil)).status_code == 200
    ok = admin.post(_clients(civil), json={"name": "有令牌"},
                    headers={"X-CSRF-Token": page_token})
    assert ok.status_code == 201, ok.text


@pytest.mark.req("GD-31")
def test_operators_see_when_a_token_was_last_used_recorded_at_most_every_five_minutes(
        signed_in, db, bearer):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    issued = _issue(admin, civil, name="民政业务系统")
    assert issued["last_used_at"] is None
    system = bearer(issued["token"])
    assert system.get("/api/v1/me").status_code == 200
    listed = {c["id"]: c for c in admin.get(_clients(civil)).json()}
    first = listed[issued["id"]]["last_used_at"]
    assert first is not None
    # A second call within five minutes writes nothing new…
    assert system.get("/api/v1/me").status_code == 200
    assert {c["id"]: c for c in admin.get(_clients(civil)).json()}[issued["id"]][
        "last_used_at"] == first
    # …one after five minutes does (the clock moved back in the database instead of waiting).
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE directory_api_client SET last_used_at = :t WHERE id = :i"),
                     {"t": now() - timedelta(minutes=6), "i": issued["id"]})
    assert system.get("/api/v1/me").status_code == 200
    later = {c["id"]: c for c in admin.get(_clients(civil)).json()}[issued["id"]]["last_used_at"]
    assert later > first
