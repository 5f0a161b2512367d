"""The request lifecycle, pure (no database): the instant paths, the provider's 15 working days
and the 5 working days of supply counted on real 2026/2027 dates, every transition in the table
taken once, every other (state, action) pair refused, the wrong party refused, and no refusal
without written reasons and a legal basis."""

from __future__ import annotations

from datetime import date

import pytest

from govshare.access.workflow import (
    ACTION_LABELS,
    ACTIONS,
    OPEN,
    STATUS_LABELS,
    SUBMISSIONS,
    TRANSITIONS,
    Party,
    RequestState,
    RequestStatus,
    Route,
    Step,
    actions_open_to,
    deadline_of,
    is_overdue,
    submit,
    transition,
    working_days_left,
)
from govshare.kit.actor import SYSTEM, Actor, Role
from govshare.kit.errors import Conflict, Forbidden, InvalidInput
from govshare.workdays.calendar import Count, Deadline, WorkCalendar

D = date
S = RequestStatus
BUILT_IN = WorkCalendar()
DECLARED_2027 = WorkCalendar(declared_years=frozenset({2027}))
ENTERED_2027 = WorkCalendar(overrides={D(2027, 1, 1): False}, declared_years=frozenset({2027}))
REQUESTER_AGENCY, PROVIDER_AGENCY, OTHER_AGENCY = 101, 202, 303


def person(agency_id: int, *roles: Role) -> Actor:
    return Actor(kind="user", id=agency_id * 10 + len(roles), name="张三", agency_id=agency_id,
                 agency_level="city", division_code="440100", roles=frozenset(roles))


REQUESTER = person(REQUESTER_AGENCY, Role.AGENCY_STAFF)
REQUESTER_ADMIN = person(REQUESTER_AGENCY, Role.AGENCY_ADMIN)
PROVIDER = person(PROVIDER_AGENCY, Role.AGENCY_STAFF)
PROVIDER_ADMIN = person(PROVIDER_AGENCY, Role.AGENCY_ADMIN)
STRANGER = person(OTHER_AGENCY, Role.AGENCY_STAFF, Role.AGENCY_ADMIN)
IT = person(1, Role.IT_AUTHORITY)
GOVERNMENT = person(2, Role.GOVERNMENT)
SUPERVISOR = person(3, Role.SUPERVISION, Role.AUDITOR)

# Who each actor is on a request from REQUESTER_AGENCY to PROVIDER_AGENCY.
PARTIES_OF = {
    REQUESTER: {Party.REQUESTER}, REQUESTER_ADMIN: {Party.REQUESTER},
    PROVIDER: {Party.PROVIDER}, PROVIDER_ADMIN: {Party.PROVIDER},
    IT: {Party.IT_AUTHORITY}, GOVERNMENT: {Party.GOVERNMENT},
    STRANGER: set(), SUPERVISOR: set(),
}
EVERY_INPUT = {"reasons": "履职不需要该信息项", "legal_basis": "《广东省政务数据资源共享管理办法》第二十二条",
               "narrowing": "仅提供姓名、婚姻状况两项", "outcome": "双方同意按缩小范围共享",
               "decision": "领导小组决定共享"}
REFUSAL = {"reasons": "申请事项与履职无关", "legal_basis": "《中华人民共和国个人信息保护法》第三十四条"}


def state(status: RequestStatus, since: date = D(2026, 9, 28)) -> RequestState:
    return RequestState(status, REQUESTER_AGENCY, PROVIDER_AGENCY, since)


def take(status, action, actor, today=D(2026, 10, 12), since=D(2026, 9, 28), cal=BUILT_IN,
         **inputs) -> Step:
    return transition(state(status, since), action, actor, today=today, calendar=cal, **inputs)


# --- submission: the instant paths and who decides ------------------------------------------

