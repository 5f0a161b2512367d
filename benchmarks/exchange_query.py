"""How many authorised consumer queries a second does this machine answer (issue 5: at least
1,000/s with p99 under 50 ms at 32 concurrent clients, on PostgreSQL, load generator included),
and how does that compare with a bare endpoint doing the same lookup with none of the checks?

Setup (not measured): a throwaway PostgreSQL database with the demo city; N household records
(户籍人口信息, 公安局) loaded through the ingest service; the 民政局 granted the three items that are
not private (so two private items are masked in every answer); an API client (bearer token) of
the 民政局. The application is served by uvicorn in another process — 2 workers, uvloop,
httptools — and loaded by wrk (a Debian package, C, one thread) with 32 connections, each request
a different subject in turn.

Measured, one after the other in the same run, each for S seconds after a warm-up:
  1. bare      — POST /bench/lookup {"subject"}: added to the app for the run, same middleware
                 and transaction route, one SELECT of the subject's current version
                 (library, subject, id DESC LIMIT 1), committed, answered as JSON; no
                 authentication, no grant, no purpose, no masking, no log. This is how an
                 ordinary endpoint of the app is built (sync, Session, worker thread).
  1b. bare-async — the same SELECT on the event loop through the hot path's own psycopg async
                 connections (no transaction, no checks): the fairest baseline for the hot path.
  2. platform  — POST /api/v1/exchange/queries with the bearer token, duty and case number:
                 token → agency, the agency's grant (cached, re-checked in the lookup), purpose
                 checked, subject normalised, lookup + grant-live check in one SELECT, items
                 projected and masked, one INSERT into the query log, committed, answered.
Printed: requests per second, p50/p90/p99 (wrk), non-2xx answers, the query-log lines written
(must equal the platform's requests), and the CPU seconds spent by the server workers,
PostgreSQL and wrk during each phase (from /proc), so the bottleneck can be named.

    .venv/bin/python benchmarks/exchange_query.py [--records 20000] [--seconds 20]
        [--connections 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from scratch import databases
from sqlalchemy import func, select, text

from govshare.exchange import query_pg
from govshare.kit import serving
from govshare.kit.http import DbSession, TransactionalRoute
from govshare.main import create_app

HERE = Path(__file__).resolve().parent
DUTY = "基准测试：办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）"
CASE = "BENCH-2026-000001"
ITEMS = ("公民身份号码", "姓名", "出生日期")


# --- the application the workers serve ------------------------------------------------------

def bench_app():
    """The platform's app plus the bare endpoint; uvicorn calls this in each worker."""
    app = create_app()
    library_id = int(os.environ["BENCH_LIBRARY_ID"])
    router = APIRouter(route_class=TransactionalRoute)

    def bare_lookup(db: DbSession, subject: str = Body(embed=True)):
        row = db.execute(BARE, {"l": library_id, "s": subject}).first()
        return {"version_id": row.id, "data": row.data, "loaded_at": row.loaded_at.isoformat()}

    async def bare_async(request: Request, subject: str = Body(embed=True)):
        engine = request.app.state.engine
        async with query_pg._connection(engine.url) as conn:
            cur = conn.cursor()
            await cur.execute(BARE_PG, {"l": library_id, "s": subject})
            row = await cur.fetchone()
        return Response(json.dumps({"version_id": row[0], "data": row[2], "loaded_at": row[3].isoformat()},
                                   ensure_ascii=False), media_type="application/json")

    def gc_pauses():  # this worker's collections since start-up, by generation
        return {"pid": os.getpid(), "frozen": gc.get_freeze_count(),
                **{f"gen{g}": {"count": len(p), "max_ms": round(max(p, default=0) * 1e3, 1),
                               "total_ms": round(sum(p) * 1e3, 1)} for g, p in PAUSES.items()}}

    router.add_api_route("/bench/gc", gc_pauses, methods=["GET"])
    router.add_api_route("/bench/lookup", bare_lookup, methods=["POST"])
    router.add_api_route("/bench/lookup-async", bare_async, methods=["POST"])
    app.include_router(router)
    # Matched first, like the query router (main.API_ROUTERS): neither pays for scanning the
    # other 200 routes.
    app.router.routes.insert(0, app.router.routes.pop())
    # Timed from start-up on (after the app's own freeze, which is a startup hook added before
    # this one): the pauses serving requests, not those of building the app.
    app.router.on_startup.append(lambda: gc.callbacks.append(_time_collections))
    if os.environ.get("BENCH_NO_FREEZE"):  # --no-freeze: as before the app tuned its collector
        serving._frozen = True
    # The app freezes its start-up objects itself (kit.serving, at lifespan start-up).
    if os.environ.get("BENCH_GC_THRESHOLD"):  # --gc-threshold: fewer young collections
        gc.set_threshold(int(os.environ["BENCH_GC_THRESHOLD"]), *gc.get_threshold()[1:])
    return app


