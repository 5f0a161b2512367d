"""The lifecycle of a request for shared information, as a pure state machine (no database, no
clock of its own): `submit` routes a new request by the catalog's share type, `transition` takes
one step along the TRANSITIONS table, and deadlines are counted in working days with the
calendar passed in, so they are provisional while a year on the way is unknown.

The paths, by the regulations:
- unconditional (GZ-19, GD-20): granted at once, nobody decides;
- conditional (GD-21, GD-22): the provider grants, grants narrower or refuses with written
  reasons and a legal basis (GD-11) within 15 working days; disagreement, or no decision in time,
  goes to the IT authority's coordination, and a coordination still disputed to the leading
  group, whose decision the IT authority records;
- outside the catalog (GZ-19): the IT authority refers it to the government; if the government
  decides to share, the provider supplies within 5 working days of that decision;
- not shared: refused at once, citing the legal basis the catalog records.
The requester may withdraw at any open stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, Forbidden, InvalidInput
from govshare.workdays.calendar import Count, Deadline, WorkCalendar

DECISION_DAYS = 15  # GD-22: the provider answers within 15 working days of the application
SUPPLY_DAYS = 5  # GZ-19: the provider supplies within 5 working days of the government's decision


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    GRANTED = "granted"
    NARROWED = "narrowed"
    REFUSED = "refused"
    IN_COORDINATION = "in_coordination"
    COORDINATED = "coordinated"
    AT_LEADING_GROUP = "at_leading_group"
    LEADING_GROUP_DECIDED = "leading_group_decided"
    PENDING_REFERRAL = "pending_referral"
    AT_GOVERNMENT = "at_government"
    AWAITING_SUPPLY = "awaiting_supply"
    SUPPLIED = "supplied"
    GOVERNMENT_REFUSED = "government_refused"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


S = RequestStatus

STATUS_LABELS = {
    S.SUBMITTED: "待提供方决定",
    S.GRANTED: "已授权",
    S.NARROWED: "缩小范围授权",
    S.REFUSED: "已拒绝",
    S.IN_COORDINATION: "信息化主管部门协调中",
    S.COORDINATED: "协调完成",
    S.AT_LEADING_GROUP: "领导小组决定中",
    S.LEADING_GROUP_DECIDED: "领导小组已决定",
    S.PENDING_REFERRAL: "待信息化主管部门报请政府决定",
    S.AT_GOVERNMENT: "报政府决定中",
    S.AWAITING_SUPPLY: "待提供方提供",
    S.SUPPLIED: "已提供",
    S.GOVERNMENT_REFUSED: "政府决定不予共享",
    S.WITHDRAWN: "已撤回",
}

# Stages where someone other than the requester still has to act: the requester may withdraw.
OPEN = frozenset({S.SUBMITTED, S.IN_COORDINATION, S.AT_LEADING_GROUP, S.PENDING_REFERRAL,
                  S.AT_GOVERNMENT, S.AWAITING_SUPPLY})

# The clock each state runs, counted from the day the request entered it.
CLOCKS = {S.SUBMITTED: DECISION_DAYS, S.AWAITING_SUPPLY: SUPPLY_DAYS}


class Route(StrEnum):
    """How a new request goes: the catalog's share type (共享类型), or outside the catalog."""

    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NOT_SHARED = "not_shared"  # 不予共享
    OUTSIDE_CATALOG = "outside_catalog"  # 目录外


class OutsideCatalogRule(StrEnum):
    """GZ-19 sends a request outside the catalog to the government; GD-21 to the provider like a
    conditional one. The city rule is the default (requirements.md: GZ first, then GD)."""

    GZ = "GZ"
    GD = "GD"


class Party(StrEnum):
    REQUESTER = "requester"
    PROVIDER = "provider"
    IT_AUTHORITY = "it_authority"
    GOVERNMENT = "government"


PARTY_LABELS = {
    Party.REQUESTER: "申请机关",
    Party.PROVIDER: "提供机关",
    Party.IT_AUTHORITY: "信息化主管部门",
    Party.GOVERNMENT: "人民政府",
}

ACTION_LABELS = {
    "grant": "授权共享",
    "grant_narrower": "缩小范围授权",
    "refuse": "拒绝共享",
    "escalate": "逾期未决定提请协调",
    "dispute": "提出异议",
    "record_coordination": "记录协调结果",
    "record_leading_group_decision": "记录领导小组决定",
    "refer_to_government": "报请政府决定",
    "decide_to_share": "决定共享",
    "decide_not_to_share": "决定不予共享",
    "supply": "提供信息",
    "withdraw": "撤回申请",
}
ACTIONS = tuple(ACTION_LABELS)

FIELD_LABELS = {
    "reasons": "书面理由",
    "legal_basis": "法律依据",
    "narrowing": "缩小的范围（减少的信息项、缩短的期限或收窄的数据范围）",
    "outcome": "协调结果",
    "decision": "领导小组的决定",
}


