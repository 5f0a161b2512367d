"""Which grants a confidentiality agreement covers (GD-34), and what filing or ending one does to
them: a pending grant it covers becomes active; an active grant that relied on it waits for an
agreement again unless another still covers it. Called by agreement_service inside its own
transaction, after the policy check; every change is audited and the grantee told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import agreement_rules, notice_service, rules
from govshare.access.events import GrantActivated, GrantAwaitingAgreement
from govshare.access.models import Agreement, Grant
from govshare.access.rules import SECRETS, GrantStatus
from govshare.catalog.models import VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.kit.actor import Actor

ALL_KINDS = frozenset(k.value for k in SECRETS)


def kinds_of(session: Session, grants: Iterable[Grant]) -> dict[int, set[str]]:
    """The kinds of secret each grant holds, as the catalog version it was issued under says.
    A grant whose entry cannot be read is taken to hold every kind (the strictest reading)."""
    grants = [g for g in grants if g.sensitive_items]
    documents: dict[tuple[int | None, str | None], dict | None] = {}
    for key in {(g.catalog_version_id, g.resource_code) for g in grants}:
        content = session.scalar(select(VersionEntry.content).where(
            VersionEntry.version_id == key[0], VersionEntry.resource_code == key[1]))
        documents[key] = thaw(content) if content else None
    kinds: dict[int, set[str]] = {}
    for g in grants:
        document = documents[(g.catalog_version_id, g.resource_code)]
        found = set(rules.sensitive_items(document, g.sensitive_items).values())
        kinds[g.id] = found if document is not None and found else set(ALL_KINDS)
    return kinds


def in_scope(agreement: Agreement, resource_code: str | None, kinds: Iterable[str]) -> bool:
    """The agreement names this resource (or all the provider's) and every kind of secret held,
    whatever its status or term: the grants it is about."""
    return ((not agreement.resource_codes or resource_code in agreement.resource_codes)
            and set(kinds) <= set(agreement.sensitivities))


def grants_of_parties(session: Session, agreement: Agreement,
                      statuses: Iterable[GrantStatus] | None = None, *,
                      lock: bool = False) -> list[Grant]:
    """The grants the consumer holds of the provider's information that hold secrets."""
    stmt = select(Grant).where(Grant.provider_agency_id == agreement.provider_agency_id,
                               Grant.grantee_agency_id == agreement.consumer_agency_id)
    if statuses is not None:
        stmt = stmt.where(Grant.status.in_([s.value for s in statuses]))
    if lock:
        stmt = stmt.with_for_update()
    return [g for g in session.scalars(stmt.order_by(Grant.id)) if g.sensitive_items]


def activate_covered(session: Session, actor: Actor, agreement: Agreement,
                     today: date) -> list[Grant]:
    """Activate every grant waiting for an agreement that this one now covers."""
    pending = [g for g in grants_of_parties(session, agreement, [GrantStatus.PENDING_AGREEMENT],
                                            lock=True) if g.valid_until >= today]
    kinds = kinds_of(session, pending)
    activated = [g for g in pending
                 if agreement_rules.covers(agreement, g.resource_code, kinds[g.id], today)]
    for grant in activated:
        grant.status = GrantStatus.ACTIVE.value
        session.flush()
        evidence.record(session, GrantActivated(grant_id=grant.id, agency_id=grant.grantee_agency_id,
                                                agreement_id=agreement.id), actor)
        notice_service.notify(
            session, grant.grantee_agency_id, "grant_activated",
            f"保密协议 #{agreement.id} 已备案，授权 #{grant.id}（{grant.resource_name}）已生效，"
            "可以使用", request_id=grant.request_id)
    return activated


def suspend_uncovered(session: Session, actor: Actor, agreement: Agreement, today: date,
                      reason: str) -> list[Grant]:
    """After `agreement` ended: the active grants it covered wait for an agreement again,
    unless another agreement in force covers them."""
    active = grants_of_parties(session, agreement, [GrantStatus.ACTIVE], lock=True)
    kinds = kinds_of(session, active)
    suspended = []
    for grant in active:
        if not in_scope(agreement, grant.resource_code, kinds[grant.id]):
            continue
        other = agreement_rules.covering_agreement(
            session, grant.provider_agency_id, grant.grantee_agency_id, grant.resource_code,
            kinds[grant.id], today)
        if other is not None:
            continue
        grant.status = GrantStatus.PENDING_AGREEMENT.value
        session.flush()
        evidence.record(session, GrantAwaitingAgreement(
            grant_id=grant.id, agency_id=grant.grantee_agency_id, agreement_id=agreement.id,
            reason=reason), actor)
        text = (f"授权 #{grant.id}（{grant.resource_name}）所依据的保密协议 #{agreement.id}{reason}，"
                "须重新签订并备案保密协议后方可使用（GD-34）")
        for agency_id in (grant.grantee_agency_id, grant.provider_agency_id):
            notice_service.notify(session, agency_id, "agreement_ended", text,
                                  request_id=grant.request_id)
        suspended.append(grant)
    return suspended


def grants_in_scope(session: Session, agreement: Agreement, today: date) -> list[tuple[Grant, bool]]:
    """The grants of the two parties this agreement is about, each with whether it covers it
    today (in force, in term, and for state secrets filed)."""
    grants = grants_of_parties(session, agreement)
    kinds = kinds_of(session, grants)
    return [(g, agreement_rules.covers(agreement, g.resource_code, kinds[g.id], today))
            for g in grants if in_scope(agreement, g.resource_code, kinds[g.id])]
