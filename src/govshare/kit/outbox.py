"""The outbox sender: delivers the messages a committed transaction left in `kit_outbox`.

Never inside a request: the worker calls `deliver_due` with a session factory, and each message
goes out only after the transaction that wrote it committed (an uncommitted or rolled-back one
is invisible here). Three short transactions, none held open while the network is used:
1. claim the due messages (FOR UPDATE SKIP LOCKED on PostgreSQL, so two senders never take the
   same one; SQLite writers are one at a time) and lease them for LEASE;
2. POST each one's JSON body, signed: `X-Govshare-Signature: sm3-hmac=<hex>` is HMAC-SM3 of the
   exact body bytes under the destination's secret, `X-Govshare-Delivery: <id>` lets the
   receiver drop a repeat (delivery is at least once: a sender that dies mid-way leaves its
   claim to expire and the message is sent again);
3. record each result: sent, or the attempt counted, the error kept and the next attempt put
   off with exponential backoff (capped at an hour); after MAX_ATTEMPTS it is given up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from govshare.db import unit_of_work
from govshare.kit import clock
from govshare.kit.errors import InvalidInput
from govshare.kit.outbox_models import OutboxMessage

log = logging.getLogger("govshare.outbox")

SIGNATURE_HEADER = "X-Govshare-Signature"
DELIVERY_HEADER = "X-Govshare-Delivery"
TOPIC_HEADER = "X-Govshare-Topic"
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
TIMEOUT = 10.0  # seconds for one POST
BATCH = 100
LEASE = timedelta(seconds=TIMEOUT * BATCH + 60)  # a claim outlasts a whole batch of timeouts
ERROR_MAX = 500


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, detached from its session while it is on the wire."""

    id: int
    topic: str
    destination: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # will be tried again
    given_up: int = 0  # failed for the last time

    @property
    def summary(self) -> str:
        return f"推送成功 {self.sent} 条，失败待重试 {self.failed} 条，放弃 {self.given_up} 条"


def body_of(message: OutboxMessage) -> bytes:
    """The exact bytes sent and signed: compact UTF-8 JSON with sorted keys."""
    envelope = {"delivery_id": message.id, "topic": message.topic,
                "created_at": message.created_at.isoformat(), "data": message.payload}
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The header value: `sm3-hmac=` and HMAC-SM3 (GB/T 32905) of the body, in hex."""
    digest = hmac.new(secret.encode("utf-8"), body, lambda: hashlib.new("sm3")).hexdigest()
    return f"sm3-hmac={digest}"


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    return header is not None and hmac.compare_digest(signature(secret, body), header)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min … capped at 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def deliver_due(session_factory: sessionmaker[Session], *, now: datetime | None = None,
                client: httpx.Client | None = None, limit: int = BATCH,
                timeout: float = TIMEOUT) -> DeliveryReport:
    """Send the messages that are due, at most `limit`; `now` fixes the clock (tests)."""
    at = now or clock.now()
    batch = claim(session_factory, at, limit)
    if not batch:
        return DeliveryReport()
    own_client = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        results = [(m, _post(client, m, timeout)) for m in batch]
    finally:
        if own_client:
            client.close()
    return _record(session_factory, results, now)


def claim(session_factory: sessionmaker[Session], at: datetime, limit: int) -> list[Outgoing]:
    """Take the due, unsent messages (oldest due first) and lease them for LEASE."""
    with unit_of_work(session_factory) as session:
        messages = list(session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= at,
                   OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit).with_for_update(skip_locked=True)))
        for m in messages:
            m.next_attempt_at = at + LEASE
        return [Outgoing(m.id, m.topic, m.destination, m.secret, body_of(m)) for m in messages]


def pending(session: Session) -> int:
    """Messages still to be sent (not given up)."""
    return session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)) or 0


def _post(client: httpx.Client, message: Outgoing, timeout: float) -> str | None:
    """POST one message; None when the receiver took it (2xx), else what went wrong."""
    headers = {"Content-Type": "application/json; charset=utf-8",
               DELIVERY_HEADER: str(message.id), TOPIC_HEADER: message.topic,
               "User-Agent": "govshare-outbox"}
    if message.secret:
        headers[SIGNATURE_HEADER] = signature(message.secret, message.body)
    try:
        response = client.post(message.destination, content=message.body, headers=headers,
                               timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:ERROR_MAX] or type(exc).__name__
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"[:ERROR_MAX]


def _record(session_factory: sessionmaker[Session], results: list[tuple[Outgoing, str | None]],
            now: datetime | None) -> DeliveryReport:
    sent = failed = given_up = 0
    with unit_of_work(session_factory) as session:
        at = now or clock.now()
        for outgoing, error in results:
            message = session.get(OutboxMessage, outgoing.id)
            message.attempts += 1
            if error is None:
                message.sent_at, message.last_error = at, ""
                sent += 1
                continue
            message.last_error = error
            if message.attempts >= MAX_ATTEMPTS:
                given_up += 1
                log.warning("outbox message %s given up after %s attempts: %s", message.id,
                            message.attempts, error)
            else:
                message.next_attempt_at = at + retry_delay(message.attempts)
                failed += 1
    return DeliveryReport(sent=sent, failed=failed, given_up=given_up)


def check_webhook_url(url: str | None, max_length: int = 500) -> str:
    """A webhook address an agency gives: http(s), with a host, no credentials in it (the
    receiver checks the signature header instead), at most `max_length` characters."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("请填写推送地址", field="url", rule="required")
    if len(url) > max_length:
        raise InvalidInput(f"推送地址不能超过 {max_length} 个字符", field="url", rule="max_length")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("推送地址应以 http:// 或 https:// 开头，并写明主机", field="url", rule="url")
    if parts.username or parts.password:
        raise InvalidInput("推送地址中不能含用户名或密码；请用签名密钥核验来源", field="url", rule="url")
    return url
