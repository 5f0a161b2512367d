"""The auditors' search (GD-31): data snapshots and audit events by agency, subject, user and
time. Oversight (auditors, supervision, the city IT authority) searches every agency; an agency
administrator only their own agency, whatever they ask for.

Subjects are found by digest, as the query log and the snapshot index keep them: the typed
identifier is normalised the ways the exchange normalises identifiers (trimmed, full-width forms
folded, upper case for the letters of 18-character IDs and credit codes) and the SM3 of each form
is looked up. Audit events do not name subjects (the platform records those only as digests in
the query log and the snapshots), so a subject search lists snapshots only."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.evidence import service
from govshare.evidence import snapshot_policy as policy
from govshare.evidence.models import AuditEvent
from govshare.evidence.snapshot_models import Snapshot, SnapshotSubject
from govshare.kit.actor import Actor
from govshare.kit.pagination import PageRequest
from govshare.kit.system import system_use

MAX_RESULTS = 200


@dataclass(frozen=True)
class SearchFilter:
    agency_id: int | None = None
    subject: str = ""
    user: str = ""  # part of the actor's name or label (`user:7`)
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    limit: int = 50


@dataclass(frozen=True)
class SearchResult:
    agency_id: int | None  # the agency searched (forced for an agency administrator)
    snapshots: list[Snapshot]
    events: list[AuditEvent]
    events_searched: bool  # False when a subject was given: events carry no subjects


@system_use("pure: the SM3 digests a typed identifier may be stored under; reads nothing")
def subject_digests(typed: str) -> list[str]:
    """SM3 of the identifier in each normal form the exchange stores (see the module docstring)."""
    text = unicodedata.normalize("NFKC", typed).strip()
    forms = dict.fromkeys([text, text.replace(" ", "").upper()])
    return [hashlib.new("sm3", f.encode("utf-8")).hexdigest() for f in forms if f]


def search(session: Session, actor: Actor, flt: SearchFilter) -> SearchResult:
    """Snapshots and audit events, newest first, within the actor's scope."""
    policy.can_search(actor)
    agency = flt.agency_id if policy.sees_every_agency(actor) else actor.agency_id
    limit = max(1, min(flt.limit, MAX_RESULTS))
    return SearchResult(agency, _snapshots(session, flt, agency, limit),
                        [] if flt.subject.strip() else _events(session, actor, flt, agency, limit),
                        not flt.subject.strip())


def _snapshots(session: Session, flt: SearchFilter, agency: int | None, limit: int) -> list[Snapshot]:
    stmt = select(Snapshot)
    if agency is not None:
        stmt = stmt.where(Snapshot.agency_id == agency)
    if flt.subject.strip():
        stmt = stmt.where(Snapshot.id.in_(select(SnapshotSubject.snapshot_id).where(
            SnapshotSubject.subject_digest.in_(subject_digests(flt.subject)))))
    if flt.user.strip():
        stmt = stmt.where(Snapshot.actor.contains(flt.user.strip(), autoescape=True))
    if flt.since is not None:
        stmt = stmt.where(Snapshot.taken_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(Snapshot.taken_at < flt.until)
    return list(session.scalars(stmt.order_by(Snapshot.taken_at.desc(), Snapshot.id.desc()).limit(limit)))


def _events(session: Session, actor: Actor, flt: SearchFilter, agency: int | None,
            limit: int) -> list[AuditEvent]:
    found = service.search_events(session, actor, service.AuditFilter(
        agency_id=agency, actor_name=flt.user.strip() or None, since=flt.since, until=flt.until),
        PageRequest(limit))
    return found.items
