"""The notice inbox through the API and the console page, on both engines: an agency sees its
own notices only, unread first; marks them read; its administrator sets the webhook and the
agency's system receives the sweep's reminders signed with the secret it was given (GD-22)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from govshare.access import request_service, sweep_service
from govshare.access.models import Notice, NoticeHook
from govshare.evidence.models import AuditEvent
from govshare.kit import outbox
from govshare.kit.actor import SYSTEM
from tests.access.helpers import HOUSEHOLD, actor, draft
from tests.conftest import csrf_of

SEPT_28 = date(2026, 9, 28)
API = "/api/v1/access"


@pytest.fixture
def due_soon(db):
    """A request to 公安局 due Friday 23 October, and the sweep of Tuesday 20 October."""
    with db.session() as s:
        rid = request_service.submit_request(s, actor(s, "civil_clerk"), draft(s, HOUSEHOLD, SEPT_28),
                                             today=SEPT_28).id
    with db.session() as s:
        sweep_service.sweep(s, SYSTEM, date(2026, 10, 20))
    return rid


def test_an_agency_lists_its_own_notices_unread_first(db, signed_in, due_soon):
    police = signed_in("police_admin")
    page = police.get(f"{API}/notices").json()
    kinds = [n["kind"] for n in page["items"]]
    assert kinds == ["due_soon", "request_received"]  # newest first, both unread
    soon = page["items"][0]
    assert (soon["kind_label"], soon["request_id"], soon["due_date"]) == ("即将到期", due_soon,
                                                                          "2026-10-23")
    assert "还剩 3 个工作日" in soon["message"] and soon["read_at"] is None
    assert police.get(f"{API}/notices/unread-count").json() == {"unread": 2}
    # The requester's inbox holds its own notices, not the provider's.
    civil = signed_in("civil_clerk").get(f"{API}/notices").json()
    assert [n["kind"] for n in civil["items"]] == ["request_submitted"]
    # A read notice goes below the unread ones.
    police.post(f"{API}/notices/{soon['id']}/read")
    again = police.get(f"{API}/notices").json()["items"]
    assert [n["kind"] for n in again] == ["request_received", "due_soon"]
    assert again[1]["read_at"] is not None
    assert [n["kind"] for n in police.get(f"{API}/notices", params={"unread": True}).json()["items"]
            ] == ["request_received"]


def test_marking_read_touches_only_the_agencys_own_notices(db, signed_in, due_soon):
    police, civil = signed_in("police_clerk"), signed_in("civil_clerk")
    [theirs] = civil.get(f"{API}/notices").json()["items"]
    r = police.post(f"{API}/notices/{theirs['id']}/read")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    mine = [n["id"] for n in police.get(f"{API}/notices").json()["items"]]
    r = police.post(f"{API}/notices/read", json={"ids": [*mine, theirs["id"]]})
    assert r.json() == {"marked": 2, "unread": 0}
    assert civil.get(f"{API}/notices/unread-count").json() == {"unread": 1}
    assert police.post(f"{API}/notices/read", json={"ids": mine}).json()["marked"] == 0
    with db.session() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "NoticesRead"))
        assert event.agency_id == db.agency_id("police") and str(theirs["id"]) not in event.payload


def test_mark_all_read_and_the_choice_it_needs(db, signed_in, due_soon):
    police = signed_in("police_clerk")
    assert police.post(f"{API}/notices/read", json={"all": True}).json() == {"marked": 2, "unread": 0}
    for body in ({}, {"ids": [1], "all": True}):
        r = police.post(f"{API}/notices/read", json=body)
        assert r.status_code == 422 and (r.json()["field"], r.json()["rule"]) == ("ids", "one_of")


def test_only_the_agency_admin_sets_the_webhook_with_a_valid_url(db, signed_in):
    clerk, admin = signed_in("police_clerk"), signed_in("police_admin")
    r = clerk.put(f"{API}/notice-hook", json={"url": "https://gaj.example.gov.cn/hook"})
    assert r.status_code == 403
    for url in ("ftp://gaj.example.gov.cn/hook", "https://", "https://u:p@gaj.example.gov.cn/"):
        r = admin.put(f"{API}/notice-hook", json={"url": url})
        assert r.status_code == 422 and r.json()["field"] == "url", url
    assert admin.get(f"{API}/notice-hook").json() is None
    first = admin.put(f"{API}/notice-hook", json={"url": "https://gaj.example.gov.cn/hook"}).json()
    assert len(first["secret"]) == 64 and first["active"] is True
    assert clerk.get(f"{API}/notice-hook").json() == {"url": "https://gaj.example.gov.cn/hook",
                                                      "active": True}
    second = admin.put(f"{API}/notice-hook", json={"url": "https://gaj.example.gov.cn/hook"}).json()
    assert second["secret"] != first["secret"]  # every setting issues a new secret
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.event_type == "NoticeHookSet")))
        assert len(events) == 2 and all(first["secret"] not in e.payload for e in events)


class Receiver:
    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notices"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.req("GD-22")
def test_the_sweeps_reminder_reaches_the_agencys_system_signed(db, signed_in):
    receiver = Receiver()
    try:
        secret = signed_in("police_admin").put(f"{API}/notice-hook",
                                               json={"url": receiver.url}).json()["secret"]
        with db.session() as s:
            rid = request_service.submit_request(s, actor(s, "civil_clerk"),
                                                 draft(s, HOUSEHOLD, SEPT_28), today=SEPT_28).id
        with db.session() as s:
            sweep_service.sweep(s, SYSTEM, date(2026, 10, 20))
        report = outbox.deliver_due(db.sessions)
        assert report.sent == 2  # request_received at submission, due_soon from the sweep
    finally:
        receiver.close()
    bodies = []
    for headers, body in receiver.received:
        expected = hmac.new(secret.encode(), body, lambda: hashlib.new("sm3")).hexdigest()
        assert headers["x-govshare-signature"] == f"sm3-hmac={expected}"
        bodies.append(json.loads(body)["data"])
    soon = next(b for b in bodies if b["kind"] == "due_soon")
    assert (soon["request_id"], soon["due_date"]) == (rid, "2026-10-23")
    assert soon["agency_id"] == db.agency_id("police") and "还剩 3 个工作日" in soon["message"]


def test_a_paused_webhook_gets_nothing(db, signed_in, due_soon):
    signed_in("police_admin").put(f"{API}/notice-hook",
                                  json={"url": "https://gaj.example.gov.cn/hook", "active": False})
    with db.session() as s:
        sweep_service.sweep(s, SYSTEM, date(2026, 10, 23))
        assert outbox.pending(s) == 0
        assert s.scalar(select(Notice.id).where(Notice.kind == "due_today")) is not None


# --- the page -----------------------------------------------------------------------------------

def test_the_page_lists_notices_and_marks_them_read(db, signed_in, due_soon):
    clerk = signed_in("police_clerk")
    html = clerk.get("/access/notices").text
    assert "未读 <strong id=\"unread-count\">2</strong>" in html
    assert "即将到期" in html and "还剩 3 个工作日" in html and "2026年10月23日（周五）" in html
    assert f'href="/access/requests/{due_soon}"' in html
    assert "推送地址由本机关管理员设置" in html and 'action="/access/notices/hook"' not in html
    with db.session() as s:
        soon = s.scalar(select(Notice.id).where(Notice.kind == "due_soon"))
    r = clerk.post(f"/access/notices/{soon}/read", data={"csrf_token": csrf_of(html), "page": "1"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("notice=read")
    html = clerk.get(r.headers["location"]).text
    assert "已标记为已读" in html and 'id="unread-count">1<' in html
    r = clerk.post("/access/notices/read-all", data={"csrf_token": csrf_of(html)})
    assert "已全部标记为已读" in r.text and "没有未读提醒" in clerk.get("/access/notices?unread=true").text


def test_a_post_without_the_csrf_token_is_refused(db, signed_in, due_soon):
    r = signed_in("police_clerk").post("/access/notices/read-all", data={})
    assert r.status_code in (400, 403)
    with db.session() as s:
        assert s.scalar(select(Notice.id).where(Notice.read_at.is_not(None))) is None


def _hook_events(db) -> int:
    with db.session() as s:
        return len(list(s.scalars(select(AuditEvent)
                                  .where(AuditEvent.event_type == "NoticeHookSet"))))


def _post_hook(client, html: str, url: str, **extra):
    return client.post("/access/notices/hook", data={"csrf_token": csrf_of(html), "url": url,
                                                     "active": "on"}, **extra)


@pytest.mark.req("GD-31")
def test_the_admin_sets_the_webhook_on_the_page_and_sees_the_secret_once(db, signed_in):
    admin = signed_in("police_admin")
    html = admin.get("/access/notices").text
    assert "尚未设置推送地址" in html
    bad = _post_hook(admin, html, "gaj")
    assert bad.status_code == 422 and "http://" in bad.text and 'value="gaj"' in bad.text
    posted = _post_hook(admin, html, "https://gaj.example.gov.cn/hook", follow_redirects=False)
    assert posted.status_code == 303 and 'id="hook-secret"' not in posted.text
    ok = admin.get(posted.headers["location"])
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    assert 'id="hook-secret"' in ok.text and "请立即复制并妥善保存签名密钥" in ok.text
    with db.session() as s:
        hook = s.get(NoticeHook, db.agency_id("police"))
        assert hook.url == "https://gaj.example.gov.cn/hook" and hook.secret in ok.text
    later = admin.get("/access/notices").text
    assert hook.secret not in later and "https://gaj.example.gov.cn/hook" in later


@pytest.mark.req("GD-31")
def test_reloading_after_setting_the_webhook_sets_nothing_and_shows_no_secret(db, signed_in):
    admin = signed_in("police_admin")
    posted = _post_hook(admin, admin.get("/access/notices").text,
                        "https://gaj.example.gov.cn/hook", follow_redirects=False)
    shown = admin.get(posted.headers["location"]).text
    with db.session() as s:
        secret = s.get(NoticeHook, db.agency_id("police")).secret
    assert secret in shown and _hook_events(db) == 1
    for _ in range(2):  # the browser's reload of the page it was sent to after the post
        again = admin.get(posted.headers["location"])
        assert again.status_code == 200 and secret not in again.text
        assert 'id="hook-secret"' not in again.text and "签名密钥已生成" in again.text
    with db.session() as s:  # the agency's system keeps verifying with the secret it was given
        assert s.get(NoticeHook, db.agency_id("police")).secret == secret
    assert _hook_events(db) == 1

