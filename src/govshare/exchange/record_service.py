"""Reading hosted libraries, for the provider itself: a subject's record now or as of a moment,
its versions, and the agency's hosted resources with their counts and last load. (Consumers
query under grants through the consumer-query service; its lookup is the same single index
descent on (library_id, subject, id) as `provider_record`.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import ShareMode, ShareType, VersionStatus
from govshare.exchange import policy, seal_service, subjects
from govshare.exchange.models import Library, Load, Record
from govshare.exchange.repository import current_record
from govshare.exchange.timeliness import Timeliness, timeliness
from govshare.kit.actor import Actor
from govshare.kit.errors import NotFound


@dataclass(frozen=True)
class SealView:
    """The electronic seal of a licence or document record (GZ-23)."""

    seal_id: str
    agency_id: int
    agency_name: str
    key_id: str
    algorithm: str
    sealed_at: datetime


@dataclass(frozen=True)
class RecordView:
    resource_code: str
    subject: str
    version_id: int  # the record row: what a later query or verification cites
    version: int  # 1 for the subject's first version, then 2, 3 …
    load_id: int
    data: dict[str, Any]
    produced_at: datetime
    valid_from: datetime
    loaded_at: datetime
    division_code: str | None
    timeliness: Timeliness
    seal: SealView | None = None  # licences and documents: sealed by the provider as loaded


@dataclass(frozen=True)
class LibraryRow:
    resource_code: str
    name: str
    subject_item: str
    deadline_class: str
    subject_count: int
    version_count: int
    last_load_at: datetime | None
    last_load: Load | None


def provider_record(session: Session, actor: Actor, resource_code: str, subject: str,
                    as_of: datetime | None = None) -> RecordView:
    """The provider's own record of one subject: current, or as it stood at `as_of`."""
    library = _library(session, resource_code)
    policy.can_read_own_records(actor, library.provider_agency_id)
    key = subjects.normaliser(library.subject_key)(subject, "subject")
    record = current_record(session, library.id, key, as_of)
    if record is None:
        when = f"在 {as_of.isoformat()} 时" if as_of else ""
        raise NotFound(f"库表“{library.name}”{when}没有主体 {key} 的记录")
    return _view(session, library, record)


def record_history(session: Session, actor: Actor, resource_code: str, subject: str,
                   limit: int = 100) -> list[RecordView]:
    """Every version of one subject's record, newest first (at most `limit`)."""
    library = _library(session, resource_code)
    policy.can_read_own_records(actor, library.provider_agency_id)
    key = subjects.normaliser(library.subject_key)(subject, "subject")
    rows = list(session.scalars(select(Record).where(
        Record.library_id == library.id, Record.subject == key).order_by(Record.id.desc()).limit(limit)))
    if not rows:
        raise NotFound(f"库表“{library.name}”中没有主体 {key} 的记录")
    total = _version_number(session, rows[0])
    return [_view(session, library, r, total - i) for i, r in enumerate(rows)]


def hosted_libraries(session: Session, actor: Actor) -> list[LibraryRow]:
    """The actor's agency's shared 共享平台·库表 resources in the published catalog, with the
    record counts and last load of each (none yet for a resource never loaded)."""
    policy.can_list_libraries(actor)
    entries = session.scalars(select(VersionEntry.content).join(
        Version, Version.id == VersionEntry.version_id).where(
        Version.status == VersionStatus.PUBLISHED.value, VersionEntry.agency_id == actor.agency_id)
        .order_by(VersionEntry.resource_code))
    docs = [d for d in map(thaw, entries) if d["share_mode"] == ShareMode.PLATFORM_TABLE
            and d["share_type"] != ShareType.NOT_SHARED]
    libraries = {lib.resource_code: lib for lib in session.scalars(
        select(Library).where(Library.provider_agency_id == actor.agency_id))}
    rows = []
    for doc in docs:
        lib = libraries.pop(doc["resource_code"], None)
        key = next((i["name"] for i in doc["items"] if i.get("subject_key")), "—")
        rows.append(_row(lib, doc["resource_code"], doc["name"], key, doc["deadline_class"], session))
    for lib in libraries.values():  # hosted once, no longer published as 库表
        rows.append(_row(lib, lib.resource_code, lib.name, lib.subject_item, "", session))
    return rows


def _row(lib: Library | None, code: str, name: str, key: str, deadline_class: str,
         session: Session) -> LibraryRow:
    last = session.get(Load, lib.last_load_id) if lib and lib.last_load_id else None
    return LibraryRow(code, name, key, deadline_class or (last.deadline_class if last else ""),
                      lib.subject_count if lib else 0, lib.version_count if lib else 0,
                      lib.last_load_at if lib else None, last)


def _library(session: Session, resource_code: str) -> Library:
    library = session.scalar(select(Library).where(Library.resource_code == resource_code))
    if library is None:
        raise NotFound(f"资源 {resource_code} 尚未在平台托管任何记录")
    return library


def _version_number(session: Session, record: Record) -> int:
    return session.scalar(select(func.count()).where(
        Record.library_id == record.library_id, Record.subject == record.subject,
        Record.id <= record.id))


def _view(session: Session, library: Library, record: Record, number: int | None = None) -> RecordView:
    load = session.get(Load, record.load_id)
    return RecordView(
        resource_code=library.resource_code, subject=record.subject, version_id=record.id,
        version=number if number is not None else _version_number(session, record),
        load_id=record.load_id, data=record.data, produced_at=record.produced_at,
        valid_from=record.valid_from, loaded_at=record.loaded_at,
        division_code=record.division_code,
        timeliness=timeliness(load.deadline_class, record.produced_at, record.loaded_at),
        seal=_seal(session, record.id))


def _seal(session: Session, record_id: int) -> SealView | None:
    seal = seal_service.seals_of(session, [record_id]).get(record_id)
    if seal is None:
        return None
    agency = json.loads(seal.sealed)["agency"]
    return SealView(seal.seal_id, seal.agency_id, agency["name"], seal.key_id, seal.algorithm,
                    seal.sealed_at)
