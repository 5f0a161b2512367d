"""The exchange's periodic work for the worker (`govshare.worker.JOBS`): push the new changes of
every active subscription into the outbox, each subscription in a transaction of its own so that
one failing subscription delays no other."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare.config import Settings
from govshare.db import unit_of_work
from govshare.exchange import subscription_service

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
