"""When the database fails, the API answers 503 with a problem, and the failed request wrote
nothing. Real databases, real failures, no mocks: SQLite's write lock held by another
connection; a PostgreSQL backend terminated just before its COMMIT; a server that is not there.
Afterwards a connection of the test's own looks for what the request would have written."""

from __future__ import annotations

import socket
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from govshare.config import Settings
from govshare.directory.models import Agency
from govshare.evidence.models import AuditEvent
from govshare.kit.identifiers import make_credit_code, make_org_code
from govshare.main import create_app
from tests.conftest import _copy, make_client, sign_in

NEW_AGENCY = {"name": "广州市断线测试局",
              "credit_code": make_credit_code(f"11440100{make_org_code('50350350')}"),
              "level": "city", "division_code": "440100", "responsible_name": "测试负责人"}


def _client(url: str, tmp_path, **settings) -> TestClient:
    app = create_app(Settings(database_url=url, data_dir=tmp_path, secret_key="test-secret",
                              **settings))
    return TestClient(app, raise_server_exceptions=False)


def _written(db) -> tuple[int, int]:
    """(agencies named like the new one, events in the audit trail), read afresh."""
    with db.session() as s:
        return (s.scalar(select(func.count()).where(Agency.name == NEW_AGENCY["name"])),
                s.scalar(select(func.count()).select_from(AuditEvent)))


def _assert_unavailable(r) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["code"], body["status"], body["type"]) == (
        "database_unavailable", 503, "urn:govshare:problem:database_unavailable")
    assert body["detail"] == "数据库暂时无法访问，本次请求未写入任何数据，请稍后重试"


class _TerminateBeforeCommit:
    """On PostgreSQL: the first COMMIT of the app's engine finds its own backend terminated by
    an administrator (pg_terminate_backend from another connection, waiting until it is gone),
    as when the server restarts or a DBA kills the session between the writes and the commit."""

    def __init__(self, app_engine, url: str):
        self.fired = False
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        event.listen(app_engine, "commit", self)

    def __call__(self, conn) -> None:
        if self.fired:
            return
        self.fired = True
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        # The request's INSERTs are there, uncommitted, when the backend dies.
        assert conn.exec_driver_sql("SELECT count(*) FROM directory_agency WHERE name = %(n)s",
                                    {"n": NEW_AGENCY["name"]}).scalar() == 1
        with self.admin.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"),
                                 {"pid": pid}).scalar() is True


@pytest.mark.req("GD-31")
def test_a_failure_during_a_write_answers_503_and_writes_nothing(db, tmp_path):
    client = _client(db.url, tmp_path, sqlite_busy_timeout_ms=200)
    sign_in(client, "admin")
    before = _written(db)
    assert before[0] == 0

    if db.engine_name == "sqlite":
        # Another process holds the write lock; the request waits 200 ms, then SQLite gives
        # up with "database is locked".
        holder = sqlite3.connect(make_url(db.url).database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            _assert_unavailable(client.post("/api/v1/agencies", json=NEW_AGENCY))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        killer = _TerminateBeforeCommit(client.app.state.engine, db.url)
        _assert_unavailable(client.post("/api/v1/agencies", json=NEW_AGENCY))
        assert killer.fired
        killer.admin.dispose()

    assert _written(db) == before  # no agency, no audit event
    # The failure was passing: the same request succeeds once the database is back.
    again = client.post("/api/v1/agencies", json=NEW_AGENCY)
    assert again.status_code == 201, again.text
    assert _written(db) == (1, before[1] + 1)
    client.app.state.engine.dispose()


def _dead_url(engine_name: str, tmp_path) -> str:
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'govshare.db'}"
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/govshare"


@pytest.mark.req("GD-31")
def test_an_unreachable_database_answers_503_on_healthz_and_the_api(engine_name, tmp_path):
    client = _client(_dead_url(engine_name, tmp_path), tmp_path)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "down"}

    # A bearer token must be looked up: the database is needed, and it is not there.
    client.headers["Authorization"] = "Bearer gs_0123456789ab_secret"
    _assert_unavailable(client.get("/api/v1/me"))
    _assert_unavailable(client.post("/api/v1/agencies", json=NEW_AGENCY))
    # Without credentials the answer needs no database: still a plain 401.
    del client.headers["Authorization"]
    assert client.get("/api/v1/me").status_code == 401
    client.app.state.engine.dispose()


def test_a_busy_sqlite_writer_does_not_make_the_database_look_down(tmp_path, request):
    """/healthz asks for reachability, not for the write lock (it issues no BEGIN)."""
    d = _copy(request, "sqlite", "empty", tmp_path)
    client = make_client(d, tmp_path)
    holder = sqlite3.connect(d.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = client.get("/healthz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        client.app.state.engine.dispose()
        d.engine.dispose()
    assert r.status_code == 200, r.text


def test_pages_and_api_reads_do_not_wait_for_a_writer_on_sqlite(tmp_path, request):
    """A long write (a publish reindexing 100,000 entries) must not stall readers: GETs begin
    DEFERRED under WAL, while writes still queue for the write lock."""
    d = _copy(request, "sqlite", "city", tmp_path)
    settings = Settings(database_url=d.url, data_dir=tmp_path, secret_key="t",
                        sqlite_busy_timeout_ms=200)
    client = sign_in(TestClient(create_app(settings), raise_server_exceptions=False), "admin")
    holder = sqlite3.connect(d.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        read = client.get("/api/v1/agencies?limit=5")
        write = client.put("/api/v1/agencies/1/responsible-person", json={"name": "新负责人"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        client.app.state.engine.dispose()
        d.engine.dispose()
    assert read.status_code == 200, read.text
    assert write.status_code == 503, write.text
