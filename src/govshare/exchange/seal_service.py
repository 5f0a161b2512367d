"""Electronic seals of licence and document records (GZ-23, GZ-24, GZ-26).

When a provider loads records of a resource whose catalog entry is a licence (证照) or a document
(文书), every record version is sealed with the provider agency's seal key
(`keystore.agency_key_name(agency_id)`) over its canonical form (evidence/seals.py), in the
load's own transaction: the load and its seals are stored together or not at all. Without the
key passphrase the load is refused (KeyUnavailable, 503): a licence is never stored unsealed.
An agency's seal key is created, and audited, by its first sealed load.

`check_library` re-reads stored records and their seals and reports every record whose data no
longer matches its seal (tamper detection, GZ-26); `seals_of` hands the snapshot builder the
seals of the records a query returned.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog.terms import ResourceKind
from govshare.directory.models import Agency
from govshare.evidence import seals
from govshare.evidence.events import SigningKeyCreated
from govshare.evidence.keystore import KeyStore, KeyUnavailable, agency_key_name
from govshare.evidence.models import AuditEvent
from govshare.evidence.signing import Signer
from govshare.exchange import policy
from govshare.exchange.models import Library, Record
from govshare.exchange.seal_models import RecordSeal
from govshare.kit.actor import Actor
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, NotFound
from govshare.kit.system import system_use

SEALED_KINDS = (ResourceKind.LICENCE.value, ResourceKind.DOCUMENT.value)
PAGE = 1_000  # records read, sealed and written at a time
Progress = Callable[[int, int], None]  # records checked so far, total


@system_use("a rule on the published catalog entry ingest already holds; reads nothing")
def needs_seal(doc: dict) -> bool:
    """Licences and documents are sealed; other resources are not."""
    return doc.get("resource_kind") in SEALED_KINDS


@dataclass(frozen=True)
class Sealer:
    """The agency's current seal key, opened, and what its seals say about the agency."""

    signer: Signer
    agency: seals.SealAgency


@system_use("ingest opens its provider's seal key after its own policy check (can_load)")
def sealer_for(session: Session, actor: Actor, keys: KeyStore | None, agency_id: int,
               resource_name: str) -> Sealer:
    """The provider's seal key, created (and audited) on its first sealed load with the key
    store's algorithm (GOVSHARE_SIGNING_ALGORITHM). Raises KeyUnavailable, saying why in
    Chinese, when keys cannot be opened: nothing is loaded."""
    name = agency_key_name(agency_id)
    try:
        if keys is None:
            raise KeyUnavailable("平台未配置签名密钥库。", field="keys", rule="key_store_missing")
        if name not in keys.names():
            _create(keys, name)
        signer = keys.signer(name)
    except KeyUnavailable as exc:
        raise KeyUnavailable(
            f"资源“{resource_name}”是证照或文书，入库时必须由提供机关的电子印章逐条签章（GZ-23），"
            f"而现在无法使用印章密钥：{exc.message}本批数据未写入；请平台运维人员设置该口令后重试。",
            field=exc.field, rule=exc.rule) from None
    _audit_key_once(session, actor, agency_id, name, signer)
    agency = session.get(Agency, agency_id)
    return Sealer(signer, seals.SealAgency(agency.id, agency.name, agency.credit_code))


def _create(keys: KeyStore, name: str) -> None:
    with contextlib.suppress(Conflict):  # another process created it meanwhile
        keys.create(name)


def _audit_key_once(session: Session, actor: Actor, agency_id: int, name: str, signer: Signer) -> None:
    """SigningKeyCreated for the key, unless the chain has it: a key created by a load that was
    then refused (rolled back) stays on disk, and its next use records it."""
    payloads = session.scalars(select(AuditEvent.payload).where(
        AuditEvent.event_type == SigningKeyCreated.__name__, AuditEvent.agency_id == agency_id))
    if any(json.loads(p).get("key_id") == signer.key_id for p in payloads):
        return
    evidence.record(session, SigningKeyCreated(agency_id, name, signer.key_id, signer.algorithm), actor)


@system_use("ingest seals the rows it has just stored, in the load's transaction")
def seal_load(session: Session, sealer: Sealer, library: Library, load_id: int, after_id: int,
              total: int = 0, progress: Progress | None = None) -> int:
    """Seal every record of load `load_id` (ids above `after_id`); the number sealed. `progress`
    hears (sealed so far, `total`) a page at a time: one signature a record is the slow part."""
    sealed_at, last, count = now(), after_id, 0
    while True:
        rows = session.execute(select(Record.id, Record.subject, Record.produced_at, Record.valid_from,
                                      Record.data).where(Record.id > last, Record.load_id == load_id)
                               .order_by(Record.id).limit(PAGE)).all()
        if not rows:
            return count
        session.execute(insert(RecordSeal), [_seal_row(sealer, library, load_id, r, sealed_at)
                                             for r in rows])
        last, count = rows[-1].id, count + len(rows)
        if progress:
            progress(count, max(total, count))


