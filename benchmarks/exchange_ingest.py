"""Hosted-library ingest and lookup (issue 5, Speed), on PostgreSQL:

1. Ingest: validated records per second through `ingest_service.load_records` (CSV of 户籍人口信息,
   every record checked against the catalog entry — subject by python-stdnum, every item by type —
   written by COPY, committed), beside a raw `COPY` of the same rows (the stored rows copied out and
   back into a table of the same shape and indexes) in the same run; then a second load of the same
   subjects as NDJSON (all new versions) the same way.
2. Growth: latency of the current record by subject (`repository.current_record`, and the bare SQL
   as a prepared statement) with 100,000 records and with 10,000,000 — or as many as fit in the
   loading budget (printed) — and the ratio. The large table is grown with raw COPY of generated
   valid records: how rows arrived does not change the lookup.

    .venv/bin/python benchmarks/exchange_ingest.py [--records 200000] [--large 10000000] [--budget 180]

A scratch database is created and dropped. Other work on the machine slows every figure; the load
average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from psycopg.copy import QueuedLibpqWriter
from rich.console import Console
from scratch import databases
from sqlalchemy import select, text

from govshare.catalog.models import Entry
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.seed import seed
from govshare.exchange import ingest_service
from govshare.exchange.models import Library
from govshare.exchange.repository import current_record
from govshare.exchange.subjects import id_number
from govshare.kit.actor import Actor, Role
from govshare.kit.identifiers import make_id_number

console = Console()
REGIONS = ("440103", "440104", "440105", "440106")  # 荔湾、越秀、海珠、天河: valid for births since 1990
DAYS = 7300  # births 1990 – 2009
START = date(1990, 1, 1)
PRODUCED = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def subject(i: int) -> str:
    """The i-th distinct valid 公民身份号码 (region, birth date, sequence)."""
    region, rest = REGIONS[i % 4], i // 4
    born = START + timedelta(days=rest % DAYS)
    return make_id_number(f"{region}{born:%Y%m%d}{rest // DAYS:03d}")


def household_csv(n: int, offset: int = 0) -> bytes:
    lines = ["公民身份号码,姓名,出生日期,户籍地址,户主关系,数据产生时间"]
    for i in range(offset, offset + n):
        number = subject(i)
        produced = (PRODUCED - timedelta(seconds=i % 86_400)).isoformat()
        lines.append(f"{number},测试{i % 997},{number[6:10]}-{number[10:12]}-{number[12:14]},"
                     f"广州市荔湾区测试路{i}号,户主,{produced}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def household_ndjson(n: int) -> bytes:
    import json

    return "\n".join(json.dumps({
        "公民身份号码": subject(i), "姓名": f"更新{i % 997}", "户籍地址": f"广州市海珠区新港路{i}号",
        "_produced_at": PRODUCED.isoformat()}, ensure_ascii=False) for i in range(n)).encode("utf-8")


def _police(session) -> tuple[Actor, str]:
    from govshare.directory.models import Agency

    agency = session.scalar(select(Agency).where(Agency.name.like("%公安局")).order_by(Agency.id))
    code = session.scalar(select(Entry.resource_code).where(Entry.name == "户籍人口信息"))
    return Actor(kind="user", id=None, name="基准测试（市公安局）", agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset({Role.AGENCY_STAFF})), code


def _backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend on this machine has used (from /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = {}


def _timed_load(sessions, data: bytes, source: str) -> tuple[float, ingest_service.LoadResult]:
    with unit_of_work(sessions) as s:
        actor, code = _police(s)
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        server, client = _backend_cpu(pid), time.process_time()
        started = time.perf_counter()
        result = ingest_service.load_records(s, actor, code, data, source)
    seconds = time.perf_counter() - started  # the commit included
    CPU.update(client=time.process_time() - client, server=_backend_cpu(pid) - server)
    return seconds, result


def _cpu(n: int) -> str:
    return (f"（CPU：本进程 {CPU['client']:.2f} s = {n / CPU['client']:,.0f} 条/s，"
            f"数据库后端 {CPU['server']:.2f} s）")


def _raw_copy(engine, load_id: int) -> tuple[float, int]:
    """COPY the stored rows of one load out, then time COPY of them into a same-shaped table."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        buffer = bytearray()
        columns = "library_id, load_id, loaded_at, subject, produced_at, valid_from, division_code, data"
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_raw_record")
            cur.execute("CREATE TABLE bench_raw_record (LIKE exchange_record INCLUDING ALL)")
            with cur.copy(f"COPY (SELECT {columns} FROM exchange_record WHERE load_id = {load_id} "
                          "ORDER BY id) TO STDOUT") as copy:
                for chunk in copy:
                    buffer += chunk
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_raw_record ({columns}) FROM STDIN") as copy:
            view = memoryview(buffer)
            for at in range(0, len(view), 1 << 20):
                copy.write(view[at:at + (1 << 20)])
        conn.commit()
        seconds = time.perf_counter() - started
        with conn.cursor() as cur:
            rows = cur.execute("SELECT count(*) FROM bench_raw_record").fetchone()[0]
            cur.execute("DROP TABLE bench_raw_record")
        conn.commit()
        return seconds, rows
    finally:
        raw.close()


