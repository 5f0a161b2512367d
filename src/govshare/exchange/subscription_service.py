"""Push subscriptions of the change feed (GD-16, GD-24): a consumer agency's system is sent the
changes of a hosted resource it holds a grant for, by webhook, through the outbox (kit.outbox:
signed with HMAC-SM3, retried with backoff, at least once).

- Created under the agency's grant in force (the changes are what that grant shows), with the
  purpose it serves (duty and case number, GD-24) and where it starts: from the beginning, from
  now, or after a cursor read from the pull feed. A signing secret is issued, shown once.
- The worker (`push`, every few seconds) turns each active subscription's new changes into one
  outbox message of at most `batch_size` changes and moves the cursor in the same transaction:
  exactly once into the outbox. The next batch waits until the previous one was delivered, so
  batches arrive in order. Every batch is a query-log line (kind `push`).
- It stops, saying why, when its grant is revoked, expires or is replaced, and when its receiver
  refused a batch until the outbox gave up; resuming puts that batch back.
- Creating, pausing, resuming, deleting and stopping are audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access.models import Grant
from govshare.access.rules import GrantStatus
from govshare.exchange import feed_policy as policy
from govshare.exchange import feed_service, query_log, query_service
from govshare.exchange.feed_events import (
    SubscriptionCreated,
    SubscriptionDeleted,
    SubscriptionPaused,
    SubscriptionResumed,
    SubscriptionStopped,
)
from govshare.exchange.feed_models import Subscription
from govshare.kit import clock, outbox
from govshare.kit.actor import SYSTEM, Actor
from govshare.kit.errors import Conflict, DomainError, InvalidInput, NotFound
from govshare.kit.outbox_models import OutboxMessage
from govshare.kit.system import system_use

TOPIC = "exchange.feed"
URL_MAX = 500
STARTS = ("beginning", "now")


@dataclass(frozen=True)
class Draft:
    resource_code: str
    url: str
    duty: str
    case_number: str
    start: str = "beginning"  # or "now"; a cursor overrides it
    cursor: str = ""
    batch_size: int = feed_service.DEFAULT_PAGE


def create(session: Session, actor: Actor, draft: Draft) -> tuple[Subscription, str]:
    """Subscribe the agency's system to the changes of a resource under its grant in force;
    returns the subscription and its signing secret (shown this once)."""
    policy.can_manage_subscriptions(actor)
    purpose = query_service.check_purpose(draft.duty, draft.case_number)
    url = outbox.check_webhook_url(draft.url, URL_MAX)
    size = feed_service.check_limit(draft.batch_size, "batch_size")
    use = feed_service.fresh_use(session, actor.agency_id, draft.resource_code)
    after = _start(session, use, draft)
    secret = secrets.token_hex(32)
    sub = Subscription(agency_id=use.agency_id, grant_id=use.grant_id, resource_code=use.resource_code,
                       url=url, secret=secret, duty=purpose.duty, case_number=purpose.case_number,
                       batch_size=size, cursor=after, active=True, stopped_reason="", failures=0,
                       last_error="", pushed_changes=0, created_by=actor.name[:64])
    session.add(sub)
    session.flush()
    evidence.record(session, SubscriptionCreated(
        agency_id=sub.agency_id, subscription_id=sub.id, grant_id=sub.grant_id,
        resource_code=sub.resource_code, url=url, duty=sub.duty, case_number=sub.case_number,
        cursor=after, batch_size=size), actor)
    return sub, secret


def _start(session: Session, use: query_service.GrantUse, draft: Draft) -> int:
    if draft.cursor.strip():
        return feed_service.decode_cursor(draft.cursor, use.grant_id)
    if draft.start not in STARTS:
        raise InvalidInput("起点应为 beginning（从头推送）或 now（只推送此后的变更）", field="start",
                           rule="choice")
    return 0 if draft.start == "beginning" else feed_service.latest_id(session, use)




def list_subscriptions(session: Session, actor: Actor) -> list[Subscription]:
    """The agency's subscriptions, newest first."""
    policy.can_read_subscriptions(actor)
    return list(session.scalars(select(Subscription).where(Subscription.agency_id == actor.agency_id)
                                .order_by(Subscription.id.desc())))


