"""Requests for shared information (GZ-19, GD-20 – GD-22): submitted against the published
catalog, routed and moved along by the pure workflow, every step stored, audited and notified in
the request's own transaction. A step that grants issues the grant in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import grant_service, notice_service, policy, rules, workflow
from govshare.access.events import STEP_EVENTS
from govshare.access.models import AccessRequest, RequestStep
from govshare.access.workflow import RequestState, RequestStatus, Route, Step
from govshare.catalog import published_service
from govshare.directory.models import Agency
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput, NotFound
from govshare.workdays import service as workdays
from govshare.workdays.calendar import WorkCalendar

TEXT_MAX = 2000


@dataclass(frozen=True)
class RequestDraft:
    """What a requester fills in. `resource_code` names a resource of the published catalog;
    without it the request is outside the catalog and names the provider and what is wanted."""

    items: tuple[str, ...]
    duty: str  # the duty the information serves (GD-24)
    purpose: str
    valid_from: date
    valid_until: date
    resource_code: str | None = None
    provider_agency_id: int | None = None
    resource_name: str = ""
    legal_basis: str = ""
    row_scope: Mapping[str, Any] = field(default_factory=dict)


def submit_request(session: Session, actor: Actor, draft: RequestDraft, *,
                   today: date | None = None) -> AccessRequest:
    """File a request of the actor's agency: granted at once, refused at once, or put before the
    provider (conditional) or the IT authority (outside the catalog)."""
    policy.can_submit_request(actor)
    today = today or clock.today()
    _check_texts(draft)
    document, version_id, provider_id = _resource(session, actor, draft)
    items = (rules.check_items(document, draft.items) if document else _free_items(draft.items))
    route = rules.route_for(document, items) if document else Route.OUTSIDE_CATALOG
    row_scope = rules.check_row_scope(draft.row_scope)
    if route is not Route.NOT_SHARED:
        rules.check_validity(draft.valid_from, draft.valid_until, today,
                             rules.max_validity_days(document, route))
    legal = {"legal_basis": document.get("legal_basis", "")} if route is Route.NOT_SHARED else {}
    # Granted or refused at once, no clock runs and the calendar is never consulted.
    timed = route in (Route.CONDITIONAL, Route.OUTSIDE_CATALOG)
    step = workflow.submit(route, actor, provider_agency_id=provider_id, today=today,
                           calendar=workdays.calendar(session) if timed else WorkCalendar(),
                           **legal)
    request = AccessRequest(
        requester_agency_id=actor.agency_id, requested_by=actor.name,
        provider_agency_id=provider_id, route=route.value, resource_code=draft.resource_code,
        catalog_version_id=version_id,
        resource_name=document["name"] if document else draft.resource_name.strip(),
        items=items, duty=draft.duty.strip(), legal_basis=draft.legal_basis.strip(),
        purpose=draft.purpose.strip(), row_scope=row_scope, valid_from=draft.valid_from,
        valid_until=draft.valid_until, steps=[], **_state_columns(step))
    session.add(request)
    session.flush()
    _record_step(session, actor, request, "submit", None, step, legal, today)
    if step.state.status is RequestStatus.GRANTED:
        grant_service.issue_for(session, actor, request, document, step.event, {})
    _notify_submission(session, request)
    return request


def act_on_request(session: Session, actor: Actor, request_id: int, action: str,
                   inputs: Mapping[str, Any] | None = None, *,
                   today: date | None = None) -> AccessRequest:
    """Take one step on a request (decide, dispute, coordinate, refer, supply, withdraw). The row
    is locked first, so of two simultaneous decisions the second sees the first and is refused."""
    inputs = {k: v for k, v in (inputs or {}).items() if v is not None}
    request = _locked(session, request_id)
    policy.can_act_on_request(actor, request, _divisions(session, request))
    today = today or clock.today()
    calendar = workdays.calendar(session)
    before = _state(request)
    step = workflow.transition(before, action, actor, today=today, calendar=calendar,
                               **_texts(inputs))
    terms = _decided_terms(session, request, action, inputs)
    request.status, request.since_date = step.state.status.value, step.state.since_date
    request.due_date, request.due_provisional = _due(step)
    _record_step(session, actor, request, action, before.status, step, inputs, today)
    _apply_outcome(session, actor, request, step, terms)
    if step.late and step.event == "InformationSupplied":
        grant_service.record_supply_breach(session, actor, request,
                                           workflow.deadline_of(before, calendar).due_date, today)
    _notify_step(session, request, action, step)
    return request


def get_request(session: Session, actor: Actor, request_id: int) -> AccessRequest:
    """One request with its steps, if the actor may see it."""
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound(f"没有找到编号为 {request_id} 的共享申请")
    policy.can_read_request(actor, request, _divisions(session, request))
    return request


# --- submission ----------------------------------------------------------------------------

def _resource(session: Session, actor: Actor, draft: RequestDraft):
    if not draft.resource_code:
        if draft.provider_agency_id is None:
            raise InvalidInput("目录外的申请须指明提供机关", field="provider_agency_id",
                               rule="required")
        if not draft.resource_name.strip():
            raise InvalidInput("目录外的申请须写明所需信息的名称", field="resource_name",
                               rule="required")
        _agency(session, draft.provider_agency_id, "provider_agency_id")
        return None, None, draft.provider_agency_id
    try:
        entry = published_service.published_entry(session, actor, draft.resource_code)
    except NotFound as exc:
        raise InvalidInput(str(exc), field="resource_code", rule="in_catalog") from exc
    return entry.document, entry.version_id, entry.document["agency_id"]


def _free_items(items: tuple[str, ...]) -> list[str]:
    names = [str(n).strip() for n in items if str(n).strip()]
    if not names:
        raise InvalidInput("请写明所需的信息项", field="items", rule="required")
    return names


def _check_texts(draft: RequestDraft) -> None:
    for name in ("duty", "purpose"):
        value = getattr(draft, name).strip()
        if not value:
            label = {"duty": "所履行的职责", "purpose": "用途"}[name]
            raise InvalidInput(f"申请须写明{label}（GD-24：共享信息只用于本机关履行职责）",
                               field=name, rule="required")
        if len(value) > TEXT_MAX:
            raise InvalidInput(f"不能超过 {TEXT_MAX} 个字", field=name, rule="max_length")


def _agency(session: Session, agency_id: int, field_name: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise InvalidInput(f"没有编号为 {agency_id} 的在用机关", field=field_name, rule="exists")
    return agency


# --- steps ---------------------------------------------------------------------------------

def _locked(session: Session, request_id: int) -> AccessRequest:
    # FOR UPDATE on PostgreSQL; SQLite writers are already one at a time (BEGIN IMMEDIATE).
    request = session.scalar(select(AccessRequest).where(AccessRequest.id == request_id)
                             .with_for_update().execution_options(populate_existing=True))
    if request is None:
        raise NotFound(f"没有找到编号为 {request_id} 的共享申请")
    return request


def _state(request: AccessRequest) -> RequestState:
    return RequestState(RequestStatus(request.status), request.requester_agency_id,
                        request.provider_agency_id, request.since_date)


def _state_columns(step: Step) -> dict[str, Any]:
    due, provisional = _due(step)
    return {"status": step.state.status.value, "since_date": step.state.since_date,
            "due_date": due, "due_provisional": provisional}


def _due(step: Step) -> tuple[date | None, bool]:
    return (step.deadline.due_date, step.deadline.provisional) if step.deadline else (None, False)


def _texts(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in inputs.items() if k in workflow.FIELD_LABELS}


def _decided_terms(session: Session, request: AccessRequest, action: str,
                   inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What a grant will say when the step grants: the request's terms, or narrower ones."""
    terms: dict[str, Any] = {"whole_city": bool(inputs.get("whole_city"))}
    if action == "grant_narrower":
        items, until, scope = rules.check_narrowing(
            request.items, request.valid_until, request.row_scope, inputs.get("items"),
            _date(inputs.get("valid_until")), inputs.get("row_scope"))
        terms.update(items=items, valid_until=until, row_scope=scope)
    return terms


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", field="valid_until", rule="format") from exc


