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


_CHECKS = ("SELECT g.status = 'active' AS grant_live, {client} AS client_live, "
           "(SELECT v.id FROM catalog_version v WHERE v.status = 'published' LIMIT 1) AS catalog_version_id, "
           "r.id, r.subject, r.data, r.produced_at, r.valid_from, r.loaded_at, r.division_code "
           "FROM access_grant g LEFT JOIN LATERAL ({records}) r ON true WHERE g.id = %(grant_id)s")
_ONE = ("SELECT x.id, x.subject, x.data, x.produced_at, x.valid_from, x.loaded_at, x.division_code "
        "FROM exchange_record x WHERE x.library_id = %(library_id)s AND x.subject = %(subject)s {as_of}"
        "ORDER BY x.id DESC LIMIT 1")
_MANY = ("SELECT DISTINCT ON (x.subject) x.id, x.subject, x.data, x.produced_at, x.valid_from, "
         "x.loaded_at, x.division_code FROM exchange_record x WHERE x.library_id = %(library_id)s "
         "AND x.subject = ANY(%(subjects)s) {as_of}ORDER BY x.subject, x.id DESC")
_CLIENT = ("EXISTS (SELECT 1 FROM directory_api_client c WHERE c.id = %(client_id)s "
           "AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()))")
_INSERT = re.sub(r":(\w+)", r"%(\1)s", query_log.INSERT_SQL)


def _sql(many: bool, as_of: bool, client: bool) -> str:
    records = (_MANY if many else _ONE).format(as_of="AND x.loaded_at <= %(as_of)s " if as_of else "")
    return _CHECKS.format(client=_CLIENT if client else "true", records=records)


_STATEMENTS = {(m, a, c): _sql(m, a, c) for m in (False, True) for a in (False, True) for c in (False, True)}


@system_use("the hot path of query_records: ask() checks the policy, the lookup re-checks the grant")
async def query(engine: Engine, actor: Actor, use: GrantUse, subject_ids: Sequence[Any],
                purpose: Purpose, as_of: datetime | None) -> Answer:
    """query_service.query_records on the event loop, for an actor and grant use both cached."""
    asked = query_service.ask(actor, use, subject_ids, purpose, as_of)
    client_id = query_service.client_of(actor)
    params: dict[str, Any] = {"grant_id": use.grant_id, "library_id": use.library_id}
    if len(asked.keys) == 1:
        params["subject"] = asked.keys[0]
    else:
        params["subjects"] = asked.keys
    if as_of is not None:
        params["as_of"] = as_of
    if client_id is not None:
        params["client_id"] = client_id
    now = clock.now()
    if query_log.partition_unchecked(query_log.database_of(engine.url), now):
        await run_in_threadpool(query_log.ensure_month, engine, now)
    # (Pipeline mode — BEGIN with the lookup, the INSERT with the COMMIT — was measured: two
    # round trips instead of four, but 25 % more CPU in psycopg, and no faster here.)
    async with _connection(engine.url) as conn, conn.transaction():
        cur = conn.cursor()
        await cur.execute(_STATEMENTS[(len(asked.keys) > 1, as_of is not None, client_id is not None)],
                          params)
        fetched = await cur.fetchall()
        if not fetched or not fetched[0][0] or not fetched[0][1] or fetched[0][2] != use.catalog_version_id:
            raise Fallback
        rows = {r[4]: Row(*r[3:10]) for r in fetched if r[3] is not None}
        answer, line = query_service.finish(asked, rows)
        await cur.execute(_INSERT, query_log.parameters(line))
        query_id = (await cur.fetchone())[0]
    return replace(answer, query_id=query_id)


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
