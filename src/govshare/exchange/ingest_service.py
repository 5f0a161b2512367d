"""Provider ingest into hosted libraries (GD-16): a batch of records — JSON, NDJSON, CSV or Excel —
checked against the published catalog entry and stored whole, or not at all.

- Only the provider agency of a 共享平台·库表 resource loads it (GZ-13 谁采集、谁更新).
- Every record is checked (unknown item, subject key, data type, length, produced-at); a batch
  with any bad record stores none and `LoadRefused` lists every error.
- Records are checked and sent a chunk at a time in the caller's one transaction (one COPY on
  PostgreSQL), so memory stays flat and the database stores while Python checks; an error,
  a crash or a killed process leaves nothing, because nothing is committed until the end.
- The library's row is locked for the load: loads of one library are serial, so a later load's
  versions always have higher ids — "current" is simply the highest id.
- An idempotency key makes a retry safe: the same key and body answer what the first load
  answered; the same key with another body is a conflict.
- One audit event per batch (ResourceRecordsLoaded, with counts and the records' SM3 digest).
- Records of licences and documents are sealed by the provider's seal key in the same
  transaction (seal_service, GZ-23); without the key passphrase such a load is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog import published_service
from govshare.catalog.terms import ShareMode, ShareType
from govshare.evidence.keystore import KeyStore
from govshare.exchange import checks, policy, readers, seal_service, timeliness
from govshare.exchange.checks import RecordError, Schema
from govshare.exchange.events import ResourceRecordsLoaded
from govshare.exchange.models import Library, Load
from govshare.exchange.readers import Batch, Broken, Unreadable
from govshare.exchange.validate import Checker, Row
from govshare.exchange.writer import Digest, copy_line, writer_for
from govshare.kit.actor import Actor
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, InvalidInput

CHUNK = 5_000  # records sent to the database at a time (and a step of the progress bar)
Progress = Callable[[int, int], None]  # records stored so far, total expected


class LoadRefused(InvalidInput):
    """The batch has errors and nothing was stored; `errors` lists every one."""

    def __init__(self, errors: list[RecordError]):
        super().__init__(f"本批数据有 {len(errors)} 处错误，所有记录均未写入；请按错误清单修改后重新提交",
                         field="records", rule="record_errors", code="records_refused")
        self.errors = errors


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    resource_code: str
    records: int
    new_subjects: int
    late: int
    deadline_class: str
    loaded_at: str  # ISO 8601
    digest: str
    catalog_version_id: int
    sealed: int = 0  # records sealed by the provider's seal key (licences and documents)
    replayed: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> LoadResult:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def load_records(session: Session, actor: Actor, resource_code: str, data: bytes, source: str, *,
                 idempotency_key: str | None = None, produced_at: datetime | None = None,
                 progress: Progress | None = None, keys: KeyStore | None = None,
                 seal_progress: Progress | None = None) -> LoadResult:
    """Check a batch against the resource's published entry and store it whole as new versions,
    or raise LoadRefused listing every error and store nothing. `keys` holds the seal keys that
    licence and document records are sealed with; `seal_progress` hears (sealed, total)."""
    published = published_service.published_entry(session, actor, resource_code)
    doc = published.document
    policy.can_load(actor, doc["agency_id"])
    _hostable(doc)
    schema = checks.compile_schema(published.content_hash, doc)
    library = _locked_library(session, doc, schema)
    key = _key(idempotency_key)
    digest = _request_digest(resource_code, source, produced_at, data) if key else None
    if key:
        earlier = _replay(session, actor.agency_id, key, digest)
        if earlier is not None:
            return earlier
    sealer = seal_service.sealer_for(session, actor, keys, doc["agency_id"], doc["name"]) \
        if seal_service.needs_seal(doc) else None
    try:
        batch = readers.read(data, source)
    except Unreadable as exc:
        raise LoadRefused([exc.error]) from None
    load = Load(library_id=library.id, agency_id=actor.agency_id,
                catalog_version_id=published.version_id, deadline_class=schema.deadline_class,
                source=source, loaded_by=actor.name[:64], loaded_at=now(),
                idempotency_key=key, request_digest=digest)
    session.add(load)
    session.flush()
    stored = _store(session, library, load, schema, batch, produced_at, progress)
    if sealer is not None:
        stored.sealed = seal_service.seal_load(session, sealer, library, load.id, stored.mark,
                                               stored.records, seal_progress)
    return _finish(session, actor, library, load, stored)


def own_load(session: Session, actor: Actor, load_id: int) -> Load | None:
    """One of the caller's agency's loads (the page's notice after a load), or None."""
    policy.can_list_libraries(actor)
    return session.scalar(select(Load).where(Load.id == load_id, Load.agency_id == actor.agency_id))


def _hostable(doc: dict) -> None:
    if doc["share_mode"] != ShareMode.PLATFORM_TABLE:
        raise InvalidInput(f"资源“{doc['name']}”的共享方式是“{ShareMode(doc['share_mode']).label}”，"
                           "不是“共享平台·库表”，不在平台托管记录（GD-16）",
                           field="resource_code", rule="not_hosted")
    if doc["share_type"] == ShareType.NOT_SHARED:
        raise InvalidInput(f"资源“{doc['name']}”不予共享，不在共享平台托管", field="resource_code",
                           rule="not_shared")


def _locked_library(session: Session, doc: dict, schema: Schema) -> Library:
    """The library's row, created by the first load, locked until the transaction ends."""
    stmt = select(Library).where(Library.resource_code == doc["resource_code"]).with_for_update()
    library = session.scalar(stmt)
    if library is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Library).values(
            resource_code=doc["resource_code"], provider_agency_id=doc["agency_id"],
            name=doc["name"], subject_key=schema.key_kind, subject_item=schema.key_item,
            version_count=0, subject_count=0, created_at=now(),
        ).on_conflict_do_nothing(index_elements=["resource_code"]))
        library = session.scalar(stmt)
    library.name, library.subject_key, library.subject_item = doc["name"], schema.key_kind, schema.key_item
    return library


