"""Operator commands of the working-day calendar that live with the domain (registered on the
`govshare workdays` group by the top-level CLI)."""

from __future__ import annotations

import typer

from govshare.config import get_settings
from govshare.db import unit_of_work
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError
from govshare.workdays import service


def undeclare(year: int = typer.Argument(..., help="年份")):
    """Take back YEAR's declaration: its deadlines are provisional again (a past year: refused)."""
    try:
        with unit_of_work(sessions(get_settings())) as session:
            service.undeclare_year(session, operator(), year)
    except DomainError as exc:
        fail(exc)
    console.print(f"{year} 年放假安排的确认已撤回，涉及该年的期限重新标记为暂定；已录入的日期不变")


def register(workdays_app: typer.Typer) -> None:
    """Add this domain's commands to `govshare workdays`."""
    workdays_app.command("undeclare")(undeclare)
