"""How much does the audit chain cost? Appends per second with `evidence.record()` and rows per
second for `chain.verify()`, on SQLite and PostgreSQL, against a baseline measured in the same run:
a plain INSERT of the same rows into a table of the same shape and indexes, with no canonical
JSON, no SM3 and no head lock.

    .venv/bin/python benchmarks/audit_chain.py [--events 3000] [--batch 100]

PostgreSQL comes from GOVSHARE_TEST_POSTGRES_URL (default: the local server); a scratch database
is created and dropped. Takes well under 30 seconds on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from scratch import databases
from sqlalchemy import Column, Index, MetaData, Table, insert

from govshare.db import make_engine, make_sessionmaker, migrate
from govshare.evidence import chain, record
from govshare.evidence.events import Event
from govshare.evidence.models import AuditEvent
from govshare.kit.actor import Actor, Role
from govshare.kit.clock import now

ACTOR = Actor(kind="user", id=7, name="基准测试员", agency_id=3, agency_level="city",
              division_code="440100", roles=frozenset({Role.AGENCY_STAFF}))


@dataclass(frozen=True)
class QueryAnswered(Event):
    """About the size of a real event: an agency, a grant, a subject, a purpose."""

    agency_id: int
    grant_id: int
    subject: str
    purpose: str


def _event(i: int) -> QueryAnswered:
    return QueryAnswered(agency_id=3 + i % 10, grant_id=1000 + i, subject=f"4401061990010{i:05d}",
                         purpose="办理婚姻登记时核验户籍信息")


def _plain_table() -> Table:
    """evidence_audit_event's columns and indexes under another name, without the trigger."""
    md = MetaData()
    cols = [Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
            for c in AuditEvent.__table__.columns]
    table = Table("bench_plain_event", md, *cols)
    for name in ("recorded_at", "agency_id", "event_type"):
        Index(f"ix_bench_plain_event_{name}", table.c[name])
    return table


def _timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _in_batches(sessions, events: int, batch: int, append: Callable) -> float:
    """`events` appends, `batch` per transaction (one commit per batch)."""
    def run():
        for start in range(0, events, batch):
            with sessions.begin() as session:
                for i in range(start, min(start + batch, events)):
                    append(session, i)
    return _timed(run)


def _plain_append(table: Table) -> Callable:
    def append(session, i: int) -> None:
        e = _event(i)
        session.execute(insert(table).values(
            seq=i + 1, recorded_at=now(), actor_kind=ACTOR.kind, actor_id=ACTOR.id,
            actor_name=ACTOR.name, agency_id=e.agency_id, event_type=e.event_type,
            payload=json.dumps(e.payload(), ensure_ascii=False), prev_hash="0" * 64,
            hash="0" * 64))
    return append


def _chain_append(session, i: int) -> None:
    record(session, _event(i), ACTOR)


def bench(url: str, events: int, batch: int) -> dict[str, float]:
    migrate(url)
    engine = make_engine(url)
    table = _plain_table()
    table.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    figures = {}
    for size in (1, batch):
        n = events // 10 if size == 1 else events  # one commit per event is slow: fewer of them
        with engine.begin() as conn:
            conn.execute(table.delete())
        plain = _in_batches(sessions, n, size, _plain_append(table))
        chained = _in_batches(sessions, n, size, _chain_append)
        figures[f"plain/s batch {size}"] = n / plain
        figures[f"record/s batch {size}"] = n / chained
    with sessions() as session:
        rows = session.query(AuditEvent).count()
        took = _timed(lambda: _must_hold(chain.verify(session)))
    figures["verify rows/s"] = rows / took
    figures["verify rows"] = rows
    engine.dispose()
    return figures


def _must_hold(report: chain.ChainReport) -> None:
    assert report.ok, report.summary


def _report(engine_name: str, f: dict[str, float], batch: int) -> None:
    print(f"\n== {engine_name} ==")
    for size in (1, batch):
        plain, chained = f[f"plain/s batch {size}"], f[f"record/s batch {size}"]
        print(f"  每事务 {size:>3} 条: 普通 INSERT {plain:8.0f} 条/秒   record() {chained:8.0f} 条/秒"
              f"   比值 {chained / plain:5.2f}")
    print(f"  verify(): {f['verify rows/s']:8.0f} 条/秒（{int(f['verify rows'])} 条）")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    for label, url in databases(tag="bench_audit"):
        _report(label, bench(url, args.events, args.batch), args.batch)


if __name__ == "__main__":
    main()
