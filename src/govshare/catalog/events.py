from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class EntryDrafted(Event):
    entry_id: int
    agency_id: int
    resource_code: str
    name: str


@dataclass(frozen=True)
class EntryRevised(Event):
    entry_id: int
    agency_id: int
    resource_code: str
    revision: int


@dataclass(frozen=True)
class ConfidentialityReviewed(Event):
    entry_id: int
    agency_id: int
    result: str
    note: str


@dataclass(frozen=True)
class EntrySubmitted(Event):
    entry_id: int
    agency_id: int
    revision: int


@dataclass(frozen=True)
class EntryFiled(Event):
    entry_id: int
    agency_id: int
    revision: int
    content_hash: str  # SM3 of the frozen entry as filed


@dataclass(frozen=True)
class EntryReturned(Event):
    entry_id: int
    agency_id: int
    reason: str


@dataclass(frozen=True)
class EntryWithdrawn(Event):
    entry_id: int
    agency_id: int
    reason: str


@dataclass(frozen=True)
class BaseItemDefined(Event):
    code: str
    name: str
    responsible_agency_id: int


@dataclass(frozen=True)
class NeedRecorded(Event):
    need_id: int
    agency_id: int
    provider_agency_id: int | None
    title: str
