"""Push subscriptions of the change feed (库表 synchronisation, GD-16): a consumer agency's system
asks the platform to push the changes of a hosted resource it holds a grant for to a webhook.

`exchange_subscription`: one row per subscription, bound to the grant it was created under (the
changes are what that grant shows; when the grant is revoked or expires, the subscription stops
and says why in `stopped_reason`). `cursor` is the last record version handed to the outbox:
the worker moves it in the same transaction as it writes the outbox message, so each change goes
into the outbox exactly once. `pending_message_id` is that message: the next batch is written
only once it has been delivered, so batches arrive in order and a failing receiver is not
flooded. The signing secret is kept like the notice webhook's (never shown again)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import BigId, UtcDateTime


class Subscription(Base):
    """A push subscription of one agency to the changes of one hosted resource under a grant."""

    __tablename__ = "exchange_subscription"
    # The worker picks the active ones; an agency lists its own.
    __table_args__ = (Index("ix_exchange_subscription_active", "active", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)  # consumer
    grant_id: Mapped[int] = mapped_column(ForeignKey("access_grant.id"), index=True)
    resource_code: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500))  # the webhook, POSTed to
    secret: Mapped[str] = mapped_column(String(128))  # signs the body (HMAC-SM3)
    duty: Mapped[str] = mapped_column(String(200))  # the purpose it serves (GD-24)
    case_number: Mapped[str] = mapped_column(String(64))
    batch_size: Mapped[int] = mapped_column(Integer, default=100)  # changes per message at most
    cursor: Mapped[int] = mapped_column(BigId, default=0)  # last record id put into the outbox
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stopped_reason: Mapped[str] = mapped_column(Text, default="")  # why it is not active
    pending_message_id: Mapped[int | None] = mapped_column(Integer)  # outbox message in flight
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed attempts of that message
    last_error: Mapped[str] = mapped_column(Text, default="")
    pushed_changes: Mapped[int] = mapped_column(BigId, default=0)  # changes put into the outbox
    last_pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # last batch queued
    last_delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # last batch taken
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
