"""`govshare access sweep [--date YYYY-MM-DD]`: the deadline sweep run by hand, as the operator
(the worker runs the same sweep every day as the system). Repeatable: a second run of a day
finds nothing new to say."""

from __future__ import annotations

from datetime import date

import typer

from govshare.access import sweep_service
from govshare.db import unit_of_work
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.pages import cn_date


def register(app: typer.Typer) -> None:
    """Add this feature's commands to `govshare access`."""
    app.command("sweep")(sweep_command)


def sweep_command(on: str = typer.Option(None, "--date", help="巡检日期 YYYY-MM-DD（默认今天，北京时间）")):
    """Sweep the open requests' deadlines: remind, escalate overdue ones, record breaches."""
    try:
        day = _day(on) if on else None
        with unit_of_work(sessions()) as session:
            report = sweep_service.sweep(session, operator(), day)
    except DomainError as exc:
        fail(exc)
    console.print(report.summary, soft_wrap=True)
    console.print(f"即将到期：{cn_date(report.horizon)}及以前（{sweep_service.SOON_DAYS} 个工作日内）",
                  soft_wrap=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”不是 YYYY-MM-DD 格式", field="date", rule="date") from None
