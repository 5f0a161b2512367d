"""Working-day arithmetic, pure (no database): the statutory calendar from chinese-calendar,
overridden and extended by the IT authority's own entries.

chinese-calendar only knows the years up to its release. For a later year nobody has entered,
weekends are the only rest days we can know: every answer that leans on such a year says so
with `provisional=True`, and is recomputed once the year's holidays are entered.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from govshare.kit.errors import InvalidInput

LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
MAX_SPAN = 3660  # working days; nothing in the regulations counts further than a few months


@dataclass(frozen=True)
class Deadline:
    due_date: date
    provisional: bool  # True when a year on the way is not known to the calendar yet


@dataclass(frozen=True)
class Count:
    days: int
    provisional: bool


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[date, bool] = field(default_factory=dict)  # day -> is working day
    declared_years: Set[int] = frozenset()

    def knows_year(self, year: int) -> bool:
        return year in LIBRARY_YEARS or year in self.declared_years

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day: an override first, then the library, then weekdays."""
        if day in self.overrides:
            return self.overrides[day]
        if day.year in LIBRARY_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        if day.year not in LIBRARY_YEARS:
            return None
        _, name = chinese_calendar.get_holiday_detail(day)
        return _HOLIDAY_NAMES.get(name, name) if name else None

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The `days`-th working day after `start` (the start day itself is not counted, as in
        administrative time limits). Zero days: `start` if it is a working day, else the next."""
        _check_span(days, "days")
        if days == 0:
            due = start
            while not self.is_working_day(due):
                due = _shift(due, 1)
            return Deadline(due, self._leans_on_guesswork(start, due))
        step, remaining, due = (1 if days > 0 else -1), abs(days), start
        while remaining:
            due = _shift(due, step)
            remaining -= self.is_working_day(due)
        # The start day itself was never consulted, so only the days after it decide.
        return Deadline(due, self._leans_on_guesswork(start + timedelta(days=step), due))

    def working_days_between(self, start: date, end: date) -> Count:
        """Working days after `start` up to and including `end`; negative when `end` is earlier
        (a deadline already past)."""
        if end == start:
            return Count(0, False)
        lo, hi, sign = (start, end, 1) if end > start else (end, start, -1)
        if (hi - lo).days > MAX_SPAN * 2:
            raise InvalidInput("两个日期相隔太远，无法计算", field="end", rule="range")
        first = lo + timedelta(days=1)
        n = sum(self.is_working_day(date.fromordinal(o))
                for o in range(first.toordinal(), hi.toordinal() + 1))
        return Count(sign * n, self._leans_on_guesswork(first, hi))

    def _leans_on_guesswork(self, a: date, b: date) -> bool:
        """Whether a year between the two days (inclusive, either order) is unknown, so that the
        answer rests on weekends alone there."""
        lo, hi = sorted((a.year, b.year))
        return any(not self.knows_year(y) for y in range(lo, hi + 1))


def _shift(day: date, step: int) -> date:
    try:
        return day + timedelta(days=step)
    except OverflowError:
        raise InvalidInput("日期超出可计算范围", field="start", rule="range") from None


def _check_span(days: int, field_name: str) -> None:
    if abs(days) > MAX_SPAN:
        raise InvalidInput(f"工作日数不能超过 {MAX_SPAN}", field=field_name, rule="range")


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
