"""The exchange's periodic work for the worker (`govshare.worker.JOBS`): push the new changes of
every active subscription into the outbox, each subscription in a transaction of its own so that
one failing subscription delays no other; and once a day make sure the query log's monthly
partitions exist for this month and the next two, so the query path finds them made."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare.config import Settings
from govshare.db import unit_of_work
from govshare.exchange import query_log, subscription_service

log = logging.getLogger("govshare.exchange.tasks")
PUSH_EVERY = 5.0  # seconds between rounds


def push_subscriptions(sessions: sessionmaker[Session], settings: Settings, today: date) -> str | None:
    """One round over the active subscriptions; a line for the log when something was pushed or
    stopped."""
    with unit_of_work(sessions) as session:
        ids = subscription_service.active_ids(session)
    changes = batches = stopped = 0
    for subscription_id in ids:
        try:
            with unit_of_work(sessions) as session:
                pushed = subscription_service.push(session, subscription_id)
        except Exception:  # noqa: BLE001 - one subscription's failure must not stop the others
            log.exception("change feed push of subscription %s failed; next round tries again",
                          subscription_id)
            continue
        changes += pushed.changes
        batches += bool(pushed.changes)
        stopped += bool(pushed.stopped)
    if not (batches or stopped):
        return None
    return f"变更订阅：{batches} 个订阅共 {changes} 条变更交付推送，停止 {stopped} 个订阅"


def ensure_log_partitions(sessions: sessionmaker[Session], settings: Settings, today: date) -> str | None:
    """Daily: the query log's partitions of this month and the next two (PostgreSQL; nothing to do
    on SQLite). Each process also makes sure before its first line of a month, but that costs the
    first query of the month a round trip on a connection of its own; this makes them ahead."""
    with unit_of_work(sessions) as session:
        created = query_log.ensure_partitions(session.connection(), today.replace(day=1))
    if not created:
        return None
    return f"查询日志：新建 {created} 个月分区（{today:%Y-%m} 起 {query_log.MONTHS_AHEAD} 个月内）"
