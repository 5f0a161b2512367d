"""The outbox sender against a real HTTP server started by the test, on both engines: signed
deliveries a receiver can verify, retries with backoff after a 500, giving up after
MAX_ATTEMPTS, and nothing sent before the writing transaction commits."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from govshare.db import reading
from govshare.kit import outbox
from govshare.kit.outbox_models import OutboxMessage

T0 = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
SECRET = "a3f1c0ffee"


class Receiver:
    """A webhook receiver: answers with the scripted statuses (then 200) and keeps what came."""

    def __init__(self, statuses=(), delay: float = 0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def _make(*statuses, delay=0.0):
        r = Receiver(statuses, delay)
        made.append(r)
        return r

    yield _make
    for r in made:
        r.close()


def queue(db, url: str, payload: dict | None = None, secret: str = SECRET) -> int:
    with db.session() as s:
        m = OutboxMessage(topic="access.notice", destination=url, secret=secret,
                          payload=payload or {"kind": "due_soon", "message": "共享申请 #1 还剩 3 个工作日"},
                          created_at=T0, next_attempt_at=T0)
        s.add(m)
        s.flush()
        return m.id


def message(db, mid: int) -> OutboxMessage:
    with db.session() as s:
        return s.get(OutboxMessage, mid)


def consumer_accepts(secret: str, headers: dict, body: bytes) -> bool:
    """What the agency's system does: HMAC-SM3 over the raw body, compared in constant time."""
    scheme, _, given = headers["x-govshare-signature"].partition("=")
    expected = hmac.new(secret.encode(), body, lambda: hashlib.new("sm3")).hexdigest()
    return scheme == "sm3-hmac" and hmac.compare_digest(expected, given)


def test_a_message_is_posted_signed_and_marked_sent(empty_db, receiver):
    r = receiver()
    mid = queue(empty_db, r.url)
    report = outbox.deliver_due(empty_db.sessions, now=T0)
    assert (report.sent, report.failed) == (1, 0)
    [(headers, body)] = r.received
    assert consumer_accepts(SECRET, headers, body)
    assert not consumer_accepts("another-secret", headers, body)
    assert not consumer_accepts(SECRET, headers, body.replace(b'"due_soon"', b'"due_today"'))
    assert headers["x-govshare-delivery"] == str(mid)
    assert headers["content-type"].startswith("application/json")
    sent = json.loads(body)
    assert sent["delivery_id"] == mid and sent["topic"] == "access.notice"
    assert sent["data"]["message"] == "共享申请 #1 还剩 3 个工作日"  # UTF-8, not \u escapes
    m = message(empty_db, mid)
    assert (m.sent_at, m.attempts, m.last_error) == (T0, 1, "")
    # Sent once: the next round has nothing to do.
    assert outbox.deliver_due(empty_db.sessions, now=T0 + timedelta(hours=2)).sent == 0
    assert len(r.received) == 1


def test_the_sender_module_verifies_like_a_consumer():
    body = b'{"a":1}'
    header = outbox.signature("k", body)
    assert header == "sm3-hmac=" + hmac.new(b"k", body, lambda: hashlib.new("sm3")).hexdigest()
    assert outbox.verify("k", body, header) and not outbox.verify("k", body + b" ", header)
    assert not outbox.verify("k", body, None)


def test_a_500_is_retried_after_the_backoff_then_sent(empty_db, receiver):
    r = receiver(500)
    mid = queue(empty_db, r.url)
    report = outbox.deliver_due(empty_db.sessions, now=T0)
    assert (report.sent, report.failed) == (0, 1)
    m = message(empty_db, mid)
    assert (m.sent_at, m.attempts) == (None, 1)
    assert m.last_error.startswith("HTTP 500")
    assert m.next_attempt_at == T0 + outbox.FIRST_RETRY
    # Not due before the backoff has passed.
    assert outbox.deliver_due(empty_db.sessions, now=T0 + timedelta(seconds=10)).sent == 0
    assert len(r.received) == 1
    report = outbox.deliver_due(empty_db.sessions, now=T0 + outbox.FIRST_RETRY)
    assert report.sent == 1
    m = message(empty_db, mid)
    assert (m.attempts, m.last_error, m.sent_at) == (2, "", T0 + outbox.FIRST_RETRY)
    # The receiver got the same delivery twice and can tell by its id.
    assert [h["x-govshare-delivery"] for h, _ in r.received] == [str(mid)] * 2
    assert r.received[0][1] == r.received[1][1]


