"""Working-day arithmetic, pure: the 2026 statutory calendar with its make-up workdays (调休),
deadlines that run into 2027 (a year chinese-calendar does not know), and no date that crashes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from govshare.kit.errors import InvalidInput
from govshare.workdays.calendar import LIBRARY_YEARS, MAX_SPAN, Count, Deadline, WorkCalendar

BUILT_IN = WorkCalendar()
# The 2027 arrangement as the IT authority would enter it: New Year's Day off, year declared.
NEW_YEAR_2027 = {date(2027, 1, 1): False}
ENTERED_2027 = WorkCalendar(overrides=NEW_YEAR_2027, declared_years=frozenset({2027}))
D = date


def test_the_library_ends_with_2026_so_2027_is_a_year_nobody_has_entered():
    assert LIBRARY_YEARS[-1] == 2026
    assert BUILT_IN.knows_year(2026) and not BUILT_IN.knows_year(2027)
    assert ENTERED_2027.knows_year(2027)


@pytest.mark.parametrize(("day", "working", "name"), [
    # National Day 2026: 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are make-up workdays.
    (D(2026, 9, 19), False, None),  # an ordinary Saturday
    (D(2026, 9, 20), True, "国庆节"),  # make-up Sunday
    (D(2026, 9, 30), True, None),
    (D(2026, 10, 1), False, "国庆节"),  # Thursday, statutory holiday
    (D(2026, 10, 5), False, "国庆节"),  # Monday inside the holiday
    (D(2026, 10, 7), False, "国庆节"),  # Wednesday, last day off
    (D(2026, 10, 8), True, None),
    (D(2026, 10, 10), True, "国庆节"),  # make-up Saturday
    (D(2026, 10, 11), False, None),
    # Spring Festival 2026: 02-15..02-23 off; Saturdays 02-14 and 02-28 are make-up workdays.
    (D(2026, 2, 14), True, "春节"),
    (D(2026, 2, 16), False, "春节"),  # Monday
    (D(2026, 2, 23), False, "春节"),  # Monday, last day off
    (D(2026, 2, 24), True, None),
    (D(2026, 2, 28), True, "春节"),
    (D(2026, 3, 1), False, None),
])
def test_2026_holidays_and_make_up_workdays(day, working, name):
    assert BUILT_IN.is_working_day(day) is working
    assert BUILT_IN.holiday_name(day) == name


@pytest.mark.parametrize(("start", "days", "due"), [
    (D(2026, 9, 30), 1, D(2026, 10, 8)),  # the whole National Day week is skipped
    (D(2026, 9, 30), 2, D(2026, 10, 9)),
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
    (D(2026, 9, 30), 4, D(2026, 10, 12)),
    (D(2026, 9, 18), 1, D(2026, 9, 20)),  # the make-up Sunday counts
    (D(2026, 9, 25), 15, D(2026, 10, 22)),  # GD-22's 15 working days across National Day
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 13), 2, D(2026, 2, 24)),
    (D(2026, 10, 1), 0, D(2026, 10, 8)),  # zero days from a holiday: the next working day
    (D(2026, 10, 8), 0, D(2026, 10, 8)),
    (D(2026, 10, 8), -1, D(2026, 9, 30)),  # backwards over the holiday
    (D(2026, 10, 12), -1, D(2026, 10, 10)),
])
def test_deadlines_in_2026_are_certain(start, days, due):
    assert BUILT_IN.add_working_days(start, days) == Deadline(due, provisional=False)


@pytest.mark.parametrize(("start", "end", "count"), [
    (D(2026, 9, 30), D(2026, 10, 10), 3),
    (D(2026, 10, 1), D(2026, 10, 7), 0),
    (D(2026, 9, 30), D(2026, 9, 30), 0),
    # A deadline of 2026-10-08 looked at on 2026-10-12: three working days past (9, 10, 12).
    (D(2026, 10, 12), D(2026, 10, 8), -3),
    (D(2026, 10, 10), D(2026, 9, 30), -3),
])
def test_working_days_between_in_2026(start, end, count):
    assert BUILT_IN.working_days_between(start, end) == Count(count, provisional=False)


@pytest.mark.parametrize(("start", "days", "due", "provisional"), [
    (D(2026, 12, 15), 12, D(2026, 12, 31), False),  # still inside 2026
    (D(2026, 12, 15), 13, D(2027, 1, 1), True),  # a Friday: weekends only, so a working day
    (D(2026, 12, 15), 15, D(2027, 1, 5), True),
    (D(2027, 1, 4), -1, D(2027, 1, 1), True),
    (D(2027, 1, 1), -1, D(2026, 12, 31), False),  # only 2026 was consulted
])
def test_a_deadline_in_an_unentered_year_is_computed_with_weekends_and_provisional(
        start, days, due, provisional):
    assert BUILT_IN.add_working_days(start, days) == Deadline(due, provisional)


def test_entering_and_declaring_2027_shifts_the_deadline_and_makes_it_certain():
    before = BUILT_IN.add_working_days(D(2026, 12, 15), 15)
    after = ENTERED_2027.add_working_days(D(2026, 12, 15), 15)
    assert before == Deadline(D(2027, 1, 5), provisional=True)
    assert after == Deadline(D(2027, 1, 6), provisional=False)


def test_an_entered_day_counts_at_once_but_the_year_stays_provisional_until_declared():
    entered = WorkCalendar(overrides=NEW_YEAR_2027)
    assert entered.add_working_days(D(2026, 12, 15), 15) == Deadline(D(2027, 1, 6), True)


def test_a_declared_make_up_saturday_in_2027_is_a_working_day():
    cal = WorkCalendar(overrides={D(2027, 2, 20): True}, declared_years=frozenset({2027}))
    assert cal.is_working_day(D(2027, 2, 20)) and not BUILT_IN.is_working_day(D(2027, 2, 20))
    assert cal.add_working_days(D(2027, 2, 19), 1) == Deadline(D(2027, 2, 20), False)


def test_an_override_wins_over_the_library():
    cal = WorkCalendar(overrides={D(2026, 10, 8): False, D(2026, 10, 11): True})
    assert cal.add_working_days(D(2026, 9, 30), 1) == Deadline(D(2026, 10, 9), False)
    assert cal.add_working_days(D(2026, 9, 30), 3) == Deadline(D(2026, 10, 11), False)


@pytest.mark.parametrize(("start", "end", "count", "provisional"), [
    (D(2026, 12, 15), D(2027, 1, 5), 15, True),
    (D(2027, 1, 5), D(2026, 12, 15), -15, True),  # the deadline passed 15 working days ago
    (D(2027, 1, 1), D(2026, 12, 31), -1, True),  # (12-31, 01-01] is 2027-01-01 itself
    (D(2026, 12, 31), D(2026, 12, 15), -12, False),
])
def test_counts_into_2027_without_its_holidays(start, end, count, provisional):
    assert BUILT_IN.working_days_between(start, end) == Count(count, provisional)


def test_a_past_deadline_counts_fewer_days_once_2027_is_entered():
    assert ENTERED_2027.working_days_between(D(2027, 1, 5), D(2026, 12, 15)) == Count(-14, False)
    assert ENTERED_2027.working_days_between(D(2026, 12, 15), D(2027, 1, 6)) == Count(15, False)


@pytest.mark.parametrize(("call", "field"), [
    (lambda: BUILT_IN.add_working_days(D(2026, 1, 5), MAX_SPAN + 1), "days"),
    (lambda: BUILT_IN.add_working_days(D(2026, 1, 5), -MAX_SPAN - 1), "days"),
    (lambda: BUILT_IN.add_working_days(date.max, 1), "start"),
    (lambda: BUILT_IN.add_working_days(date.min, -1), "start"),
    (lambda: BUILT_IN.working_days_between(date.min, date.max), "end"),
])
def test_what_cannot_be_computed_is_refused_with_the_field(call, field):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.rule == "range"


# --- no date crashes ----------------------------------------------------------------------

# Any date, with a fair share at the two ends of the calendar, where arithmetic overflows.
any_date = st.one_of(st.dates(), st.dates(date.max - timedelta(days=60), date.max),
                     st.dates(date.min, date.min + timedelta(days=60)))
calendars = st.builds(
    WorkCalendar,
    overrides=st.dictionaries(any_date, st.booleans(), max_size=8),
    declared_years=st.frozensets(st.integers(1, 9999), max_size=4),
)
# Mostly counts that can be computed, sometimes any integer at all.
day_counts = st.one_of(st.integers(-40, 40), st.integers(-MAX_SPAN - 5, MAX_SPAN + 5),
                       st.integers())


@settings(max_examples=500, deadline=None)
@given(cal=calendars, start=any_date, days=day_counts, end=any_date)
@example(cal=BUILT_IN, start=date.max, days=1, end=date.min)
@example(cal=BUILT_IN, start=date.min, days=-1, end=date.max)
@example(cal=WorkCalendar(overrides={date.max: False}), start=date.max, days=0, end=date.max)
def test_no_date_and_no_day_count_crashes(cal, start, days, end):
    cal.is_working_day(start)
    cal.holiday_name(start)
    for compute in (lambda: cal.add_working_days(start, days),
                    lambda: cal.working_days_between(start, end)):
        try:
            compute()
        except InvalidInput as exc:
            assert exc.field in {"start", "days", "end"} and exc.message


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=st.dates(D(1990, 1, 1), D(2100, 12, 31)),
       days=st.integers(1, 400))
def test_counting_back_to_a_deadline_gives_the_days_and_the_same_certainty(cal, start, days):
    deadline = cal.add_working_days(start, days)
    assert cal.is_working_day(deadline.due_date)
    assert cal.working_days_between(start, deadline.due_date) == Count(days, deadline.provisional)
    # Provisional exactly when a year after the start day, up to the due date, is unknown.
    first = start + timedelta(days=1)
    years = range(first.year, deadline.due_date.year + 1)
    assert deadline.provisional == any(not cal.knows_year(y) for y in years)
