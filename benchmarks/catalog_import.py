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
import time
from collections.abc import Callable
from dataclasses import asdict

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scratch import databases
from sqlalchemy import func, select

from govshare.catalog import excel, excel_read, io_service
from govshare.catalog.models import Entry, Item
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.catalog_scale import synthetic_entries
from govshare.demo.seed import seed
from govshare.kit.actor import Actor, Role

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    data = workbook(args.entries)
    console.print(f"生成 {args.entries:,} 行的 Excel 目录：{len(data) / 1e6:.1f} MB，"
                  f"{time.perf_counter() - started:.1f} s（不计入）")
    for label, url in databases(args.only, tag="bench_import"):
        _report(label, bench(url, data, args.entries))


if __name__ == "__main__":
    main()
