"""The query log (GD-24, GZ-25): one row per consumer query or verification, written in the same
transaction as the answer by one plain INSERT (`query_log.write`), read by the agency's log page.

Built for billions of rows. On PostgreSQL the table is partitioned by month on `queried_at`
(declarative RANGE partitioning, migration 0007); the partitions live in the schema
`govshare_partitions`, are created ahead by the SQL function
`exchange_query_log_ensure_partitions(month, count)` (the query path calls it once per process
and month, the worker may call it daily), and an old month is dropped or archived by detaching
one partition. The primary key there is (id, queried_at), as PostgreSQL requires the partition
key in it; on SQLite it is a plain table with `id` alone. No foreign keys: a log row outlives
grants and clients, and a trigger per insert is not worth it.

Subjects are stored as SM3 digests of the normalised identifiers, never in clear: the log of a
province is the largest table of the platform and copied to backups and replicas, and it must not
become a second register of who was looked up. An auditor answering "who queried this citizen"
hashes the citizen's normalised identifier and searches for the digest (the same digest
`query_log.subject_digest` computes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.types import BigId, UtcDateTime

PARTITION_SCHEMA = "govshare_partitions"


class QueryLogEntry(Base):
    """One query (kind `query`) or verification (kind `verify`) by a consumer agency."""

    __tablename__ = "exchange_query_log"
    __table_args__ = (
        Index("ix_exchange_query_log_agency", "agency_id", "id"),
        Index("ix_exchange_query_log_provider", "provider_agency_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    queried_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the partition key
    kind: Mapped[str] = mapped_column(String(8))  # query, verify
    agency_id: Mapped[int] = mapped_column(Integer)  # the consumer agency
    provider_agency_id: Mapped[int] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(8))  # user, client
    actor: Mapped[str] = mapped_column(String(64))  # username, or the API client's name
    grant_id: Mapped[int] = mapped_column(Integer)
    resource_code: Mapped[str] = mapped_column(String(32))
    division_code: Mapped[str | None] = mapped_column(String(6))  # the grant's division (GZ-21)
    duty: Mapped[str] = mapped_column(String(200))  # purpose: the duty (GD-24)
    case_number: Mapped[str] = mapped_column(String(64))  # purpose: the case (GD-24)
    as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)
    subject_count: Mapped[int] = mapped_column(Integer)
    subjects: Mapped[str] = mapped_column(Text)  # SM3 hex digests, space-separated
    items: Mapped[str] = mapped_column(Text)  # item names disclosed, joined by "、"
    row_count: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[str] = mapped_column(Text)  # record versions returned, space-separated
    outcome: Mapped[str] = mapped_column(String(8))  # rows, yes, no
