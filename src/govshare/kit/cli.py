"""What every command needs: the operator as an actor, a session factory, and errors printed as
a person reads them (exit code 2 for bad input)."""

from __future__ import annotations

import getpass
import socket

import typer
from rich.console import Console

from govshare.config import Settings, get_settings
from govshare.db import make_engine, make_sessionmaker
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import DomainError

console = Console()


def operator() -> Actor:
    """The person at the server's console, acting with the platform's own authority."""
    who = f"命令行:{getpass.getuser()}@{socket.gethostname()}"[:64]
    return Actor(kind="cli", id=None, name=who, agency_id=None, agency_level="city",
                 division_code=None, roles=frozenset(Role))


def sessions(settings: Settings | None = None):
    settings = settings or get_settings()
    return make_sessionmaker(make_engine(settings.effective_database_url))


def fail(exc: DomainError) -> None:
    field = f"（字段 {exc.field}）" if exc.field else ""
    console.print(f"[red]错误{field}：{exc.message}[/red]")
    raise typer.Exit(2)
