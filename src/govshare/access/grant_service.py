"""Grants (授权): issued by the step that decides to share, bound to one agency (GZ-25), limited
to the requester's division on a city resource (GZ-21), waiting for a confidentiality agreement
where secrets are granted (GD-34); revoked with reasons; expired by date. One grant serves every
later query: the exchange asks `usable_grant` and nobody negotiates per query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import agreement_rules, notice_service, policy, rules
from govshare.access.events import (
    ConsentRecorded,
    GrantIssued,
    GrantRevoked,
    GrantsExpired,
    SupplyBreachRecorded,
)
from govshare.access.models import AccessRequest, Consent, Grant
from govshare.access.rules import GrantStatus
from govshare.directory.models import Agency
from govshare.kit import clock
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use

CONSENT_KINDS = {"pass_on": "转授其他机关", "publish": "向社会公开"}


@system_use("called by the request step that decided to share, after the workflow checked the party")
def issue_for(session: Session, actor: Actor, request: AccessRequest, document: dict | None,
              basis: str, terms: Mapping[str, Any]) -> Grant:
    """Issue the grant a sharing decision makes, on the request's terms or the narrower ones."""
    agencies = {a.id: a for a in session.scalars(select(Agency).where(
        Agency.id.in_([request.requester_agency_id, request.provider_agency_id])))}
    requester, provider = agencies[request.requester_agency_id], agencies[request.provider_agency_id]
    items = list(terms.get("items") or request.items)
    secrets = rules.sensitive_items(document, items)
    # Only secrets need an agreement (GD-34): nothing to look for when none is granted.
    covered = secrets and agreement_rules.covering_agreement(
        session, request.provider_agency_id, request.requester_agency_id, request.resource_code,
        secrets.values())
    grant = Grant(
        request_id=request.id, grantee_agency_id=request.requester_agency_id,
        provider_agency_id=request.provider_agency_id, resource_code=request.resource_code,
        resource_name=request.resource_name, catalog_version_id=request.catalog_version_id,
        items=items, sensitive_items=sorted(secrets), row_scope=terms.get("row_scope") or
        request.row_scope,
        division_code=rules.division_limit(requester.level, requester.division_code,
                                           provider.level, bool(terms.get("whole_city"))),
        duty=request.duty, purpose=request.purpose, valid_from=request.valid_from,
        valid_until=terms.get("valid_until") or request.valid_until,
        status=(GrantStatus.PENDING_AGREEMENT if secrets and covered is None
                else GrantStatus.ACTIVE).value,
        basis=basis, issued_by=actor.name)
    session.add(grant)
    session.flush()
    evidence.record(session, GrantIssued(
        grant_id=grant.id, request_id=request.id, agency_id=grant.grantee_agency_id,
        provider_agency_id=grant.provider_agency_id, resource_code=grant.resource_code,
        items=grant.items, division_code=grant.division_code,
        valid_from=grant.valid_from.isoformat(), valid_until=grant.valid_until.isoformat(),
        status=grant.status), actor)
    if grant.status == GrantStatus.PENDING_AGREEMENT:
        _ask_for_agreement(session, grant, secrets)
    return grant


@system_use("called by the coordination or leading-group step, after the workflow checked the party")
def settle(session: Session, actor: Actor, request: AccessRequest, document: dict | None,
           basis: str, share: bool, terms: Mapping[str, Any]) -> Grant | None:
    """Coordination or the leading group settled a dispute: share (issue the grant if none is in
    force) or not (revoke the one in force)."""
    current = session.scalar(select(Grant).where(Grant.request_id == request.id))
    if share and current is None:
        return issue_for(session, actor, request, document, basis, terms)
    if not share and current is not None and current.status != GrantStatus.REVOKED:
        _revoke(session, actor, current, f"{basis}：决定不予共享")
    return current


@system_use("the provider supplied after the deadline: the breach is a fact of the step itself")
def record_supply_breach(session: Session, actor: Actor, request: AccessRequest, due: date,
                         on: date) -> None:
    """GZ-19: record that the provider supplied after its 5 working days."""
    evidence.record(session, SupplyBreachRecorded(
        request_id=request.id, agency_id=request.provider_agency_id,
        due_date=due.isoformat(), on_date=on.isoformat()), actor)