PAUSES: dict[int, list[float]] = {0: [], 1: [], 2: []}
_started: list[float] = [0.0]


def _time_collections(phase: str, info: dict) -> None:
    """How long each of this worker's garbage collections paused it (gc.callbacks)."""
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        PAUSES[info["generation"]].append(time.perf_counter() - _started[0])


BARE_PG = ("SELECT id, subject, data, loaded_at FROM exchange_record WHERE library_id = %(l)s "
           "AND subject = %(s)s ORDER BY id DESC LIMIT 1")
BARE = text("SELECT id, subject, data, loaded_at FROM exchange_record WHERE library_id = :l "
            "AND subject = :s ORDER BY id DESC LIMIT 1")


# --- setup --------------------------------------------------------------------------------------

def populate(url: str, n: int) -> tuple[str, str, int, list[str]]:
    """(civil's bearer token, the resource code, the library id, the subjects loaded)."""
    from govshare.access import request_service
    from govshare.access.request_service import RequestDraft
    from govshare.catalog.models import Entry
    from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
    from govshare.demo import generator
    from govshare.demo.seed import seed
    from govshare.directory import account_service
    from govshare.directory.models import User
    from govshare.exchange import ingest_service
    from govshare.exchange.models import Library
    from govshare.kit import clock
    from govshare.kit.actor import SYSTEM

    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seeded = seed(s)

    def actor(s, username):
        return account_service.actor_for_user(s.scalar(select(User).where(User.username == username)))

    people = generator.persons(n)
    produced = clock.now().isoformat()
    with unit_of_work(sessions) as s:
        code = s.scalar(select(Entry.resource_code).where(Entry.name == "户籍人口信息"))
        records = [{"公民身份号码": p.id_number, "姓名": p.name, "出生日期": p.birth_date.isoformat(),
                    "户籍地址": f"广州市天河区天河路{i + 1}号", "户主关系": "户主", "_produced_at": produced,
                    "_division_code": "440106"} for i, p in enumerate(people)]
        ingest_service.load_records(s, actor(s, "police_clerk"), code,
                                    json.dumps(records, ensure_ascii=False).encode(), "json")
    today = clock.today()
    with unit_of_work(sessions) as s:
        rid = request_service.submit_request(s, actor(s, "civil_clerk"), RequestDraft(
            items=ITEMS, duty=DUTY, purpose="婚姻登记", valid_from=today,
            valid_until=today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29)
            else today, resource_code=code), today=today).id
    with unit_of_work(sessions) as s:
        request_service.act_on_request(s, actor(s, "police_admin"), rid, "grant", {}, today=today)
    with unit_of_work(sessions) as s:
        token = account_service.issue_api_client(s, SYSTEM, seeded.agencies["civil"], "婚姻登记系统").token
        library_id = s.scalar(select(Library.id).where(Library.resource_code == code))
    engine.dispose()
    return token, code, library_id, [p.id_number for p in people]


def serve(url: str, folder: Path, workers: int, library_id: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GOVSHARE_DATABASE_URL": url, "GOVSHARE_DATA_DIR": str(folder),
           "GOVSHARE_SECRET_KEY": "bench", "BENCH_LIBRARY_ID": str(library_id),
           "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "exchange_query:bench_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
         "--log-level", "warning", "--no-access-log"], env=env, cwd=HERE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    time.sleep(2)  # every worker up
    return proc, base


# --- load and measurement -----------------------------------------------------------------------