@dataclass(frozen=True)
class Transition:
    to: RequestStatus
    parties: frozenset[Party]
    event: str  # past tense, the name of the event the service audits
    required: tuple[str, ...] = ()  # inputs that must be given and not blank
    only_when_overdue: bool = False


def _t(to: RequestStatus, parties: set[Party], event: str, *required: str,
       only_when_overdue: bool = False) -> Transition:
    return Transition(to, frozenset(parties), event, required, only_when_overdue)


REQ, PRO, IT, GOV = Party.REQUESTER, Party.PROVIDER, Party.IT_AUTHORITY, Party.GOVERNMENT

TRANSITIONS: Mapping[tuple[RequestStatus, str], Transition] = {
    # GD-22: the provider's decision. Narrowing withholds part of what was asked, so it is a
    # refusal of that part and needs reasons and a legal basis as much as a refusal (GD-11).
    (S.SUBMITTED, "grant"): _t(S.GRANTED, {PRO}, "RequestGranted"),
    (S.SUBMITTED, "grant_narrower"): _t(S.NARROWED, {PRO}, "RequestGrantedNarrower",
                                        "narrowing", "reasons", "legal_basis"),
    (S.SUBMITTED, "refuse"): _t(S.REFUSED, {PRO}, "RequestRefused", "reasons", "legal_basis"),
    # GD-22: no decision by the deadline goes to coordination, raised by the requester or by the
    # IT authority (the deadline sweep acts as the system actor, which holds that role).
    (S.SUBMITTED, "escalate"): _t(S.IN_COORDINATION, {REQ, IT}, "OverdueRequestEscalated",
                                  only_when_overdue=True),
    (S.REFUSED, "dispute"): _t(S.IN_COORDINATION, {REQ}, "RefusalDisputed", "reasons"),
    (S.NARROWED, "dispute"): _t(S.IN_COORDINATION, {REQ}, "NarrowingDisputed", "reasons"),
    (S.IN_COORDINATION, "record_coordination"): _t(S.COORDINATED, {IT}, "CoordinationRecorded",
                                                   "outcome"),
    # Either party may still disagree with the coordination; the leading group then decides.
    (S.COORDINATED, "dispute"): _t(S.AT_LEADING_GROUP, {REQ, PRO}, "CoordinationDisputed",
                                   "reasons"),
    (S.AT_LEADING_GROUP, "record_leading_group_decision"): _t(
        S.LEADING_GROUP_DECIDED, {IT}, "LeadingGroupDecisionRecorded", "decision"),
    # GZ-19: outside the catalog.
    (S.PENDING_REFERRAL, "refer_to_government"): _t(S.AT_GOVERNMENT, {IT},
                                                    "RequestReferredToGovernment"),
    (S.AT_GOVERNMENT, "decide_to_share"): _t(S.AWAITING_SUPPLY, {GOV}, "GovernmentDecidedToShare"),
    (S.AT_GOVERNMENT, "decide_not_to_share"): _t(S.GOVERNMENT_REFUSED, {GOV},
                                                 "GovernmentDecidedNotToShare", "reasons"),
    (S.AWAITING_SUPPLY, "supply"): _t(S.SUPPLIED, {PRO}, "InformationSupplied"),
    **{(s, "withdraw"): _t(S.WITHDRAWN, {REQ}, "RequestWithdrawn") for s in OPEN},
}

SUBMISSIONS: Mapping[Route, Transition] = {
    Route.UNCONDITIONAL: _t(S.GRANTED, {REQ}, "RequestGrantedAtOnce"),
    Route.CONDITIONAL: _t(S.SUBMITTED, {REQ}, "RequestSubmitted"),
    # The refusal cites the legal basis the catalog records for not sharing (GD-11).
    Route.NOT_SHARED: _t(S.REFUSED, {REQ}, "RequestRefusedAtOnce", "legal_basis"),
    Route.OUTSIDE_CATALOG: _t(S.PENDING_REFERRAL, {REQ}, "RequestSubmitted"),
}
_OUTSIDE_CATALOG_GD = SUBMISSIONS[Route.CONDITIONAL]


@dataclass(frozen=True)
class RequestState:
    status: RequestStatus
    requester_agency_id: int
    provider_agency_id: int
    since_date: date  # the day the request entered `status`: where that state's clock starts


@dataclass(frozen=True)
class Step:
    state: RequestState
    deadline: Deadline | None  # the new state's deadline, None when no clock runs
    event: str
    late: bool = False  # taken after the previous state's deadline: a breach to record


