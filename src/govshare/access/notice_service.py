"""Notices: an agency's in-app inbox, and the same notice pushed to its webhook through the
outbox (sent after commit by the worker), so nothing is sent for a change that rolled back."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import policy, workflow
from govshare.access.events import NoticeHookSet, NoticesRead
from govshare.access.models import Notice, NoticeHook
from govshare.kit import clock, outbox
from govshare.kit.actor import Actor
from govshare.kit.errors import NotFound
from govshare.kit.outbox_models import OutboxMessage
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use

TOPIC = "access.notice"
URL_MAX = 500  # the column's width

KIND_LABELS = {
    "request_received": "收到共享申请",
    "due_soon": "即将到期",
    "due_today": "今日到期",
    "overdue_escalated": "逾期未决定，已提请协调",
    "supply_overdue": "逾期未提供",
    "grant_revoked": "授权被撤销",
    "agreement_needed": "须签订保密协议",
    "leading_group_decided": "记录领导小组决定",
    "archive_due": "归档移交即将到期", "archive_due_soon": "归档移交期限临近", "archive_overdue": "归档移交已逾期",  # noqa: E501
}


@system_use("a notice kind's Chinese name: reads nothing")
def kind_label(kind: str) -> str:
    """The Chinese name of a notice kind: the sweep's and the grants' own, or the request
    state (`request_<status>`) or step (`step_<action>`) it reports."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    prefix, _, rest = kind.partition("_")
    if prefix == "request" and rest in workflow.STATUS_LABELS:
        return workflow.RequestStatus(rest).label
    if prefix == "step" and rest in workflow.ACTION_LABELS:
        return workflow.ACTION_LABELS[rest]
    return kind


@system_use("every step of a request tells the agencies concerned; it reveals nothing new to them")
def notify(session: Session, agency_id: int, kind: str, message: str, *,
           request_id: int | None = None, due_date: date | None = None) -> Notice | None:
    """Put a notice in the agency's inbox (once per request, kind and deadline) and queue it
    for the agency's webhook if one is set."""
    if due_date is not None and session.scalar(select(Notice.id).where(
            Notice.agency_id == agency_id, Notice.request_id == request_id, Notice.kind == kind,
            Notice.due_date == due_date)) is not None:
        return None
    notice = Notice(agency_id=agency_id, request_id=request_id, kind=kind, due_date=due_date,
                    message=message)
    session.add(notice)
    session.flush()
    hook = _hook(session, agency_id)
    if hook is not None:
        url, secret = hook
        session.add(OutboxMessage(topic=TOPIC, destination=url, secret=secret,
                                  payload=_payload(notice)))
    return notice


@contextmanager
@system_use("the sweep reads the webhooks once instead of once per notice; nothing is shown")
def hooks_read_once(session: Session) -> Iterator[None]:
    """Within the block `notify` takes the agencies' webhooks from one read, not a query per
    notice (the sweep notifies many; no webhook changes in its transaction)."""
    session.info[_HOOKS] = {h.agency_id: (h.url, h.secret) for h in session.scalars(
        select(NoticeHook).where(NoticeHook.active.is_(True)))}
    try:
        yield
    finally:
        session.info.pop(_HOOKS, None)


_HOOKS = "govshare.access.notice_hooks"


def _hook(session: Session, agency_id: int) -> tuple[str, str] | None:
    cached = session.info.get(_HOOKS)
    if cached is not None:
        return cached.get(agency_id)
    hook = session.get(NoticeHook, agency_id)
    return (hook.url, hook.secret) if hook is not None and hook.active else None


