"""Accounts on SQLite and PostgreSQL (GD-31: identity authentication, access control, audit):
argon2 hashes only, a sign-in failure that tells nothing and is audited, deactivation that ends
open sessions, and who may create which user where."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from govshare.demo.generator import DEMO_PASSWORD
from govshare.directory.models import User
from tests.conftest import csrf_of, make_client

USERS = "/api/v1/users"
NEW_PASSWORD = "Mima-2026-xyz"


def _user(agency_id: int, *roles: str, username: str = "new_clerk") -> dict:
    return {"username": username, "display_name": "新办事员", "password": NEW_PASSWORD,
            "agency_id": agency_id, "roles": list(roles or ("agency_staff",))}


def _login(client, username: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/"},
                       follow_redirects=False)


def _alert(page: str) -> str:
    m = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert m, "the login page shows no error"
    return m.group(1)


# --- passwords ---------------------------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_passwords_are_stored_only_as_argon2_hashes(signed_in, db):
    r = signed_in("civil_admin").post(USERS, json=_user(db.agency_id("civil")))
    assert r.status_code == 201, r.text
    assert "password" not in r.text and "hash" not in r.text

    with db.engine.connect() as conn:
        table = conn.execute(text("SELECT * FROM directory_user")).mappings().all()
    assert len(table) >= 12
    for row in table:
        assert row["password_hash"].startswith("$argon2id$"), row["username"]
        assert not any(secret in str(value) for value in row.values()
                       for secret in (DEMO_PASSWORD, NEW_PASSWORD)), row["username"]
    stored = next(row["password_hash"] for row in table if row["username"] == "new_clerk")
    assert PasswordHasher().verify(stored, NEW_PASSWORD)


@pytest.mark.req("GD-31")
def test_a_wrong_password_and_an_unknown_user_look_the_same_and_both_are_audited(
        db, tmp_path, audit):
    client = make_client(db, tmp_path)
    wrong_password = _login(client, "civil_clerk", "not-the-password")
    unknown_user = _login(client, "nobody_here", DEMO_PASSWORD)
    for r in (wrong_password, unknown_user):
        assert r.status_code == 401
        assert _alert(r.text) == "用户名或密码错误"
    # Neither answer may say which half was wrong.
    for hint in ("用户不存在", "密码不正确", "unknown", "no such user"):
        assert hint not in wrong_password.text and hint not in unknown_user.text

    # The failures survive the 401 answer: the audit trail is the only witness of guessing.
    assert [(e["username"], e["actor_kind"]) for e in audit("SignInFailed")] == [
        ("civil_clerk", "system"), ("nobody_here", "system")]
    assert client.get("/api/v1/me").status_code == 401
    client.app.state.engine.dispose()


@pytest.mark.req("GD-31")
def test_a_right_password_signs_in_and_is_audited(db, tmp_path, audit, rows):
    client = make_client(db, tmp_path)
    r = _login(client, " Civil_Clerk ", DEMO_PASSWORD)  # usernames are not case-sensitive
    assert r.status_code == 303, r.text
    assert client.get("/api/v1/me").json()["name"] == "钱办事"
    [event] = audit("UserSignedIn")
    assert (event["actor"], event["agency_id"]) == ("钱办事", db.agency_id("civil"))
    assert rows(User, User.username == "civil_clerk", User.last_login_at.is_not(None)) == 1
    client.app.state.engine.dispose()


# --- deactivation ----------------------------------------------------------------------------

@pytest.mark.req("GD-31")
def test_a_deactivated_users_open_session_stops_working(signed_in, db, tmp_path, audit):
    clerk = signed_in("civil_clerk")
    me = clerk.get("/api/v1/me").json()
    assert me["name"] == "钱办事"

    r = signed_in("civil_admin").post(f"{USERS}/{me['id']}/deactivate")
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False

    gone = clerk.get("/api/v1/me")
    assert gone.status_code == 401
    assert gone.json()["code"] == "unauthenticated"
    assert clerk.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    # Nor can the user sign in again, and the answer is the usual one.
    again = _login(make_client(db, tmp_path), "civil_clerk", DEMO_PASSWORD)
    assert again.status_code == 401 and _alert(again.text) == "用户名或密码错误"
    assert audit("UserDeactivated") == [{"actor": "王建国", "actor_kind": "user",
                                         "user_id": me["id"],
                                         "agency_id": db.agency_id("civil")}]


@pytest.mark.req("GD-31")
def test_an_agency_admin_may_not_deactivate_another_agencys_user(signed_in, rows):
    police_clerk = signed_in("police_clerk").get("/api/v1/me").json()
    r = signed_in("civil_admin").post(f"{USERS}/{police_clerk['id']}/deactivate")
    assert r.status_code == 403, r.text
    assert rows(User, User.username == "police_clerk", User.active.is_(True)) == 1


# --- who creates which user where ---------------------------------------------------------

@pytest.mark.req("GD-31")
def test_an_agency_admin_creates_staff_in_its_own_agency_and_it_is_audited(signed_in, db,
                                                                            audit):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    r = admin.post(USERS, json=_user(civil, "agency_staff", "agency_admin"))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("username", "agency_id", "roles", "active")} == {
        "username": "new_clerk", "agency_id": civil, "roles": ["agency_admin", "agency_staff"],
        "active": True}
    assert audit("UserCreated")[-1] == {
        "actor": "王建国", "actor_kind": "user", "user_id": r.json()["id"],
        "username": "new_clerk", "agency_id": civil, "roles": ["agency_admin", "agency_staff"]}


@pytest.mark.req("GD-31")
def test_the_new_user_signs_in_with_the_password_given(signed_in, db, tmp_path):
    assert signed_in("civil_admin").post(USERS, json=_user(db.agency_id("civil"))).status_code \
        == 201
    client = make_client(db, tmp_path)
    assert _login(client, "new_clerk", NEW_PASSWORD).status_code == 303
    assert client.get("/api/v1/me").json()["roles"] == ["agency_staff"]
    client.app.state.engine.dispose()


@pytest.mark.req("GD-31")
@pytest.mark.parametrize(("username", "agency", "roles", "status", "detail"), [
    ("civil_admin", "police", ("agency_staff",), 403,
     "只有本机关管理员或主管的信息化主管部门可以修改该机关"),
    ("civil_admin", "civil", ("it_authority",), 403,
     "机关管理员只能授予“机关工作人员”和“机关管理员”角色"),
    ("civil_admin", "civil", ("auditor",), 403,
     "机关管理员只能授予“机关工作人员”和“机关管理员”角色"),
    ("civil_clerk", "civil", ("agency_staff",), 403,
     "只有本机关管理员或主管的信息化主管部门可以修改该机关"),
    ("tianhe_it", "civil", ("agency_staff",), 403,
     "只有本机关管理员或主管的信息化主管部门可以修改该机关"),
], ids=["other-agency", "grant-it-authority", "grant-auditor", "clerk", "district-it-on-city"])
def test_creating_a_user_beyond_ones_authority_is_403_and_writes_nothing(
        signed_in, db, rows, audit, username, agency, roles, status, detail):
    r = signed_in(username).post(USERS, json=_user(db.agency_id(agency), *roles))
    assert r.status_code == status, r.text
    assert (r.json()["code"], r.json()["detail"]) == ("forbidden", detail)
    assert rows(User, User.username == "new_clerk") == 0
    assert [e for e in audit("UserCreated") if e["username"] == "new_clerk"] == []


@pytest.mark.req("GD-31")
def test_it_authority_is_granted_only_in_an_it_authority_agency(signed_in, db, rows):
    admin = signed_in("admin")
    refused = admin.post(USERS, json=_user(db.agency_id("civil"), "it_authority"))
    assert refused.status_code == 422, refused.text
    assert (refused.json()["field"], refused.json()["rule"]) == ("roles", "it_authority_agency")
    assert rows(User, User.username == "new_clerk") == 0

    tianhe = signed_in("tianhe_it")
    ok = tianhe.post(USERS, json=_user(db.agency_id("it-440106"), "it_authority"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["roles"] == ["it_authority"]
    branch = tianhe.post(USERS, json=_user(db.agency_id("civil-440106"), "agency_admin",
                                           username="tianhe_civil_admin2"))
    assert branch.status_code == 201, branch.text


@pytest.mark.req("GD-31")
@pytest.mark.parametrize(("changes", "status", "field", "rule"), [
    ({"username": "civil_clerk"}, 409, "username", None),
    ({"username": "Civil_Clerk"}, 409, "username", None),
    ({"username": "new clerk!"}, 422, "username", "format"),
    ({"username": "x" * 65}, 422, "username", "max_length"),
    ({"display_name": "名" * 65}, 422, "display_name", "max_length"),
    ({"password": "short-pw"}, 422, "password", "min_length"),
    ({"roles": []}, 422, "roles", "required"),
    ({"roles": ["emperor"]}, 422, "roles", "one_of"),
    ({"agency_id": 999999}, 422, "agency_id", "exists"),
], ids=["taken", "taken-other-case", "format", "username-too-long", "name-too-long",
        "short-password", "no-role", "unknown-role", "no-agency"])
def test_a_user_breaking_a_rule_is_refused_naming_the_field(signed_in, db, rows, changes,
                                                            status, field, rule):
    r = signed_in("admin").post(USERS, json=_user(db.agency_id("civil")) | changes)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field
    assert r.json().get("rule") == rule
    assert rows(User) == len(db.seed.users)


@pytest.mark.req("GD-31")
def test_an_agency_admin_lists_only_its_own_users(signed_in, db, rows):
    civil = db.agency_id("civil")
    page = signed_in("civil_admin").get(USERS, params={"limit": 200}).json()
    assert page["total"] == rows(User, User.agency_id == civil) == 2
    assert {u["username"] for u in page["items"]} == {"civil_admin", "civil_clerk"}
    refused = signed_in("civil_admin").get(USERS, params={"agency_id": db.agency_id("police")})
    assert refused.status_code == 403
    everyone = signed_in("admin").get(USERS, params={"limit": 200}).json()
    assert everyone["total"] == rows(User) == len(db.seed.users)
