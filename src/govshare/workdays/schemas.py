from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DeadlineRead(BaseModel):
    start: date
    working_days: int
    due_date: date
    provisional: bool = Field(description="true：期间经过的某年放假安排尚未录入，按周末推算，录入后会重算")


class CountRead(BaseModel):
    start: date
    end: date
    working_days: int
    provisional: bool


class DayRead(BaseModel):
    day: date
    is_working_day: bool
    provisional: bool
    source: str
    name: str = ""


class DaySet(BaseModel):
    kind: str = Field(description="holiday（放假）或 workday（上班，含调休）")
    name: str = Field("", max_length=64, description="例如“春节”“国庆节调休”")


class CalendarDayRead(BaseModel):
    day: date
    is_working_day: bool
    source: str
    name: str
    entered_by: str | None = Field(description="人工设定者；内置或周末规则时为空")
    entered_at: datetime | None = None


class YearRead(BaseModel):
    year: int
    known: bool
    provisional: bool
    declared_by: str | None
    days: list[CalendarDayRead]
