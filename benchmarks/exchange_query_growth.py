"""Does a consumer query stay as fast when the library grows (issue 5: lookup latency with
10,000,000 records within 1.5x of that with 100,000)? Measured THROUGH THE QUERY PATH, on
PostgreSQL, in two databases side by side — the household library with 100,000 records in one,
10,000,000 (or as many as fit in the loading budget, printed) in the other — queried in turn,
query by query, so that other work on the shared machine weighs on both sizes alike:

  query_records — query_service.query_records in its own unit of work, as a clerk's or the
                  ordinary API path runs it: the grant (cached), purpose, the subject normalised,
                  the lookup with the grant-live check, masking, the log INSERT, the COMMIT;
  hot path      — query_pg.query, what POST /api/v1/exchange/queries runs on PostgreSQL once the
                  token and grant are cached: one statement with the checks and the log line;
  lookup        — query_service.lookup alone (the one SELECT of the query path, grant check
                  included), in one open session, so the commit's WAL flush does not hide it.

Each library is grown like benchmarks/exchange_ingest.py grows it: raw COPY of generated valid
records into the library one ingest created (how rows arrived does not change the lookup), then
VACUUM ANALYZE. Subjects are drawn at random over the whole library, each query a different one.
Two throwaway databases are created and dropped.

    .venv/bin/python benchmarks/exchange_query_growth.py [--small 100000] [--large 10000000]
        [--budget 900] [--queries 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exchange_ingest import _grow, _timed_load, _vacuum, household_csv, subject
from scratch import databases
from sqlalchemy import select, text

from govshare.access import request_service
from govshare.access.request_service import RequestDraft
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.seed import seed
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.exchange import query_pg, query_service
from govshare.exchange.models import Library
from govshare.kit import clock

DUTY = "基准测试：办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）"
CASE = "BENCH-GROWTH-0001"
ITEMS = ("公民身份号码", "姓名", "出生日期")


def actor(session, username: str):
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


def grant(sessions, code: str) -> None:
    """The 民政局's grant of the household library's three public items, decided by the police."""
    today = clock.today()
    with unit_of_work(sessions) as s:
        rid = request_service.submit_request(s, actor(s, "civil_clerk"), RequestDraft(
            items=ITEMS, duty=DUTY, purpose="婚姻登记", valid_from=today,
            valid_until=date(today.year + 1, 1, 1), resource_code=code), today=today).id
    with unit_of_work(sessions) as s:
        request_service.act_on_request(s, actor(s, "police_admin"), rid, "grant", {}, today=today)


@dataclass
class Library_:
    """One database holding the household library at one size, ready to be queried."""

    engine: Any
    sessions: Any
    code: str
    size: int
    clerk: Any = None
    use: Any = None
    picks: list[str] = field(default_factory=list)


def prepare(lib: Library_, k: int) -> None:
    rng = random.Random(lib.size)
    lib.picks = [subject(rng.randrange(lib.size)) for _ in range(k)]
    with unit_of_work(lib.sessions) as s:
        lib.clerk = actor(s, "civil_clerk")
        lib.use = query_service.grant_use(s, lib.clerk.agency_id, lib.code)


def query_records(lib: Library_, number: str) -> float:
    started = time.perf_counter()
    with unit_of_work(lib.sessions) as s:
        answer = query_service.query_records(s, lib.clerk, lib.code, [number], DUTY, CASE)
    seconds = time.perf_counter() - started
    assert answer.results[0].found, number
    return seconds


async def hot_path(lib: Library_, number: str) -> float:
    started = time.perf_counter()
    answer = await query_pg.query(lib.engine, lib.clerk, lib.use, [number], query_service.Purpose(DUTY, CASE),
                                  None)
    seconds = time.perf_counter() - started
    assert answer.results[0].found, number
    return seconds


def lookups(libs: list[Library_], k: int) -> list[list[float]]:
    """query_service.lookup alone, one open session per library, the libraries taking turns."""
    samples: list[list[float]] = [[] for _ in libs]
    with unit_of_work(libs[0].sessions) as s0, unit_of_work(libs[1].sessions) as s1:
        for i in range(200 + 4 * k):  # the first 200 warm up
            for j, (lib, s) in enumerate(zip(libs, (s0, s1), strict=True)):
                number = lib.picks[i % k]
                started = time.perf_counter()
                rows, _ = query_service.lookup(s, lib.use, [number], None)
                if i >= 200:
                    samples[j].append(time.perf_counter() - started)
                assert number in rows
    return samples


def measure(libs: list[Library_], k: int) -> dict[str, list[list[float]]]:
    """Each path over k queries per library, the libraries taking turns query by query, so the
    other work on the shared machine weighs on both sizes alike."""
    out: dict[str, list[list[float]]] = {"query_records": [[] for _ in libs], "hot path": [[] for _ in libs]}
    for i in range(200 + k):
        for j, lib in enumerate(libs):
            seconds = query_records(lib, lib.picks[i % k])
            if i >= 200:
                out["query_records"][j].append(seconds)

    async def hot() -> None:
        for i in range(200 + k):
            for j, lib in enumerate(libs):
                seconds = await hot_path(lib, lib.picks[i % k])
                if i >= 200:
                    out["hot path"][j].append(seconds)

    asyncio.run(hot())
    out["lookup"] = lookups(libs, k)
    return out


def build(url: str, size: int, budget: float) -> Library_:
    """The demo city, the household library grown to `size` records (or as far as the budget
    allows) by raw COPY, vacuumed and analysed, and the 民政局's grant of it."""
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed(s)
    _seconds, first = _timed_load(sessions, household_csv(1), "csv")  # creates the library
    with unit_of_work(sessions) as s:
        library_id, code = s.execute(select(Library.id, Library.resource_code)).one()
    grant(sessions, code)
    grown, started = 1, time.perf_counter()
    while grown < size and time.perf_counter() - started < budget:
        step = min(1_000_000, size - grown)
        _grow(engine, grown, grown + step, library_id, first.load_id)
        grown += step
    loaded = time.perf_counter() - started
    _vacuum(engine)
    with engine.connect() as conn:
        volume = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('exchange_record'))"))
    vacuum = time.perf_counter() - started - loaded
    short = "" if grown >= size else f" (budget {budget:.0f} s spent before {size:,})"
    print(f"{grown:,} records: COPY {loaded:.0f} s, VACUUM ANALYZE {vacuum:.0f} s, "
          f"table and indexes {volume}{short}")
    return Library_(engine, sessions, code, grown)