def ingest(url: str, n: int) -> None:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed(s)
    data = household_csv(n)
    console.print(f"生成 {n:,} 行户籍 CSV：{len(data) / 1e6:.1f} MB（不计入）")
    seconds, result = _timed_load(sessions, data, "csv")
    assert result.records == n and result.new_subjects == n, result
    copy_seconds, rows = _raw_copy(engine, result.load_id)
    assert rows == n
    rate, raw_rate = n / seconds, n / copy_seconds
    console.print(f"[bold]校验后入库（CSV，首次加载）[/bold] {n:,} 条 {seconds:.2f} s = {rate:,.0f} 条/s"
                  f"{_cpu(n)}；同样的行直接 COPY {copy_seconds:.2f} s = {raw_rate:,.0f} 条/s；"
                  f"入库 / COPY = {rate / raw_rate:.2f}", soft_wrap=True)
    data = household_ndjson(n)
    seconds, result = _timed_load(sessions, data, "ndjson")
    assert result.records == n and result.new_subjects == 0, result
    console.print(f"[bold]校验后入库（NDJSON，{n:,} 个已有主体的新版本）[/bold] {seconds:.2f} s = "
                  f"{n / seconds:,.0f} 条/s{_cpu(n)}", soft_wrap=True)
    engine.dispose()


# --- growth --------------------------------------------------------------------------------