def get_grant(session: Session, actor: Actor, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"没有找到编号为 {grant_id} 的授权")
    policy.can_read_grant(actor, grant, divisions_of(session, grant))
    return grant


def grant_of_request(session: Session, actor: Actor, request_id: int) -> Grant | None:
    """The grant a request issued, if any (a request issues at most one)."""
    grant = session.scalar(select(Grant).where(Grant.request_id == request_id))
    if grant is not None:
        policy.can_read_grant(actor, grant, divisions_of(session, grant))
    return grant


def list_grants(session: Session, actor: Actor, page: PageRequest, *, side: str = "held",
                status: str | None = None) -> Page[Grant]:
    """The grants the actor's agency holds (`held`) or has given (`given`); `all` for the IT
    authority and oversight."""
    policy.can_list_grants(actor)
    stmt = _side(select(Grant), actor, side).order_by(Grant.id.desc())
    division = policy.it_division(actor)
    if side == "all" and division is not None:
        stmt = _in_division(stmt, division)
    if status:
        stmt = stmt.where(Grant.status == GrantStatus(status).value)
    return paginate(session, stmt, page)


def revoke_grant(session: Session, actor: Actor, grant_id: int, reasons: str) -> Grant:
    """Revoke a grant in force, with written reasons; later queries under it are refused."""
    grant = session.scalar(select(Grant).where(Grant.id == grant_id).with_for_update())
    if grant is None:
        raise NotFound(f"没有找到编号为 {grant_id} 的授权")
    policy.can_revoke_grant(actor, grant, divisions_of(session, grant))
    if not reasons.strip():
        raise InvalidInput("撤销授权须写明理由", field="reasons", rule="required")
    if grant.status in (GrantStatus.REVOKED, GrantStatus.EXPIRED):
        raise Conflict(f"授权当前状态为“{GrantStatus(grant.status).label}”，不能撤销",
                       code="grant_state")
    return _revoke(session, actor, grant, reasons.strip())


@system_use("the exchange asks before every query; the grant itself is the permission")
def usable_grant(session: Session, agency_id: int, resource_code: str,
                 today: date | None = None) -> Grant:
    """The grant in force that lets this agency (or its API clients) obtain this resource
    today; 403 naming why when there is none. Never another agency's grant (GZ-25)."""
    today = today or clock.today()
    grants = session.scalars(select(Grant).where(
        Grant.grantee_agency_id == agency_id, Grant.resource_code == resource_code,
        Grant.status.in_([GrantStatus.ACTIVE.value, GrantStatus.PENDING_AGREEMENT.value]))
        .order_by(Grant.valid_until.desc())).all()
    for grant in grants:
        if grant.status == GrantStatus.ACTIVE and grant.valid_from <= today <= grant.valid_until:
            return grant
    if any(g.status == GrantStatus.PENDING_AGREEMENT for g in grants):
        raise Forbidden("授权涉及个人隐私、商业秘密或国家秘密，须先签订并备案保密协议（GD-34）",
                        code="agreement_required")
    raise Forbidden(f"本机关没有资源 {resource_code} 的有效授权，请先提出共享申请",
                    code="no_grant")


def record_consent(session: Session, actor: Actor, grant_id: int, kind: str, recipient: str,
                   purpose: str) -> Consent:
    """GZ-25: the provider consents to the grantee passing the data on, or publishing it."""
    grant = get_grant(session, actor, grant_id)
    policy.can_give_consent(actor, grant)
    if kind not in CONSENT_KINDS:
        raise InvalidInput(f"同意类型应为：{'、'.join(CONSENT_KINDS)}", field="kind", rule="choice")
    if kind == "pass_on" and not recipient.strip():
        raise InvalidInput("同意转授须写明接收机关", field="recipient", rule="required")
    if not purpose.strip():
        raise InvalidInput("须写明同意的用途", field="purpose", rule="required")
    consent = Consent(grant_id=grant.id, kind=kind, recipient=recipient.strip(),
                      purpose=purpose.strip(), given_by=actor.name)
    session.add(consent)
    session.flush()
    evidence.record(session, ConsentRecorded(
        consent_id=consent.id, grant_id=grant.id, agency_id=grant.provider_agency_id,
        grantee_agency_id=grant.grantee_agency_id, kind=kind, recipient=consent.recipient,
        purpose=consent.purpose), actor)
    return consent


