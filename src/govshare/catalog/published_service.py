"""An entry of the shared catalog as published (GZ-8): the frozen document of the version in
force — today or on a given date — whatever the agency is drafting meanwhile.

Search hits link here: an entry being revised is back in draft and its working page is its
agency's own, but what the published catalog says about it stays readable by every agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog import policy, version_service
from govshare.catalog.models import Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.kit.actor import Actor
from govshare.kit.errors import NotFound


@dataclass(frozen=True)
class PublishedEntry:
    version_id: int
    version_number: int
    published_at: datetime
    in_force: bool  # the version published now, not an earlier one read as of a date
    entry_id: int
    content_hash: str
    document: dict[str, Any]  # snapshot.entry_document, as frozen


def published_entry(session: Session, actor: Actor, resource_code: str,
                    as_of: date | None = None) -> PublishedEntry:
    """The entry with this resource code as the published shared catalog states it: the version
    in force now, or the one in force on `as_of` (China time)."""
    policy.can_read_catalog(actor)
    version = (version_service.published_as_of(session, actor, as_of) if as_of
               else _in_force(session))
    row = session.scalar(select(VersionEntry).where(
        VersionEntry.version_id == version.id, VersionEntry.resource_code == resource_code))
    if row is None:
        raise NotFound(f"政府信息共享目录第 {version.number} 版中没有资源代码为 {resource_code} 的资源")
    return PublishedEntry(version_id=version.id, version_number=version.number,
                          published_at=version.published_at,
                          in_force=version.status == VersionStatus.PUBLISHED,
                          entry_id=row.entry_id, content_hash=row.content_hash,
                          document=thaw(row.content))


def _in_force(session: Session) -> Version:
    version = session.scalar(select(Version).where(
        Version.status == VersionStatus.PUBLISHED.value).limit(1))
    if version is None:
        raise NotFound("尚未发布政府信息共享目录")
    return version