@pytest.mark.parametrize(("route", "rule", "inputs", "status", "event", "deadline"), [
    pytest.param(Route.UNCONDITIONAL, "GZ", {}, S.GRANTED, "RequestGrantedAtOnce", None,
                 marks=[pytest.mark.req("GZ-19"), pytest.mark.req("GD-20")], id="unconditional"),
    pytest.param(Route.CONDITIONAL, "GZ", {}, S.SUBMITTED, "RequestSubmitted",
                 Deadline(D(2026, 10, 23), False),
                 marks=[pytest.mark.req("GD-21"), pytest.mark.req("GD-22")], id="conditional"),
    pytest.param(Route.NOT_SHARED, "GZ", {"legal_basis": "《保守国家秘密法》第二十条"}, S.REFUSED,
                 "RequestRefusedAtOnce", None, marks=pytest.mark.req("GD-11"), id="not-shared"),
    pytest.param(Route.OUTSIDE_CATALOG, "GZ", {}, S.PENDING_REFERRAL, "RequestSubmitted", None,
                 marks=pytest.mark.req("GZ-19"), id="outside-catalog-to-government"),
    pytest.param(Route.OUTSIDE_CATALOG, "GD", {}, S.SUBMITTED, "RequestSubmitted",
                 Deadline(D(2026, 10, 23), False),
                 marks=pytest.mark.req("GD-21"), id="outside-catalog-to-provider-under-GD"),
])
def test_a_request_is_routed_by_the_catalog_share_type(route, rule, inputs, status, event,
                                                         deadline):
    step = submit(route, REQUESTER, provider_agency_id=PROVIDER_AGENCY, today=D(2026, 9, 28),
                  calendar=BUILT_IN, outside_catalog_rule=rule, **inputs)
    assert step.state == state(status)
    assert (step.event, step.deadline, step.late) == (event, deadline, False)


def test_every_route_has_a_submission():
    assert set(SUBMISSIONS) == set(Route)


@pytest.mark.req("GD-11")
@pytest.mark.parametrize("legal_basis", [None, "", "  "])
def test_a_not_shared_refusal_without_the_catalog_legal_basis_is_refused(legal_basis):
    with pytest.raises(InvalidInput) as caught:
        submit(Route.NOT_SHARED, REQUESTER, provider_agency_id=PROVIDER_AGENCY,
               today=D(2026, 9, 28), calendar=BUILT_IN, legal_basis=legal_basis)
    assert (caught.value.field, caught.value.rule) == ("legal_basis", "required")


@pytest.mark.parametrize("actor", [IT, GOVERNMENT, SUPERVISOR, SYSTEM])
def test_only_agency_staff_submit_requests(actor):
    with pytest.raises(Forbidden):
        submit(Route.CONDITIONAL, actor, provider_agency_id=PROVIDER_AGENCY, today=D(2026, 9, 28),
               calendar=BUILT_IN)


def test_an_agency_does_not_request_its_own_information():
    with pytest.raises(InvalidInput) as caught:
        submit(Route.CONDITIONAL, PROVIDER, provider_agency_id=PROVIDER_AGENCY,
               today=D(2026, 9, 28), calendar=BUILT_IN)
    assert caught.value.field == "provider_agency_id"


# --- deadlines on real dates ------------------------------------------------------------------

# Submitted Monday 2026-09-28; the start day is not counted. Working days: 09-29, 09-30 (1-2),
# National Day 10-01..07 off, 10-08, 10-09, make-up Saturday 10-10 (3-5), 10-12..16 (6-10),
# 10-19..23 (11-15). Due Friday 2026-10-23.
SEPT_28 = state(S.SUBMITTED, D(2026, 9, 28))


@pytest.mark.req("GD-22")
def test_a_conditional_request_of_2026_09_28_is_due_on_2026_10_23_across_national_day():
    assert deadline_of(SEPT_28, BUILT_IN) == Deadline(D(2026, 10, 23), provisional=False)


@pytest.mark.req("GD-22")
@pytest.mark.parametrize(("today", "left", "overdue"), [
    (D(2026, 9, 28), 15, False),
    (D(2026, 9, 30), 13, False),
    (D(2026, 10, 5), 13, False),  # inside the holiday: nothing is used up
    (D(2026, 10, 10), 10, False),  # the make-up Saturday is used up
    (D(2026, 10, 22), 1, False),
    (D(2026, 10, 23), 0, False),  # due today, still in time
    (D(2026, 10, 24), 0, True),  # Saturday: the deadline has passed, no working day yet
    (D(2026, 10, 26), -1, True),
])
def test_working_days_left_on_the_request_of_2026_09_28(today, left, overdue):
    assert working_days_left(SEPT_28, today, BUILT_IN) == Count(left, provisional=False)
    assert is_overdue(SEPT_28, today, BUILT_IN) is overdue


@pytest.mark.req("GD-22")
@pytest.mark.parametrize(("today", "late"), [(D(2026, 10, 23), False), (D(2026, 10, 26), True)])
def test_a_decision_after_the_15th_working_day_is_taken_but_marked_late(today, late):
    step = transition(SEPT_28, "grant", PROVIDER, today=today, calendar=BUILT_IN)
    assert (step.state.status, step.late) == (S.GRANTED, late)