@system_use("the deadline sweep queues the notices it inserted in bulk for the agencies' webhooks")
def queue_for_hooks(session: Session, *, after_id: int, kinds: Iterable[str]) -> int:
    """Queue for its agency's webhook every notice of these kinds inserted after `after_id`
    (what the sweep wrote with INSERT … SELECT, which `notify` did not see)."""
    found = session.execute(
        select(Notice, NoticeHook.url, NoticeHook.secret)
        .join(NoticeHook, NoticeHook.agency_id == Notice.agency_id)
        .where(NoticeHook.active.is_(True), Notice.id > after_id, Notice.kind.in_(list(kinds)))
        .order_by(Notice.id)).all()
    if not found:
        return 0
    stamp = clock.now()
    session.execute(insert(OutboxMessage), [
        {"topic": TOPIC, "destination": url, "secret": secret, "payload": _payload(notice),
         "created_at": stamp, "next_attempt_at": stamp, "attempts": 0, "last_error": ""}
        for notice, url, secret in found])
    return len(found)


# --- the inbox ----------------------------------------------------------------------------------

def list_notices(session: Session, actor: Actor, page: PageRequest, *,
                 unread_only: bool = False) -> Page[Notice]:
    """The actor's agency's notices: unread first, newest first within each."""
    policy.can_read_notices(actor, actor.agency_id)
    stmt = select(Notice).where(Notice.agency_id == actor.agency_id)
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    stmt = stmt.order_by(case((Notice.read_at.is_(None), 0), else_=1), Notice.id.desc())
    return paginate(session, stmt, page)


def unread_count(session: Session, actor: Actor) -> int:
    policy.can_read_notices(actor, actor.agency_id)
    return session.scalar(select(func.count(Notice.id)).where(
        Notice.agency_id == actor.agency_id, Notice.read_at.is_(None))) or 0


def get_notice(session: Session, actor: Actor, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.agency_id != actor.agency_id:
        raise NotFound(f"没有找到编号为 {notice_id} 的提醒")
    policy.can_read_notices(actor, notice.agency_id)
    return notice


def mark_read(session: Session, actor: Actor, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the agency's unread notices read: the ones named, or all (`None`). Another agency's
    notice is not touched. Returns how many were unread and are now read."""
    policy.can_read_notices(actor, actor.agency_id)
    where = [Notice.agency_id == actor.agency_id, Notice.read_at.is_(None)]
    if notice_ids is not None:
        ids = sorted({int(i) for i in notice_ids})
        if not ids:
            return 0
        where.append(Notice.id.in_(ids))
    ids = list(session.scalars(select(Notice.id).where(*where).order_by(Notice.id)))
    if not ids:
        return 0
    session.execute(update(Notice).where(Notice.id.in_(ids)).values(read_at=clock.now()),
                    execution_options={"synchronize_session": "fetch"})
    evidence.record(session, NoticesRead(agency_id=actor.agency_id, notice_ids=ids), actor)
    return len(ids)


# --- the webhook --------------------------------------------------------------------------------

def get_hook(session: Session, actor: Actor) -> NoticeHook | None:
    """The actor's agency's webhook, if it has one (the secret is never shown again)."""
    policy.can_read_notices(actor, actor.agency_id)
    return session.get(NoticeHook, actor.agency_id)


def set_hook(session: Session, actor: Actor, url: str, active: bool = True) -> tuple[NoticeHook, str]:
    """Set where the agency's notices are pushed; every setting issues a new signing secret,
    returned once (the agency's system verifies X-Govshare-Signature with it)."""
    policy.can_set_notice_hook(actor, actor.agency_id)
    url = outbox.check_webhook_url(url, URL_MAX)
    secret = secrets.token_hex(32)
    hook = session.get(NoticeHook, actor.agency_id)
    if hook is None:
        hook = NoticeHook(agency_id=actor.agency_id)
        session.add(hook)
    hook.url, hook.secret, hook.active = url, secret, bool(active)
    session.flush()
    evidence.record(session, NoticeHookSet(agency_id=actor.agency_id, url=url,
                                           active=hook.active), actor)
    return hook, secret


def _payload(notice: Notice) -> dict:
    return {"notice_id": notice.id, "agency_id": notice.agency_id, "kind": notice.kind,
            "request_id": notice.request_id, "message": notice.message,
            "due_date": notice.due_date.isoformat() if notice.due_date else None}