def _ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"median {statistics.median(samples) * 1e3:.3f} ms, p99 {q[98] * 1e3:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--budget", type=float, default=900.0, help="seconds of loading for the large table")
    parser.add_argument("--queries", type=int, default=3000, help="queries per path and size")
    args = parser.parse_args()
    print(f"load average (1/5/15 min) {os.getloadavg()}")
    with ExitStack() as stack:
        small_url = stack.enter_context(contextlib.closing(databases("postgresql", tag="growth_small")))
        large_url = stack.enter_context(contextlib.closing(databases("postgresql", tag="growth_large")))
        libs = [build(next(small_url)[1], args.small, args.budget),
                build(next(large_url)[1], args.large, args.budget)]
        for lib in libs:
            prepare(lib, args.queries)
        print(f"load average (1/5/15 min) {os.getloadavg()}; measuring, the two sizes taking turns")
        figures = measure(libs, args.queries)
        for path, (small, large) in figures.items():
            ratio = statistics.median(large) / statistics.median(small)
            print(f"  {path:<13} {libs[0].size:,}: {_ms(small)};  {libs[1].size:,}: {_ms(large)};  "
                  f"median ratio {ratio:.2f} (target <= 1.5)")
        for lib in libs:
            lib.engine.dispose()
    print(f"load average (1/5/15 min) {os.getloadavg()}")


if __name__ == "__main__":
    main()
