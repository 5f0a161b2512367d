"""Push subscriptions of the change feed against a real webhook receiver on loopback, on SQLite and
PostgreSQL: the worker's job turns new changes into signed outbox batches and moves the cursor in
the same transaction (exactly once into the outbox), the receiver checks the HMAC-SM3 signature,
a refused batch is retried after the backoff and the next batch waits for it (GD-16); each push
is logged with the subscription's purpose (GD-24) and shows only the grant's division (GZ-21);
a revoked grant stops the subscription and says why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govshare.access import grant_service
from govshare.evidence.models import AuditEvent
from govshare.exchange import query_service, subscription_service, tasks
from govshare.exchange.feed_models import Subscription
from govshare.exchange.models import Record
from govshare.exchange.query_models import QueryLogEntry
from govshare.exchange.subscription_service import Draft
from govshare.kit import clock, outbox
from govshare.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from govshare.kit.outbox_models import OutboxMessage
from govshare.worker import JOBS, Worker
from tests.exchange.helpers import HOUSEHOLD, PERSONS, actor, code_of, person
from tests.exchange.test_query_service import DUTY, grant, load
from tests.kit.test_outbox import Receiver, consumer_accepts

SYNC_CASE = "TB-2026-库表同步-001"


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


@pytest.fixture
def receiver():
    made = []

    def _make(*statuses):
        r = Receiver(statuses)
        made.append(r)
        return r

    yield _make
    for r in made:
        r.close()


def subscribe(db, username="civil_admin", url="http://127.0.0.1:9/hook", **kw):
    with db.session() as s:
        draft = Draft(code_of(s, HOUSEHOLD), url, kw.pop("duty", DUTY), kw.pop("case", SYNC_CASE), **kw)
        sub, secret = subscription_service.create(s, actor(s, username), draft)
        return sub.id, secret


def push(db) -> str | None:
    return tasks.push_subscriptions(db.sessions, None, clock.today())


def deliver(db, at=None):
    return outbox.deliver_due(db.sessions, now=at or clock.now())


def sub_of(db, sid) -> Subscription:
    with db.session() as s:
        return s.get(Subscription, sid)


def messages(db) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "exchange.feed")
                              .order_by(OutboxMessage.id)))


def events(db, kind) -> list[dict]:
    with db.session() as s:
        found = s.scalars(select(AuditEvent).where(AuditEvent.event_type == kind))
        return [json.loads(e.payload) for e in found]


@pytest.mark.req("GD-16")
@pytest.mark.req("GD-24")
def test_changes_are_pushed_signed_in_order_and_a_refused_batch_is_retried(db, receiver):
    load(db, [person(i) for i in range(5)])
    g = grant(db, "civil_clerk")
    r = receiver(500)  # the receiving system is down for the first attempt
    sid, secret = subscribe(db, url=r.url, batch_size=2)
    assert push(db) == "变更订阅：1 个订阅共 2 条变更交付推送，停止 0 个订阅"
    [first] = messages(db)
    s = sub_of(db, sid)
    # The batch went into the outbox and the cursor moved in the same transaction.
    assert (s.pending_message_id, s.pushed_changes) == (first.id, 2)
    assert first.payload["changes"][1]["version_id"] == s.cursor
    assert push(db) is None and len(messages(db)) == 1  # the next batch waits for this one

    t0 = clock.now()
    assert deliver(db, t0).failed == 1
    push(db)
    s = sub_of(db, sid)
    assert (s.failures, s.last_error[:8], len(messages(db))) == (1, "HTTP 500", 1)
    assert deliver(db, t0 + outbox.FIRST_RETRY).sent == 1  # retried after the backoff
    for _ in range(3):
        push(db)
        deliver(db, t0 + timedelta(minutes=5))
    received = [json.loads(body) for _, body in r.received]
    assert all(consumer_accepts(secret, h, body) for h, body in r.received)
    assert not consumer_accepts("another-secret", *r.received[-1])
    # The retry is the same delivery; batches arrive in order, every version exactly once.
    assert received[0] == received[1] and r.received[0][0]["x-govshare-delivery"] == str(first.id)
    batches = [m["data"] for m in received[1:]]
    versions = [c["version_id"] for b in batches for c in b["changes"]]
    assert versions == sorted(versions) and len(versions) == 5 == len(set(versions))
    assert [len(b["changes"]) for b in batches] == [2, 2, 1] and batches[-1]["more"] is False
    assert batches[0]["cursor"] == batches[1]["after_cursor"]
    change = batches[0]["changes"][0]
    assert change["subject"] == PERSONS[0].id_number and change["change"] == "upsert"
    assert change["data"]["户籍地址"].startswith("广州市天河区*")
    assert change["masked"] == ["户籍地址", "户主关系"]
    assert received[1]["topic"] == "exchange.feed" and batches[0]["grant_id"] == g.id
    # Nothing new: no message. Each batch is a query-log line with the subscription's purpose.
    assert push(db) is None and len(messages(db)) == 3
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).where(QueryLogEntry.kind == "push")))
    assert [(x.duty, x.case_number, x.actor, x.row_count) for x in lines] == [
        (DUTY, SYNC_CASE, f"subscription:{sid}", n) for n in (2, 2, 1)]
    assert sub_of(db, sid).last_delivered_at is not None
    # A later load is pushed on the next round.
    load(db, [person(9)])
    push(db)
    assert messages(db)[-1].payload["changes"][0]["subject"] == PERSONS[9].id_number


@pytest.mark.req("GZ-21")
def test_a_district_subscription_pushes_only_its_division(db, receiver):
    load(db, [person(0, _division_code="440106"), person(1, _division_code="440104")])
    grant(db, "tianhe_civil_clerk")
    r = receiver()
    sid, _ = subscribe(db, "tianhe_civil_admin", r.url)
    push(db)
    deliver(db)
    [(_, body)] = r.received
    assert [c["subject"] for c in json.loads(body)["data"]["changes"]] == [PERSONS[0].id_number]
    load(db, [person(1, _division_code="440104")])  # another division only: nothing to send
    push(db)
    assert len(messages(db)) == 1
    with db.session() as s:
        assert sub_of(db, sid).cursor == s.scalar(select(func.max(Record.id)))


@pytest.mark.req("GZ-18")
def test_a_revoked_grant_stops_the_subscription_saying_why(db):
    load(db, [person(0)])
    g = grant(db, "civil_clerk")
    sid, _ = subscribe(db)
    with db.session() as s:
        grant_service.revoke_grant(s, actor(s, "police_admin"), g.id, "职责调整")
    load(db, [person(1)])
    assert "停止 1 个" in push(db)
    s = sub_of(db, sid)
    assert not s.active and f"授权 #{g.id} 已被撤销：职责调整" == s.stopped_reason
    assert messages(db) == []  # nothing of the grant revoked went out
    [stopped] = events(db, "SubscriptionStopped")
    assert (stopped["subscription_id"], stopped["reason"]) == (sid, s.stopped_reason)
    with db.session() as s, pytest.raises(Conflict) as err:
        subscription_service.resume(s, actor(s, "civil_admin"), sid)
    assert err.value.code == "grant_not_in_force"


def test_a_receiver_that_never_takes_a_batch_stops_the_subscription_until_resumed(db, receiver):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    r = receiver(*([503] * outbox.MAX_ATTEMPTS))
    sid, _ = subscribe(db, url=r.url)
    push(db)
    at = clock.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        deliver(db, at)
        at = messages(db)[0].next_attempt_at
    assert "停止 1 个" in push(db)
    s = sub_of(db, sid)
    assert not s.active and "10 次未接收" in s.stopped_reason and s.failures == outbox.MAX_ATTEMPTS
    with db.session() as session:
        subscription_service.resume(session, actor(session, "civil_admin"), sid)
    [resumed] = events(db, "SubscriptionResumed")
    assert resumed["rearmed_message_id"] == messages(db)[0].id
    assert deliver(db).sent == 1  # the same batch, delivered at last
    assert len(r.received) == outbox.MAX_ATTEMPTS + 1


@pytest.mark.req("GD-24")
def test_creating_requires_purpose_a_grant_and_an_administrator(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with pytest.raises(InvalidInput) as err:
        subscribe(db, case="")
    assert (err.value.field, err.value.rule) == ("case_number", "required")
    with pytest.raises(InvalidInput) as err:
        subscribe(db, url="ftp://example.org/x")
    assert err.value.field == "url"
    with pytest.raises(Forbidden) as err:
        subscribe(db, "civil_clerk")  # a clerk reads the feed; the agency's administrator subscribes
    assert err.value.code == "not_agency_admin"
    with pytest.raises(Forbidden) as err:
        subscribe(db, "police_admin")  # the provider holds no grant
    assert err.value.code == "no_grant"
    assert events(db, "SubscriptionCreated") == []


def test_pausing_and_deleting_are_audited_and_only_by_the_agency(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    sid, secret = subscribe(db, start="now")
    assert sub_of(db, sid).cursor > 0 and len(secret) == 64
    [created] = events(db, "SubscriptionCreated")
    assert secret not in json.dumps(created, ensure_ascii=False) and created["case_number"] == SYNC_CASE
    with db.session() as s, pytest.raises(NotFound):
        subscription_service.pause(s, actor(s, "police_admin"), sid)
    with db.session() as s:
        subscription_service.pause(s, actor(s, "civil_admin"), sid)
    load(db, [person(1)])
    push(db)
    assert messages(db) == [] and sub_of(db, sid).stopped_reason == "已由本机关暂停"
    with db.session() as s:
        subscription_service.delete(s, actor(s, "civil_admin"), sid)
    assert sub_of(db, sid) is None
    assert [len(events(db, k)) for k in ("SubscriptionPaused", "SubscriptionDeleted")] == [1, 1]


def test_a_subscription_another_worker_holds_is_skipped(db, engine_name):
    if engine_name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row is held by another worker")
    load(db, [person(0)])
    grant(db, "civil_clerk")
    sid, _ = subscribe(db)
    with db.session() as other:
        other.scalar(select(Subscription).where(Subscription.id == sid).with_for_update())
        assert push(db) is None
    push(db)
    assert len(messages(db)) == 1


def test_the_worker_runs_the_push_job_then_delivers(db, receiver):
    assert any(j.run is tasks.push_subscriptions for j in JOBS)
    load(db, [person(0)])
    grant(db, "civil_clerk")
    r = receiver()
    subscribe(db, url=r.url)
    said: list[str] = []
    worker = Worker(db.sessions, report=said.append)
    worker.run_jobs(force=True)
    worker.deliver()
    assert len(r.received) == 1 and any("变更订阅" in line for line in said)

