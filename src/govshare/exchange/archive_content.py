"""What the yearly archive transfer takes (GZ-15, GD-9): the electronic documents and licences of a
year that the platform holds for a provider agency.

- Record versions of hosted libraries (库表) loaded in the year (China time) whose catalog entry,
  as published when they were loaded (the load's catalog version), is of kind 文书 or 证照.
- File versions (文件) uploaded in the year whose entry, in the catalog version in force at the
  upload, is of kind 文书 or 证照.
Other business information (其他业务信息) is not an electronic document and is not transferred.

Counts come from the loads' own counters (`exchange_load.record_count`), so the status page of a
year never scans the records; only the package itself reads them, library by library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import Entry, Version, VersionEntry
from govshare.catalog.terms import ResourceKind
from govshare.exchange.endpoint_models import FileVersion
from govshare.exchange.models import Library, Load, Record
from govshare.exchange.seal_models import RecordSeal
from govshare.kit.clock import CHINA
from govshare.kit.system import system_use

ARCHIVED_KINDS = frozenset({ResourceKind.DOCUMENT.value, ResourceKind.LICENCE.value})


@system_use("calendar arithmetic")
def year_span(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of `year`, China time."""
    return (datetime.combine(date(year, 1, 1), time(0), CHINA),
            datetime.combine(date(year + 1, 1, 1), time(0), CHINA))


@dataclass
class LibraryPart:
    """One hosted library's share of a year: the catalog versions its loads were checked against."""

    library_id: int
    resource_code: str
    name: str
    kind: str
    version_ids: list[int] = field(default_factory=list)
    records: int = 0
    loads: int = 0


@dataclass
class YearContent:
    agency_id: int
    year: int
    libraries: list[LibraryPart] = field(default_factory=list)
    files: list[FileVersion] = field(default_factory=list)  # content deferred

    @property
    def records(self) -> int:
        return sum(p.records for p in self.libraries)

    @property
    def resources(self) -> int:
        return len({p.resource_code for p in self.libraries} | {f.resource_code for f in self.files})

    @property
    def empty(self) -> bool:
        return not self.records and not self.files


def holdings(session: Session, year: int, agency_id: int | None = None) -> dict[int, YearContent]:
    """Each provider agency's documents of `year` (only agencies that have some), by agency id."""
    kinds = _Kinds(session)
    found: dict[int, YearContent] = {}
    for part, agency in _library_parts(session, year, agency_id, kinds):
        found.setdefault(agency, YearContent(agency, year)).libraries.append(part)
    for version in _file_versions(session, year, agency_id, kinds):
        found.setdefault(version.provider_agency_id, YearContent(version.provider_agency_id, year)
                         ).files.append(version)
    return found


def _library_parts(session: Session, year: int, agency_id: int | None, kinds: _Kinds):
    start, end = year_span(year)
    stmt = (select(Library.id, Library.resource_code, Library.name, Library.provider_agency_id,
                   Load.catalog_version_id, func.sum(Load.record_count), func.count(Load.id))
            .join(Load, Load.library_id == Library.id)
            .where(Load.loaded_at >= start, Load.loaded_at < end)
            .group_by(Library.id, Library.resource_code, Library.name, Library.provider_agency_id,
                      Load.catalog_version_id)
            .order_by(Library.resource_code, Load.catalog_version_id))
    if agency_id is not None:
        stmt = stmt.where(Library.provider_agency_id == agency_id)
    parts: dict[int, tuple[LibraryPart, int]] = {}
    for lib_id, code, name, agency, version_id, records, loads in session.execute(stmt):
        kind = kinds.in_version(version_id, code)
        if kind not in ARCHIVED_KINDS:
            continue
        part, _ = parts.setdefault(lib_id, (LibraryPart(lib_id, code, name, kind), agency))
        part.version_ids.append(version_id)
        part.records += int(records or 0)
        part.loads += int(loads or 0)
    return list(parts.values())


def _file_versions(session: Session, year: int, agency_id: int | None, kinds: _Kinds) -> list[FileVersion]:
    start, end = year_span(year)
    stmt = (select(FileVersion).where(FileVersion.uploaded_at >= start, FileVersion.uploaded_at < end)
            .order_by(FileVersion.resource_code, FileVersion.version))
    if agency_id is not None:
        stmt = stmt.where(FileVersion.provider_agency_id == agency_id)
    return [v for v in session.scalars(stmt)
            if kinds.in_force_at(v.resource_code, v.uploaded_at) in ARCHIVED_KINDS]


@system_use("the package reads the records the transfer's policy check already allowed")
def records_of(session: Session, part: LibraryPart, year: int,
               batch: int = 2000) -> Iterator[tuple[Record, RecordSeal | None]]:
    """The library's record versions of the year under the matching catalog versions, in id
    order, each with its electronic seal (None: loaded before sealing began)."""
    start, end = year_span(year)
    stmt = (select(Record, RecordSeal).join(Load, Load.id == Record.load_id)
            .outerjoin(RecordSeal, RecordSeal.record_id == Record.id)
            .where(Record.library_id == part.library_id, Record.loaded_at >= start,
                   Record.loaded_at < end, Load.catalog_version_id.in_(part.version_ids))
            .order_by(Record.id).execution_options(yield_per=batch))
    yield from session.execute(stmt)


class _Kinds:
    """Resource kinds as the catalog stated them, each (version, code) read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[tuple[int, str], str | None] = {}

    def in_version(self, version_id: int, code: str) -> str | None:
        key = (version_id, code)
        if key not in self._seen:
            content = self.session.scalar(select(VersionEntry.content).where(
                VersionEntry.version_id == version_id, VersionEntry.resource_code == code))
            self._seen[key] = json.loads(content)["resource_kind"] if content else self._entry(code)
        return self._seen[key]

    def in_force_at(self, code: str, moment: datetime) -> str | None:
        """The kind in the newest catalog version published at or before `moment`."""
        version_id = self.session.scalar(
            select(Version.id).join(VersionEntry, VersionEntry.version_id == Version.id)
            .where(VersionEntry.resource_code == code, Version.published_at.is_not(None),
                   Version.published_at <= moment)
            .order_by(Version.published_at.desc()).limit(1))
        return self.in_version(version_id, code) if version_id is not None else self._entry(code)

    def _entry(self, code: str) -> str | None:
        # Not in any published version (uploaded before the first publication): the entry itself.
        return self.session.scalar(select(Entry.resource_kind).where(Entry.resource_code == code))