def submit(route: Route | str, actor: Actor, *, provider_agency_id: int, today: date,
           calendar: WorkCalendar, outside_catalog_rule: OutsideCatalogRule | str = "GZ",
           **inputs: object) -> Step:
    """Route a new request of the actor's agency: granted, refused, or put before the decider."""
    rule = _submission(Route(route), OutsideCatalogRule(outside_catalog_rule))
    if not _acts_for_agency(actor) or actor.agency_id is None:
        raise Forbidden("只有机关工作人员或管理员可以代表本机关提出共享申请", code="not_requester")
    if provider_agency_id == actor.agency_id:
        raise InvalidInput("不能向本机关申请共享信息", field="provider_agency_id", rule="own_agency")
    _check_inputs(rule, "不予共享的答复", inputs)
    state = RequestState(rule.to, actor.agency_id, provider_agency_id, today)
    return Step(state, deadline_of(state, calendar), rule.event)


def transition(state: RequestState, action: str, actor: Actor, *, today: date,
               calendar: WorkCalendar, **inputs: object) -> Step:
    """Take `action` on a request: the new state, its deadline and the event to audit."""
    rule = _rule_for(state, action)
    _check_party(rule, state, actor, action)
    _check_inputs(rule, ACTION_LABELS[action], inputs)
    if today < state.since_date:
        raise InvalidInput("办理日期不能早于申请进入当前环节的日期", field="today", rule="range")
    late = is_overdue(state, today, calendar)
    if rule.only_when_overdue and not late:
        due = deadline_of(state, calendar).due_date
        raise Conflict(f"提供方决定期限为 {due.isoformat()}，尚未逾期，不能{ACTION_LABELS[action]}",
                       code="not_overdue")
    new = replace(state, status=rule.to, since_date=today)
    return Step(new, deadline_of(new, calendar), rule.event, late)


def actions_open_to(state: RequestState, actor: Actor) -> list[str]:
    """The actions this actor may take on the request now (the buttons a page shows)."""
    return [a for a in ACTIONS if (rule := TRANSITIONS.get((state.status, a)))
            and any(_is_party(actor, p, state) for p in rule.parties)]


def deadline_of(state: RequestState, calendar: WorkCalendar) -> Deadline | None:
    """The deadline of the request's current state, recomputed with today's calendar so that
    a provisional deadline becomes certain once its year is entered."""
    days = CLOCKS.get(state.status)
    return None if days is None else calendar.add_working_days(state.since_date, days)


def working_days_left(state: RequestState, today: date, calendar: WorkCalendar) -> Count | None:
    """Working days from `today` to the deadline: 0 on the day itself, negative once past;
    None when no clock runs."""
    deadline = deadline_of(state, calendar)
    if deadline is None:
        return None
    count = calendar.working_days_between(today, deadline.due_date)
    return Count(count.days, deadline.provisional or count.provisional)


def is_overdue(state: RequestState, today: date, calendar: WorkCalendar) -> bool:
    """Whether the current state's deadline has passed: the due day itself is still in time."""
    deadline = deadline_of(state, calendar)
    return deadline is not None and today > deadline.due_date


def _submission(route: Route, outside_catalog_rule: OutsideCatalogRule) -> Transition:
    if route is Route.OUTSIDE_CATALOG and outside_catalog_rule is OutsideCatalogRule.GD:
        return _OUTSIDE_CATALOG_GD
    return SUBMISSIONS[route]


def _rule_for(state: RequestState, action: str) -> Transition:
    if action not in ACTION_LABELS:
        raise InvalidInput(f"没有“{action}”这种办理操作", field="action", rule="unknown")
    rule = TRANSITIONS.get((state.status, action))
    if rule is None:
        raise Conflict(f"申请当前状态为“{state.status.label}”，不能{ACTION_LABELS[action]}",
                       code="request_state")
    return rule


def _check_party(rule: Transition, state: RequestState, actor: Actor, action: str) -> None:
    if not any(_is_party(actor, p, state) for p in rule.parties):
        who = "或".join(PARTY_LABELS[p] for p in Party if p in rule.parties)
        raise Forbidden(f"只有本申请的{who}可以{ACTION_LABELS[action]}", code="not_a_party")


_PARTY_ROLES = {Party.IT_AUTHORITY: Role.IT_AUTHORITY, Party.GOVERNMENT: Role.GOVERNMENT}


def _is_party(actor: Actor, party: Party, state: RequestState) -> bool:
    # Agencies act only on their own requests; the IT authority and the government by role.
    if party is Party.REQUESTER:
        return _acts_for_agency(actor) and actor.agency_id == state.requester_agency_id
    if party is Party.PROVIDER:
        return _acts_for_agency(actor) and actor.agency_id == state.provider_agency_id
    return actor.has(_PARTY_ROLES[party])


def _acts_for_agency(actor: Actor) -> bool:
    return actor.has(Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


def _check_inputs(rule: Transition, what: str, inputs: Mapping[str, object]) -> None:
    for name in rule.required:
        value = inputs.get(name)
        if not (value.strip() if isinstance(value, str) else value):
            raise InvalidInput(f"{what}须写明{FIELD_LABELS[name]}", field=name, rule="required")
