"""An agency's API clients page: issue (token shown once), states, revoke (GD-31)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from govshare.directory.models import ApiClient
from govshare.kit.clock import now, today
from tests.directory.conftest_web import count, field_error, input_value, post_form

TOKEN = re.compile(r'<code class="token" id="issued-token">([^<]+)</code>')


def _issue(client, agency_id: int, name: str = "婚姻登记系统", *roles: str, expires_on="",
           follow=True):
    data = [("name", name), ("expires_on", expires_on)]
    data += [("roles", r) for r in roles or ("agency_staff",)]
    return post_form(client, f"/agencies/{agency_id}/api-clients", data, follow=follow)


def _state_of(page: str, name: str) -> str:
    row = re.search(rf"<tr class=\"client-\w+\"><td>{name}</td>.*?</tr>", page, re.S)
    assert row, f"no row for {name}"
    return re.search(r'<span class="state state-\w+">(.+?)</span>', row.group(0)).group(1)


@pytest.mark.req("GD-31")
def test_the_token_is_shown_once_with_a_warning_and_works(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    posted = _issue(client, civil, "婚姻登记系统", "agency_staff",
                    expires_on=(today() + timedelta(days=30)).isoformat(), follow=False)
    assert posted.status_code == 303 and "issued-token" not in posted.text
    r = client.get(posted.headers["location"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = TOKEN.search(r.text).group(1)
    assert "请立即复制并妥善保存此令牌" in r.text
    assert _state_of(r.text, "婚姻登记系统") == "有效"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["kind"] == "api_client" and me["agency_id"] == civil
    again = client.get(f"/agencies/{civil}/api-clients").text
    assert token not in again and "issued-token" not in again


@pytest.mark.req("GD-31")
def test_reloading_after_issuing_issues_nothing_and_shows_no_token(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    posted = _issue(client, civil, "不动产系统", follow=False)
    shown = client.get(posted.headers["location"])
    token = TOKEN.search(shown.text).group(1)
    for _ in range(2):  # the browser's reload of the page it was sent to after the post
        again = client.get(posted.headers["location"])
        assert again.status_code == 200 and token not in again.text
        assert "issued-token" not in again.text and "令牌已签发" in again.text
    assert count(db, ApiClient) == 1
    assert _state_of(again.text, "不动产系统") == "有效"


@pytest.mark.req("GD-31")
def test_a_token_issued_for_one_agency_is_not_shown_on_another_s_page(signed_in, db):
    client = signed_in("admin")
    civil, police = db.agency_id("civil"), db.agency_id("police")
    _issue(client, civil, "婚姻登记系统", follow=False)
    other = client.get(f"/agencies/{police}/api-clients").text
    assert "issued-token" not in other
    assert "issued-token" not in client.get(f"/agencies/{civil}/api-clients").text


@pytest.mark.req("GD-31")
def test_revoking_needs_a_reason_and_ends_the_token(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    token = TOKEN.search(_issue(client, civil).text).group(1)
    with db.session() as s:
        client_id = s.query(ApiClient.id).filter(ApiClient.name == "婚姻登记系统").scalar()
    url = f"/agencies/{civil}/api-clients/{client_id}/revoke"
    r = post_form(client, url, {"reason": " "})
    assert r.status_code == 422
    assert field_error(r.text, f"reason-{client_id}") == "吊销须说明理由"
    assert count(db, ApiClient, ApiClient.revoked_at.is_not(None)) == 0
    r = post_form(client, url, {"reason": "系统下线"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert _state_of(page, "婚姻登记系统") == "已吊销" and "系统下线" in page
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_expired_client_says_so(signed_in, db):
    client = signed_in("admin")
    civil = db.agency_id("civil")
    _issue(client, civil, "旧系统", expires_on=today().isoformat())
    with db.session() as s:  # time passes: the day it was valid through is over
        s.execute(update(ApiClient).where(ApiClient.name == "旧系统")
                  .values(expires_at=now() - timedelta(minutes=1)))
    assert _state_of(client.get(f"/agencies/{civil}/api-clients").text, "旧系统") == "已过期"


def test_bad_input_is_named_and_nothing_is_issued(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    r = _issue(client, civil, "昨天到期", expires_on=(today() - timedelta(days=1)).isoformat())
    assert r.status_code == 422 and field_error(r.text, "expires_on") == "有效期已过"
    assert input_value(r.text, "name") == "昨天到期"
    r = _issue(client, civil, "  ")
    assert r.status_code == 422 and field_error(r.text, "name") == "客户端名称不能为空"
    r = _issue(client, civil, "系统", expires_on="明年")
    assert r.status_code == 422 and "格式如" in field_error(r.text, "expires_on")
    assert count(db, ApiClient) == 0


@pytest.mark.req("GD-31")
def test_another_agency_s_clients_are_not_found(signed_in, db):
    admin, clerk = signed_in("civil_admin"), signed_in("civil_clerk")
    police, civil = db.agency_id("police"), db.agency_id("civil")
    for who, agency in ((admin, police), (clerk, civil)):
        r = who.get(f"/agencies/{agency}/api-clients")
        assert r.status_code == 404 and "未找到" in r.text
    r = _issue(admin, police, "越权系统")
    assert r.status_code == 404
    assert count(db, ApiClient) == 0


@pytest.mark.req("GD-31")
def test_an_agency_admin_may_not_issue_roles_beyond_its_own(signed_in, db):
    client = signed_in("civil_admin")
    page = client.get(f"/agencies/{db.agency_id('civil')}/api-clients").text
    assert 'value="agency_staff"' in page and 'value="auditor"' not in page
    r = _issue(client, db.agency_id("civil"), "审计接口", "auditor")
    assert r.status_code == 403
    assert count(db, ApiClient) == 0
