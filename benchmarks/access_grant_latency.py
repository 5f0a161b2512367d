"""How long from an unconditional request to a usable grant, through the real HTTP API (issue 4:
p95 under 50 ms on PostgreSQL)?

Setup (not measured): a throwaway database with the demo city; one API client (bearer token) for
every agency that is not the provider of an unconditional resource; the application served by
uvicorn (uvloop, httptools) in this process on a free port, one httpx client with keep-alive.
Measured, one request at a time, each timed from send to response read:
  1. baseline    — GET /healthz (no session, `SELECT 1` on a raw connection);
  2. baseline    — GET /bench/pk, a bare endpoint added for the run: one session, one
                   primary-key SELECT, commit (what any request of the API costs at least);
  3. submit      — POST /api/v1/access/requests for an unconditional resource: routed, stored,
                   granted, audited (two chained events) and notified in one transaction, then
                   answered with the request, its step and its grant;
  4. usable      — GET /api/v1/access/grants/usable?resource_code=… right after it;
  5. end to end  — 3 + 4: from asking to holding a grant the exchange will honour.
Requests rotate over the agencies and the demo's unconditional resources (the items that are
unconditional), so each agency asks each resource N / (agencies × resources) times.

    .venv/bin/python benchmarks/access_grant_latency.py [--requests 600] [--only postgresql]

PostgreSQL comes from GOVSHARE_BENCH_POSTGRES_URL (default: the local server); a throwaway
database is created and dropped.
"""

from __future__ import annotations

import argparse
import itertools
import socket
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from scratch import databases
from sqlalchemy import select

from govshare.catalog import published_service
from govshare.config import Settings
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.seed import seed
from govshare.directory import account_service
from govshare.directory.models import Agency
from govshare.kit import clock
from govshare.kit.actor import SYSTEM
from govshare.main import create_app

WARMUP = 50


# --- setup -------------------------------------------------------------------------------------

def populate(url: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The demo city; a token per requesting agency and the unconditional resources with the
    items that are unconditional."""
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        result = seed(s)
    with unit_of_work(sessions) as s:
        resources = []
        for code in _codes(s, result):
            doc = published_service.published_entry(s, SYSTEM, code).document
            if doc["share_type"] != "unconditional":
                continue
            items = [i["name"] for i in doc["items"]
                     if (i.get("share_type") or "unconditional") == "unconditional"]
            resources.append((code, doc["agency_id"], items))
        providers = {p for _, p, _ in resources}
        agencies = [a for a in s.scalars(select(Agency).order_by(Agency.id))
                    if a.id not in providers and a.active]
        tokens = [account_service.issue_api_client(s, SYSTEM, a.id, "基准测试系统").token
                  for a in agencies]
    engine.dispose()
    return tokens, [(code, items) for code, _, items in resources]


def _codes(session, result) -> list[str]:
    from govshare.catalog.models import Entry

    return list(session.scalars(select(Entry.resource_code).where(
        Entry.id.in_(list(result.entries.values())), Entry.resource_code.is_not(None))))


def serve(url: str, folder: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The application on a free port of 127.0.0.1, in a thread of this process."""
    app = create_app(Settings(database_url=url, data_dir=folder, secret_key="bench"))

    def one_primary_key_select():
        with app.state.read_sessionmaker() as session:
            session.get(Agency, 1)
            session.commit()
        return {"ok": True}

    app.add_api_route("/bench/pk", one_primary_key_select, methods=["GET"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           loop="uvloop", http="httptools", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


# --- measuring ---------------------------------------------------------------------------------

def timed(send, *args, **kwargs) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = send(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, response


def percentiles(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(ms)}


def measure(base: str, tokens: list[str], resources, n: int) -> dict[str, list[float]]:
    today = clock.today()
    bodies = {code: {"resource_code": code, "items": items, "duty": "基准测试：核验证照（履行职责）",
                     "purpose": "基准测试", "valid_from": today.isoformat(),
                     "valid_until": (today + timedelta(days=365)).isoformat()}
              for code, items in resources}
    pairs = itertools.cycle(itertools.product(tokens, [code for code, _ in resources]))
    out: dict[str, list[float]] = {"healthz": [], "pk": [], "submit": [], "usable": [], "e2e": []}
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(WARMUP):
            client.get("/healthz")
            client.get("/bench/pk")
        for i in range(WARMUP + n):
            keep = i >= WARMUP
            ms, r = timed(client.get, "/healthz")
            assert r.status_code == 200, r.text
            keep and out["healthz"].append(ms)
            ms, r = timed(client.get, "/bench/pk")
            assert r.status_code == 200, r.text
            keep and out["pk"].append(ms)
            token, code = next(pairs)
            auth = {"Authorization": f"Bearer {token}"}
            submit_ms, r = timed(client.post, "/api/v1/access/requests", json=bodies[code],
                                 headers=auth)
            assert r.status_code == 201 and r.json()["grant"]["status"] == "active", r.text
            usable_ms, r = timed(client.get, "/api/v1/access/grants/usable", headers=auth,
                                 params={"resource_code": code})
            assert r.status_code == 200, r.text
            if keep:
                out["submit"].append(submit_ms)
                out["usable"].append(usable_ms)
                out["e2e"].append(submit_ms + usable_ms)
    return out


LABELS = {"healthz": "基线 GET /healthz", "pk": "基线 一次主键查询的接口",
          "submit": "提出无条件申请（即时授权）", "usable": "查询可用授权",
          "e2e": "申请 → 可用授权（合计）"}


def report(engine_name: str, n: int, agencies: int, resources: int,
           out: dict[str, list[float]]) -> None:
    print(f"\n== {engine_name}：{n} 次无条件申请（{agencies} 个机关 × {resources} 项无条件资源轮流），"
          f"uvicorn（uvloop、httptools）同进程，httpx 单连接逐个请求")
    base = percentiles(out["pk"])
    for key, label in LABELS.items():
        p = percentiles(out[key])
        print(f"  {label:<22} p50 {p['p50']:6.2f} ms  p95 {p['p95']:6.2f} ms  "
              f"p99 {p['p99']:6.2f} ms  （p95 为主键查询基线的 {p['p95'] / base['p95']:4.1f} 倍）")
    p95 = percentiles(out["e2e"])["p95"]
    print(f"  目标 申请到可用授权 p95 < 50 ms：{'达到' if p95 < 50 else '未达到'}（{p95:.1f} ms）")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default="postgresql",
                        help="缺省只测 PostgreSQL（目标所在）；sqlite 供对照")
    args = parser.parse_args()
    for engine_name, url in databases(args.only, tag="grant_latency"):
        tokens, resources = populate(url)
        with tempfile.TemporaryDirectory() as folder:
            server, thread, base = serve(url, Path(folder))
            try:
                out = measure(base, tokens, resources, args.requests)
            finally:
                server.should_exit = True
                thread.join(10)
                server.config.app.state.engine.dispose()
        report(engine_name, args.requests, len(tokens), len(resources), out)


if __name__ == "__main__":
    main()
