"""How fast is catalog search? p50/p95/p99 of `search_service.search_catalog` (the code path of the
API and the page, one session per query) over a published version of N synthetic entries with 10
items each, on SQLite and PostgreSQL, against a baseline measured in the same run on the same rows:
LIKE '%词%' over name, abstract, item names and provider, with the same filters, name hits first.
Target (issue 3): p95 < 50 ms at 100,000 entries / 1,000,000 items on both engines.

    .venv/bin/python benchmarks/catalog_search.py [--entries 100000] [--queries 600]

Setup (not measured): the demo city, then the synthetic entries (`demo.catalog_scale`) written
into catalog_entry, catalog_version and catalog_version_entry (the frozen documents, items
included) — core inserts on SQLite, COPY on PostgreSQL, documents frozen from plain namespaces
rather than ORM objects (100,000 entries: about 30 s instead of 200 s) — then
`search.reindex_published`, whose time is printed as the index build time.
PostgreSQL comes from GOVSHARE_BENCH_POSTGRES_URL (default: the local server); a throwaway
database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import JSON, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from govshare.catalog import search
from govshare.catalog.models import Entry, Version, VersionEntry
from govshare.catalog.search_service import SearchFilters, search_catalog
from govshare.catalog.snapshot import entry_document, freeze
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.catalog_scale import GROUPS, ITEM_NAMES, SHARE, SUFFIXES, TOPICS, synthetic_entries
from govshare.demo.generator import agencies as demo_agencies
from govshare.demo.seed import seed
from govshare.directory.models import Agency
from govshare.kit.actor import Actor, Role
from govshare.kit.clock import now
from govshare.kit.pagination import PageRequest

PG_URL = os.environ.get("GOVSHARE_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
READER = Actor(kind="user", id=1, name="基准测试员", agency_id=None, agency_level="city",
               division_code="440100", roles=frozenset({Role.AGENCY_STAFF}))
PAGE = PageRequest(20, 0)


# --- setup -------------------------------------------------------------------------------------

def populate(url: str, n: int) -> int:
    """The demo city and a published version of `n` synthetic entries; returns the version id."""
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        ids = seed(session).agencies
        agencies = {a.id: a for a in session.scalars(select(Agency))}
        first_id = (session.scalar(select(func.max(Entry.id))) or 0) + 1
        number = (session.scalar(select(func.max(Version.number))) or 0) + 1  # the demo may publish
        version = Version(number=number, status="published", compiled_by="bench",
                          published_by="bench", published_at=now())
        session.add(version)
        session.flush()
        version_id = version.id
    started = time.perf_counter()
    with engine.begin() as conn:
        for batch in _batches(synthetic_entries(n), 5000, first_id):
            entries, frozen = _rows(batch, ids, agencies, version_id)
            write(conn, Entry.__table__, entries)
            write(conn, VersionEntry.__table__, frozen)
    print(f"  entries and frozen documents written in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return version_id


def write(conn, table, rows: list[dict]) -> None:
    """Core INSERT on SQLite; COPY on PostgreSQL (several times faster for a million rows)."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name != "id" or "id" in rows[0]]
    defaults = {c.name: _default(c) for c in columns}
    names = ", ".join(c.name for c in columns)
    with conn.connection.dbapi_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copied(row.get(c.name, defaults[c.name]), c) for c in columns])


def _default(column):
    if column.default is None:
        return None
    return column.default.arg if column.default.is_scalar else column.default.arg(None)


def _copied(value, column):
    return json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else value


def _batches(pairs, size: int, first_id: int):
    batch = []
    for i, pair in enumerate(pairs):
        batch.append((first_id + i, *pair))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _rows(batch, ids: dict[str, int], agencies: dict[int, Agency], version_id: int):
    entries, frozen = [], []
    for entry_id, key, draft in batch:
        agency = agencies[ids[key]]
        classification = f"{draft.category}{draft.subcategory}{draft.subject}"
        values = {name: getattr(draft, name) for name in draft.__dataclass_fields__ if name != "items"}
        values.update(id=entry_id, agency_id=agency.id, status="filed",
                      resource_code=f"{classification}/{entry_id:06d}",
                      related_codes=list(draft.related_codes))
        values["revision"] = 1
        entries.append(values)
        # A plain namespace, not an ORM Entry: entry_document only reads attributes, and
        # instrumented construction of 1,100,000 objects was most of the setup time.
        entry = SimpleNamespace(**values, items=[SimpleNamespace(position=p, **vars(item))
                                                 for p, item in enumerate(draft.items)])
        content, digest = freeze(entry_document(entry, agency.name, agency.credit_code))
        frozen.append({"version_id": version_id, "entry_id": entry_id, "agency_id": agency.id,
                       "resource_code": values["resource_code"], "content": content,
                       "content_hash": digest})
    return entries, frozen


def reindex(url: str, version_id: int) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    with unit_of_work(make_sessionmaker(engine)) as session:
        search.reindex_published(session, version_id)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


