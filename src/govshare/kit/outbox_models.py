"""The outbox: outbound work (webhooks, later federation pushes) written in the same transaction
as the change that causes it, and sent after commit by the worker, with retries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class OutboxMessage(Base):
    __tablename__ = "kit_outbox"
    # The sender picks the unsent messages that are due, oldest first.
    __table_args__ = (Index("ix_kit_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))  # e.g. "access.notice"
    destination: Mapped[str] = mapped_column(String(500))  # the URL it goes to
    secret: Mapped[str] = mapped_column(String(128), default="")  # signs the body (HMAC-SM3)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
