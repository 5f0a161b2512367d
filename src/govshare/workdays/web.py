"""Console page of the working-day calendar: a year's holidays and make-up workdays, a deadline
calculator for everyone, and for the city IT authority the forms that enter a year."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.kit.actor import Actor
from govshare.kit.clock import today
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.workdays import policy, service

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
KINDS = {"holiday": False, "workday": True}
NOTICES = {"set": "已保存。", "cleared": "已删除人工设定，该日恢复按内置日历或周末规则计算。",
           "declared": "已确认本年放假安排录入完毕，涉及本年的期限不再是暂定。",
           "undeclared": "已撤回本年放假安排的确认，涉及本年的期限重新标记为暂定；已录入的日期不变。"}


# The calculator is a GET form: it changes nothing, so a result can be bookmarked or sent on.
@router.get("/workdays")
def year_page(request: Request, db: DbSession, actor: PageActor, year: str = "",
              start: str = "", days: str = "", notice: str = ""):
    """A year's calendar; with `start` and `days`, also the deadline they give."""
    calc = {"start": start, "days": days}
    try:
        shown = _year(year) if year else today().year
    except InvalidInput as exc:
        return _page(request, db, actor, today().year, error=exc, calc=calc)
    if not (start or days):
        return _page(request, db, actor, shown, calc=calc, notice=NOTICES.get(notice))
    try:
        start_day, count = _date(start, "start"), _days(days)
        deadline = service.add_working_days(db, start_day, count)
    except DomainError as exc:
        return _page(request, db, actor, shown, error=exc, calc=calc)
    result = {"start": start_day, "days": count, "deadline": deadline}
    return _page(request, db, actor, shown, calc=calc, result=result)


@router.post("/workdays/days")
def set_day(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Enter a day as a holiday (放假) or a working day (上班, a make-up workday)."""
    try:
        day = _date(_text(form, "day"), "day")
        if _text(form, "kind") not in KINDS:
            raise InvalidInput("请选择放假或上班", field="kind", rule="one_of")
        service.set_day(db, actor, day, KINDS[_text(form, "kind")], _text(form, "name"))
    except DomainError as exc:
        return _failed(request, db, actor, form, exc)
    return _done(day.year, "set")


@router.post("/workdays/clear")
def clear_day(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Remove the IT authority's entry for a day."""
    try:
        day = _date(_text(form, "day"), "day")
        service.clear_day(db, actor, day)
    except DomainError as exc:
        return _failed(request, db, actor, form, exc)
    return _done(day.year, "cleared")


@router.post("/workdays/declare")
def declare_year(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Confirm that a year's holidays are entered in full."""
    try:
        year = _year(_text(form, "year"))
        service.declare_year(db, actor, year)
    except DomainError as exc:
        return _failed(request, db, actor, form, exc)
    return _done(year, "declared")


@router.post("/workdays/undeclare")
def undeclare_year(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Take back a year's declaration, once the person ticked that they mean it."""
    try:
        year = _year(_text(form, "year"))
        if _text(form, "confirm") != "yes":
            raise InvalidInput("请勾选确认撤回：撤回后涉及本年的期限重新变为暂定",
                               field="confirm", rule="required")
        service.undeclare_year(db, actor, year)
    except DomainError as exc:
        return _failed(request, db, actor, form, exc)
    return _done(year, "undeclared")


def _page(request: Request, db, actor: Actor, year: int, error: DomainError | None = None,
          **context: Any):
    # An error re-renders the page with its status, so the request's transaction rolls back.
    view = service.year_view(db, actor, year)
    return render(request, "workdays/year.html", status_code=error.status if error else 200,
                  view=view, error=error, can_edit=policy.may_edit_calendar(actor),
                  years=service.VIEW_YEARS, this_year=today().year,
                  **{"calc": {}, "form": {}, "result": None, "notice": None, **context})


def _failed(request: Request, db, actor: Actor, form: dict, exc: DomainError):
    """Show the year the person was working on again, with what they typed and why it failed."""
    try:
        year = _year(_text(form, "year"))
    except InvalidInput:
        year = today().year
    return _page(request, db, actor, year, error=exc, form=form)


def _done(year: int, notice: str) -> RedirectResponse:
    # 303 after a change, so reloading the page does not post the form again.
    return RedirectResponse(f"/workdays?year={year}&notice={notice}", status_code=303)


def _text(form: dict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _year(text: str) -> int:
    if not text.isdigit() or int(text) not in service.VIEW_YEARS:
        raise InvalidInput(f"年份“{text}”不正确，须在 {service.VIEW_YEARS[0]} 至 "
                           f"{service.VIEW_YEARS[-1]} 之间", field="year", rule="range")
    return int(text)


def _date(text: str, field: str) -> date:
    if not text:
        raise InvalidInput("请填写日期", field=field, rule="required")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”不正确，请按 年-月-日 填写，如 2026-10-08",
                           field=field, rule="date") from None


def _days(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"工作日数“{text}”不是整数", field="days", rule="integer") from None