# Submitted Monday 2026-12-21: 12-22..12-31 are 8 working days; 2027-01-01 is a Friday nobody
# has entered, so weekends alone count it (9); 01-04..08 (10-14); due Monday 2027-01-11.
DEC_21 = state(S.SUBMITTED, D(2026, 12, 21))


@pytest.mark.req("GD-22")
@pytest.mark.parametrize(("cal", "deadline"), [
    (BUILT_IN, Deadline(D(2027, 1, 11), provisional=True)),
    (DECLARED_2027, Deadline(D(2027, 1, 11), provisional=False)),  # declared: no holiday there
    (ENTERED_2027, Deadline(D(2027, 1, 12), provisional=False)),  # New Year's Day entered off
])
def test_a_request_of_late_december_2026_is_due_in_2027_provisionally_until_2027_is_declared(
        cal, deadline):
    step = submit(Route.CONDITIONAL, REQUESTER, provider_agency_id=PROVIDER_AGENCY,
                  today=D(2026, 12, 21), calendar=cal)
    assert step.deadline == deadline == deadline_of(DEC_21, cal)


@pytest.mark.req("GD-22")
@pytest.mark.parametrize(("cal", "today", "left"), [
    (BUILT_IN, D(2026, 12, 21), Count(15, True)),
    (BUILT_IN, D(2026, 12, 31), Count(7, True)),  # 01-01, 01-04..08, 01-11
    (DECLARED_2027, D(2026, 12, 31), Count(7, False)),
    (ENTERED_2027, D(2026, 12, 31), Count(7, False)),  # 01-04..08, 01-11, 01-12
])
def test_days_left_into_2027_say_when_they_are_provisional(cal, today, left):
    assert working_days_left(DEC_21, today, cal) == left


def _decided_by_government(on: date, cal: WorkCalendar) -> Step:
    referred = take(S.PENDING_REFERRAL, "refer_to_government", IT, today=on, since=on, cal=cal)
    return transition(referred.state, "decide_to_share", GOVERNMENT, today=on, calendar=cal)


@pytest.mark.req("GZ-19")
@pytest.mark.parametrize(("decided", "cal", "due"), [
    # Monday 11-02: 11-03..06 (1-4), 11-09 (5).
    (D(2026, 11, 2), BUILT_IN, Deadline(D(2026, 11, 9), False)),
    # Wednesday 09-30: the holiday week skipped, 10-08, 10-09, make-up 10-10, 10-12, 10-13.
    (D(2026, 9, 30), BUILT_IN, Deadline(D(2026, 10, 13), False)),
    # Friday 12-25: 12-28..31 (1-4), then 2027-01-01 by weekends alone, or 01-04 once entered.
    (D(2026, 12, 25), BUILT_IN, Deadline(D(2027, 1, 1), True)),
    (D(2026, 12, 25), ENTERED_2027, Deadline(D(2027, 1, 4), False)),
])
def test_the_provider_supplies_within_5_working_days_of_the_government_decision(decided, cal, due):
    step = _decided_by_government(decided, cal)
    assert step.state == state(S.AWAITING_SUPPLY, decided)
    assert (step.event, step.deadline) == ("GovernmentDecidedToShare", due)


@pytest.mark.req("GZ-19")
@pytest.mark.parametrize(("supplied", "late"), [(D(2026, 10, 13), False), (D(2026, 10, 14), True)])
def test_a_supply_after_the_5th_working_day_is_marked_late_as_a_breach(supplied, late):
    awaiting = _decided_by_government(D(2026, 9, 30), BUILT_IN).state
    assert is_overdue(awaiting, supplied, BUILT_IN) is late
    step = transition(awaiting, "supply", PROVIDER, today=supplied, calendar=BUILT_IN)
    assert (step.state.status, step.event, step.deadline, step.late) == (
        S.SUPPLIED, "InformationSupplied", None, late)


# --- every transition in the table, taken once -------------------------------------------------

