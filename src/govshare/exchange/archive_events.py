"""The audited events of the yearly archive transfer (归档移交, GZ-15, GD-9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govshare.evidence.events import Event


@dataclass(frozen=True)
class ArchiveTransferred(Event):
    """An agency's electronic documents of a year were packed, signed and handed to the archive."""

    agency_id: int
    year: int
    transfer_id: int
    attempt: int
    resources: int
    records: int
    files: int
    manifest_sm3: str
    package_sm3: str
    key_id: str
    deadline_date: date
    late: bool  # 逾期移交: after 30 June of the next year


@dataclass(frozen=True)
class ArchiveReceiptRecorded(Event):
    """The archive signed for a transfer."""

    agency_id: int
    year: int
    transfer_id: int
    received_by: str
    note: str


@dataclass(frozen=True)
class ArchiveTransferFailed(Event):
    """A transfer was marked failed (lost, refused by the archive): the year may be sent again."""

    agency_id: int
    year: int
    transfer_id: int
    reason: str


@dataclass(frozen=True)
class ArchiveTransferOverdue(Event):
    """30 June passed and an agency had not transferred the previous year's documents."""

    agency_id: int
    year: int
    transfer_id: int
    deadline_date: date
    resources: int
    records: int
    files: int
