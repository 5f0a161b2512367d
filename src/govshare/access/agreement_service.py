"""Confidentiality agreements (政务信息资源共享安全保密协议, GD-34 / 粤府办〔2008〕64号 第三十四条):
information holding state secrets, trade secrets or personal privacy is shared only under an
agreement between the requesting and the providing agency; an agreement covering state secrets
is filed with the secrecy department.

A party's administrator (or the IT authority) files the signed agreement here: the two agencies,
the resources and kinds of secret it covers, its term, the signed document (kept with its SM3
digest) and for state secrets the secrecy filing. Filing activates, in the same transaction, every
grant waiting for it; terminating it (or its term ending) puts the grants that relied on it back
to waiting unless another agreement still covers them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import agreement_checks as checks
from govshare.access import agreement_cover, grant_service, notice_service, policy
from govshare.access.agreement_checks import AgreementDraft
from govshare.access.events import AgreementExpired, AgreementFiled, AgreementTerminated
from govshare.access.models import Agreement, Grant
from govshare.catalog import published_service
from govshare.directory.models import Agency
from govshare.evidence.chain import sm3
from govshare.evidence.models import AuditEvent
from govshare.kit import clock
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, InvalidInput, NotFound
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use

__all__ = ["AgreementDraft", "file_agreement", "terminate_agreement", "list_agreements",
           "get_agreement", "document_of", "termination_of", "grants_covered", "review_agreements"]

REASONS_MAX = 2000


@dataclass(frozen=True)
class Document:
    name: str
    media_type: str
    data: bytes
    sm3: str


@dataclass(frozen=True)
class Termination:
    at: datetime
    by: str
    reasons: str


@dataclass(frozen=True)
class Review:
    """What the daily sweep did: agreements whose term ended, grants activated and suspended."""

    expired: int
    activated: int
    suspended: int


def file_agreement(session: Session, actor: Actor, draft: AgreementDraft, *,
                   today: date | None = None) -> Agreement:
    """File a signed agreement between a provider and a consumer agency, and activate the
    consumer's grants that were waiting for it."""
    policy.can_file_agreement(actor, draft.provider_agency_id, draft.consumer_agency_id,
                              grant_service.agency_divisions(session, draft.provider_agency_id,
                                                             draft.consumer_agency_id))
    today = today or clock.today()
    _check_parties(session, draft.provider_agency_id, draft.consumer_agency_id)
    codes = _check_resources(session, actor, draft.provider_agency_id, draft.resource_codes)
    scope = checks.check_scope(draft.scope)
    kinds = checks.check_kinds(draft.sensitivities)
    checks.check_term(draft.signed_date, draft.valid_from, draft.valid_until, today)
    filing = checks.check_filing(kinds, draft.secrecy_filing_number, draft.secrecy_filing_date,
                                 today)
    name, _media = checks.check_document(draft.document, draft.document_name)
    agreement = Agreement(
        provider_agency_id=draft.provider_agency_id, consumer_agency_id=draft.consumer_agency_id,
        resource_codes=codes, scope=scope, sensitivities=kinds, signed_date=draft.signed_date,
        valid_from=draft.valid_from, valid_until=draft.valid_until, document_name=name,
        document_sm3=sm3(draft.document), document=draft.document, secrecy_filing=filing,
        status="in_force", filed_by=actor.name)
    session.add(agreement)
    session.flush()
    evidence.record(session, AgreementFiled(
        agreement_id=agreement.id, agency_id=agreement.provider_agency_id,
        consumer_agency_id=agreement.consumer_agency_id, resource_codes=codes,
        sensitivities=kinds, valid_from=draft.valid_from.isoformat(),
        valid_until=draft.valid_until.isoformat(), document_sm3=agreement.document_sm3,
        secrecy_filing=filing), actor)
    activated = agreement_cover.activate_covered(session, actor, agreement, today)
    text = (f"保密协议 #{agreement.id} 已备案（{_term(agreement)}），"
            f"{f'已启用 {len(activated)} 项授权' if activated else '暂无待启用的授权'}")
    for agency_id in (agreement.provider_agency_id, agreement.consumer_agency_id):
        notice_service.notify(session, agency_id, "agreement_filed", text)
    return agreement


