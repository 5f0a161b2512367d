"""Update deadlines (GZ-17, GD-17), on the regulations' own terms: electronic licences and
documents in real time; other business information within 3 days of being produced; after
filing, at least once a quarter within the first 10 days of the quarter's first month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govshare.exchange.timeliness import REALTIME_TOLERANCE, cutoff, deadline, timeliness
from govshare.kit.clock import CHINA


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


@pytest.mark.req("GZ-17")
@pytest.mark.req("GD-17")
def test_licences_and_documents_are_due_in_real_time():
    produced = china(2026, 11, 27, 10, 0)
    assert timeliness("realtime", produced, china(2026, 11, 27, 10, 30)).on_time
    late = timeliness("realtime", produced, china(2026, 11, 27, 11, 30))
    assert (late.on_time, late.late_by, late.label) == (False, timedelta(minutes=30), "实时更新")
    # The platform reads 实时 as within an hour (see the module): the boundary, both sides.
    assert timeliness("realtime", produced, produced + REALTIME_TOLERANCE).on_time
    assert not timeliness("realtime", produced, produced + timedelta(hours=1, microseconds=1)).on_time


@pytest.mark.req("GZ-17")
def test_other_business_information_is_due_within_3_days_of_being_produced():
    # Produced late on Thursday 26 November: the 26th does not count; due by 24:00 on the 29th.
    produced = china(2026, 11, 26, 23, 0)
    assert deadline("within_3_days", produced) == china(2026, 11, 29, 23, 59, 59, 999999)
    assert timeliness("within_3_days", produced, china(2026, 11, 29, 23, 59)).on_time
    late = timeliness("within_3_days", produced, china(2026, 11, 30, 0, 0, 1))
    assert (late.on_time, late.late_by) == (False, timedelta(seconds=1, microseconds=1))
    # Days, not working days: produced on 30 September, due on 3 October, National Day or not.
    assert deadline("within_3_days", china(2026, 9, 30, 9, 0)).date() == china(2026, 10, 3).date()
    # The day is China's: 20:00 UTC on 26 November is already the 27th in Guangzhou.
    utc_evening = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    assert deadline("within_3_days", utc_evening).astimezone(CHINA).date() == china(2026, 11, 30).date()


@pytest.mark.req("GZ-17")
@pytest.mark.req("GD-17")
@pytest.mark.parametrize("produced,due", [
    (china(2026, 2, 15, 8, 0), china(2026, 4, 10)),  # first quarter → 10 April
    (china(2026, 4, 1, 0, 0), china(2026, 7, 10)),  # second quarter → 10 July
    (china(2026, 9, 30, 23, 59), china(2026, 10, 10)),
    (china(2026, 12, 31, 12, 0), china(2027, 1, 10)),  # across the year
])
def test_filed_special_cases_are_due_in_the_first_10_days_of_the_next_quarter(produced, due):
    end = deadline("quarterly_filed", produced)
    assert end == due.replace(hour=23, minute=59, second=59, microsecond=999999)
    assert timeliness("quarterly_filed", produced, due.replace(hour=22)).on_time
    assert not timeliness("quarterly_filed", produced, due + timedelta(days=1)).on_time


@settings(max_examples=500, deadline=None)
@given(kind=st.sampled_from(["realtime", "within_3_days", "quarterly_filed"]),
       produced=st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)),
       gap=st.timedeltas(timedelta(0), timedelta(days=200)))
def test_the_per_load_cutoff_agrees_with_the_per_record_deadline(kind, produced, gap):
    # A load classifies a million records with one comparison each against its cutoff: the
    # answer must be the deadline's, record by record.
    produced = produced.replace(tzinfo=UTC)
    loaded = produced + gap
    assert (produced >= cutoff(kind, loaded)) == (loaded <= deadline(kind, produced))