AFTER_DEADLINE = D(2026, 10, 26)  # the request of 2026-09-28 is overdue
CASES = [
    pytest.param(S.SUBMITTED, "grant", PROVIDER, {}, S.GRANTED, "RequestGranted",
                 marks=pytest.mark.req("GD-22")),
    pytest.param(S.SUBMITTED, "grant_narrower", PROVIDER_ADMIN, EVERY_INPUT, S.NARROWED,
                 "RequestGrantedNarrower", marks=pytest.mark.req("GD-22")),
    pytest.param(S.SUBMITTED, "refuse", PROVIDER, REFUSAL, S.REFUSED, "RequestRefused",
                 marks=[pytest.mark.req("GD-22"), pytest.mark.req("GD-11")]),
    pytest.param(S.SUBMITTED, "escalate", SYSTEM, {}, S.IN_COORDINATION, "OverdueRequestEscalated",
                 marks=pytest.mark.req("GD-22")),
    pytest.param(S.REFUSED, "dispute", REQUESTER, {"reasons": "履职确需"}, S.IN_COORDINATION,
                 "RefusalDisputed", marks=pytest.mark.req("GD-21")),
    pytest.param(S.NARROWED, "dispute", REQUESTER_ADMIN, {"reasons": "缺少住址无法办件"},
                 S.IN_COORDINATION, "NarrowingDisputed", marks=pytest.mark.req("GD-21")),
    pytest.param(S.IN_COORDINATION, "record_coordination", IT, {"outcome": "提供方同意共享"},
                 S.COORDINATED, "CoordinationRecorded", marks=pytest.mark.req("GD-21")),
    pytest.param(S.COORDINATED, "dispute", PROVIDER, {"reasons": "涉及个人隐私"},
                 S.AT_LEADING_GROUP, "CoordinationDisputed", marks=pytest.mark.req("GD-21")),
    pytest.param(S.AT_LEADING_GROUP, "record_leading_group_decision", IT, {"decision": "予以共享"},
                 S.LEADING_GROUP_DECIDED, "LeadingGroupDecisionRecorded",
                 marks=pytest.mark.req("GD-21")),
    pytest.param(S.PENDING_REFERRAL, "refer_to_government", IT, {}, S.AT_GOVERNMENT,
                 "RequestReferredToGovernment", marks=pytest.mark.req("GZ-19")),
    pytest.param(S.AT_GOVERNMENT, "decide_to_share", GOVERNMENT, {}, S.AWAITING_SUPPLY,
                 "GovernmentDecidedToShare", marks=pytest.mark.req("GZ-19")),
    pytest.param(S.AT_GOVERNMENT, "decide_not_to_share", GOVERNMENT, {"reasons": "涉及国家秘密"},
                 S.GOVERNMENT_REFUSED, "GovernmentDecidedNotToShare", marks=pytest.mark.req("GZ-19")),
    pytest.param(S.AWAITING_SUPPLY, "supply", PROVIDER, {}, S.SUPPLIED, "InformationSupplied",
                 marks=pytest.mark.req("GZ-19")),
    *[pytest.param(s, "withdraw", REQUESTER, {}, S.WITHDRAWN, "RequestWithdrawn") for s in OPEN],
]


@pytest.mark.parametrize(("status", "action", "actor", "inputs", "to", "event"), CASES)
def test_each_transition_in_the_table(status, action, actor, inputs, to, event):
    step = take(status, action, actor, today=AFTER_DEADLINE, **inputs)
    assert step.state == state(to, AFTER_DEADLINE)
    assert step.event == event
    assert step.deadline == deadline_of(step.state, BUILT_IN)


def test_the_cases_take_every_transition_in_the_table():
    assert {(p.values[0], p.values[1]) for p in CASES} == set(TRANSITIONS)


def test_withdrawal_is_open_at_every_stage_where_someone_else_must_still_act():
    assert {s for (s, a) in TRANSITIONS if a == "withdraw"} == OPEN
    assert {S.SUBMITTED, S.IN_COORDINATION, S.AT_LEADING_GROUP, S.PENDING_REFERRAL,
            S.AT_GOVERNMENT, S.AWAITING_SUPPLY} == OPEN


# --- bad input ---------------------------------------------------------------------------------

NOT_IN_TABLE = [(s, a) for s in RequestStatus for a in ACTIONS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("status", "action"), NOT_IN_TABLE)
def test_every_pair_not_in_the_table_is_a_conflict_naming_the_current_state(status, action):
    # SYSTEM holds every role, so only the state can be what refuses it.
    with pytest.raises(Conflict) as caught:
        take(status, action, SYSTEM, **EVERY_INPUT)
    assert f"“{status.label}”" in caught.value.message
    assert caught.value.status == 409


@pytest.mark.req("GD-22")
@pytest.mark.parametrize("action", ["grant", "grant_narrower", "refuse"])
@pytest.mark.parametrize("status", [S.WITHDRAWN, S.GRANTED, S.NARROWED, S.REFUSED])
def test_deciding_a_withdrawn_or_decided_request_is_a_conflict(status, action):
    with pytest.raises(Conflict, match=STATUS_LABELS[status]):
        take(status, action, PROVIDER, **EVERY_INPUT)


@pytest.mark.parametrize(("key", "actor"), [(k, a) for k in TRANSITIONS for a in PARTIES_OF],
                         ids=lambda v: str(v))