def terminate_agreement(session: Session, actor: Actor, agreement_id: int, reasons: str, *,
                        today: date | None = None) -> Agreement:
    """End an agreement in force, with written reasons; the grants that relied on it wait for
    an agreement again unless another covers them."""
    agreement = session.scalar(select(Agreement).where(Agreement.id == agreement_id)
                               .with_for_update().execution_options(populate_existing=True))
    if agreement is None:
        raise NotFound(f"没有找到编号为 {agreement_id} 的保密协议")
    policy.can_terminate_agreement(actor, agreement, _divisions(session, agreement))
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("终止保密协议须写明理由", field="reasons", rule="required")
    if len(reasons) > REASONS_MAX:
        raise InvalidInput(f"理由不能超过 {REASONS_MAX} 个字", field="reasons", rule="max_length")
    if agreement.status != "in_force":
        raise Conflict(f"保密协议当前状态为“{checks.STATUS_LABELS[agreement.status]}”，不能终止",
                       code="agreement_state")
    agreement.status = "terminated"
    session.flush()
    evidence.record(session, AgreementTerminated(agreement_id=agreement.id,
                                                 agency_id=agreement.provider_agency_id,
                                                 reasons=reasons), actor)
    suspended = agreement_cover.suspend_uncovered(session, actor, agreement,
                                                  today or clock.today(), "已终止")
    text = (f"保密协议 #{agreement.id} 已终止：{reasons}"
            f"{f'；{len(suspended)} 项授权须重新签订保密协议后方可使用' if suspended else ''}")
    for agency_id in (agreement.provider_agency_id, agreement.consumer_agency_id):
        notice_service.notify(session, agency_id, "agreement_terminated", text)
    return agreement


def list_agreements(session: Session, actor: Actor, page: PageRequest, *,
                    status: str | None = None, agency_id: int | None = None) -> Page[Agreement]:
    """The agreements the actor's agency is party to, newest first; every agreement for the IT
    authority and oversight. `agency_id` narrows to one party's."""
    policy.can_list_agreements(actor)
    stmt: Select = select(Agreement).order_by(Agreement.id.desc())
    if not actor.has(Role.IT_AUTHORITY, Role.SUPERVISION, Role.AUDITOR):
        stmt = _party(stmt, actor.agency_id)
    elif (division := policy.it_division(actor)) is not None:
        stmt = _in_division(stmt, division)
    if agency_id is not None:
        stmt = _party(stmt, agency_id)
    if status:
        if status not in checks.STATUS_LABELS:
            raise InvalidInput(f"状态应为：{'、'.join(checks.STATUS_LABELS)}", field="status",
                               rule="choice")
        stmt = stmt.where(Agreement.status == status)
    return paginate(session, stmt, page)


