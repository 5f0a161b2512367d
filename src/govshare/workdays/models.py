from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class DayOverride(Base):
    """A day the IT authority declared a holiday or a (make-up) workday; wins over the library."""

    __tablename__ = "workdays_day_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")
    entered_by_name: Mapped[str] = mapped_column(String(64))
    entered_by_id: Mapped[int | None] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class DeclaredYear(Base):
    """A year whose holiday arrangement (国务院办公厅放假安排) the IT authority has fully entered.
    Deadlines reaching into a year that is neither declared nor known to the library are
    provisional."""

    __tablename__ = "workdays_declared_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    declared_by_name: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
