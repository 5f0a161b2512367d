"""Does a consumer query stay as fast when the library grows (issue 5: lookup latency with
10,000,000 records within 1.5x of that with 100,000)? Measured THROUGH THE QUERY PATH, on
PostgreSQL, with 100,000 records and again after growing the same library to 10,000,000 (or as
many as fit in the loading budget, printed):

  query_records — query_service.query_records in its own unit of work, as a clerk's or the
                  ordinary API path runs it: the grant (cached), purpose, the subject normalised,
                  the lookup with the grant-live check, masking, the log INSERT, the COMMIT;
  hot path      — query_pg.query, what POST /api/v1/exchange/queries runs on PostgreSQL once the
                  token and grant are cached: one statement with the checks and the log line;
  lookup        — query_service.lookup alone (the one SELECT of the query path, grant check
                  included), in one open session, so the commit's WAL flush does not hide it.

The library is grown like benchmarks/exchange_ingest.py grows it: raw COPY of generated valid
records into the library one ingest created (how rows arrived does not change the lookup), then
VACUUM ANALYZE. Subjects are drawn at random over the whole library, each query a different one.

    .venv/bin/python benchmarks/exchange_query_growth.py [--small 100000] [--large 10000000]
        [--budget 900] [--queries 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import date

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


def measure(engine, sessions, code: str, size: int, k: int) -> dict[str, list[float]]:
    rng = random.Random(size)
    picks = [subject(rng.randrange(size)) for _ in range(k)]
    query_service.forget_cached_grants()
    with unit_of_work(sessions) as s:
        clerk = actor(s, "civil_clerk")
        use = query_service.grant_use(s, clerk.agency_id, code)
    out: dict[str, list[float]] = {"query_records": [], "hot path": [], "lookup": []}
    for i, number in enumerate(picks[:200] + picks):  # the first 200 warm up
        started = time.perf_counter()
        with unit_of_work(sessions) as s:
            answer = query_service.query_records(s, clerk, code, [number], DUTY, CASE)
        if i >= 200:
            out["query_records"].append(time.perf_counter() - started)
        assert answer.results[0].found, number
    out["hot path"] = asyncio.run(_hot(engine, clerk, use, picks))
    with unit_of_work(sessions) as s:
        for i, number in enumerate(picks[:200] + picks * 4):
            started = time.perf_counter()
            rows, _ = query_service.lookup(s, use, [number], None)
            if i >= 200:
                out["lookup"].append(time.perf_counter() - started)
            assert number in rows
    return out


async def _hot(engine, clerk, use, picks: list[str]) -> list[float]:
    purpose, samples = query_service.Purpose(DUTY, CASE), []
    for i, number in enumerate(picks[:200] + picks):
        started = time.perf_counter()
        answer = await query_pg.query(engine, clerk, use, [number], purpose, None)
        if i >= 200:
            samples.append(time.perf_counter() - started)
        assert answer.results[0].found, number
    return samples


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
    for _label, url in databases("postgresql", tag="query_growth"):
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with unit_of_work(sessions) as s:
            seed(s)
        _seconds, first = _timed_load(sessions, household_csv(1), "csv")  # creates the library
        with unit_of_work(sessions) as s:
            library_id, code = s.execute(select(Library.id, Library.resource_code)).one()
        grant(sessions, code)
        started = time.perf_counter()
        _grow(engine, 1, args.small, library_id, first.load_id)
        _vacuum(engine)
        print(f"{args.small:,} records: COPY and VACUUM ANALYZE {time.perf_counter() - started:.1f} s")
        small = measure(engine, sessions, code, args.small, args.queries)
        size, started = args.small, time.perf_counter()
        while size < args.large and time.perf_counter() - started < args.budget:
            step = min(1_000_000, args.large - size)
            _grow(engine, size, size + step, library_id, first.load_id)
            size += step
        grown = time.perf_counter() - started
        _vacuum(engine)
        with engine.connect() as conn:
            volume = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('exchange_record'))"))
        print(f"{size:,} records: grown in {grown:.0f} s, VACUUM ANALYZE "
              f"{time.perf_counter() - started - grown:.0f} s, table and indexes {volume}"
              + ("" if size >= args.large else f" (budget {args.budget:.0f} s spent before {args.large:,})"))
        large = measure(engine, sessions, code, size, args.queries)
        for path in small:
            ratio = statistics.median(large[path]) / statistics.median(small[path])
            print(f"  {path:<13} {args.small:,}: {_ms(small[path])};  {size:,}: {_ms(large[path])};  "
                  f"median ratio {ratio:.2f} (target <= 1.5)")
        engine.dispose()
    print(f"load average (1/5/15 min) {os.getloadavg()}")


if __name__ == "__main__":
    main()
