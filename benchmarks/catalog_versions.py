"""How long do compiling and diffing a shared-catalog version take at 100,000 entries and
1,000,000 items (issue 3: under 10 s), on SQLite and PostgreSQL?

Setup (not measured): the demo city, then N synthetic filed entries with 10 items each
(`demo.catalog_scale.synthetic_entries`) written with bulk core inserts (COPY on PostgreSQL),
each with the frozen form `file_entry` stores when an entry is filed.
Measured:
  1. compile  — `compile_version` over all N entries (every one new against the demo's version 1);
  2. change   — 1 % of the entries revised (name and one item changed, one item dropped, one
                added) and 0.1 % withdrawn, then `compile_version` again (hash comparison);
  3. diff     — `version_diff` of that version (the first page of each kind, as the page shows);
  4. baseline — a naive compile measured in the same run: ORM entries with their items, one
                `snapshot.freeze` (RFC 8785) and one flushed ORM insert per entry, on 5,000
                entries, extrapolated to N.

    .venv/bin/python benchmarks/catalog_versions.py [--entries 100000] [--baseline 5000]

PostgreSQL comes from GOVSHARE_BENCH_POSTGRES_URL (default: the local server); a throwaway
database is created and dropped. About 3 minutes for both engines at 100,000 entries.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import asdict
from types import SimpleNamespace

from scratch import databases
from sqlalchemy import func, insert, select, text, update

from govshare.catalog import version_service
from govshare.catalog.models import Entry, Item, Version, VersionEntry
from govshare.catalog.snapshot import entry_document, freeze
from govshare.catalog.terms import VersionStatus
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.catalog_scale import synthetic_entries
from govshare.demo.seed import seed
from govshare.directory.models import Agency
from govshare.kit.actor import Actor, Role
from govshare.kit.clock import now

IT = Actor(kind="user", id=None, name="基准测试（市信息化主管部门）", agency_id=None,
           agency_level="city", division_code="440100", roles=frozenset({Role.IT_AUTHORITY}))
ITEM_COLUMNS = ("id", "entry_id", "position", "name", "data_type", "length", "share_type",
                "sensitivity", "subject_key", "base_item_code")


# --- setup -------------------------------------------------------------------------------

def _populate(engine, n: int, agencies: dict[str, int]) -> None:
    """N filed entries and their items, written in bulk (setup: not measured)."""
    with engine.begin() as conn:
        first_entry = (conn.scalar(select(func.max(Entry.id))) or 0) + 1
        first_item = (conn.scalar(select(func.max(Item.id))) or 0) + 1
        providers = {a.id: (a.name, a.credit_code) for a in conn.execute(
            select(Agency.id, Agency.name, Agency.credit_code))}
    entries, items = [], []
    for i, (key, draft) in enumerate(synthetic_entries(n)):
        entry_id = first_entry + i
        values = asdict(draft)
        drafted = values.pop("items")
        values.update(id=entry_id, agency_id=agencies[key], status="filed", filed_at=now(),
                      resource_code=f"{draft.category}{draft.subcategory}{draft.subject}/B{i:07d}",
                      review_result="passed", reviewed_by="基准测试", reviewed_at=now(),
                      related_codes=list(values["related_codes"]))
        # What file_entry freezes at filing time (filing happened before; not measured).
        values["filed_content"], values["filed_hash"] = _frozen(values, drafted,
                                                               providers[agencies[key]])
        entries.append(values)
        for pos, item in enumerate(drafted):
            items.append((first_item + len(items), entry_id, pos, *(item[c] for c in ITEM_COLUMNS[3:])))
    with engine.begin() as conn:
        for start in range(0, len(entries), 10_000):
            conn.execute(insert(Entry.__table__), entries[start:start + 10_000])
        _insert_items(conn, items)
        if engine.dialect.name == "postgresql":
            for table in ("catalog_entry", "catalog_item"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))


def _frozen(values: dict, items: list[dict], provider: tuple[str, str]) -> tuple[str, str]:
    entry = SimpleNamespace(**{**values, "revision": 1, "items": [
        SimpleNamespace(**item) for item in items]})
    return freeze(entry_document(entry, *provider))


def _refile(sessions, ids: list[int]) -> None:
    """What filing the revised entries again stores: their new frozen form (not measured)."""
    with unit_of_work(sessions) as s:
        for entry in s.scalars(select(Entry).where(Entry.id.in_(ids))):
            s.refresh(entry)
            agency = s.get(Agency, entry.agency_id)
            entry.filed_content, entry.filed_hash = freeze(
                entry_document(entry, agency.name, agency.credit_code))


def _insert_items(conn, items: list[tuple]) -> None:
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY catalog_item ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
            for row in items:
                copy.write_row(row)
        return
    rows = [dict(zip(ITEM_COLUMNS, row, strict=True)) for row in items]
    for start in range(0, len(rows), 50_000):
        conn.execute(insert(Item.__table__), rows[start:start + 50_000])


def _make_current(sessions, version_id: int) -> None:
    """Approve and publish by a plain update (setup: the search reindex is not what we time)."""
    with unit_of_work(sessions) as s:
        s.execute(update(Version).where(Version.status == VersionStatus.PUBLISHED.value)
                  .values(status=VersionStatus.SUPERSEDED.value))
        s.execute(update(Version).where(Version.id == version_id).values(
            status=VersionStatus.PUBLISHED.value, published_at=now(), published_by="基准测试"))


def _change(engine, sessions, n: int) -> tuple[int, int]:
    """Revise 1 % of the synthetic entries (a field and three item changes), withdraw 0.1 %."""
    with engine.begin() as conn:
        ids = list(conn.scalars(select(Entry.id).where(Entry.resource_code.like("%/B%"))
                                .order_by(Entry.id)))
        changed, withdrawn = ids[::100][: max(n // 100, 1)], ids[50::1000][: max(n // 1000, 1)]
        conn.execute(update(Entry).where(Entry.id.in_(changed))
                     .values(name=Entry.name + "（修订）", revision=Entry.revision + 1))
        conn.execute(update(Item).where(Item.entry_id.in_(changed), Item.position == 1)
                     .values(length=999))
        conn.execute(Item.__table__.delete().where(Item.entry_id.in_(changed), Item.position == 2))
        conn.execute(insert(Item.__table__), [
            {"entry_id": e, "position": 99, "name": "新增信息项", "data_type": "C", "length": 10,
             "sensitivity": "none"} for e in changed])
        conn.execute(update(Entry).where(Entry.id.in_(withdrawn)).values(withdrawn=True))
    _refile(sessions, changed)
    return len(changed), len(withdrawn)


# --- measured ----------------------------------------------------------------------------

def _timed(fn: Callable):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _compile(sessions) -> tuple[float, Version]:
    with unit_of_work(sessions) as s:
        return _timed(lambda: version_service.compile_version(s, IT))


def _naive_compile(sessions, sample: int) -> float:
    """Per-entry ORM work: what the fast path is measured against (rolled back afterwards)."""
    with sessions() as s:
        started = time.perf_counter()
        version = Version(number=10**6, status="compiled", compiled_by="基准", diff_summary={})
        s.add(version)
        s.flush()
        for entry in s.scalars(select(Entry).where(Entry.status == "filed")
                               .order_by(Entry.id).limit(sample)):
            agency = s.get(Agency, entry.agency_id)
            content, digest = freeze(entry_document(entry, agency.name, agency.credit_code))
            s.add(VersionEntry(version_id=version.id, entry_id=entry.id, agency_id=entry.agency_id,
                               resource_code=entry.resource_code, content=content,
                               content_hash=digest))
            s.flush()
        took = time.perf_counter() - started
        s.rollback()
    return took


def bench(url: str, n: int, sample: int) -> dict[str, float]:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        agencies = {k: v for k, v in seed(s).agencies.items()}
    setup, _ = _timed(lambda: _populate(engine, n, agencies))
    with engine.connect() as conn:
        items = conn.scalar(select(func.count()).select_from(Item))
        entries = conn.scalar(select(func.count()).select_from(Entry))
    figures = {"setup": setup, "entries": entries, "items": items}
    figures["compile"], first = _compile(sessions)
    _make_current(sessions, first.id)
    figures["changed"], figures["withdrawn"] = _change(engine, sessions, n)
    figures["recompile"], second = _compile(sessions)
    figures["summary"] = second.diff_summary
    with sessions() as s:
        figures["diff"], diff = _timed(lambda: version_service.version_diff(s, IT, second.id))
    figures["diff_totals"] = diff.totals
    figures["baseline"] = _naive_compile(sessions, sample) * entries / sample
    engine.dispose()
    return figures


def _report(engine_name: str, f: dict) -> None:
    s = f["summary"]
    print(f"\n== {engine_name}：{f['entries']:,} 个条目，{f['items']:,} 个信息项"
          f"（准备数据 {f['setup']:.1f} 秒，不计入）==")
    print(f"  编制（全部新增）      {f['compile']:6.2f} 秒")
    print(f"  修订 {f['changed']} 个、撤销 {f['withdrawn']} 个后再编制（含差异汇总）"
          f" {f['recompile']:6.2f} 秒：新增 {s['added']}，变更 {s['changed']}，删除 {s['removed']}，"
          f"信息项 +{s['items_added']} ~{s['items_changed']} -{s['items_removed']}")
    print(f"  差异（version_diff） {f['diff']:6.2f} 秒：{f['diff_totals']}")
    print(f"  基线：逐条 ORM 编制（抽样外推） {f['baseline']:6.1f} 秒 —— 编制快 "
          f"{f['baseline'] / f['compile']:.1f} 倍")
    print(f"  编制+差异 {f['recompile'] + f['diff']:.2f} 秒，目标 < 10 秒："
          f"{'达到' if f['recompile'] + f['diff'] < 10 and f['compile'] < 10 else '未达到'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=5_000, help="entries in the naive sample")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    sample = min(args.baseline, args.entries)
    for label, url in databases(args.only, tag="bench_versions"):
        _report(label, bench(url, args.entries, sample))


if __name__ == "__main__":
    main()