def get_agreement(session: Session, actor: Actor, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(f"没有找到编号为 {agreement_id} 的保密协议")
    policy.can_read_agreement(actor, agreement, _divisions(session, agreement))
    return agreement


def document_of(session: Session, actor: Actor, agreement_id: int) -> Document:
    """The signed document as uploaded, with its SM3 digest recorded at filing."""
    agreement = get_agreement(session, actor, agreement_id)
    policy.can_read_agreement(actor, agreement, _divisions(session, agreement))
    return Document(name=agreement.document_name, media_type=checks.media_type(agreement.document_name),
                    data=agreement.document, sm3=agreement.document_sm3)


def document_size(session: Session, actor: Actor, agreement_id: int) -> int:
    """The document's size in bytes, without reading it."""
    agreement = get_agreement(session, actor, agreement_id)
    policy.can_read_agreement(actor, agreement, _divisions(session, agreement))
    return session.scalar(select(func.length(Agreement.document))
                          .where(Agreement.id == agreement_id)) or 0


def termination_of(session: Session, actor: Actor, agreement: Agreement) -> Termination | None:
    """Who ended the agreement, when and why, as the audit chain recorded it."""
    policy.can_read_agreement(actor, agreement, _divisions(session, agreement))
    if agreement.status != "terminated":
        return None
    rows = session.scalars(select(AuditEvent).where(
        AuditEvent.event_type == "AgreementTerminated",
        AuditEvent.agency_id == agreement.provider_agency_id).order_by(AuditEvent.seq.desc()))
    for row in rows:
        payload = json.loads(row.payload)
        if payload.get("agreement_id") == agreement.id:
            return Termination(at=row.recorded_at, by=row.actor_name, reasons=payload["reasons"])
    return None


def grants_covered(session: Session, actor: Actor, agreement: Agreement,
                   today: date | None = None) -> list[tuple[Grant, bool]]:
    """The grants this agreement is about (the consumer's grants of the provider's resources in
    its scope, holding the kinds of secret it covers), each with whether it covers it today."""
    policy.can_read_agreement(actor, agreement, _divisions(session, agreement))
    return agreement_cover.grants_in_scope(session, agreement, today or clock.today())


@system_use("the daily sweep: a term starting or ending is a fact of the calendar")
def review_agreements(session: Session, actor: Actor, today: date) -> Review:
    """Mark agreements whose term ended before `today` expired (their grants wait again unless
    another agreement covers them) and activate the grants of agreements whose term has begun."""
    ended = list(session.scalars(select(Agreement).where(
        Agreement.status == "in_force", Agreement.valid_until < today)
        .order_by(Agreement.id).with_for_update()))
    suspended = 0
    for agreement in ended:
        agreement.status = "expired"
        session.flush()
        evidence.record(session, AgreementExpired(
            agreement_id=agreement.id, agency_id=agreement.provider_agency_id,
            valid_until=agreement.valid_until.isoformat(), on_date=today.isoformat()), actor)
    for agreement in ended:
        suspended += len(agreement_cover.suspend_uncovered(session, actor, agreement, today,
                                                           "期限已届满"))
    current = session.scalars(select(Agreement).where(
        Agreement.status == "in_force", Agreement.valid_from <= today).order_by(Agreement.id))
    activated = sum(len(agreement_cover.activate_covered(session, actor, a, today))
                    for a in list(current))
    return Review(expired=len(ended), activated=activated, suspended=suspended)


def _divisions(session: Session, agreement: Agreement) -> tuple[str, str]:
    return grant_service.agency_divisions(session, agreement.provider_agency_id,
                                          agreement.consumer_agency_id)


def _in_division(stmt: Select, division: str) -> Select:
    """Agreements one of whose parties is an agency of the division (GZ-21)."""
    agencies = select(Agency.id).where(Agency.division_code == division)
    return stmt.where(or_(Agreement.provider_agency_id.in_(agencies),
                          Agreement.consumer_agency_id.in_(agencies)))


def _party(stmt: Select, agency_id: int | None) -> Select:
    return stmt.where(or_(Agreement.provider_agency_id == agency_id,
                          Agreement.consumer_agency_id == agency_id))


def _check_parties(session: Session, provider_id: int, consumer_id: int) -> None:
    for agency_id, field in ((provider_id, "provider_agency_id"), (consumer_id, "consumer_agency_id")):
        agency = session.get(Agency, agency_id)
        if agency is None or not agency.active:
            raise InvalidInput(f"没有编号为 {agency_id} 的在用机关", field=field, rule="exists")
    if provider_id == consumer_id:
        raise InvalidInput("保密协议的提供机关和使用机关不能是同一机关", field="consumer_agency_id",
                           rule="different")


def _check_resources(session: Session, actor: Actor, provider_id: int,
                     codes: tuple[str, ...]) -> list[str]:
    """Each code a resource of the published catalog that the provider provides."""
    codes_ = checks.check_codes(codes)
    for code in codes_:
        try:
            entry = published_service.published_entry(session, actor, code)
        except NotFound as exc:
            raise InvalidInput(str(exc), field="resource_codes", rule="in_catalog") from exc
        if entry.document["agency_id"] != provider_id:
            raise InvalidInput(f"资源 {code}（{entry.document['name']}）不由本协议的提供机关提供",
                               field="resource_codes", rule="provider")
    return codes_


def _term(agreement: Agreement) -> str:
    return f"{agreement.valid_from.isoformat()} 至 {agreement.valid_until.isoformat()}"
