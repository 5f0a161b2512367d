"""Reading the audit chain: search for auditors, verification on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.evidence import chain, policy
from govshare.evidence.models import AuditEvent
from govshare.kit.actor import Actor
from govshare.kit.pagination import Page, PageRequest, paginate


@dataclass(frozen=True)
class AuditFilter:
    agency_id: int | None = None
    event_type: str | None = None
    actor_name: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search_events(session: Session, actor: Actor, flt: AuditFilter,
                  page: PageRequest) -> Page[AuditEvent]:
    """Audit events, newest first; an agency administrator sees only its own agency's."""
    policy.can_read_audit(actor)
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if not policy.sees_all_agencies(actor):
        stmt = stmt.where(AuditEvent.agency_id == actor.agency_id)
    if flt.agency_id is not None:
        stmt = stmt.where(AuditEvent.agency_id == flt.agency_id)
    if flt.event_type:
        stmt = stmt.where(AuditEvent.event_type == flt.event_type)
    if flt.actor_name:
        stmt = stmt.where(AuditEvent.actor_name.contains(flt.actor_name))
    if flt.since:
        stmt = stmt.where(AuditEvent.recorded_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.recorded_at < flt.until)
    return paginate(session, stmt, page)


def verify_chain(session: Session, actor: Actor) -> chain.ChainReport:
    """Check the whole chain and report the first row that does not hold."""
    policy.can_verify_chain(actor)
    return chain.verify(session)
