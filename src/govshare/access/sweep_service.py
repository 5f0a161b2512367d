"""The daily deadline sweep (GD-22, GZ-19): no deadline passes unnoticed.

Over the open requests that run a clock (submitted: the provider decides within 15 working days;
awaiting supply: the provider supplies within 5 working days of the government's decision):
- deadlines are recounted with today's calendar first (a provisional one becomes certain once
  its year is declared; a day set or cleared moves it);
- due within the next 3 working days → `due_soon` to the provider, due today → `due_today`;
- overdue and undecided → escalated to the IT authority's coordination (GD-22), the city IT
  authority told;
- overdue and not supplied → a breach: `supply_overdue` to the provider and the city IT
  authority, and `SupplyBreachRecorded` in the audit chain, once per request and deadline;
- grants whose validity ended are expired, and the confidentiality agreements reviewed
  (`agreement_service.review_agreements`: ended terms expire, begun ones activate, GD-34).

Set-based: the horizon is counted once with the calendar, the requests are picked by `due_date`
(index ix_access_request_due) and the notices inserted by INSERT … SELECT that skips the ones
already there (the notice's unique constraint makes every sweep of a day repeatable). Only the
rare overdue requests take a step each. The caller owns the transaction (the worker, the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, case, cast, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import (
    agreement_service,
    grant_service,
    notice_service,
    policy,
    request_service,
    workflow,
)
from govshare.access.events import DeadlineRecomputed, SupplyBreachRecorded
from govshare.access.models import AccessRequest, Notice
from govshare.access.workflow import RequestState, RequestStatus
from govshare.directory.models import Agency
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict
from govshare.kit.pages import cn_date
from govshare.kit.types import UtcDateTime
from govshare.workdays import service as workdays
from govshare.workdays.calendar import WorkCalendar

SOON_DAYS = 3  # working days ahead that count as "due soon"
S = RequestStatus
CLOCKED = (S.SUBMITTED.value, S.AWAITING_SUPPLY.value)  # workflow.CLOCKS: the states with a deadline
# The notices only the sweep writes, in bulk: it queues their webhooks itself.
SWEEP_KINDS = ("due_soon", "due_today", "overdue_escalated", "supply_overdue")
SWEEP_LOCK = 0x67735F7377656570  # pg_advisory_xact_lock key: one sweep at a time ("gs_sweep")

# What the provider is told, by state: (what it must do, the rule that says so).
DUTIES = {
    S.SUBMITTED.value: ("作出决定", "GD-22：收到申请之日起 15 个工作日内答复"),
    S.AWAITING_SUPPLY.value: ("提供信息", "GZ-19：政府决定共享之日起 5 个工作日内提供"),
}
LATE = {S.SUBMITTED.value: "逾期将提请信息化主管部门协调",
        S.AWAITING_SUPPLY.value: "逾期未提供将记为违约"}


@dataclass(frozen=True)
class SweepReport:
    on_date: date
    horizon: date  # the last day that counts as due soon
    recomputed: int = 0  # deadlines recounted with today's calendar
    due_soon: int = 0  # notices
    due_today: int = 0  # notices
    escalated: int = 0  # overdue decisions taken to coordination
    supply_breaches: int = 0  # overdue supplies recorded as breaches
    grants_expired: int = 0
    agreements_expired: int = 0  # GD-34: their grants wait again unless another one covers them
    grants_activated: int = 0  # by agreements whose term began
    grants_suspended: int = 0  # by agreements whose term ended
    skipped: int = 0  # overdue requests another step reached first

    @property
    def summary(self) -> str:
        return (f"{self.on_date.isoformat()} 期限巡检：重算期限 {self.recomputed} 件，"
                f"即将到期提醒 {self.due_soon} 条，今日到期提醒 {self.due_today} 条，"
                f"逾期提请协调 {self.escalated} 件，逾期未提供（违约）{self.supply_breaches} 件，"
                f"授权到期 {self.grants_expired} 项，保密协议到期 {self.agreements_expired} 份"
                f"（授权恢复待签 {self.grants_suspended} 项，生效 {self.grants_activated} 项）")


def sweep(session: Session, actor: Actor, today: date | None = None) -> SweepReport:
    """Run the day's sweep as `actor` (the worker: the system actor). Repeatable: a second
    sweep of the same day finds nothing new to say."""
    policy.can_run_sweep(actor)
    today = today or clock.today()
    _one_at_a_time(session)
    calendar = workdays.calendar(session)
    recomputed = _recompute_deadlines(session, actor, calendar, today)
    it_authority = _city_it_authority(session)
    before, stamp = session.scalar(select(func.max(Notice.id))) or 0, clock.now()
    escalated, skipped = _escalate_overdue(session, actor, today, it_authority, stamp)
    breaches = _record_supply_breaches(session, actor, today, it_authority, stamp)
    horizon = calendar.add_working_days(today, SOON_DAYS).due_date
    due_today = sum(_notify_due(session, "due_today", status, today, calendar, today, stamp)
                    for status in CLOCKED)
    due_soon = sum(_notify_due(session, "due_soon", status, day, calendar, today, stamp)
                   for status in CLOCKED for day in _days(today, horizon))
    notice_service.queue_for_hooks(session, after_id=before, kinds=SWEEP_KINDS)
    expired = grant_service.expire_grants(session, actor, today)
    review = agreement_service.review_agreements(session, actor, today)
    return SweepReport(on_date=today, horizon=horizon, recomputed=recomputed, due_soon=due_soon,
                       due_today=due_today, escalated=escalated, supply_breaches=breaches,
                       grants_expired=expired, agreements_expired=review.expired,
                       grants_activated=review.activated, grants_suspended=review.suspended,
                       skipped=skipped)


def _one_at_a_time(session: Session) -> None:
    # Two workers sweeping at once would race on the same notices; the second waits here and
    # then finds them written. SQLite writers are one at a time already (BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK})


def _days(today: date, horizon: date) -> list[date]:
    return [today + timedelta(days=n) for n in range(1, (horizon - today).days + 1)]


# --- deadlines recounted ----------------------------------------------------------------------

def _recompute_deadlines(session: Session, actor: Actor, calendar: WorkCalendar,
                         today: date) -> int:
    """Recount every open deadline with today's calendar, one UPDATE per clock start whose
    stored deadline no longer matches; each change audited."""
    r = AccessRequest
    groups = session.execute(select(r.status, r.since_date, r.due_date, r.due_provisional)
                             .where(r.status.in_(CLOCKED)).distinct()).all()
    events = []
    for status, since, due, provisional in groups:
        deadline = workflow.deadline_of(RequestState(S(status), 0, 0, since), calendar)
        if (deadline.due_date, deadline.provisional) == (due, provisional):
            continue
        match = (r.status == status, r.since_date == since, r.due_provisional == provisional,
                 r.due_date.is_(None) if due is None else r.due_date == due)
        rows = session.execute(select(r.id, r.provider_agency_id).where(*match)).all()
        session.execute(update(r).where(*match).values(due_date=deadline.due_date,
                                                       due_provisional=deadline.provisional))
        events += [DeadlineRecomputed(
            request_id=rid, agency_id=provider, status=status,
            due_date_before=due.isoformat() if due else None,
            due_date=deadline.due_date.isoformat(), provisional=deadline.provisional,
            on_date=today.isoformat()) for rid, provider in rows]
    evidence.record_many(session, events, actor)
    if events:
        session.expire_all()  # the ORM must not keep the deadlines it read before
    return len(events)


# --- overdue ------------------------------------------------------------------------------------

def _city_it_authority(session: Session) -> int | None:
    return session.scalar(select(Agency.id).where(
        Agency.is_it_authority.is_(True), Agency.level == "city", Agency.active.is_(True))
        .order_by(Agency.id).limit(1))


def _escalate_overdue(session: Session, actor: Actor, today: date,
                      it_authority: int | None, stamp) -> tuple[int, int]:
    """GD-22: a provider that has not decided by its deadline is taken to coordination, one
    step each (the step notifies requester and provider); the city IT authority is told."""
    r = AccessRequest
    overdue = session.execute(select(r.id, r.due_date, r.resource_name).where(
        r.status == S.SUBMITTED.value, r.due_date < today).order_by(r.due_date, r.id)).all()
    told, skipped = [], 0
    with notice_service.hooks_read_once(session):
        for request_id, due, name in overdue:
            try:
                # Refused before anything is written (the row is locked, then the step checked).
                request_service.act_on_request(session, actor, request_id, "escalate", {},
                                               today=today)
            except Conflict:  # decided or withdrawn meanwhile: nothing to escalate
                skipped += 1
                continue
            told.append(_notice(it_authority, request_id, "overdue_escalated", due, stamp,
                                f"共享申请 #{request_id}（{name}）提供方逾期未作出决定（期限 "
                                f"{cn_date(due)}），已转入信息化主管部门协调，请组织协调（GD-22）"))
    _insert_notices(session, told if it_authority is not None else [])
    return len(told), skipped


def _record_supply_breaches(session: Session, actor: Actor, today: date,
                            it_authority: int | None, stamp) -> int:
    """GZ-19: the provider did not supply within 5 working days of the government's decision.
    The provider's `supply_overdue` notice marks the breach as recorded for that deadline."""
    r = AccessRequest
    already = _notified(r.provider_agency_id, "supply_overdue")
    late = session.execute(select(r.id, r.provider_agency_id, r.due_date, r.resource_name).where(
        r.status == S.AWAITING_SUPPLY.value, r.due_date < today, ~already)
        .order_by(r.due_date, r.id)).all()
    notices, events = [], []
    for request_id, provider, due, name in late:
        text_ = (f"共享申请 #{request_id}（{name}）：政府决定共享后提供方未在期限 {cn_date(due)}前"
                 "提供信息，已记为违约（GZ-19：5 个工作日内提供）")
        notices += [_notice(agency_id, request_id, "supply_overdue", due, stamp, text_)
                    for agency_id in dict.fromkeys((provider, it_authority)) if agency_id is not None]
        events.append(SupplyBreachRecorded(request_id=request_id, agency_id=provider,
                                           due_date=due.isoformat(), on_date=today.isoformat()))
    _insert_notices(session, notices)
    evidence.record_many(session, events, actor)
    return len(events)


