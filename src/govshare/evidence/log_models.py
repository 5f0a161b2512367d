"""The receipt log's tables: RFC 9162 leaves (append-only), the log's head, signed tree heads
(append-only) and their RFC 3161 time stamps (append-only). Migration 0008 adds the triggers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.types import BigId, UtcDateTime


class LogLeaf(Base):
    """One entry of the log: its RFC 9162 leaf hash, SM3(0x00 || data). The data itself is kept
    here only for entries the log owns (audit checkpoints); a snapshot keeps its own bytes."""

    __tablename__ = "evidence_log_leaf"
    # The newest checkpoint is looked up by kind, newest first, once per tree head (every second).
    __table_args__ = (Index(None, "kind", "leaf_index"),)

    leaf_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str | None] = mapped_column(Text)  # RFC 8785 JSON, when kept
    appended_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LogHead(Base):
    """How many leaves the log holds. Writers lock this row, so leaf indexes never fork, and a
    leaf cut from the end is still noticed."""

    __tablename__ = "evidence_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class TreeHead(Base):
    """A signed tree head: the platform key's signature over the RFC 8785 JSON of
    {root_hash, timestamp, tree_size} (merkle.SignedTreeHead)."""

    __tablename__ = "evidence_tree_head"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp: Mapped[int] = mapped_column(BigInteger)  # ms since 1970 UTC, as signed
    key_id: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TreeHeadTimestamp(Base):
    """An RFC 3161 time-stamp token over a tree head's signed bytes, from the configured TSA."""

    __tablename__ = "evidence_tree_head_timestamp"

    tree_head_id: Mapped[int] = mapped_column(ForeignKey("evidence_tree_head.id"), primary_key=True)
    tsa_url: Mapped[str] = mapped_column(String(500))
    token: Mapped[bytes] = mapped_column(LargeBinary)  # DER TimeStampToken (CMS SignedData)
    gen_time: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
