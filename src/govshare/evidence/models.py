from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.types import BigId, UtcDateTime


class AuditEvent(Base):
    """One state change, past tense, chained by SM3 to the row before it. Never updated."""

    __tablename__ = "evidence_audit_event"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[str] = mapped_column(Text)  # RFC 8785 canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The last sequence number and hash. Writers lock this row, so appends are serialised and
    a row deleted from the end of the chain is still noticed."""

    __tablename__ = "evidence_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
