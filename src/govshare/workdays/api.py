from __future__ import annotations

from dataclasses import asdict
from datetime import date

from fastapi import APIRouter, Query

from govshare.kit.errors import InvalidInput
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.workdays import policy, service
from govshare.workdays.schemas import CountRead, DayRead, DaySet, DeadlineRead, YearRead

router = APIRouter(prefix="/api/v1/workdays", tags=["workdays 工作日"],
                   route_class=TransactionalRoute)
KINDS = {"holiday": False, "workday": True}


@router.get("/deadline", response_model=DeadlineRead)
def deadline(db: DbSession, actor: CurrentActor, start: date,
             days: int = Query(description="工作日数，如 15（GD-22）")):
    """The date `days` working days after `start`."""
    policy.can_view_calendar(actor)
    d = service.add_working_days(db, start, days)
    return DeadlineRead(start=start, working_days=days, due_date=d.due_date,
                        provisional=d.provisional)


@router.get("/between", response_model=CountRead)
def between(db: DbSession, actor: CurrentActor, start: date, end: date):
    """Working days after `start` up to and including `end` (negative if `end` is past)."""
    policy.can_view_calendar(actor)
    c = service.working_days_between(db, start, end)
    return CountRead(start=start, end=end, working_days=c.days, provisional=c.provisional)


@router.get("/days/{day}", response_model=DayRead)
def get_day(day: date, db: DbSession, actor: CurrentActor):
    """Whether one day is a working day."""
    policy.can_view_calendar(actor)
    cal = service.calendar(db)
    source = "override" if day in cal.overrides else "calendar"
    return DayRead(day=day, is_working_day=cal.is_working_day(day),
                   provisional=not cal.knows_year(day.year), source=source,
                   name=cal.holiday_name(day) or "")


@router.put("/days/{day}", response_model=DayRead)
def set_day(day: date, body: DaySet, db: DbSession, actor: CurrentActor):
    """Declare a day a holiday or a workday (city IT authority)."""
    if body.kind not in KINDS:
        raise InvalidInput("kind 只能是 holiday 或 workday", field="kind", rule="one_of")
    row = service.set_day(db, actor, day, KINDS[body.kind], body.name)
    cal = service.calendar(db)
    return DayRead(day=row.day, is_working_day=row.is_working_day,
                   provisional=not cal.knows_year(day.year), source="override", name=row.name)


@router.delete("/days/{day}", status_code=204)
def clear_day(day: date, db: DbSession, actor: CurrentActor):
    """Remove an override."""
    service.clear_day(db, actor, day)


@router.post("/years/{year}/declare", response_model=YearRead)
def declare_year(year: int, db: DbSession, actor: CurrentActor):
    """Confirm a year's holidays are fully entered (city IT authority)."""
    service.declare_year(db, actor, year)
    return _year(db, actor, year)


@router.post("/years/{year}/undeclare", response_model=YearRead)
def undeclare_year(year: int, db: DbSession, actor: CurrentActor):
    """Take back a year's declaration (city IT authority): its deadlines are provisional again,
    no date moves. 404 `year_not_declared`; 409 `year_past` for a year already over."""
    service.undeclare_year(db, actor, year)
    return _year(db, actor, year)


@router.get("/years/{year}", response_model=YearRead)
def get_year(year: int, db: DbSession, actor: CurrentActor):
    """The holidays and make-up workdays of a year, with who entered them."""
    return _year(db, actor, year)


def _year(db, actor, year: int) -> YearRead:
    view = service.year_view(db, actor, year)
    return YearRead(year=view.year, known=view.known, provisional=not view.known,
                    declared_by=view.declared_by, days=[asdict(d) for d in view.days])