def _grow(engine, start: int, stop: int, library_id: int, load_id: int) -> None:
    """Append generated records start … stop-1 with one COPY; psycopg's writer thread sends while
    Python generates the next block."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        stamp = PRODUCED.isoformat()
        prefix = f"{library_id}\t{load_id}\t{stamp}\t"
        with conn.cursor() as cur, cur.copy(
                "COPY exchange_record (library_id, load_id, loaded_at, subject, produced_at, "
                "valid_from, division_code, data) FROM STDIN", writer=QueuedLibpqWriter(cur)) as copy:
            for at in range(start, stop, 20_000):
                lines = []
                for i in range(at, min(at + 20_000, stop)):
                    number = subject(i)
                    data = (f'{{"公民身份号码":"{number}","姓名":"测试{i % 997}",'
                            f'"户籍地址":"广州市测试路{i}号"}}')
                    lines.append(f"{prefix}{number}\t{stamp}\t{stamp}\t\\N\t{data}\n")
                copy.write("".join(lines))
        conn.commit()
    finally:
        raw.close()


def _vacuum(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE exchange_record"))


def _lookups(engine, sessions, size: int, library_id: int, k: int) -> tuple[list[float], list[float]]:
    rng = random.Random(size)
    picks = [subject(rng.randrange(size)) for _ in range(k)]
    raw = engine.raw_connection()
    bare: list[float] = []
    try:
        conn = raw.driver_connection
        sql = ("SELECT id, data, loaded_at FROM exchange_record WHERE library_id = %s AND subject = %s "
               "ORDER BY id DESC LIMIT 1")
        with conn.cursor() as cur:
            for number in picks[:200]:  # warm the prepared statement and the pages on the path
                cur.execute(sql, (library_id, number), prepare=True).fetchone()
            for number in picks:
                t = time.perf_counter()
                row = cur.execute(sql, (library_id, number), prepare=True).fetchone()
                bare.append(time.perf_counter() - t)
                assert row is not None
        conn.rollback()
    finally:
        raw.close()
    orm: list[float] = []
    with unit_of_work(sessions) as s:
        for number in picks:
            t = time.perf_counter()
            record = current_record(s, library_id, number)
            orm.append(time.perf_counter() - t)
            assert record is not None and record.subject == number
            s.expunge(record)
    return bare, orm


def _ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"中位 {statistics.median(samples) * 1e3:.3f} ms，p99 {q[98] * 1e3:.3f} ms"


def growth(url: str, small: int, large: int, budget: float, k: int) -> None:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed(s)
    _seconds, first = _timed_load(sessions, household_csv(1), "csv")  # creates the library
    with unit_of_work(sessions) as s:
        library_id = s.scalar(select(Library.id))
    started = time.perf_counter()
    _grow(engine, 1, small, library_id, first.load_id)
    _vacuum(engine)
    console.print(f"表中 {small:,} 条：COPY 与 VACUUM ANALYZE {time.perf_counter() - started:.1f} s")
    bare_small, orm_small = _lookups(engine, sessions, small, library_id, k)
    size, started = small, time.perf_counter()
    while size < large and time.perf_counter() - started < budget:
        step = min(1_000_000, large - size)
        _grow(engine, size, size + step, library_id, first.load_id)
        size += step
    _vacuum(engine)
    console.print(f"表中 {size:,} 条：加载 {time.perf_counter() - started:.0f} s"
                  f"{'' if size >= large else f'（预算 {budget:.0f} s 用完，未到 {large:,}）'}")
    with engine.connect() as conn:
        plan = conn.execute(text(f"EXPLAIN SELECT * FROM exchange_record WHERE library_id = {library_id} AND "
                                 f"subject = '{subject(7)}' ORDER BY id DESC LIMIT 1")).scalars().all()
        pages = conn.execute(text("SELECT pg_size_pretty(pg_total_relation_size('exchange_record'))"))
        pages = pages.scalar()
    console.print(f"表与索引 {pages}；查询计划：{' / '.join(p.strip() for p in plan)}", soft_wrap=True)
    bare_large, orm_large = _lookups(engine, sessions, size, library_id, k)
    pairs = (("SQL（预编译）", bare_small, bare_large), ("current_record（ORM）", orm_small, orm_large))
    for label, a, b in pairs:
        ratio = statistics.median(b) / statistics.median(a)
        console.print(f"[bold]按主体查现行记录 {label}[/bold]：{small:,} 条 {_ms(a)}；{size:,} 条 {_ms(b)}；"
                      f"中位之比 {ratio:.2f}（目标 ≤ 1.5）")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="records per ingest run")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--budget", type=float, default=180.0, help="seconds of loading for the large table")
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    assert id_number(subject(0)) == subject(0)
    console.print(f"负载（1/5/15 分钟）：{os.getloadavg()}")
    for label, url in ([] if args.skip_ingest else databases("postgresql", tag="bench_exchange")):
        console.print(f"[bold]{label}[/bold]")
        ingest(url, args.records)
    if not args.skip_growth:
        for _label, url in databases("postgresql", tag="bench_growth"):
            growth(url, args.small, args.large, args.budget, args.lookups)
    console.print(f"负载（1/5/15 分钟）：{os.getloadavg()}")


if __name__ == "__main__":
    main()
