"""Changing one's own password from the console (GD-31)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of
from tests.directory.conftest_web import field_error, post_form

NEW = "a-new-long-password"


def _change(client, old="govshare-demo", new=NEW, confirm=None):
    return post_form(client, "/account/password", {
        "old_password": old, "new_password": new,
        "confirm_password": new if confirm is None else confirm})


def _can_sign_in(client, password: str) -> bool:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "civil_clerk", "password": password,
                                    "csrf_token": token, "next": "/"}, follow_redirects=False)
    return r.status_code == 303


@pytest.mark.req("GD-31")
def test_a_user_changes_their_password_and_stays_signed_in(signed_in):
    client, elsewhere = signed_in("civil_clerk"), signed_in("civil_clerk")
    assert "修改密码" in client.get("/account/password").text
    r = _change(client)
    assert r.status_code == 303
    assert "密码已修改" in client.get(r.headers["location"]).text
    assert client.get("/", follow_redirects=False).status_code == 200
    assert elsewhere.get("/", follow_redirects=False).status_code == 303  # that session ended
    assert not _can_sign_in(elsewhere, "govshare-demo")
    assert _can_sign_in(elsewhere, NEW)


@pytest.mark.req("GD-31")
def test_a_wrong_old_password_is_named_and_nothing_changes(signed_in):
    client = signed_in("civil_clerk")
    r = _change(client, old="not-my-password")
    assert r.status_code == 422 and field_error(r.text, "old_password") == "原密码不正确"
    assert client.get("/", follow_redirects=False).status_code == 200
    assert _can_sign_in(client, "govshare-demo")


def test_a_short_or_mismatched_new_password_is_named(signed_in):
    client = signed_in("civil_clerk")
    r = _change(client, new="short")
    assert r.status_code == 422 and field_error(r.text, "new_password") == "密码至少 10 位"
    r = _change(client, confirm="something-else")
    assert r.status_code == 422
    assert field_error(r.text, "confirm_password") == "两次输入的新密码不一致"
    assert _can_sign_in(client, "govshare-demo")


def test_the_password_form_needs_its_csrf_token(signed_in):
    client = signed_in("civil_clerk")
    r = post_form(client, "/account/password", {"old_password": "govshare-demo",
                                                "new_password": NEW, "confirm_password": NEW},
                  csrf=False)
    assert r.status_code == 403
    assert _can_sign_in(client, "govshare-demo")
