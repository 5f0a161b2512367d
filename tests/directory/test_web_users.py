"""The users page: who may reach it, creating and deactivating users (GD-31)."""

from __future__ import annotations

import re

import pytest

from govshare.directory.models import User
from tests.conftest import csrf_of, make_client, sign_in
from tests.directory.conftest_web import count, field_error, input_value, nav, post_form

PASSWORD = "a-long-secret-1"


def _new_user(agency_id: int, *roles: str, **overrides) -> list[tuple[str, str]]:
    data = {"username": "new_clerk", "display_name": "新办事员", "password": PASSWORD,
            "agency_id": str(agency_id)} | overrides
    return list(data.items()) + [("roles", r) for r in roles or ("agency_staff",)]


@pytest.mark.req("GD-31")
def test_a_clerk_cannot_reach_the_users_page(signed_in, db):
    client = signed_in("civil_clerk")
    assert "用户管理" not in nav(client.get("/").text)
    r = client.get("/users")
    assert r.status_code == 403
    assert "无权访问" in r.text and "只有机关管理员或信息化主管部门可以管理用户" in r.text
    r = post_form(client, "/users", _new_user(db.agency_id("civil")))
    assert r.status_code == 403
    assert count(db, User, User.username == "new_clerk") == 0


@pytest.mark.req("GD-31")
def test_the_city_it_authority_sees_every_agency_s_users_and_may_grant_every_role(signed_in):
    page = signed_in("admin").get("/users").text
    assert "用户管理" in nav(page)
    assert "police_clerk" in page and "tianhe_civil_clerk" in page
    assert 'value="it_authority"' in page and 'value="auditor"' in page


@pytest.mark.req("GD-31")
def test_an_agency_admin_manages_only_its_own_agency_with_two_roles(signed_in, db):
    client = signed_in("civil_admin")
    page = client.get("/users").text
    assert "civil_clerk" in page and "police_clerk" not in page
    roles = {v for v in ("agency_staff", "agency_admin", "it_authority", "auditor", "government")
             if f'name="roles" value="{v}"' in page}
    assert roles == {"agency_staff", "agency_admin"}
    assert set(re.findall(r'<option value="(\d+)"', page)) == {str(db.agency_id("civil"))}
    r = post_form(client, "/users", _new_user(db.agency_id("civil"), "auditor"))
    assert r.status_code == 403 and "机关管理员只能授予" in r.text
    r = post_form(client, "/users", _new_user(db.agency_id("police")))
    assert r.status_code == 403
    assert count(db, User, User.username == "new_clerk") == 0


@pytest.mark.req("GD-31")
def test_an_agency_admin_creates_a_user_who_can_then_sign_in(signed_in, db, tmp_path):
    client = signed_in("civil_admin")
    r = post_form(client, "/users", _new_user(db.agency_id("civil"), "agency_staff"))
    assert r.status_code == 303
    assert "已创建用户“new_clerk”" in client.get(r.headers["location"]).text
    newcomer = make_client(db, tmp_path)
    try:
        me = sign_in(newcomer, "new_clerk", PASSWORD).get("/api/v1/me").json()
        assert me["name"] == "新办事员" and me["roles"] == ["agency_staff"]
    finally:
        newcomer.app.state.engine.dispose()


def test_a_short_password_is_refused_and_the_form_kept(signed_in, db):
    client = signed_in("civil_admin")
    r = post_form(client, "/users", _new_user(db.agency_id("civil"), password="short"))
    assert r.status_code == 422
    assert field_error(r.text, "password") == "密码至少 10 位"
    assert input_value(r.text, "username") == "new_clerk"
    assert input_value(r.text, "password") == ""  # never echoed back
    assert count(db, User, User.username == "new_clerk") == 0


def test_a_taken_username_and_a_missing_role_are_named(signed_in, db):
    client = signed_in("admin")
    r = post_form(client, "/users", _new_user(db.agency_id("civil"), username="civil_clerk"))
    assert r.status_code == 409
    assert field_error(r.text, "username") == "用户名“civil_clerk”已被使用"
    data = [(k, v) for k, v in _new_user(db.agency_id("civil")) if k != "roles"]
    r = post_form(client, "/users", data)
    assert r.status_code == 422 and field_error(r.text, "roles") == "至少需要一个角色"


@pytest.mark.req("GD-31")
def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(signed_in, db):
    admin, clerk = signed_in("civil_admin"), signed_in("civil_clerk")
    with db.session() as s:
        clerk_id = s.query(User.id).filter(User.username == "civil_clerk").scalar()
    r = post_form(admin, f"/users/{clerk_id}/deactivate")
    assert r.status_code == 303
    assert "已停用用户“civil_clerk”" in admin.get(r.headers["location"]).text
    assert clerk.get("/", follow_redirects=False).status_code == 303  # back to the login page
    r = clerk.post("/login", data={"username": "civil_clerk", "password": "govshare-demo",
                                   "csrf_token": csrf_of(clerk.get("/login").text)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


@pytest.mark.req("GD-31")
def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(signed_in, db):
    client = signed_in("admin")
    r = post_form(client, "/users", _new_user(db.agency_id("civil")), csrf=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert count(db, User, User.username == "new_clerk") == 0