def _key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    key = value.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise InvalidInput("幂等键应为 1–200 个可打印字符", field="idempotency_key", rule="format")
    return key


def _request_digest(resource_code: str, source: str, produced_at: datetime | None, data: bytes) -> str:
    h = hashlib.new("sm3")
    h.update(f"{resource_code}\n{source}\n{produced_at.isoformat() if produced_at else ''}\n".encode())
    h.update(data)
    return h.hexdigest()


def _replay(session: Session, agency_id: int, key: str, digest: str) -> LoadResult | None:
    earlier = session.scalar(select(Load).where(Load.agency_id == agency_id,
                                                Load.idempotency_key == key))
    if earlier is None:
        return None
    if earlier.request_digest != digest:
        raise Conflict(f"幂等键“{key}”已用于另一批数据（第 {earlier.id} 批）；"
                       "重试请提交同一批数据，新的一批请换一个键", code="idempotency_key_reused")
    return replace(LoadResult.from_dict(earlier.response), replayed=True)


@dataclass
class _Stored:
    records: int = 0
    new_subjects: int = 0
    late: int = 0
    digest: str = ""
    mark: int = 0  # every record of the load has a higher id
    sealed: int = 0


def _store(session: Session, library: Library, load: Load, schema: Schema, batch: Batch,
           produced_at: datetime | None, progress: Progress | None) -> _Stored:
    checker = Checker(schema, load.loaded_at, timeliness.cutoff(schema.deadline_class, load.loaded_at),
                      produced_at)
    writer = writer_for(session, library.id, load.id, load.loaded_at)
    digest, stored, rows, subjects = Digest(), _Stored(), [], set()
    held_before = library.version_count > 0
    check = checker.record
    if batch.header is not None:
        checker.header(batch.header)
        check = checker.row
    errors = checker.errors
    writer.open()
    try:
        for index, (row_no, rec) in enumerate(batch.records):
            if rec.__class__ is Broken:
                checker.error(index, row_no, None, rec.rule, rec.message)
                continue
            row = check(rec, index, row_no)
            if row is not None and not errors:
                rows.append(row)
                if len(rows) >= CHUNK:
                    _write(writer, digest, stored, rows, subjects, progress, batch.total)
                    rows = []
        if errors:
            raise LoadRefused(errors)
        _write(writer, digest, stored, rows, subjects, progress, batch.total)
        if stored.records == 0:
            raise LoadRefused([RecordError(None, None, None, "empty", "没有任何记录：请至少提交一条记录")])
        stored.new_subjects = writer.close(subjects, held_before)
        stored.mark = writer.mark
    except BaseException as exc:
        writer.abort(exc)
        raise
    stored.late, stored.digest = checker.late, digest.hexdigest()
    return stored


def _write(writer, digest: Digest, stored: _Stored, rows: list[Row], subjects: set[str],
           progress: Progress | None, total: int) -> None:
    if not rows:
        return
    subjects.update([r[0] for r in rows])  # ≈ 100 bytes a subject while the load runs
    lines = [copy_line(r) for r in rows]
    digest.update(lines)
    writer.write(rows, lines)
    stored.records += len(rows)
    if progress:
        progress(stored.records, max(total, stored.records))


def _finish(session: Session, actor: Actor, library: Library, load: Load, stored: _Stored) -> LoadResult:
    result = LoadResult(load_id=load.id, resource_code=library.resource_code, records=stored.records,
                        new_subjects=stored.new_subjects, late=stored.late,
                        deadline_class=load.deadline_class, loaded_at=load.loaded_at.isoformat(),
                        digest=stored.digest, catalog_version_id=load.catalog_version_id,
                        sealed=stored.sealed)
    load.record_count, load.new_subject_count = stored.records, stored.new_subjects
    load.late_count, load.digest = stored.late, stored.digest
    load.response = {k: v for k, v in asdict(result).items() if k != "replayed"}
    library.version_count += stored.records
    library.subject_count += stored.new_subjects
    library.last_load_id, library.last_load_at = load.id, load.loaded_at
    evidence.record(session, ResourceRecordsLoaded(
        agency_id=load.agency_id, resource_code=library.resource_code, library_id=library.id,
        load_id=load.id, source=load.source, records=stored.records,
        new_subjects=stored.new_subjects, late=stored.late, digest=stored.digest,
        catalog_version_id=load.catalog_version_id, idempotency_key=load.idempotency_key), actor)
    session.flush()
    return result