def consents_of(session: Session, actor: Actor, grant_id: int) -> list[Consent]:
    """The consents the provider gave on a grant."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"没有找到编号为 {grant_id} 的授权")
    policy.can_read_grant(actor, grant, divisions_of(session, grant))
    return list(session.scalars(select(Consent).where(Consent.grant_id == grant_id)
                                .order_by(Consent.id)))


@system_use("the daily sweep: expiry is a fact of the calendar, no one decides it")
def expire_grants(session: Session, actor: Actor, today: date) -> int:
    """Mark the grants whose validity ended before `today` expired, in one statement."""
    ids = list(session.scalars(select(Grant.id).where(
        Grant.valid_until < today,
        Grant.status.in_([GrantStatus.ACTIVE.value, GrantStatus.PENDING_AGREEMENT.value]))))
    if not ids:
        return 0
    session.execute(update(Grant).where(Grant.id.in_(ids)).values(status=GrantStatus.EXPIRED.value))
    evidence.record(session, GrantsExpired(grant_ids=ids, on_date=today.isoformat()), actor)
    return len(ids)


@system_use("reads two agencies' division codes for the policy's check (GZ-21); returns nothing else")
def divisions_of(session: Session, grant: Grant) -> tuple[str, str]:
    """The grantee's and the provider's division codes."""
    return agency_divisions(session, grant.grantee_agency_id, grant.provider_agency_id)


@system_use("reads two agencies' division codes for the policy's check (GZ-21); returns nothing else")
def agency_divisions(session: Session, first_id: int, second_id: int) -> tuple[str, str]:
    """The division codes of two agencies, in the order asked, in one query."""
    codes = dict(session.execute(select(Agency.id, Agency.division_code)
                                 .where(Agency.id.in_([first_id, second_id]))).all())
    return codes.get(first_id) or "", codes.get(second_id) or ""


def _in_division(stmt: Select, division: str) -> Select:
    """Grants whose grantee or provider is an agency of the division (GZ-21)."""
    agencies = select(Agency.id).where(Agency.division_code == division)
    return stmt.where(or_(Grant.grantee_agency_id.in_(agencies),
                          Grant.provider_agency_id.in_(agencies)))


def _revoke(session: Session, actor: Actor, grant: Grant, reasons: str) -> Grant:
    grant.status = GrantStatus.REVOKED.value
    grant.revoked_by, grant.revoked_at, grant.revoke_reasons = actor.name, clock.now(), reasons
    session.flush()
    evidence.record(session, GrantRevoked(grant_id=grant.id, agency_id=grant.grantee_agency_id,
                                          provider_agency_id=grant.provider_agency_id,
                                          reasons=reasons), actor)
    notice_service.notify(session, grant.grantee_agency_id, "grant_revoked",
                          f"授权 #{grant.id}（{grant.resource_name}）已被撤销：{reasons}",
                          request_id=grant.request_id)
    return grant


def _ask_for_agreement(session: Session, grant: Grant, secrets: Mapping[str, str]) -> None:
    text = (f"授权 #{grant.id}（{grant.resource_name}）含{'、'.join(sorted(secrets))}，"
            "须签订并备案保密协议后方可使用（GD-34）")
    for agency_id in (grant.grantee_agency_id, grant.provider_agency_id):
        notice_service.notify(session, agency_id, "agreement_needed", text,
                              request_id=grant.request_id)


def _side(stmt: Select, actor: Actor, side: str) -> Select:
    if side == "held":
        return stmt.where(Grant.grantee_agency_id == actor.agency_id)
    if side == "given":
        return stmt.where(Grant.provider_agency_id == actor.agency_id)
    if side == "all" and actor.has(Role.IT_AUTHORITY, Role.SUPERVISION, Role.AUDITOR):
        return stmt
    if side == "all":
        return stmt.where(or_(Grant.grantee_agency_id == actor.agency_id,
                              Grant.provider_agency_id == actor.agency_id))
    raise InvalidInput("side 应为 held、given 或 all", field="side", rule="choice")
