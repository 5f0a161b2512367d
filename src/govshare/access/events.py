"""The audited events of access. Every step of a request is one event, named by the workflow's
transition (`RequestGranted`, `RefusalDisputed` …); grants, agreements and consents have their own.
Each carries `agency_id`, the agency concerned, so auditors find it by agency."""

from __future__ import annotations

from dataclasses import dataclass, field

from govshare.access import workflow
from govshare.evidence.events import Event


@dataclass(frozen=True)
class RequestStepEvent(Event):
    """Base of the request steps; the concrete class (its name) says which step it was."""

    request_id: int
    agency_id: int  # the requesting agency
    provider_agency_id: int
    resource_code: str | None
    action: str
    from_status: str | None
    to_status: str
    due_date: str | None = None
    late: bool = False
    inputs: dict = field(default_factory=dict)


def _step_class(name: str) -> type[RequestStepEvent]:
    # The event type is the class name (Event.event_type).
    return dataclass(frozen=True)(type(name, (RequestStepEvent,), {"__module__": __name__}))


# One class per event the workflow names, so the chain says `RequestRefused`, not `StepTaken`.
STEP_EVENTS: dict[str, type[RequestStepEvent]] = {
    name: _step_class(name)
    for name in sorted({t.event for t in workflow.TRANSITIONS.values()}
                       | {t.event for t in workflow.SUBMISSIONS.values()})
}


@dataclass(frozen=True)
class GrantIssued(Event):
    grant_id: int
    request_id: int
    agency_id: int  # the grantee
    provider_agency_id: int
    resource_code: str | None
    items: list
    division_code: str | None
    valid_from: str
    valid_until: str
    status: str


@dataclass(frozen=True)
class GrantActivated(Event):
    grant_id: int
    agency_id: int
    agreement_id: int


@dataclass(frozen=True)
class GrantAwaitingAgreement(Event):
    """GD-34: the agreement a grant relied on ended (terminated or expired) and no other covers
    it: the grant waits for an agreement again."""

    grant_id: int
    agency_id: int  # the grantee
    agreement_id: int
    reason: str


@dataclass(frozen=True)
class GrantRevoked(Event):
    grant_id: int
    agency_id: int
    provider_agency_id: int
    reasons: str


@dataclass(frozen=True)
class GrantsExpired(Event):
    grant_ids: list
    on_date: str


@dataclass(frozen=True)
class AgreementFiled(Event):
    agreement_id: int
    agency_id: int  # the provider
    consumer_agency_id: int
    resource_codes: list
    sensitivities: list
    valid_from: str
    valid_until: str
    document_sm3: str
    secrecy_filing: str


@dataclass(frozen=True)
class AgreementTerminated(Event):
    agreement_id: int
    agency_id: int
    reasons: str


@dataclass(frozen=True)
class AgreementExpired(Event):
    """The agreement's term ended (found by the daily sweep)."""

    agreement_id: int
    agency_id: int  # the provider
    valid_until: str
    on_date: str


@dataclass(frozen=True)
class ConsentRecorded(Event):
    consent_id: int
    grant_id: int
    agency_id: int  # the provider who consents
    grantee_agency_id: int
    kind: str
    recipient: str
    purpose: str


@dataclass(frozen=True)
class SupplyBreachRecorded(Event):
    """GZ-19: the provider did not supply within 5 working days of the government's decision."""

    request_id: int
    agency_id: int  # the provider in breach
    due_date: str
    on_date: str


@dataclass(frozen=True)
class NoticeHookSet(Event):
    agency_id: int
    url: str
    active: bool


@dataclass(frozen=True)
class DeadlineRecomputed(Event):
    """The sweep recounted an open request's deadline with today's calendar (a year's holidays
    declared, a day set or cleared since the deadline was counted)."""

    request_id: int
    agency_id: int  # the provider, who must act by the deadline
    status: str
    due_date_before: str | None
    due_date: str
    provisional: bool
    on_date: str


@dataclass(frozen=True)
class NoticesRead(Event):
    agency_id: int
    notice_ids: list
