"""Audited events of the shared catalog's versions (GZ-8, GZ-9): compiled, decided, published."""

from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class VersionCompiled(Event):
    version_id: int
    number: int
    base_version_id: int | None
    entry_count: int
    added: int
    changed: int
    removed: int
    items_removed: int
    removes_content: bool
    needs_considered: int


@dataclass(frozen=True)
class VersionApproved(Event):
    version_id: int
    number: int
    note: str
    removes_content: bool
    removal_approved: bool


@dataclass(frozen=True)
class VersionRejected(Event):
    version_id: int
    number: int
    reason: str


@dataclass(frozen=True)
class VersionPublished(Event):
    version_id: int
    number: int
    superseded_version_id: int | None
    entry_count: int