# --- the queries -------------------------------------------------------------------------------

def query_mix(count: int, agency_ids: list[int], seed: int = 11) -> list[tuple[str, dict]]:
    """What clerks type: mostly two- and four-character words, often with a filter or two."""
    rng = random.Random(seed)
    two = [t for t in TOPICS if len(t) == 2] + ["登记", "许可", "核验", "名单", "台账"]
    four = [t for t in TOPICS if len(t) == 4] + [t[:2] + s[:2] for t in TOPICS for s in SUFFIXES]
    items = ITEM_NAMES + ["公安", "民政", "市场监督", "税务局"]
    mix = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            q, filters = rng.choice(two), {}
        elif roll < 0.60:
            q, filters = rng.choice(four), {}
        elif roll < 0.85:
            q, filters = rng.choice(two + four), _filters(rng, agency_ids)
        elif roll < 0.95:
            q, filters = rng.choice(items), {}
        else:
            q, filters = rng.choice(two)[0], {}
        mix.append((q, filters))
    return mix


def _filters(rng: random.Random, agency_ids: list[int]) -> dict:
    choices = [("share_type", lambda: rng.choice(SHARE)), ("library_group", lambda: rng.choice(GROUPS)),
               ("classification", lambda: rng.choice("123")),
               ("provider_agency_id", lambda: str(rng.choice(agency_ids))),
               ("share_mode", lambda: rng.choice(["platform_table", "platform_api", "email"]))]
    return {name: value() for name, value in rng.sample(choices, rng.choice([1, 1, 2]))}


def run(sessions, mix, one: Callable) -> list[float]:
    timings = []
    for q, filters in mix:
        started = time.perf_counter()
        with unit_of_work(sessions) as session:
            one(session, q, filters)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def indexed(session, q: str, filters: dict) -> None:
    search_catalog(session, READER, q, SearchFilters(**filters), PAGE)


FILTER_COLUMNS = {"share_type": "share_type", "library_group": "library_group",
                  "share_mode": "share_mode", "provider_agency_id": "provider_agency_id"}


def baseline(session, q: str, filters: dict) -> None:
    """The same question without the index: LIKE over the same rows, name hits first."""
    where = ["(name LIKE :p OR abstract LIKE :p OR item_names LIKE :p OR provider_name LIKE :p)"]
    params: dict = {"p": f"%{q}%"}
    for key, value in filters.items():
        if key == "classification":
            where.append("classification LIKE :cl")
            params["cl"] = f"{value}%"
        else:
            where.append(f"{FILTER_COLUMNS[key]} = :{key}")
            params[key] = int(value) if key == "provider_agency_id" else value
    clause = " AND ".join(where)
    session.execute(text(f"SELECT count(*) FROM catalog_search_entry WHERE {clause}"), params).scalar()
    list(session.execute(text(
        f"SELECT id, name FROM catalog_search_entry WHERE {clause} "
        "ORDER BY CASE WHEN name LIKE :p THEN 0 ELSE 1 END, id LIMIT 20"), params))


def percentiles(timings: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(timings, n=100, method="inclusive")
    return q[49], q[94], q[98]


# --- per engine --------------------------------------------------------------------------------

def bench(engine_name: str, url: str, n: int, queries: int) -> None:
    print(f"{engine_name}: {n:,} entries, {n * 10:,} items")
    version_id = populate(url, n)
    print(f"  index built (reindex_published) in {reindex(url, version_id):.1f} s")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        agency_ids = list(session.scalars(select(Entry.agency_id).distinct()))
    mix = query_mix(queries, agency_ids)
    run(sessions, mix[:20], indexed)  # warm the caches for both alike
    run(sessions, mix[:20], baseline)
    ours, theirs = percentiles(run(sessions, mix, indexed)), percentiles(run(sessions, mix, baseline))
    engine.dispose()
    print(f"  search  p50 {ours[0]:7.1f} ms   p95 {ours[1]:7.1f} ms   p99 {ours[2]:7.1f} ms"
          f"   ({len(mix)} queries; target p95 < 50 ms: {'met' if ours[1] < 50 else 'MISSED'})")
    print(f"  LIKE    p50 {theirs[0]:7.1f} ms   p95 {theirs[1]:7.1f} ms   p99 {theirs[2]:7.1f} ms")
    print(f"  LIKE / search at p95: {theirs[1] / ours[1]:.1f}×")


def _pg_scratch() -> tuple[str, Callable[[], None]]:
    name = f"govshare_bench_search_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    assert len(demo_agencies()) > 0
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", f"sqlite:///{Path(folder) / 'search.db'}", args.entries, args.queries)
    if args.engine in ("postgresql", "both"):
        url, drop = _pg_scratch()
        try:
            bench("PostgreSQL", url, args.entries, args.queries)
        finally:
            drop()


if __name__ == "__main__":
    main()
