"""Throwaway databases for the benchmarks: a SQLite file in a temporary folder, and a
PostgreSQL database created for the run and dropped after it (server from
GOVSHARE_BENCH_POSTGRES_URL, else GOVSHARE_TEST_POSTGRES_URL, else the local server)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("GOVSHARE_BENCH_POSTGRES_URL") or os.environ.get(
    "GOVSHARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ENGINES = ("sqlite", "postgresql")


def databases(only: str | None = None, tag: str = "bench") -> Iterator[tuple[str, str]]:
    """(label, URL) for each engine in turn; each database exists only while it is used."""
    if only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield "SQLite", f"sqlite:///{Path(folder) / f'{tag}.db'}"
    if only in (None, "postgresql"):
        yield from _postgresql(tag)


def _postgresql(tag: str) -> Iterator[tuple[str, str]]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"govshare_{tag}_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: say so and go on without it
        print(f"PostgreSQL 不可用，跳过：{exc}")
        admin.dispose()
        return
    try:
        yield "PostgreSQL", make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