def _notified(agency_id, kind: str):
    """Whether the request already has this notice for its current deadline: one probe of the
    notice's unique index per request. OFFSET 0 keeps PostgreSQL from turning it into a join it
    plans from statistics that the sweep's own inserts have just made stale (a nested loop
    over every notice of the day: 2.5 s instead of 0.07 s for 6,653 requests)."""
    r, n = AccessRequest, Notice
    return select(n.id).where(n.agency_id == agency_id, n.request_id == r.id, n.kind == kind,
                              n.due_date == r.due_date).offset(0).exists()


def _notice(agency_id: int | None, request_id: int, kind: str, due: date, stamp,
            message: str) -> dict:
    return {"agency_id": agency_id, "request_id": request_id, "kind": kind, "due_date": due,
            "message": message, "created_at": stamp}


def _insert_notices(session: Session, rows: list[dict]) -> None:
    """One batched INSERT; their webhooks are queued with the day's other notices."""
    if rows:
        session.execute(insert(Notice.__table__), rows)


# --- due soon, due today ----------------------------------------------------------------------

def _notify_due(session: Session, kind: str, status: str, day: date, calendar: WorkCalendar,
                today: date, stamp) -> int:
    """One INSERT … SELECT: a notice to the provider of every `status` request due on `day`
    that has not had this notice for this deadline yet."""
    r = AccessRequest
    duty, rule = DUTIES[status]
    if kind == "due_today":
        middle = f"）：今天（{cn_date(day)}）是{duty}的最后一天"
        tail = f"，{LATE[status]}（{rule}）"
    else:
        left = calendar.working_days_between(today, day).days
        middle = f"）：须在 {cn_date(day)}前{duty}，还剩 {left} 个工作日"
        tail = f"（{rule}）"
    message = (literal("共享申请 #", String) + cast(r.id, String) + literal("（", String)
               + r.resource_name + literal(middle, String)
               + case((r.due_provisional.is_(True), literal("（暂定）", String)),
                      else_=literal("", String))
               + literal(tail, String))
    already = _notified(r.provider_agency_id, kind)
    rows = select(r.provider_agency_id, r.id, literal(kind, String), r.due_date, message,
                  literal(stamp, UtcDateTime())).where(
        r.status == status, r.due_date == day, ~already)
    result = session.execute(
        insert(Notice.__table__).from_select(
            ["agency_id", "request_id", "kind", "due_date", "message", "created_at"], rows),
        execution_options={"preserve_rowcount": True})  # INSERT counts are not kept otherwise
    return result.rowcount