def test_backoff_doubles_up_to_an_hour():
    delays = [outbox.retry_delay(n) for n in range(1, 11)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(delays) == timedelta(hours=1) and delays[-1] == timedelta(hours=1)
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))


def test_a_receiver_that_keeps_failing_is_given_up_with_its_last_error(empty_db, receiver):
    r = receiver(*([503] * outbox.MAX_ATTEMPTS))
    mid = queue(empty_db, r.url)
    at, given_up = T0, 0
    for _ in range(outbox.MAX_ATTEMPTS):
        report = outbox.deliver_due(empty_db.sessions, now=at)
        given_up += report.given_up
        at = message(empty_db, mid).next_attempt_at
    assert given_up == 1 and len(r.received) == outbox.MAX_ATTEMPTS
    m = message(empty_db, mid)
    assert (m.attempts, m.sent_at) == (outbox.MAX_ATTEMPTS, None)
    assert m.last_error.startswith("HTTP 503")
    later = outbox.deliver_due(empty_db.sessions, now=T0 + timedelta(days=30))
    assert later.sent == later.failed == 0 and len(r.received) == outbox.MAX_ATTEMPTS
    with empty_db.session() as s:
        assert outbox.pending(s) == 0


def test_an_unreachable_or_slow_receiver_counts_as_a_failed_attempt(empty_db, receiver):
    gone = receiver()
    gone.close()  # nothing listens on that port any more
    slow = receiver(delay=1.0)
    refused, timed_out = queue(empty_db, gone.url), queue(empty_db, slow.url)
    report = outbox.deliver_due(empty_db.sessions, now=T0, timeout=0.2)
    assert (report.sent, report.failed) == (0, 2)
    assert "Connect" in message(empty_db, refused).last_error
    assert "Timeout" in message(empty_db, timed_out).last_error


def test_nothing_is_sent_before_the_writing_transaction_commits(empty_db, receiver, engine_name):
    r = receiver()
    with empty_db.session() as s:
        s.add(OutboxMessage(topic="access.notice", destination=r.url, secret=SECRET,
                            payload={"kind": "due_today"}, created_at=T0, next_attempt_at=T0))
        s.flush()
        if engine_name == "postgresql":
            # The sender runs meanwhile: the message is not committed, so not there for it.
            assert outbox.deliver_due(empty_db.sessions, now=T0).sent == 0
        else:
            # SQLite: the sender would wait for this writer; a reader does not see the row.
            with reading(empty_db.engine).connect() as c:
                assert c.scalar(select(func.count(OutboxMessage.id))) == 0
    assert r.received == []
    assert outbox.deliver_due(empty_db.sessions, now=T0).sent == 1


def test_a_rolled_back_change_sends_nothing(empty_db, receiver):
    r = receiver()
    with pytest.raises(RuntimeError), empty_db.session() as s:
        s.add(OutboxMessage(topic="access.notice", destination=r.url, secret=SECRET,
                            payload={"kind": "due_today"}, created_at=T0, next_attempt_at=T0))
        s.flush()
        raise RuntimeError("the change failed")
    assert outbox.deliver_due(empty_db.sessions, now=T0).sent == 0
    assert r.received == []


def test_a_claimed_message_is_not_taken_by_a_second_sender(empty_db, receiver):
    r = receiver()
    mid = queue(empty_db, r.url)
    [claimed] = outbox.claim(empty_db.sessions, T0, 10)
    assert claimed.id == mid
    # Another sender, meanwhile: the lease keeps it away.
    assert outbox.claim(empty_db.sessions, T0 + timedelta(seconds=5), 10) == []
    # A sender that died leaves its claim to expire; the message is sent after all.
    assert outbox.deliver_due(empty_db.sessions, now=T0 + outbox.LEASE).sent == 1


def test_postgresql_senders_skip_a_message_another_holds(empty_db, receiver, engine_name):
    if engine_name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row another sender holds")
    r = receiver()
    held, free = queue(empty_db, r.url), queue(empty_db, r.url)
    with empty_db.session() as other:
        other.scalar(select(OutboxMessage).where(OutboxMessage.id == held).with_for_update())
        report = outbox.deliver_due(empty_db.sessions, now=T0)
    assert report.sent == 1
    assert [h["x-govshare-delivery"] for h, _ in r.received] == [str(free)]