def lua(path: Path, bodies: list[str], token: str | None) -> Path:
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines.append("local bodies = {")
    lines += [f"  [==[{b}]==]," for b in bodies]
    lines += ["}", "local i = 0", "request = function()", "  i = i % #bodies + 1",
              "  return wrk.format(nil, nil, nil, bodies[i])", "end"]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                          url], capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               "requests": int(re.search(r"(\d+) requests in", out).group(1)),
               "non2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    figures["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    figures["timeouts"] = int(errors.group(4)) if errors else 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["wrk_cpu"] = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    for cut in ("50", "90", "99"):
        value, unit = re.search(rf"\s{cut}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[f"p{cut}"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return figures


def cpu_by_group(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds so far of the server's workers and of PostgreSQL: the backends serving this
    run's database and the WAL writer (other databases' backends on the shared server are not
    counted); wrk's own comes from getrusage once it has exited."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {"server": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if comm.startswith("postgres"):
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if f" {database} " in title or "walwriter" in title or "wal writer" in title:
                groups["postgres"] += used
        elif int(entry.name) == server_pid or ppid == server_pid:
            groups["server"] += used
    return groups


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def phase(name: str, url: str, script: Path, args, server_pid: int, db_url: str) -> dict:
    wrk(url, script, max(args.seconds // 4, 3), args.connections)  # warm-up
    lines = log_lines(db_url)
    database = db_url.rsplit("/", 1)[1]
    before, busy = cpu_by_group(server_pid, database), machine_busy()
    figures = wrk(url, script, args.seconds, args.connections)
    after, busy = cpu_by_group(server_pid, database), machine_busy() - busy
    figures["logged"] = log_lines(db_url) - lines
    cpu = {k: (after[k] - before[k]) / args.seconds for k in after}
    cpu["wrk"] = figures["wrk_cpu"] / args.seconds
    ours = sum(cpu.values())
    cpu["others"] = max(busy / args.seconds - ours, 0.0)  # the machine is shared
    figures["cpu"], figures["ms_cpu"] = cpu, ours * args.seconds / max(figures["requests"], 1) * 1000
    print(f"  {name:<9} {figures['rps']:>8,.0f} req/s   p50 {figures['p50']:6.1f} ms   p90 "
          f"{figures['p90']:6.1f} ms   p99 {figures['p99']:6.1f} ms   non-2xx {figures['non2xx']}   "
          f"socket errors {figures['socket_errors']} (timeouts {figures['timeouts']}, not in the latencies)")
    print(f"  {'':9} CPU cores used: " + "  ".join(f"{k} {v:.2f}" for k, v in cpu.items())
          + f";  {figures['ms_cpu']:.2f} ms CPU a request (server + PostgreSQL + wrk), so a 2-core "
          f"machine to itself would answer about {2000 / figures['ms_cpu']:,.0f} a second")
    return figures


def pauses(base: str, workers: int) -> None:
    """Each worker's garbage-collection pauses over the whole run (fresh connections until every
    worker has answered)."""
    import httpx

    seen: dict[int, dict] = {}
    for _ in range(50):
        if len(seen) == workers:
            break
        with httpx.Client() as client:
            answer = client.get(f"{base}/bench/gc").json()
        seen[answer.pop("pid")] = answer
    for pid, a in sorted(seen.items()):
        print(f"  worker {pid}: {a['frozen']:,} objects frozen; collections " + ";  ".join(
            f"gen{g} {a[f'gen{g}']['count']:,} (max {a[f'gen{g}']['max_ms']} ms, total "
            f"{a[f'gen{g}']['total_ms']} ms)" for g in range(3)))


def log_lines(url: str) -> int:
    from govshare.db import make_engine
    from govshare.exchange.query_models import QueryLogEntry

    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(QueryLogEntry))
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gc-threshold", type=int, default=0,
                        help="the collector's generation-0 threshold in each worker; the app sets "
                             "10,000 at start-up (Python's default: 700), a higher one given here stays")
    parser.add_argument("--no-freeze", action="store_true",
                        help="as before the app tuned its collector: nothing frozen at start-up, "
                             "Python's thresholds (for comparison)")
    args = parser.parse_args()
    if args.no_freeze:
        os.environ["BENCH_NO_FREEZE"] = "1"
    if args.gc_threshold:
        os.environ["BENCH_GC_THRESHOLD"] = str(args.gc_threshold)
    for label, url in databases("postgresql", tag="query"):
        started = time.perf_counter()
        token, code, library_id, subjects = populate(url, args.records)
        print(f"{label}: {args.records:,} household records loaded and granted in "
              f"{time.perf_counter() - started:.0f} s; {args.workers} workers, "
              f"{args.connections} connections, {args.seconds} s per phase, {os.cpu_count()} cores"
              + (f", gc threshold {args.gc_threshold}" if args.gc_threshold else "")
              + (", start-up objects NOT frozen" if args.no_freeze else ""))
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            bare_script = lua(tmp / "bare.lua", [json.dumps({"subject": s}) for s in subjects], None)
            query_script = lua(tmp / "query.lua", [json.dumps(
                {"resource_code": code, "subjects": [s], "duty": DUTY, "case_number": CASE},
                ensure_ascii=False) for s in subjects], token)
            proc, base = serve(url, tmp, args.workers, library_id)
            try:
                bare = phase("bare", f"{base}/bench/lookup", bare_script, args, proc.pid, url)
                bare_async = phase("bare-async", f"{base}/bench/lookup-async", bare_script, args,
                                   proc.pid, url)
                platform = phase("platform", f"{base}/api/v1/exchange/queries", query_script, args,
                                 proc.pid, url)
                pauses(base, args.workers)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        print(f"  platform / bare: {platform['rps'] / bare['rps']:.2f} (throughput), "
              f"{bare['ms_cpu'] / platform['ms_cpu']:.2f} (CPU a request);  platform / bare-async: "
              f"{platform['rps'] / bare_async['rps']:.2f} (throughput), "
              f"{bare_async['ms_cpu'] / platform['ms_cpu']:.2f} (CPU a request)")
        print(f"  "
              f"query-log lines written in the measured phase: {platform['logged']:,} "
              f"(requests answered: {platform['requests']:,})")


if __name__ == "__main__":
    main()
