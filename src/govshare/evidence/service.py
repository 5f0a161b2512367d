"""Reading the audit chain: search for auditors, verification on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from govshare.evidence import chain, checkpoints, policy
from govshare.evidence.keystore import PublicKey
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
    stmt = _visible(select(AuditEvent), actor).order_by(AuditEvent.seq.desc())
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


def _visible(stmt: Select, actor: Actor) -> Select:
    """The one place that scopes audit rows to what an actor may see."""
    if policy.sees_all_agencies(actor):
        return stmt
    return stmt.where(AuditEvent.agency_id == actor.agency_id)


@dataclass(frozen=True)
class FilterChoices:
    event_types: list[str]
    agencies: dict[int, str]  # id → name


# Evidence may not ask the directory for agency names (it sits below it), but the chain itself
# holds them: every agency enters it with this event, the same for every auditor to check.
AGENCY_REGISTERED = "AgencyRegistered"


def filter_choices(session: Session, actor: Actor) -> FilterChoices:
    """The event types and agencies the audit page offers as filters, within the actor's scope."""
    policy.can_read_audit(actor)
    types = session.scalars(_visible(select(AuditEvent.event_type).distinct(), actor)
                            .order_by(AuditEvent.event_type))
    registered = session.scalars(_visible(select(AuditEvent.payload), actor)
                                 .where(AuditEvent.event_type == AGENCY_REGISTERED)
                                 .order_by(AuditEvent.seq))
    agencies = {}
    for payload in registered:
        body = json.loads(payload)
        agencies[body["agency_id"]] = body.get("name", "")
    return FilterChoices(list(types), agencies)


def verify_chain(session: Session, actor: Actor) -> chain.ChainReport:
    """Check the whole chain and report the first row that does not hold."""
    policy.can_verify_chain(actor)
    return chain.verify(session)


def verify_checkpoints(session: Session, actor: Actor,
                       platform_keys: list[PublicKey]) -> checkpoints.CheckpointReport:
    """Check the receipt log, its signed tree heads and every signed checkpoint of the chain."""
    policy.can_verify_chain(actor)
    return checkpoints.verify(session, platform_keys)