def _record_step(session: Session, actor: Actor, request: AccessRequest, action: str,
                 before: RequestStatus | None, step: Step, inputs: Mapping[str, Any],
                 today: date) -> None:
    stored = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in inputs.items()}
    # Appended to the steps the request holds (loaded with it, or empty when new): no reload.
    request.steps.append(RequestStep(seq=len(request.steps) + 1, action=action,
                                     from_status=before.value if before else None,
                                     to_status=step.state.status.value, actor_name=actor.name,
                                     actor_agency_id=actor.agency_id, taken_date=today,
                                     late=step.late, inputs=stored))
    session.flush()
    event = STEP_EVENTS[step.event](
        request_id=request.id, agency_id=request.requester_agency_id,
        provider_agency_id=request.provider_agency_id, resource_code=request.resource_code,
        action=action, from_status=before.value if before else None,
        to_status=step.state.status.value,
        due_date=request.due_date.isoformat() if request.due_date else None, late=step.late,
        inputs=stored)
    evidence.record(session, event, actor)


GRANTING = {"RequestGranted", "RequestGrantedNarrower", "InformationSupplied"}
# Coordination and the leading group settle a dispute; `share` says which way it went.
SETTLING = {"CoordinationRecorded", "LeadingGroupDecisionRecorded"}


