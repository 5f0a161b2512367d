"""Hosted libraries (库表, GD-16): the records of a catalog resource that its provider keeps on the
platform, keyed by subject (GZ-16), every write a new version (history kept, reads "as of" a time),
each version carrying when the provider produced it and when the platform loaded it (GZ-17).

`exchange_record` is append-only. The current version of a subject is the one with the highest
id: the index (library_id, subject, id) answers "current" and "as of" alike with one descent, at
100 thousand records or 10 million (see docs/exchange.md for the measured ratio). No foreign keys
on it: PostgreSQL checks them with a trigger per row, which would halve the ingest rate; the only
writer is `ingest_service`, which takes the library's lock and writes the load row first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import BigId, UtcDateTime


class Library(Base):
    """One hosted resource (托管库): created by its first load; its row is the load lock, and keeps
    the counts the provider's listing shows without counting millions of rows."""

    __tablename__ = "exchange_library"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(32), unique=True)
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    subject_key: Mapped[str] = mapped_column(String(24))  # catalog SubjectKey of the key item
    subject_item: Mapped[str] = mapped_column(String(100))  # the key item's name
    version_count: Mapped[int] = mapped_column(BigId, default=0)  # versions stored
    subject_count: Mapped[int] = mapped_column(BigId, default=0)  # subjects with a record
    last_load_id: Mapped[int | None] = mapped_column(Integer)
    last_load_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class Load(Base):
    """One batch a provider loaded (all of it or nothing), with what the idempotency key needs to
    answer a retry, and the timeliness of its records (GZ-17)."""

    __tablename__ = "exchange_load"
    __table_args__ = (UniqueConstraint("agency_id", "idempotency_key"),
                      Index("ix_exchange_load_library", "library_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("exchange_library.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    catalog_version_id: Mapped[int] = mapped_column(Integer)  # the entry the records were checked against
    deadline_class: Mapped[str] = mapped_column(String(32))  # the entry's update deadline (GZ-17)
    source: Mapped[str] = mapped_column(String(16))  # json, ndjson, csv, xlsx
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    new_subject_count: Mapped[int] = mapped_column(Integer, default=0)
    late_count: Mapped[int] = mapped_column(Integer, default=0)  # loaded after their deadline
    digest: Mapped[str] = mapped_column(String(64), default="")  # SM3 of the records as stored
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_digest: Mapped[str | None] = mapped_column(String(64))  # SM3 of what was sent
    response: Mapped[dict] = mapped_column(JSON, default=dict)  # the answer a retry gets again


class Record(Base):
    """One version of one subject's record in a hosted library."""

    __tablename__ = "exchange_record"
    # (library_id, id): the change feed reads a library's versions in id order after a cursor.
    __table_args__ = (Index("ix_exchange_record_subject", "library_id", "subject", "id"),
                      Index("ix_exchange_record_library", "library_id", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    library_id: Mapped[int] = mapped_column(Integer)
    load_id: Mapped[int] = mapped_column(Integer)
    # Normalised (GZ-16). Byte order on PostgreSQL: only equality is ever asked, and a zh_CN
    # collation would make every index insert and lookup compare with strcoll.
    subject: Mapped[str] = mapped_column(String(64).with_variant(String(64, collation="C"), "postgresql"))
    produced_at: Mapped[datetime] = mapped_column(UtcDateTime)  # by the provider (GZ-17)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)  # stated by the provider
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)  # recorded by the platform
    division_code: Mapped[str | None] = mapped_column(String(6))  # the district it belongs to (GZ-21)
    # Item name → normalised value, absent items omitted. PostgreSQL `json` (not jsonb) stores the
    # text as written, so COPY does not re-encode it, and operators can still ask `data->>'姓名'`.
    data: Mapped[dict] = mapped_column(JSON)

