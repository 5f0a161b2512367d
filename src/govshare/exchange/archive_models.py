"""Archive transfer (归档移交, GZ-15, GD-9): each year, by 30 June, an agency's electronic documents
of the previous year go to the archive of the same level (同级国家档案馆).

`exchange_archive_transfer`: one row per attempt of an agency-year. A row is written by the
transfer itself (status `transferred`, late or not), or earlier by the deadline watch when
30 June passed with nothing transferred (status `overdue`; the transfer then fills that row in).
The archive's receipt (`received`) or a failed hand-over (`failed`) is recorded on the row; only
after `failed` may the agency-year be transferred again, as the next attempt. Lives in exchange
until the `supervision` package design.md plans exists."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime

OVERDUE, TRANSFERRED, RECEIVED, FAILED = "overdue", "transferred", "received", "failed"
STATUS_LABELS = {OVERDUE: "逾期未移交", TRANSFERRED: "已移交", RECEIVED: "档案馆已接收",
                 FAILED: "移交失败"}


class ArchiveTransfer(Base):
    """One attempt at transferring an agency's electronic documents of a year to the archive."""

    __tablename__ = "exchange_archive_transfer"
    __table_args__ = (UniqueConstraint("agency_id", "year", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)  # the year the documents belong to
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # 2, 3 … after a failed one
    status: Mapped[str] = mapped_column(String(16))
    deadline_date: Mapped[date] = mapped_column(Date)  # 30 June of year + 1
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # 逾期移交: after deadline_date
    resource_count: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    package_path: Mapped[str] = mapped_column(String(500), default="")  # the tar as written
    package_sm3: Mapped[str] = mapped_column(String(64), default="")  # SM3 of the whole tar
    manifest_sm3: Mapped[str] = mapped_column(String(64), default="")  # SM3 of the signed manifest
    manifest: Mapped[str] = mapped_column(Text, default="")  # the signed manifest (RFC 8785 JSON)
    key_id: Mapped[str] = mapped_column(String(64), default="")  # the platform key that signed
    transferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    transferred_by: Mapped[str] = mapped_column(String(64), default="")
    received_by: Mapped[str] = mapped_column(String(100), default="")  # who signed for it
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt_note: Mapped[str] = mapped_column(Text, default="")  # receipt number, remarks
    failed_reason: Mapped[str] = mapped_column(Text, default="")
    overdue_marked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
