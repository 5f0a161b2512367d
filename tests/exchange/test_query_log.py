"""The query log's storage: on PostgreSQL a table partitioned by month on queried_at, partitions
made ahead by the migration's function and on demand by the writer; on SQLite a plain table. One
INSERT per query, in the caller's transaction (a rolled-back query leaves no line)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from govshare.exchange import query_log
from govshare.exchange.query_models import PARTITION_SCHEMA, QueryLogEntry
from govshare.kit import clock


def line(moment: datetime, **kw) -> query_log.LogLine:
    base = dict(queried_at=moment, kind="query", agency_id=1, provider_agency_id=2, actor_kind="user",
                actor="user:1 测试", grant_id=1, resource_code="101001/000001", division_code=None,
                duty="核验户籍", case_number="C-1", as_of=None, subjects=("440106199001011234",),
                items=("姓名",), row_count=1, record_ids=(7,), outcome="rows")
    return query_log.LogLine(**{**base, **kw})


def partitions(session) -> list[str]:
    return list(session.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE i.inhparent = 'exchange_query_log'::regclass AND n.nspname = :schema ORDER BY 1"),
        {"schema": PARTITION_SCHEMA}))


@pytest.mark.req("GD-24")
def test_lines_are_written_in_the_callers_transaction_and_read_back(empty_db):
    moment = clock.now()
    with empty_db.session() as s:
        first = query_log.write(s, line(moment))
        second = query_log.write(s, line(moment, kind="verify", outcome="no", record_ids=()))
    with pytest.raises(RuntimeError), empty_db.session() as s:
        query_log.write(s, line(moment, case_number="rolled back"))
        raise RuntimeError("the query failed after its line was written")
    with empty_db.session() as s:
        rows = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [r.id for r in rows] == [first, second] and second > first
    assert rows[0].queried_at == moment and rows[0].subjects == query_log.subject_digest("440106199001011234")
    assert (rows[1].kind, rows[1].outcome, rows[1].record_ids) == ("verify", "no", "")


def test_postgresql_partitions_by_month_and_makes_them_ahead(empty_db, engine_name):
    with empty_db.session() as s:
        if engine_name == "sqlite":
            assert query_log.ensure_partitions(s.connection(), date(2030, 1, 1)) == 0
            return
        kind = s.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'exchange_query_log'"))
        assert kind == "p"
        this_month = clock.now()
        made = partitions(s)
        assert f"exchange_query_log_{this_month:%Y_%m}" in made and len(made) == 3
        assert query_log.ensure_partitions(s.connection(), date(2031, 11, 15)) == 3
        assert query_log.ensure_partitions(s.connection(), date(2031, 12, 1)) == 1  # Nov, Dec made already
    with empty_db.session() as s:
        assert {"exchange_query_log_2031_11", "exchange_query_log_2032_01",
                "exchange_query_log_2032_02"} <= set(partitions(s))
        # A month nobody made yet: the writer makes it (and the two after) on its own connection.
        far = datetime(2035, 6, 30, 23, 59, tzinfo=UTC)
        new_id = query_log.write(s, line(far))
    with empty_db.session() as s:
        home = s.scalar(text("SELECT tableoid::regclass::text FROM exchange_query_log WHERE id = :id"),
                        {"id": new_id})
        assert home == f"{PARTITION_SCHEMA}.exchange_query_log_2035_06"
        assert "exchange_query_log_2035_08" in partitions(s)
        # A period read prunes to its months (the plan scans only the June partition).
        plan = "\n".join(s.scalars(text(
            "EXPLAIN SELECT * FROM exchange_query_log WHERE agency_id = 1 "
            "AND queried_at >= '2035-06-01T00:00:00Z' AND queried_at < '2035-07-01T00:00:00Z'")))
        assert "exchange_query_log_2035_06" in plan and "exchange_query_log_2035_07" not in plan
        assert s.scalar(select(func.count()).select_from(QueryLogEntry)) == 1


def test_making_sure_of_partitions_needs_no_connection_from_the_callers_pool(empty_db, engine_name):
    """Every caller holds a pooled connection while one of them makes sure of the month: that
    must not need another from the same, exhausted pool."""
    if engine_name == "sqlite":
        pytest.skip("no partitions on SQLite")
    from sqlalchemy import create_engine

    from govshare.db import make_sessionmaker

    engine = create_engine(empty_db.url, pool_size=1, max_overflow=0, pool_timeout=1)
    far = datetime(2037, 3, 3, tzinfo=UTC)
    query_log._ensured.clear()
    try:
        with make_sessionmaker(engine)() as s:  # holds the pool's only connection
            s.connection()
            query_log.write(s, line(far))
            s.commit()
        assert (query_log.database_of(engine.url), date(2037, 3, 1)) in query_log._ensured
    finally:
        engine.dispose()


@pytest.mark.req("GD-24")
def test_the_api_describes_every_kind_of_line_the_log_writes():
    """OpenAPI's query-log line names each kind the console explains, and the push lines' actor."""
    from govshare.exchange.api_query import LogLineRead
    from govshare.exchange.web_query import KINDS

    fields = LogLineRead.model_json_schema()["properties"]
    described = fields["kind"]["description"]
    assert [k for k in KINDS if f"{k}（" not in described] == []
    assert all(f"{who}（" in fields["actor_kind"]["description"] for who in ("user", "client", "system"))