def _apply_outcome(session: Session, actor: Actor, request: AccessRequest, step: Step,
                   terms: dict[str, Any]) -> None:
    if step.event in GRANTING:
        document = _document(session, actor, request)
        grant_service.issue_for(session, actor, request, document, step.event, terms)
    elif step.event in SETTLING and request.steps[-1].inputs.get("share") is not None:
        share = bool(request.steps[-1].inputs["share"])
        grant_service.settle(session, actor, request, _document(session, actor, request),
                             step.event, share, terms)


def _document(session: Session, actor: Actor, request: AccessRequest) -> dict | None:
    if not request.resource_code:
        return None
    return published_service.published_entry(session, actor, request.resource_code).document


def _divisions(session: Session, request: AccessRequest) -> tuple[str, str]:
    requester = session.get(Agency, request.requester_agency_id)
    provider = session.get(Agency, request.provider_agency_id)
    return requester.division_code, provider.division_code


# --- notices -------------------------------------------------------------------------------

def _notify_submission(session: Session, request: AccessRequest) -> None:
    status = RequestStatus(request.status)
    if status is RequestStatus.SUBMITTED:
        notice_service.notify(session, request.provider_agency_id, "request_received",
                              f"收到共享申请 #{request.id}（{request.resource_name}），"
                              f"请于 {request.due_date.isoformat()} 前作出决定",
                              request_id=request.id)
    notice_service.notify(session, request.requester_agency_id, "request_" + status.value,
                          f"共享申请 #{request.id}（{request.resource_name}）：{status.label}",
                          request_id=request.id)


# access_notice.kind holds 24 characters: the one longer step gets a shorter kind.
STEP_KINDS = {"record_leading_group_decision": "leading_group_decided"}


def _notify_step(session: Session, request: AccessRequest, action: str, step: Step) -> None:
    text = (f"共享申请 #{request.id}（{request.resource_name}）："
            f"{workflow.ACTION_LABELS[action]}，当前状态“{step.state.status.label}”")
    kind = STEP_KINDS.get(action, "step_" + action)
    for agency_id in {request.requester_agency_id, request.provider_agency_id}:
        notice_service.notify(session, agency_id, kind, text, request_id=request.id)
