"""Data snapshots of licence and document queries (GZ-23), taken by the exchange inside the
query's own transaction: a query, a verification or a provider-API query of a resource whose
catalog entry is a licence (证照) or a document (文书) leaves a snapshot of what it answered —
stored by evidence.snapshot_service, which the worker then appends to the receipt log. Business
resources leave none (their answers are in the query log, digested).

The snapshot's "returned" is the answer's results exactly as the API gives them (masked values
as shown); "records" names each record version returned, with its seal's disclosure: the sealed
document, its signature, and salt and value of the items shown in clear only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import ResourceKind, VersionStatus
from govshare.directory.models import Agency
from govshare.evidence import seals
from govshare.evidence import snapshot_service as evidence_snapshots
from govshare.evidence.snapshot_service import Requester, SnapshotDraft
from govshare.exchange import query_log, query_service, seal_service
from govshare.kit.actor import Actor
from govshare.kit.system import system_use

SNAPSHOT_KINDS = frozenset({ResourceKind.LICENCE.value, ResourceKind.DOCUMENT.value})


@system_use("pure: whether a resource kind calls for snapshots")
def needs_snapshot(resource_kind: str | None) -> bool:
    """Licences and documents (GZ-23): the answers a case or an enforcement may rest on."""
    return resource_kind in SNAPSHOT_KINDS


@system_use("reads the published catalog's resource kind; the query's service checked its policy")
def resource_kind(session: Session, resource_code: str) -> str | None:
    """The resource's kind as the catalog published now states it (None: not in it)."""
    content = session.scalar(select(VersionEntry.content).join(Version, Version.id == VersionEntry.version_id)
                             .where(Version.status == VersionStatus.PUBLISHED.value,
                                    VersionEntry.resource_code == resource_code))
    return thaw(content).get("resource_kind") if content else None


@system_use("names the asking agency for its own snapshot; the query's service checked its policy")
def requester(session: Session, actor: Actor) -> Requester:
    """Who asked: the agency by id and name (as it is named at this moment), and the actor."""
    name = session.scalar(select(Agency.name).where(Agency.id == actor.agency_id)) or ""
    return Requester(actor.agency_id, name, "api_client" if actor.kind == "api_client" else "user",
                     actor.id, query_service.actor_name(actor))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@system_use("formats results as the API answers them; reads nothing")
def results_json(results: Iterable[query_service.Result]) -> list[dict[str, Any]]:
    """A query's results exactly as the API returns them (and as the snapshot keeps them)."""
    return [{"subject": r.subject, "found": r.found, "version_id": r.version_id, "data": r.data,
             "masked": list(r.masked), "produced_at": _iso(r.produced_at),
             "valid_from": _iso(r.valid_from), "loaded_at": _iso(r.loaded_at)} for r in results]


def _records(session: Session, results: Iterable[Any], clear: tuple[str, ...]) -> list[dict[str, Any]]:
    """The record versions returned, each with its seal's disclosure of the clear items."""
    found = [r for r in results if r.version_id is not None]
    sealed = _seals(session, [r.version_id for r in found])
    return [{"record_id": r.version_id, "subject": r.subject, "produced_at": _iso(r.produced_at),
             "valid_from": _iso(r.valid_from), "loaded_at": _iso(r.loaded_at),
             "seal": _disclose(sealed.get(r.version_id), r, clear)} for r in found]


def _seals(session: Session, record_ids: list[int]) -> dict[int, Any]:
    return seal_service.seals_of(session, record_ids)


def _disclose(seal: Any, result: Any, clear: tuple[str, ...]) -> dict | None:
    """The seal with salt and value of the items the answer showed in clear, and no others: a
    masked or withheld value stays a salted digest (evidence.seals)."""
    if seal is None:
        return None
    if result is None:  # a verification shows no values: the seal alone, nothing disclosed
        return seals.disclose(seal, {}, ())
    shown = [n for n in clear if n not in result.masked]
    return seals.disclose(seal, result.data or {}, shown)


def _draft(session: Session, actor: Actor, kind: str, **fields: Any) -> SnapshotDraft:
    subjects = tuple(fields.pop("subjects"))
    return SnapshotDraft(kind=kind, requester=requester(session, actor), subjects=subjects,
                         subject_digests=tuple(query_log.subject_digest(s) for s in subjects), **fields)