def get(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    """One of the agency's subscriptions (another agency's is not found)."""
    policy.can_read_subscriptions(actor)
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.agency_id != actor.agency_id:
        raise NotFound(f"本机关没有编号为 {subscription_id} 的变更订阅", code="no_subscription")
    return sub


def _own(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    sub = session.scalar(select(Subscription).where(Subscription.id == subscription_id)
                         .with_for_update())
    if sub is None or sub.agency_id != actor.agency_id:
        raise NotFound(f"本机关没有编号为 {subscription_id} 的变更订阅", code="no_subscription")
    return sub


def pause(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    """Stop pushing until resumed (a batch already handed to the outbox is still delivered)."""
    policy.can_manage_subscriptions(actor)
    sub = _own(session, actor, subscription_id)
    if not sub.active:
        raise Conflict(f"变更订阅 #{sub.id} 已暂停或已停止", code="subscription_state")
    sub.active, sub.stopped_reason, sub.updated_at = False, "已由本机关暂停", clock.now()
    session.flush()
    evidence.record(session, SubscriptionPaused(agency_id=sub.agency_id, subscription_id=sub.id), actor)
    return sub


def resume(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    """Push again from where it stopped, if its grant is still the one in force; a batch the
    outbox gave up on is put back first."""
    policy.can_manage_subscriptions(actor)
    sub = _own(session, actor, subscription_id)
    if sub.active:
        raise Conflict(f"变更订阅 #{sub.id} 正在推送，无需恢复", code="subscription_state")
    problem = grant_problem(session, sub)
    if problem:
        raise Conflict(f"变更订阅 #{sub.id} 不能恢复：{problem}", code="grant_not_in_force")
    rearmed = _rearm(session, sub)
    sub.active, sub.stopped_reason, sub.updated_at = True, "", clock.now()
    session.flush()
    evidence.record(session, SubscriptionResumed(agency_id=sub.agency_id, subscription_id=sub.id,
                                                 rearmed_message_id=rearmed), actor)
    return sub


def _rearm(session: Session, sub: Subscription) -> int | None:
    message = session.get(OutboxMessage, sub.pending_message_id) if sub.pending_message_id else None
    if message is None or message.sent_at is not None or message.attempts < outbox.MAX_ATTEMPTS:
        return None
    message.attempts, message.next_attempt_at = 0, clock.now()
    sub.failures = 0
    return message.id


def delete(session: Session, actor: Actor, subscription_id: int) -> None:
    """Delete the subscription (a batch already handed to the outbox may still arrive)."""
    policy.can_manage_subscriptions(actor)
    sub = _own(session, actor, subscription_id)
    evidence.record(session, SubscriptionDeleted(agency_id=sub.agency_id, subscription_id=sub.id,
                                                 cursor=sub.cursor), actor)
    session.delete(sub)
    session.flush()


# --- the worker ----------------------------------------------------------------------------

@system_use("a check of the subscription's own grant, for the worker and resume")
def grant_problem(session: Session, sub: Subscription) -> str:
    """Why the subscription's grant no longer lets it push ("" when it does)."""
    grant = session.get(Grant, sub.grant_id)
    today = clock.today()
    if grant is None:
        return f"授权 #{sub.grant_id} 已不存在"
    if grant.status == GrantStatus.REVOKED:
        return f"授权 #{grant.id} 已被撤销：{grant.revoke_reasons}"
    if grant.status == GrantStatus.EXPIRED or grant.valid_until < today:
        return f"授权 #{grant.id} 已于 {grant.valid_until.isoformat()} 到期"
    if grant.status != GrantStatus.ACTIVE:
        return f"授权 #{grant.id} 当前不可使用（{GrantStatus(grant.status).label}）"
    if grant.valid_from > today:
        return f"授权 #{grant.id} 自 {grant.valid_from.isoformat()} 起才生效"
    return ""


@system_use("the worker: lists what it will push; no data is read")
def active_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Subscription.id).where(Subscription.active.is_(True))
                                .order_by(Subscription.id)))


@dataclass(frozen=True)
class Pushed:
    changes: int = 0  # changes put into the outbox
    stopped: str = ""  # why it was stopped this round


@system_use("the worker pushes under the grant the subscription was made with, re-checked here")
def push(session: Session, subscription_id: int) -> Pushed:
    """One round of one subscription: check its grant and its batch in flight, then hand the next
    batch to the outbox and move the cursor, in the caller's one transaction."""
    sub = session.scalar(select(Subscription).where(Subscription.id == subscription_id,
                                                    Subscription.active.is_(True))
                         .with_for_update(skip_locked=True))
    if sub is None:  # paused meanwhile, or another worker holds it
        return Pushed()
    problem = grant_problem(session, sub) or _delivery_problem(session, sub)
    if problem:
        return _stop(session, sub, problem)
    if sub.pending_message_id is not None:
        return Pushed()  # the previous batch is still on its way
    try:
        use = feed_service.fresh_use(session, sub.agency_id, sub.resource_code)
    except DomainError as exc:
        return _stop(session, sub, exc.message)
    if use.grant_id != sub.grant_id:
        return _stop(session, sub, f"本机关该资源现用授权为 #{use.grant_id}，请在新授权下重新订阅")
    return _queue(session, sub, use)


def _delivery_problem(session: Session, sub: Subscription) -> str:
    """Follow the batch in flight: delivered → clear it; failing → count; given up → a problem."""
    if sub.pending_message_id is None:
        return ""
    message = session.get(OutboxMessage, sub.pending_message_id)
    if message is None or message.sent_at is not None:
        sub.pending_message_id, sub.failures, sub.last_error = None, 0, ""
        if message is not None:
            sub.last_delivered_at = message.sent_at
        return ""
    sub.failures, sub.last_error = message.attempts, message.last_error
    if message.attempts >= outbox.MAX_ATTEMPTS:
        return (f"推送地址连续 {message.attempts} 次未接收第 {message.id} 批变更"
                f"（{message.last_error[:200]}），请检查接收系统后恢复订阅")
    return ""


def _stop(session: Session, sub: Subscription, reason: str) -> Pushed:
    sub.active, sub.stopped_reason, sub.updated_at = False, reason, clock.now()
    session.flush()
    evidence.record(session, SubscriptionStopped(agency_id=sub.agency_id, subscription_id=sub.id,
                                                 grant_id=sub.grant_id, reason=reason), SYSTEM)
    return Pushed(stopped=reason)


def _queue(session: Session, sub: Subscription, use: query_service.GrantUse) -> Pushed:
    batch = feed_service.changes_after(session, use, sub.cursor, sub.batch_size)
    if not batch.changes:
        sub.cursor = batch.last_id  # versions outside the grant's scope: passed over, nothing sent
        return Pushed()
    at = clock.now()
    message = OutboxMessage(topic=TOPIC, destination=sub.url, secret=sub.secret,
                            payload=payload(sub, use, batch), created_at=at, next_attempt_at=at)
    session.add(message)
    session.flush()
    sub.cursor, sub.pending_message_id, sub.last_pushed_at = batch.last_id, message.id, at
    sub.pushed_changes += len(batch.changes)
    purpose = query_service.Purpose(sub.duty, sub.case_number)
    query_log.write(session, feed_service.log_line(use, purpose, batch.changes, at, "push", "system",
                                                   f"subscription:{sub.id}"))
    return Pushed(changes=len(batch.changes))


@system_use("formats a push body; reads nothing")
def payload(sub: Subscription, use: query_service.GrantUse, batch: feed_service.Batch) -> dict:
    """The `data` of the pushed message: the batch and the cursors around it."""
    return {"subscription_id": sub.id, "grant_id": use.grant_id, "resource_code": use.resource_code,
            "resource_name": use.resource_name, "duty": sub.duty, "case_number": sub.case_number,
            "after_cursor": feed_service.encode_cursor(use.grant_id, sub.cursor),
            "cursor": feed_service.encode_cursor(use.grant_id, batch.last_id), "more": batch.more,
            "items": list(use.clear), "masked_items": list(use.masked),
            "changes": [feed_service.change_json(c) for c in batch.changes]}

