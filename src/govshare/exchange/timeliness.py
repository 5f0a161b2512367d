"""Update deadlines (GZ-17, GD-17): was a record loaded within its catalog entry's deadline class?

- 实时更新 (electronic licences and documents, GZ-17 ¶1; GD-17 ¶1 for everything): the regulations
  give no figure; the platform reads "real time" as loaded within REALTIME_TOLERANCE of being
  produced (a parameter, so the quality monitors can report against another reading).
- 产生后3日内 (other business information, GZ-17 ¶1): days counted the statutory way — the day of
  production does not count, the period ends at 24:00 (China time) of the third day after it.
  Not extended past holidays: data systems load on holidays too, and the rule says 日, not 工作日.
- 经备案按季度 (GZ-17 ¶2, GD-17 ¶2): at least once a quarter within the first 10 days of the
  quarter's first month — so what was produced in a quarter is due by 24:00 on the 10th of the
  first month of the next quarter.

`deadline` maps a production time to its due time; `cutoff` is its inverse for one load (a record
of that load is on time exactly when produced at or after the cutoff), so a batch of a million
records is classified with one comparison each. A test checks the two agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from govshare.kit.clock import CHINA

REALTIME_TOLERANCE = timedelta(hours=1)
REALTIME, WITHIN_3_DAYS, QUARTERLY_FILED = "realtime", "within_3_days", "quarterly_filed"
LABELS = {REALTIME: "实时更新", WITHIN_3_DAYS: "产生后3日内",
          QUARTERLY_FILED: "经备案按季度（季度首月前10日内）"}


@dataclass(frozen=True)
class Timeliness:
    deadline_class: str
    deadline_at: datetime  # the latest moment the record could be loaded on time (UTC)
    on_time: bool
    late_by: timedelta  # zero when on time

    @property
    def label(self) -> str:
        return LABELS[self.deadline_class]


def deadline(deadline_class: str, produced_at: datetime,
             tolerance: timedelta = REALTIME_TOLERANCE) -> datetime:
    """The latest load time that meets the deadline for a record produced at `produced_at`."""
    if deadline_class == REALTIME:
        return produced_at + tolerance
    day = produced_at.astimezone(CHINA).date()
    if deadline_class == WITHIN_3_DAYS:
        return _end_of(day + timedelta(days=3))
    if deadline_class == QUARTERLY_FILED:
        first = _quarter_start(day)
        following = date(first.year + (first.month == 10), (first.month + 3 - 1) % 12 + 1, 1)
        return _end_of(following.replace(day=10))
    raise ValueError(f"unknown deadline class {deadline_class!r}")


def cutoff(deadline_class: str, loaded_at: datetime,
           tolerance: timedelta = REALTIME_TOLERANCE) -> datetime:
    """The earliest production time a record loaded at `loaded_at` may have and be on time."""
    if deadline_class == REALTIME:
        return loaded_at - tolerance
    day = loaded_at.astimezone(CHINA).date()
    if deadline_class == WITHIN_3_DAYS:
        return _start_of(day - timedelta(days=3))
    if deadline_class == QUARTERLY_FILED:
        first = _quarter_start(day)
        if day.month == first.month and day.day <= 10:
            first = _quarter_start(first - timedelta(days=1))  # still the previous quarter's window
        return _start_of(first)
    raise ValueError(f"unknown deadline class {deadline_class!r}")


def timeliness(deadline_class: str, produced_at: datetime, loaded_at: datetime,
               tolerance: timedelta = REALTIME_TOLERANCE) -> Timeliness:
    """Whether a record produced at `produced_at` and loaded at `loaded_at` met its deadline."""
    due = deadline(deadline_class, produced_at, tolerance)
    late = max(loaded_at - due, timedelta(0))
    return Timeliness(deadline_class, due.astimezone(UTC), loaded_at <= due, late)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA)


def _end_of(day: date) -> datetime:
    # 24:00 of `day`: on time means strictly before midnight, i.e. at or before the last microsecond.
    return _start_of(day + timedelta(days=1)) - timedelta(microseconds=1)
