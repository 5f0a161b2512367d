"""The working-day calendar as the platform uses it: library + the IT authority's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict, InvalidInput, NotFound
from govshare.kit.system import system_use
from govshare.workdays import policy
from govshare.workdays.calendar import LIBRARY_YEARS, Count, Deadline, WorkCalendar
from govshare.workdays.events import (
    HolidayYearDeclarationWithdrawn,
    HolidayYearDeclared,
    WorkdayCleared,
    WorkdaySet,
)
from govshare.workdays.models import DayOverride, DeclaredYear

NAME_MAX = 64  # the column's width
VIEW_YEARS = range(1900, 9999)  # the year view needs 31 December of the year to exist


@system_use("every domain computes deadlines; reading the calendar reveals nothing")
def calendar(session: Session) -> WorkCalendar:
    """The calendar in force now (library plus every override and declared year)."""
    overrides = {o.day: o.is_working_day for o in session.scalars(select(DayOverride))}
    years = set(session.scalars(select(DeclaredYear.year)))
    return WorkCalendar(overrides=overrides, declared_years=frozenset(years))


@system_use("deadline arithmetic for any domain")
def add_working_days(session: Session, start: date, days: int) -> Deadline:
    return calendar(session).add_working_days(start, days)


@system_use("deadline arithmetic for any domain")
def working_days_between(session: Session, start: date, end: date) -> Count:
    return calendar(session).working_days_between(start, end)


def set_day(session: Session, actor: Actor, day: date, is_working_day: bool,
            name: str = "") -> DayOverride:
    """Declare a day a holiday or a (make-up) workday, overriding the library."""
    policy.can_edit_calendar(actor)
    name = name.strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(f"名称不能超过 {NAME_MAX} 个字", field="name", rule="max_length")
    row = session.get(DayOverride, day) or DayOverride(day=day)
    row.is_working_day, row.name = is_working_day, name
    row.entered_by_name, row.entered_by_id = actor.name, actor.id
    session.add(row)
    session.flush()
    evidence.record(session, WorkdaySet(day=day, is_working_day=is_working_day, name=row.name),
                    actor)
    return row


def clear_day(session: Session, actor: Actor, day: date) -> None:
    """Remove an override; the library (or the weekday rule) applies again."""
    policy.can_edit_calendar(actor)
    row = session.get(DayOverride, day)
    if row is None:
        raise NotFound(f"{day.isoformat()} 没有人工设定")
    session.delete(row)
    session.flush()
    evidence.record(session, WorkdayCleared(day=day), actor)


def declare_year(session: Session, actor: Actor, year: int) -> DeclaredYear:
    """Confirm that a year's holidays are entered in full; its deadlines stop being provisional."""
    policy.can_edit_calendar(actor)
    if year in LIBRARY_YEARS:
        raise InvalidInput(f"{year} 年的放假安排已内置，无需声明", field="year", rule="not_builtin")
    if not 2000 <= year <= 2200:
        raise InvalidInput("年份超出范围", field="year", rule="range")
    row = session.get(DeclaredYear, year)
    if row is None:
        row = DeclaredYear(year=year, declared_by_name=actor.name)
        session.add(row)
        session.flush()
        evidence.record(session, HolidayYearDeclared(year=year), actor)
    return row


def undeclare_year(session: Session, actor: Actor, year: int, today: date | None = None) -> None:
    """Take back a year's declaration: its deadlines are provisional (暂定) again.

    Safe for open deadlines: a declaration moves no date (the days entered stay), it only says the
    entries are complete, and deadlines are recounted with today's calendar anyway. A year already
    past is refused: its arrangement was final and deadlines were kept by it."""
    policy.can_edit_calendar(actor)
    row = session.get(DeclaredYear, year)
    if row is None:
        raise NotFound(f"{year} 年的放假安排没有确认过，无需撤回", code="year_not_declared")
    if year < (today or clock.today()).year:
        raise Conflict(f"{year} 年已经过去，其放假安排的确认不能撤回：该年的期限已按它计算并届满",
                       code="year_past")
    session.delete(row)
    session.flush()
    evidence.record(session, HolidayYearDeclarationWithdrawn(
        year=year, declared_by=row.declared_by_name), actor)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    is_working_day: bool
    source: str  # "override", "library" or "weekday-rule"
    name: str
    entered_by: str | None
    entered_at: datetime | None = None


@dataclass(frozen=True)
class YearView:
    year: int
    known: bool  # False: provisional (weekends only, plus entries)
    declared_by: str | None
    days: list[CalendarDay]  # every day that is not an ordinary weekday/weekend


def year_view(session: Session, actor: Actor, year: int) -> YearView:
    """The holidays and make-up workdays of a year, and who entered them."""
    policy.can_view_calendar(actor)
    if year not in VIEW_YEARS:
        raise InvalidInput(f"年份须在 {VIEW_YEARS[0]} 至 {VIEW_YEARS[-1]} 之间",
                           field="year", rule="range")
    cal = calendar(session)
    entries = {o.day: o for o in session.scalars(select(DayOverride).where(
        DayOverride.day >= date(year, 1, 1), DayOverride.day <= date(year, 12, 31)))}
    days = [_special_day(cal, date.fromordinal(n), entries)
            for n in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1)]
    declared = session.get(DeclaredYear, year)
    return YearView(year, cal.knows_year(year), declared.declared_by_name if declared else None,
                    [d for d in days if d is not None])


def _special_day(cal: WorkCalendar, day: date, entries: dict) -> CalendarDay | None:
    working, weekday = cal.is_working_day(day), day.weekday() < 5
    entry = entries.get(day)
    if entry is not None:
        return CalendarDay(day, working, "override", entry.name, entry.entered_by_name,
                           entry.entered_at)
    if working == weekday:
        return None
    source = "library" if day.year in LIBRARY_YEARS else "weekday-rule"
    return CalendarDay(day, working, source, cal.holiday_name(day) or "", None)