@system_use("called by query_records, which checked can_query, inside its transaction")
def of_query(session: Session, actor: Actor, answer: query_service.Answer) -> int:
    """The snapshot of a hosted-library query's answer; its id."""
    return evidence_snapshots.take_snapshot(session, _draft(
        session, actor, "query", taken_at=answer.queried_at, grant_id=answer.grant_id,
        duty=answer.purpose.duty, case_number=answer.purpose.case_number,
        resource_code=answer.resource_code, resource_name=answer.resource_name,
        subjects=[r.subject for r in answer.results], as_of=answer.as_of, query_log_id=answer.query_id,
        returned=results_json(answer.results), records=_records(session, answer.results, answer.items)))


VERDICT_FIELDS = ("holds", "reason", "subject", "version_id", "valid_from", "loaded_at", "checked_items",
                  "unmet")


@system_use("called by verify, which checked can_verify, inside its transaction")
def of_verdict(session: Session, actor: Actor, verdict: Any, purpose: query_service.Purpose) -> int:
    """The snapshot of a verification's yes or no, with the version that decided it."""
    returned = {k: v for k, v in asdict(verdict).items() if k in VERDICT_FIELDS}
    records = []
    if verdict.version_id is not None:
        seal = _seals(session, [verdict.version_id]).get(verdict.version_id)
        records.append({"record_id": verdict.version_id, "subject": verdict.subject, "produced_at": None,
                        "valid_from": _iso(verdict.valid_from), "loaded_at": _iso(verdict.loaded_at),
                        "seal": _disclose(seal, None, ())})
    return evidence_snapshots.take_snapshot(session, _draft(
        session, actor, "verify", taken_at=verdict.verified_at, grant_id=verdict.grant_id,
        duty=purpose.duty, case_number=purpose.case_number, resource_code=verdict.resource_code,
        resource_name=verdict.resource_name, subjects=[verdict.subject], as_of=None,
        query_log_id=verdict.query_id, returned=returned, records=records))


@system_use("called by proxy.finish, which checked can_query, inside its transaction")
def of_forward(session: Session, actor: Actor, fwd: Any, answer: Any) -> int | None:
    """The snapshot of a provider-API query's answer, for licence and document resources (None
    for others): the records as the platform passed them on, granted items cut and masked."""
    if not needs_snapshot(resource_kind(session, fwd.resource_code)):
        return None
    returned = [{"subject": r.subject, "found": r.found, "records": r.records, "masked": list(r.masked),
                 "removed": list(r.removed)} for r in answer.results]
    records = [{"record_id": None, "subject": r.subject, "produced_at": None, "valid_from": None,
                "loaded_at": None, "seal": None} for r in answer.results if r.found]
    return evidence_snapshots.take_snapshot(session, _draft(
        session, actor, "api", taken_at=answer.queried_at, grant_id=answer.grant_id,
        duty=answer.purpose.duty, case_number=answer.purpose.case_number,
        resource_code=answer.resource_code, resource_name=answer.resource_name,
        subjects=[r.subject for r in answer.results], as_of=None, query_log_id=answer.query_id,
        returned=returned, records=records))


@system_use("called by verify (and its provider-API twin) after can_verify, inside its transaction")
def after_verdict(session: Session, actor: Actor, verdict: Any, purpose: query_service.Purpose,
                  kind: str | None = None) -> Any:
    """The verdict, with the id of its snapshot when the resource is a licence or a document
    (`kind`: the resource's kind when the caller knows it, else read from the catalog)."""
    kind = kind if kind is not None else resource_kind(session, verdict.resource_code)
    if not needs_snapshot(kind):
        return verdict
    return replace(verdict, snapshot_id=of_verdict(session, actor, verdict, purpose))


@system_use("called by proxy.finish, which checked can_query, inside its transaction")
def after_forward(session: Session, actor: Actor, fwd: Any, answer: Any) -> Any:
    """The forwarded query's answer, with its snapshot's id for licences and documents."""
    snapshot_id = of_forward(session, actor, fwd, answer)
    return answer if snapshot_id is None else replace(answer, snapshot_id=snapshot_id)
