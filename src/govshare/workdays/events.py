from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govshare.evidence.events import Event


@dataclass(frozen=True)
class WorkdaySet(Event):
    day: date
    is_working_day: bool
    name: str


@dataclass(frozen=True)
class WorkdayCleared(Event):
    day: date


@dataclass(frozen=True)
class HolidayYearDeclared(Event):
    """The year's arrangement is entered in full: deadlines in it are no longer provisional."""

    year: int


@dataclass(frozen=True)
class HolidayYearDeclarationWithdrawn(Event):
    """The declaration is taken back: the year's deadlines are provisional again; no date moves."""

    year: int
    declared_by: str
