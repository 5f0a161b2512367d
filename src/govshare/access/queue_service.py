"""The lists people work from: the requester's requests, the provider's inbox sorted by
deadline, the IT authority's coordination queue, the government's decision queue; each row with
its working days left, computed with today's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from govshare.access import policy, workflow
from govshare.access.models import AccessRequest
from govshare.access.workflow import RequestState, RequestStatus
from govshare.directory.models import Agency
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use
from govshare.workdays import service as workdays
from govshare.workdays.calendar import WorkCalendar

S = RequestStatus
QUEUES = {
    "mine": "本机关提出的申请",
    "inbox": "待本机关决定的申请",
    "coordination": "待信息化主管部门办理",
    "government": "待政府决定",
    "all": "全部申请",
}
# What waits on the IT authority: referrals, coordination and the leading group's decisions.
IT_STATES = (S.PENDING_REFERRAL, S.IN_COORDINATION, S.AT_LEADING_GROUP)


@dataclass(frozen=True)
class RequestRow:
    request: AccessRequest
    status_label: str
    days_left: int | None  # working days to the deadline: 0 on the day, negative once past
    provisional: bool  # the deadline reaches a year whose holidays are not known yet
    overdue: bool
    actions: list[str]  # what this actor may do now
    # The deadline recomputed with today's calendar: a provisional one moves once its year is
    # entered, while the stored due_date keeps the date computed at the step.
    due_date: date | None = None


def list_requests(session: Session, actor: Actor, queue: str, page: PageRequest, *,
                  status: str | None = None, today: date | None = None) -> Page[RequestRow]:
    """One of the queues; open ones sorted by deadline (most urgent first), others newest first."""
    policy.can_view_queue(actor, queue)
    stmt = _queue(select(AccessRequest), actor, queue)
    if status:
        stmt = stmt.where(AccessRequest.status == RequestStatus(status).value)
    if queue == "mine" or queue == "all":
        stmt = stmt.order_by(AccessRequest.id.desc())
    else:
        stmt = stmt.order_by(AccessRequest.due_date.asc().nulls_last(), AccessRequest.id)
    found = paginate(session, stmt, page)
    calendar, today = workdays.calendar(session), today or clock.today()
    rows = [row_of(r, actor, calendar, today) for r in found.items]
    return Page(items=rows, total=found.total, limit=found.limit, offset=found.offset)


@system_use("formats a request list_requests or request_row already let the actor read")
def row_of(request: AccessRequest, actor: Actor, calendar: WorkCalendar, today: date) -> RequestRow:
    """A request with what a page shows beside it."""
    state = RequestState(S(request.status), request.requester_agency_id,
                         request.provider_agency_id, request.since_date)
    left = workflow.working_days_left(state, today, calendar)
    deadline = workflow.deadline_of(state, calendar)
    overdue = workflow.is_overdue(state, today, calendar)
    # `escalate` is offered only once the deadline has passed: before, it would answer 409.
    actions = [a for a in workflow.actions_open_to(state, actor)
               if overdue or not workflow.TRANSITIONS[(state.status, a)].only_when_overdue]
    return RequestRow(request=request, status_label=state.status.label,
                      due_date=deadline.due_date if deadline else None,
                      days_left=left.days if left else None,
                      provisional=bool(left and left.provisional),
                      overdue=overdue, actions=actions)


@system_use("formats a request the caller obtained through request_service.get_request")
def request_row(session: Session, actor: Actor, request: AccessRequest,
                today: date | None = None) -> RequestRow:
    """The row of one request the actor has already been allowed to read."""
    # A state without a clock (granted, refused …) never consults the calendar: skip reading it.
    calendar = (workdays.calendar(session) if S(request.status) in workflow.CLOCKS
                else WorkCalendar())
    return row_of(request, actor, calendar, today or clock.today())


def _queue(stmt: Select, actor: Actor, queue: str) -> Select:
    if queue == "mine":
        return stmt.where(AccessRequest.requester_agency_id == actor.agency_id)
    if queue == "inbox":
        # The provider's part: decisions to take and supplies owed, and what it decided before.
        return stmt.where(AccessRequest.provider_agency_id == actor.agency_id,
                          AccessRequest.route != workflow.Route.UNCONDITIONAL.value)
    division = policy.queue_division(actor, queue)
    if division is not None:
        stmt = _in_division(stmt, division)
    if queue == "coordination":
        return stmt.where(AccessRequest.status.in_([s.value for s in IT_STATES]))
    if queue == "government":
        return stmt.where(AccessRequest.status == S.AT_GOVERNMENT.value)
    return stmt


def _in_division(stmt: Select, division: str) -> Select:
    """Requests whose requester or provider is an agency of the division (GZ-21)."""
    agencies = select(Agency.id).where(Agency.division_code == division)
    return stmt.where(or_(AccessRequest.requester_agency_id.in_(agencies),
                          AccessRequest.provider_agency_id.in_(agencies)))
