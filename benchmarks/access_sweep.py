"""How long does the daily deadline sweep take over 100,000 open requests (issue 4: under 5 s),
on SQLite and PostgreSQL?

Setup (not measured): the demo city, then N open requests written with bulk core inserts —
90 % awaiting the provider's decision (submitted on each of the 15 working days before the sweep
day, so their deadlines spread over the next 15 working days), 10 % awaiting supply after a
government decision (5 working days) — with deadlines counted by the calendar as the service
does; among them OVERDUE undecided requests (escalated one by one) and OVERDUE unsupplied ones
(breaches). Also 20,000 settled requests with grants, 1,000 of which have run out, and webhooks
for two agencies.
Measured, each in its own transaction with the commit:
  1. baseline — `SELECT count(*)` of the open requests with a deadline (the rows the sweep reads);
  2. sweep    — `sweep_service.sweep` of the day: recount, escalate, breaches, due-soon and
                due-today notices, webhooks queued, grants expired;
  3. again    — the same day's sweep once more (everything already said: nothing written);
  4. naive    — a per-row loop for comparison: every open request loaded, its deadline recounted
                with `workflow.deadline_of`, and `notice_service.notify` called when due within
                3 working days; on a sample, rolled back, extrapolated to N.

    .venv/bin/python benchmarks/access_sweep.py [--requests 100000] [--overdue 100] [--only sqlite]

PostgreSQL comes from GOVSHARE_BENCH_POSTGRES_URL (default: the local server); a throwaway
database is created and dropped.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta

from scratch import databases
from sqlalchemy import func, insert, select, text

from govshare.access import notice_service, request_service, sweep_service, workflow
from govshare.access.models import AccessRequest, Grant, Notice, NoticeHook
from govshare.access.workflow import RequestState, RequestStatus
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.seed import seed
from govshare.kit.actor import SYSTEM
from govshare.kit.clock import now
from govshare.kit.outbox_models import OutboxMessage
from govshare.workdays.calendar import WorkCalendar

TODAY = date(2026, 10, 20)  # a Tuesday after the National Day holiday
S = RequestStatus
CAL = WorkCalendar()


# --- setup -------------------------------------------------------------------------------

def _working_days_before(day: date, n: int) -> list[date]:
    days, d = [], day
    while len(days) < n:
        d -= timedelta(days=1)
        if CAL.is_working_day(d):
            days.append(d)
    return days


def _row(i: int, status: S, since: date, requester: int, provider: int) -> dict:
    deadline = workflow.deadline_of(RequestState(status, requester, provider, since), CAL)
    stamp = now()
    return {"id": i, "requester_agency_id": requester, "requested_by": "基准测试",
            "provider_agency_id": provider,
            "route": "conditional" if status is S.SUBMITTED else "outside_catalog",
            "status": status.value, "since_date": since, "due_date": deadline.due_date,
            "due_provisional": deadline.provisional, "resource_code": None,
            "catalog_version_id": None, "resource_name": f"基准资源{i % 500:03d}",
            "items": ["公民身份号码", "姓名"], "duty": "基准测试职责", "legal_basis": "",
            "purpose": "基准测试", "row_scope": {}, "valid_from": TODAY,
            "valid_until": TODAY + timedelta(days=180), "created_at": stamp, "updated_at": stamp}


def _populate(engine, n: int, overdue: int, agencies: list[int]) -> dict[str, int]:
    decide_days = _working_days_before(TODAY, 15)  # deadlines today … 14 working days ahead
    supply_days = _working_days_before(TODAY, 5)
    late_decide = _working_days_before(TODAY, 20)[-1]  # 15 working days ran out last week
    late_supply = _working_days_before(TODAY, 8)[-1]
    rows, counts = [], {"submitted": 0, "awaiting_supply": 0}
    for i in range(1, n + 1):
        requester, provider = agencies[i % len(agencies)], agencies[(i * 7 + 3) % len(agencies)]
        if provider == requester:
            provider = agencies[(agencies.index(provider) + 1) % len(agencies)]
        if i <= overdue:
            status, since = S.SUBMITTED, late_decide
        elif i <= 2 * overdue:
            status, since = S.AWAITING_SUPPLY, late_supply
        elif i % 10 == 0:
            status, since = S.AWAITING_SUPPLY, supply_days[i % len(supply_days)]
        else:
            status, since = S.SUBMITTED, decide_days[i % len(decide_days)]
        counts[status.value] += 1
        rows.append(_row(i, status, since, requester, provider))
    settled = [{**_row(n + j, S.SUBMITTED, TODAY - timedelta(days=200), agencies[0], agencies[1]),
                "status": S.GRANTED.value, "due_date": None} for j in range(1, 20_001)]
    grants = [{"request_id": r["id"], "grantee_agency_id": r["requester_agency_id"],
               "provider_agency_id": r["provider_agency_id"], "resource_code": None,
               "resource_name": r["resource_name"], "items": r["items"], "sensitive_items": [],
               "row_scope": {}, "duty": r["duty"], "purpose": r["purpose"],
               "valid_from": TODAY - timedelta(days=200),
               "valid_until": TODAY - timedelta(days=1 if k < 1000 else -100),
               "status": "active", "basis": "RequestGranted", "issued_by": "基准测试",
               "issued_at": now(), "revoke_reasons": ""} for k, r in enumerate(settled)]
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 10_000):
            conn.execute(insert(AccessRequest.__table__), rows[chunk:chunk + 10_000])
        for chunk in range(0, len(settled), 10_000):
            conn.execute(insert(AccessRequest.__table__), settled[chunk:chunk + 10_000])
            conn.execute(insert(Grant.__table__), grants[chunk:chunk + 10_000])
        for agency in agencies[:2]:
            conn.execute(insert(NoticeHook.__table__).values(
                agency_id=agency, url=f"https://bench.example.gov.cn/{agency}", secret="0" * 64,
                active=True))
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('access_request', 'id'), "
                              "(SELECT max(id) FROM access_request))"))
            conn.execute(text("ANALYZE"))
    return counts


# --- measured ----------------------------------------------------------------------------

def _timed(fn: Callable):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _baseline(sessions) -> tuple[float, int]:
    """The best of three counts (the first one warms the cache)."""
    def count():
        with unit_of_work(sessions) as s:
            return s.scalar(select(func.count()).select_from(AccessRequest).where(
                AccessRequest.status.in_(sweep_service.CLOCKED), AccessRequest.due_date.is_not(None)))
    return min(_timed(count) for _ in range(3))


def _sweep(sessions) -> tuple[float, float, sweep_service.SweepReport]:
    """The sweep, and how much of it went to the per-request escalation steps."""
    steps = [0.0]
    act = request_service.act_on_request

    def timed_act(*args, **kwargs):
        started = time.perf_counter()
        try:
            return act(*args, **kwargs)
        finally:
            steps[0] += time.perf_counter() - started

    def run():
        with unit_of_work(sessions) as s:
            return sweep_service.sweep(s, SYSTEM, TODAY)
    sweep_service.request_service.act_on_request = timed_act
    try:
        took, report = _timed(run)
    finally:
        sweep_service.request_service.act_on_request = act
    return took, steps[0], report


def _naive(sessions, sample: int) -> float:
    """Row by row: load, recount, notify the ones due soon (rolled back)."""
    horizon = CAL.add_working_days(TODAY, sweep_service.SOON_DAYS).due_date
    with sessions() as s:
        started = time.perf_counter()
        for req in s.scalars(select(AccessRequest).where(
                AccessRequest.status.in_(sweep_service.CLOCKED)).order_by(AccessRequest.id)
                .limit(sample)):
            state = RequestState(S(req.status), req.requester_agency_id, req.provider_agency_id,
                                 req.since_date)
            deadline = workflow.deadline_of(state, CAL)
            if TODAY <= deadline.due_date <= horizon:
                kind = "due_today" if deadline.due_date == TODAY else "due_soon"
                notice_service.notify(s, req.provider_agency_id, kind, "…", request_id=req.id,
                                      due_date=deadline.due_date)
        took = time.perf_counter() - started
        s.rollback()
    return took


def bench(url: str, n: int, overdue: int, sample: int) -> dict:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        agencies = sorted(seed(s).agencies.values())
    f: dict = {}
    f["setup"], f["counts"] = _timed(lambda: _populate(engine, n, overdue, agencies))
    f["baseline"], f["open"] = _baseline(sessions)
    f["naive"] = _naive(sessions, sample) * n / sample
    f["sweep"], f["steps"], f["report"] = _sweep(sessions)
    f["again"], _, f["report_again"] = _sweep(sessions)
    with engine.connect() as conn:
        f["notices"] = conn.scalar(select(func.count()).select_from(Notice))
        f["outbox"] = conn.scalar(select(func.count()).select_from(OutboxMessage))
    engine.dispose()
    return f


def _report(engine_name: str, f: dict) -> None:
    r, again = f["report"], f["report_again"]
    c = f["counts"]
    print(f"\n== {engine_name}：未结申请 {f['open']:,} 件（待决定 {c['submitted']:,}，待提供 "
          f"{c['awaiting_supply']:,}）；准备数据 {f['setup']:.1f} 秒，不计入 ==")
    print(f"  基线：SELECT count(*) 同一批未结申请   {f['baseline']:7.3f} 秒")
    print(f"  巡检（当日首次，含提交）               {f['sweep']:7.3f} 秒 —— 基线的 "
          f"{f['sweep'] / f['baseline']:.0f} 倍")
    print(f"    {r.summary}")
    if r.escalated:
        print(f"    其中逐件提请协调（act_on_request）{r.escalated} 件共 {f['steps']:.3f} 秒，"
              f"每件 {f['steps'] / r.escalated * 1000:.0f} 毫秒")
    print(f"    写入提醒 {f['notices']:,} 条（含逾期申请的办理通知），推送队列 {f['outbox']:,} 条")
    print(f"  同日再巡检（无新提醒）                 {f['again']:7.3f} 秒 —— 基线的 "
          f"{f['again'] / f['baseline']:.0f} 倍；即将到期 {again.due_soon}，今日到期 "
          f"{again.due_today}，提请协调 {again.escalated}，违约 {again.supply_breaches}")
    print(f"  对照：逐条 ORM 巡检（抽样外推）        {f['naive']:7.1f} 秒 —— 批量巡检快 "
          f"{f['naive'] / f['sweep']:.1f} 倍")
    print(f"  目标 < 5 秒：{'达到' if f['sweep'] < 5 else '未达到'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=100,
                        help="overdue undecided requests, and as many overdue supplies")
    parser.add_argument("--naive-sample", type=int, default=5_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    for label, url in databases(args.only, tag="bench_sweep"):
        _report(label, bench(url, args.requests, args.overdue,
                             min(args.naive_sample, args.requests)))


if __name__ == "__main__":
    main()
