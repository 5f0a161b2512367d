"""The consumer query's hot path on PostgreSQL (issue 5: at least 1,000 queries a second on two
cores): run on the event loop with psycopg's asynchronous connection — no worker thread, no
Session, no ORM objects. One statement reads the records together with whether the grant and
the calling API client are still live and which catalog version is published; one INSERT writes
the query-log line; both in one transaction, opened and committed here at the HTTP boundary's
request (api_query), never by a service.

It is taken only when the caller's actor and grant use are both cached (api_query's token cache,
query_service.cached_use). Anything out of the ordinary — a grant revoked or expired since it was
cached, a token revoked, another catalog version published, no grant row at all — raises
`Fallback` before anything is written, and the request goes through the ordinary path
(query_service.query_records in a worker thread, through a Session), which decides it exactly as
it always does. The answers of both paths are the same (tests/exchange/test_query_pg.py).

Connections: a few per worker process and event loop, opened on demand (at most POOL_SIZE, the
rest wait), closed when broken or left in a transaction; when the application is driven from a
new event loop (the test client starts one per request) the old loop's idle connections are
closed first."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import URL, Engine
from starlette.concurrency import run_in_threadpool

from govshare.exchange import query_log, query_service
from govshare.exchange.query_service import Answer, GrantUse, Purpose, Row
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.system import system_use

POOL_SIZE = 8


class Fallback(Exception):
    """Not for the hot path: take the ordinary one."""


# One statement, one implicit transaction, one round trip: the grant's (and the API client's)
# liveness and the published catalog version; the subjects' current versions (or as of a
# moment); those within the grant's division and row scope; and the log line, inserted only if
# everything is live and the masking plan is the published one — else nothing is written and
# the caller falls back to the ordinary path.
_CHECKS = ("chk AS (SELECT g.status = 'active' AS grant_live, {client} AS client_live, "
           "(SELECT v.id FROM catalog_version v WHERE v.status = 'published' LIMIT 1) AS cv "
           "FROM access_grant g WHERE g.id = %(grant_id)s)")
_ONE = ("rec AS (SELECT x.id, x.subject, x.data, x.produced_at, x.valid_from, x.loaded_at, "
        "x.division_code FROM exchange_record x WHERE x.library_id = %(library_id)s "
        "AND x.subject = %(key)s {as_of}ORDER BY x.id DESC LIMIT 1)")
_MANY = ("rec AS (SELECT DISTINCT ON (x.subject) x.id, x.subject, x.data, x.produced_at, x.valid_from, "
         "x.loaded_at, x.division_code FROM exchange_record x WHERE x.library_id = %(library_id)s "
         "AND x.subject = ANY(%(keys)s) {as_of}ORDER BY x.subject, x.id DESC)")
_CLIENT = ("EXISTS (SELECT 1 FROM directory_api_client c WHERE c.id = %(client_id)s "
           "AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()))")
_COLUMNS = re.search(r"\((.*?)\) VALUES", query_log.INSERT_SQL).group(1).split(", ")
_COMPUTED = {"row_count": "(SELECT count(*) FROM shown)",
             "record_ids": "(SELECT coalesce(string_agg(id::text, ' ' ORDER BY array_position("
                           "%(keys)s::text[], subject::text)), '') FROM shown)"}
# INSERT … SELECT gives PostgreSQL no column to infer a parameter's type from: say it.
_TYPES = {"queried_at": "timestamptz", "as_of": "timestamptz", "agency_id": "int",
          "provider_agency_id": "int", "grant_id": "int", "subject_count": "int"}
_LOG = ("ins AS (INSERT INTO exchange_query_log (" + ", ".join(_COLUMNS) + ") SELECT "
        + ", ".join(_COMPUTED.get(c, f"%({c})s::{_TYPES.get(c, 'text')}") for c in _COLUMNS)
        + " FROM chk WHERE chk.grant_live AND chk.client_live AND chk.cv = %(catalog_version_id)s "
          "RETURNING id)")
_FINAL = ("SELECT chk.grant_live, chk.client_live, chk.cv, (SELECT id FROM ins), s.id, s.subject, s.data, "
          "s.produced_at, s.valid_from, s.loaded_at, s.division_code FROM chk LEFT JOIN shown s ON true")
_statements: dict[tuple[bool, ...], str] = {}


def _statement(many: bool, as_of: bool, client: bool, division: bool, scope: bool) -> str:
    key = (many, as_of, client, division, scope)
    if key not in _statements:
        where = [c for c, used in (("division_code = %(division_code)s", division),
                                   ("division_code = ANY(%(divisions)s)", scope)) if used]
        shown = "shown AS (SELECT * FROM rec" + (" WHERE " + " AND ".join(where) if where else "") + ")"
        records = (_MANY if many else _ONE).format(as_of="AND x.loaded_at <= %(as_of)s " if as_of else "")
        _statements[key] = ("WITH " + ", ".join([_CHECKS.format(client=_CLIENT if client else "true"),
                                                  records, shown, _LOG]) + " " + _FINAL)
    return _statements[key]


@system_use("the hot path of query_records: ask() checks the policy, the statement re-checks the grant")
async def query(engine: Engine, actor: Actor, use: GrantUse, subject_ids: Sequence[Any],
                purpose: Purpose, as_of: datetime | None) -> Answer:
    """query_service.query_records on the event loop, for an actor and grant use both cached."""
    asked = query_service.ask(actor, use, subject_ids, purpose, as_of)
    client_id = query_service.client_of(actor)
    now = clock.now()
    # The line as the ordinary path would write it; the statement counts the rows itself.
    line = query_service.log_line(asked, now, ())
    params = {**query_log.parameters(line), "grant_id": use.grant_id, "library_id": use.library_id,
              "key": asked.keys[0], "keys": asked.keys, "client_id": client_id,
              "division_code": use.division_code, "divisions": sorted(use.divisions),
              "catalog_version_id": use.catalog_version_id}
    if query_log.partition_unchecked(query_log.database_of(engine.url), now):
        await run_in_threadpool(query_log.ensure_month, engine, now)
    sql = _statement(len(asked.keys) > 1, as_of is not None, client_id is not None,
                     use.division_code is not None, bool(use.divisions))
    async with _connection(engine.url) as conn:
        cur = conn.cursor()
        await cur.execute(sql, params)
        fetched = await cur.fetchall()
    if not fetched or fetched[0][3] is None:
        raise Fallback  # nothing was written
    rows = {r[5]: Row(*r[4:11]) for r in fetched if r[4] is not None}
    answer, _ = query_service.finish(asked, rows, now)
    return replace(answer, query_id=fetched[0][3])


# --- connections -------------------------------------------------------------------------------

class _Pool:
    def __init__(self, url: URL, loop: asyncio.AbstractEventLoop):
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.loop, self.idle, self.opened = loop, [], 0
        self.freed = asyncio.Condition()

    async def get(self) -> psycopg.AsyncConnection:
        async with self.freed:
            while not self.idle and self.opened >= POOL_SIZE:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.opened += 1
        try:
            return await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        except BaseException:
            self.opened -= 1
            raise

    async def put(self, conn: psycopg.AsyncConnection) -> None:
        if conn.closed or conn.info.transaction_status != pq.TransactionStatus.IDLE:
            self.opened -= 1
            await conn.close()
        else:
            self.idle.append(conn)
        async with self.freed:
            self.freed.notify()

    def close_idle(self) -> None:
        """From another loop: libpq's own close, which needs no event loop."""
        for conn in self.idle:
            conn.pgconn.finish()
        self.idle.clear()


_pools: dict[str, _Pool] = {}


@asynccontextmanager
async def _connection(url: URL) -> AsyncIterator[psycopg.AsyncConnection]:
    loop = asyncio.get_running_loop()
    database = query_log.database_of(url)
    pool = _pools.get(database)
    if pool is None or pool.loop is not loop:
        if pool is not None:
            pool.close_idle()
        pool = _pools[database] = _Pool(url, loop)
    conn = await pool.get()
    try:
        yield conn
    finally:
        await pool.put(conn)