def test_only_the_parties_named_in_the_table_may_take_a_transition(key, actor):
    status, action = key
    if PARTIES_OF[actor] & TRANSITIONS[key].parties:
        take(status, action, actor, today=AFTER_DEADLINE, **EVERY_INPUT)
    else:
        with pytest.raises(Forbidden) as caught:
            take(status, action, actor, today=AFTER_DEADLINE, **EVERY_INPUT)
        assert caught.value.status == 403


@pytest.mark.req("GD-22")
def test_deciding_another_agency_s_request_is_forbidden():
    with pytest.raises(Forbidden, match="提供机关"):
        take(S.SUBMITTED, "grant", STRANGER)


REQUIRED = [(key, name) for key, rule in TRANSITIONS.items() for name in rule.required]


@pytest.mark.parametrize(("key", "missing"), REQUIRED, ids=lambda v: str(v))
@pytest.mark.parametrize("blank", [None, "", " \n"])
def test_each_required_input_must_be_given(key, missing, blank):
    status, action = key
    actor = next(a for a, parties in PARTIES_OF.items() if parties & TRANSITIONS[key].parties)
    with pytest.raises(InvalidInput) as caught:
        take(status, action, actor, today=AFTER_DEADLINE, **{**EVERY_INPUT, missing: blank})
    assert (caught.value.field, caught.value.rule) == (missing, "required")


@pytest.mark.req("GD-22")
def test_a_refusal_without_written_reasons_is_refused():
    with pytest.raises(InvalidInput, match="书面理由") as caught:
        take(S.SUBMITTED, "refuse", PROVIDER, legal_basis=REFUSAL["legal_basis"])
    assert caught.value.field == "reasons"


@pytest.mark.req("GD-11")
@pytest.mark.parametrize("action", ["refuse", "grant_narrower"])
def test_no_refusal_even_in_part_without_a_legal_basis(action):
    inputs = {k: v for k, v in EVERY_INPUT.items() if k != "legal_basis"}
    with pytest.raises(InvalidInput, match="法律依据") as caught:
        take(S.SUBMITTED, action, PROVIDER, **inputs)
    assert caught.value.field == "legal_basis"


@pytest.mark.req("GD-22")
@pytest.mark.parametrize("today", [D(2026, 9, 28), D(2026, 10, 23)])
def test_coordination_for_lack_of_a_decision_waits_for_the_deadline(today):
    with pytest.raises(Conflict, match="2026-10-23") as caught:
        take(S.SUBMITTED, "escalate", REQUESTER, today=today)
    assert caught.value.code == "not_overdue"


def test_the_requester_may_escalate_the_day_after_the_deadline():
    step = take(S.SUBMITTED, "escalate", REQUESTER, today=D(2026, 10, 24))
    assert (step.state.status, step.late, step.deadline) == (S.IN_COORDINATION, True, None)


def test_a_step_dated_before_the_request_entered_its_state_is_refused():
    with pytest.raises(InvalidInput) as caught:
        take(S.SUBMITTED, "grant", PROVIDER, today=D(2026, 9, 27))
    assert caught.value.field == "today"


def test_an_unknown_action_is_invalid_input():
    with pytest.raises(InvalidInput) as caught:
        take(S.SUBMITTED, "approve", PROVIDER)
    assert caught.value.field == "action"


# --- for the pages ---------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "actor", "actions"), [
    (S.SUBMITTED, PROVIDER, ["grant", "grant_narrower", "refuse"]),
    (S.SUBMITTED, REQUESTER, ["escalate", "withdraw"]),
    (S.SUBMITTED, STRANGER, []),
    (S.COORDINATED, PROVIDER_ADMIN, ["dispute"]),
    (S.AT_GOVERNMENT, GOVERNMENT, ["decide_to_share", "decide_not_to_share"]),
    (S.GRANTED, SYSTEM, []),
])
def test_actions_open_to_an_actor(status, actor, actions):
    assert actions_open_to(state(status), actor) == actions


def test_every_state_and_action_has_a_chinese_label():
    assert set(STATUS_LABELS) == set(RequestStatus)
    assert all(ACTION_LABELS[a] for a in ACTIONS)
    assert {a for (_, a) in TRANSITIONS} == set(ACTIONS)


def test_no_clock_runs_where_nobody_owes_a_decision_by_law():
    assert working_days_left(state(S.AT_GOVERNMENT), D(2026, 10, 12), BUILT_IN) is None
    assert not is_overdue(state(S.AT_GOVERNMENT), D(2027, 6, 1), BUILT_IN)
