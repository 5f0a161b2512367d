"""Electronic seals of licence and document records (GZ-23): one row per sealed record version,
written by ingest in the load's own transaction, append-only (migration 0010's triggers refuse
UPDATE and DELETE, and TRUNCATE on PostgreSQL). `sealed` is the exact text the agency's seal
key signed; `salts` the per-item salts of its digests (evidence/seals.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.types import BigId, UtcDateTime


class RecordSeal(Base):
    """The seal of one exchange_record row (its id is the record's id)."""

    __tablename__ = "exchange_record_seal"

    record_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    library_id: Mapped[int] = mapped_column(Integer, index=True)
    seal_id: Mapped[str] = mapped_column(String(36), unique=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[str] = mapped_column(Text)  # RFC 8785 JSON, exactly the signed bytes (UTF-8)
    salts: Mapped[dict] = mapped_column(JSON)  # item -> 16 random bytes, hex
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime)