def _seal_row(sealer: Sealer, library: Library, load_id: int, row, sealed_at) -> dict:
    seal = seals.seal_record(sealer.signer, sealer.agency, library.resource_code, row.subject, load_id,
                             row.produced_at, row.valid_from, row.data, sealed_at)
    return {"record_id": row.id, "library_id": library.id, "seal_id": seal.seal_id,
            "agency_id": seal.agency_id, "key_id": seal.key_id, "algorithm": seal.algorithm,
            "sealed": seal.sealed, "salts": seal.salts, "signature": seal.signature,
            "sealed_at": sealed_at}


@system_use("read by the snapshot builder and record pages after their own policy checks")
def seals_of(session: Session, record_ids: Iterable[int]) -> dict[int, RecordSeal]:
    """The seals of these record versions (those that have one), in one SELECT."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return {}
    return {s.record_id: s for s in session.scalars(select(RecordSeal).where(RecordSeal.record_id.in_(ids)))}


@dataclass(frozen=True)
class Mismatch:
    record_id: int
    subject: str
    problems: tuple[str, ...]


@dataclass
class SealReport:
    resource_code: str
    name: str
    checked: int = 0  # record versions read
    sealed: int = 0  # of which with a seal
    before_sealing: int = 0  # without a seal, stored before the library's first sealed record
    first_sealed: int | None = None  # that record's id
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def summary(self) -> str:
        earlier = (f"另有 {self.before_sealing} 条在开始盖章之前入库，没有印章。"
                   if self.before_sealing else "")
        if self.ok:
            return (f"“{self.name}”共 {self.checked} 条记录版本，其中 {self.sealed} 条带电子印章，"
                    f"逐条与印章核对一致。{earlier}")
        return (f"“{self.name}”共 {self.checked} 条记录版本，{len(self.mismatches)} 条与电子印章不符"
                f"（盖章后被改动、删除，或应有印章而没有）。{earlier}")


def check_library(session: Session, actor: Actor, keys: KeyStore, resource_code: str,
                  progress: Progress | None = None) -> SealReport:
    """Re-check every stored record of a hosted library against its seal (all values)."""
    library = session.scalar(select(Library).where(Library.resource_code == resource_code))
    if library is None:
        raise NotFound(f"资源 {resource_code} 尚未在平台托管任何记录", field="resource_code",
                       rule="hosted")
    policy.can_check_seals(actor, library.provider_agency_id)
    report = SealReport(library.resource_code, library.name)
    report.first_sealed = session.scalar(select(func.min(RecordSeal.record_id))
                                         .where(RecordSeal.library_id == library.id))
    total = library.version_count
    pems: dict[str, str] = {}
    last = 0
    while True:
        page = session.execute(select(Record, RecordSeal).outerjoin(
            RecordSeal, RecordSeal.record_id == Record.id).where(
            Record.library_id == library.id, Record.id > last).order_by(Record.id).limit(PAGE)).all()
        if not page:
            break
        for record, seal in page:
            _check_one(report, library, record, seal, keys, pems)
        last = page[-1][0].id
        if progress:
            progress(report.checked, max(total, report.checked))
    _orphans(session, library, report)
    return report


def _check_one(report: SealReport, library: Library, record: Record, seal: RecordSeal | None,
               keys: KeyStore, pems: dict[str, str]) -> None:
    report.checked += 1
    if seal is None:
        if report.first_sealed is None or record.id < report.first_sealed:
            report.before_sealing += 1
        else:
            report.mismatches.append(Mismatch(record.id, record.subject, (
                "没有电子印章：开始盖章之后入库的证照或文书记录都应带印章，它的印章被删除了。",)))
        return
    report.sealed += 1
    pem = pems.get(seal.key_id)
    if pem is None:
        try:
            pem = pems[seal.key_id] = keys.find(seal.key_id).public_key_pem
        except NotFound:
            unknown = f"印章密钥（标识 {seal.key_id[:16]}…）不在平台公布的公钥中。"
            report.mismatches.append(Mismatch(record.id, record.subject, (unknown,)))
            return
    problems = seals.check_record(seal, pem, library.resource_code, record.subject, record.load_id,
                                  record.produced_at, record.valid_from, record.data)
    if problems:
        report.mismatches.append(Mismatch(record.id, record.subject, tuple(problems)))


def _orphans(session: Session, library: Library, report: SealReport) -> None:
    """Seals whose record is gone: the record was deleted after sealing."""
    missing = session.execute(select(RecordSeal.record_id).outerjoin(
        Record, Record.id == RecordSeal.record_id).where(
        RecordSeal.library_id == library.id, Record.id.is_(None)).order_by(RecordSeal.record_id)).all()
    for (record_id,) in missing:
        report.mismatches.append(Mismatch(record_id, "", ("记录已被删除，但它的电子印章还在。",)))


@system_use("counts for the library page, after its own policy check")
def sealed_count(session: Session, library_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecordSeal)
                          .where(RecordSeal.library_id == library_id)) or 0
