"""How long does importing a 10,000-row Excel agency catalog take (issue 3: "importing a
10,000-row Excel catalog with a progress bar"), on SQLite and PostgreSQL?

Setup (not measured): the demo city; an Excel catalog of N entries with 10 items each
(`demo.catalog_scale.synthetic_entries`) written in the template's layout (N rows on 资源,
10·N rows on 信息项).
Measured, with the Rich progress bar the CLI shows:
  1. baseline — reading and checking the file alone (`excel_read.read_catalog`: openpyxl and
                `rules.check_entry` for every entry), the floor any import pays;
  2. import   — `io_service.import_agency_catalog` in one transaction and its commit: the same
                reading, the single-source check, and `entry_service.draft_entries` in chunks
                of 1,000 (resource codes, batched inserts, audit events appended together).
The ratio import / baseline says what the database side adds.

    .venv/bin/python benchmarks/catalog_import.py [--entries 10000] [--only sqlite|postgresql]

PostgreSQL comes from GOVSHARE_BENCH_POSTGRES_URL (default: the local server); a throwaway
database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from govshare.catalog import excel, excel_read, io_service
from govshare.catalog.models import Entry, Item
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.catalog_scale import synthetic_entries
from govshare.demo.seed import seed
from govshare.kit.actor import Actor, Role

PG_URL = os.environ.get("GOVSHARE_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
console = Console()


def workbook(n: int) -> bytes:
    return excel.catalog_bytes((asdict(d) for _, d in synthetic_entries(n)), with_guide=False)


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _reporter(progress: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, int] = {}

    def report(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=max(total, 1))
        progress.update(tasks[phase], completed=done, total=max(total, 1))
    return report


def _staff(agency_id: int) -> Actor:
    return Actor(kind="user", id=None, name="基准测试（市民政局）", agency_id=agency_id,
                 agency_level="city", division_code="440100", roles=frozenset({Role.AGENCY_STAFF}))


def bench(url: str, data: bytes, n: int) -> dict[str, float]:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        agency_id = seed(s).agencies["civil"]
    started = time.perf_counter()
    with _bar() as progress:
        parsed = excel_read.read_catalog(data, progress=_reporter(progress))
    baseline = time.perf_counter() - started
    assert not parsed.errors and len(parsed.entries) == n, parsed.errors[:5]
    started = time.perf_counter()
    with _bar() as progress, unit_of_work(sessions) as s:
        report = io_service.import_agency_catalog(s, _staff(agency_id), agency_id, data,
                                                  _reporter(progress))
    seconds = time.perf_counter() - started
    with unit_of_work(sessions) as s:
        entries = s.scalar(select(func.count()).select_from(Entry).where(Entry.agency_id == agency_id))
        items = s.scalar(select(func.count()).select_from(Item).join(Entry)
                         .where(Entry.agency_id == agency_id))
    engine.dispose()
    assert len(report.entries) == n and entries >= n and items >= 10 * n
    return {"baseline": baseline, "import": seconds, "entries": n}


def _report(engine_name: str, f: dict[str, float]) -> None:
    n = f["entries"]
    console.print(f"[bold]{engine_name}[/bold]：导入 {n:,} 个信息资源（{10 * n:,} 个信息项）"
                  f" {f['import']:.1f} s，{n / f['import']:,.0f} 行/s；"
                  f"仅读取和校验（基线）{f['baseline']:.1f} s，{n / f['baseline']:,.0f} 行/s；"
                  f"导入 / 基线 = {f['import'] / f['baseline']:.1f}")


def _pg_scratch() -> tuple[str, Callable[[], None]] | None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"govshare_bench_import_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: report and go on with SQLite
        print(f"PostgreSQL 不可用，跳过：{exc}")
        return None

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    data = workbook(args.entries)
    console.print(f"生成 {args.entries:,} 行的 Excel 目录：{len(data) / 1e6:.1f} MB，"
                  f"{time.perf_counter() - started:.1f} s（不计入）")
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            _report("SQLite", bench(f"sqlite:///{Path(folder) / 'bench.db'}", data, args.entries))
    scratch = None if args.only == "sqlite" else _pg_scratch()
    if scratch:
        url, drop = scratch
        try:
            _report("PostgreSQL", bench(url, data, args.entries))
        finally:
            drop()


if __name__ == "__main__":
    main()
