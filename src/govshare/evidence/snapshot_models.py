"""Data snapshots (GZ-23): what a licence or document query returned, stored append-only as the
exact RFC 8785 bytes that become a leaf of the receipt log, with their RFC 9162 leaf hash computed
as the snapshot is taken (the worker appends the hash and never reads the bytes again). Migration
0011 adds the triggers: no DELETE, and no UPDATE except setting `leaf_index` once, when the worker
appends the snapshot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.types import BigId, UtcDateTime

_PENDING = text("leaf_index IS NULL")


class Snapshot(Base):
    """One snapshot: the columns auditors search by, and `data`, the leaf's bytes as UTF-8."""

    __tablename__ = "evidence_snapshot"
    __table_args__ = (
        Index(None, "agency_id", "taken_at"),
        Index(None, "actor", "taken_at"),
        Index(None, "resource_code", "taken_at"),
        Index(None, "taken_at"),
        # The worker's "not yet in the log" lookup, every second: only the pending rows.
        Index("ix_evidence_snapshot_pending", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))  # query, verify, api
    agency_id: Mapped[int] = mapped_column(Integer)  # the requesting agency
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, api_client
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))  # `user:7 钱办事`
    resource_code: Mapped[str] = mapped_column(String(64))
    grant_id: Mapped[int | None] = mapped_column(Integer)
    case_number: Mapped[str] = mapped_column(String(64))
    query_log_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)  # RFC 8785 JSON: the leaf's data, exactly
    # SM3(0x00 || data), RFC 9162: what the worker appends to the log. The log's own leaf row is
    # what proofs are computed from; evidence_for_leaf checks it against `data` before any file.
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf_index: Mapped[int | None] = mapped_column(BigInteger)  # set once, by the worker


class SnapshotSubject(Base):
    """The subjects a snapshot concerns, as SM3 digests of the normalised identifiers (as the
    query log keeps them): "which snapshots name this citizen?" without an index of IDs in clear."""

    __tablename__ = "evidence_snapshot_subject"
    __table_args__ = (Index(None, "subject_digest", "snapshot_id"),)

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("evidence_snapshot.id"), primary_key=True)
    subject_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
