"""Every database test runs on SQLite and on PostgreSQL.

The schema is built once per engine by running the Alembic migrations, and the demo city is
seeded once into a template; each test gets its own copy (a file copy on SQLite, CREATE DATABASE
… TEMPLATE on PostgreSQL), so tests are isolated and cheap.

PostgreSQL comes from GOVSHARE_TEST_POSTGRES_URL (default: the local server). When it cannot be
reached the PostgreSQL half is skipped on a developer's machine, and fails in CI (CI=true or
GOVSHARE_REQUIRE_POSTGRES=1): CI must never pass without having run it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from govshare.config import Settings
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo import generator
from govshare.demo.seed import SeedResult
from govshare.demo.seed import seed as seed_demo
from govshare.kit import cli as kit_cli
from govshare.main import create_app

PG_URL = os.environ.get("GOVSHARE_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = bool(os.environ.get("CI") or os.environ.get("GOVSHARE_REQUIRE_POSTGRES"))
ENGINES = ["sqlite", "postgresql"]
_counter = itertools.count()
# CLI tables are read by the tests: the same width in every process (a worker of pytest-xdist has
# no terminal, and Rich would otherwise guess).
kit_cli.console.width = 200


def pytest_configure(config):
    config._req_results = defaultdict(list)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # The requirement IDs ride on the report, so that under pytest-xdist they reach the
    # controlling process, which is the one that writes the results.
    outcome = yield
    report = outcome.get_result()
    for mark in item.iter_markers("req"):
        report.user_properties.extend(("req", rid) for rid in mark.args)


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        for key, rid in report.user_properties:
            if key == "req":
                _CONFIG[0]._req_results[rid].append({"test": report.nodeid,
                                                     "outcome": report.outcome})


_CONFIG: list = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG[:] = [session.config]


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes
        return
    out = Path(session.config.rootpath) / "build" / "req-results.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(session.config._req_results, ensure_ascii=False, indent=1))


# --- PostgreSQL server -------------------------------------------------------------------

def _admin_engine():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@pytest.fixture(scope="session")
def pg_admin():
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        engine.dispose()
        message = f"PostgreSQL unreachable at {PG_URL}: {exc}"
        if REQUIRE_PG:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    created: list[str] = []
    yield engine, created
    engine.dispose()
    _drop_in_background(created)


def _drop_in_background(names: list[str]) -> None:
    """Drop this worker's databases in a process of their own: a thousand DROP DATABASE take
    about 40 s, which the run need not wait for (the names carry this pid, so no later run
    reuses one while it is being dropped)."""
    script = ("import sys; from sqlalchemy import create_engine, text\n"
              "e = create_engine(sys.argv[1], isolation_level='AUTOCOMMIT')\n"
              "with e.connect() as c:\n"
              "    for n in sys.argv[2:]: c.execute(text(f'DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)'))\n")
    subprocess.Popen([sys.executable, "-c", script, PG_URL, *names], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pg_create(pg_admin, template: str | None = None) -> str:
    engine, created = pg_admin
    name = f"govshare_t{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    created.append(name)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


# --- templates: migrated (empty) and seeded (the demo city) -------------------------------

@dataclass
class Template:
    url: str
    seed: SeedResult | None


def _build_template(url: str, seeded: bool) -> Template:
    migrate(url)
    result = None
    if seeded:
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            result = seed_demo(session)
        engine.dispose()
    return Template(url, result)


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    return {kind: _build_template(f"sqlite:///{folder / kind}.db", kind == "city")
            for kind in ("empty", "city")}


@pytest.fixture(scope="session")
def pg_templates(pg_admin):
    templates = {}
    for kind in ("empty", "city"):
        url = _pg_create(pg_admin)
        templates[kind] = _build_template(url, kind == "city")
    return templates


# --- per test ----------------------------------------------------------------------------

@dataclass
class Db:
    """One test's own database."""

    engine_name: str
    url: str
    seed: SeedResult | None

    def __post_init__(self):
        self.engine = make_engine(self.url)
        self.sessions = make_sessionmaker(self.engine)

    def session(self):
        return unit_of_work(self.sessions)

    def agency_id(self, key: str) -> int:
        assert self.seed is not None, "this test's database was not seeded"
        return self.seed.agencies[key]


def _copy(request, engine_name: str, kind: str, tmp_path) -> Db:
    if engine_name == "sqlite":
        template = request.getfixturevalue("sqlite_templates")[kind]
        src = Path(make_url(template.url).database)
        dst = tmp_path / f"{kind}.db"
        shutil.copy(src, dst)
        return Db("sqlite", f"sqlite:///{dst}", template.seed)
    pg_admin = request.getfixturevalue("pg_admin")
    template = request.getfixturevalue("pg_templates")[kind]
    url = _pg_create(pg_admin, make_url(template.url).database)
    return Db("postgresql", url, template.seed)


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def db(request, engine_name, tmp_path):
    """A migrated database with the demo city, on each engine."""
    d = _copy(request, engine_name, "city", tmp_path)
    yield d
    d.engine.dispose()


@pytest.fixture
def empty_db(request, engine_name, tmp_path):
    """A migrated, empty database, on each engine."""
    d = _copy(request, engine_name, "empty", tmp_path)
    yield d
    d.engine.dispose()


def make_client(d: Db, tmp_path) -> TestClient:
    settings = Settings(database_url=d.url, data_dir=tmp_path, secret_key="test-secret")
    app = create_app(settings)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def blank_url(request, engine_name, tmp_path):
    """The URL of a database with nothing in it yet (not even the migrations), on each engine."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    return _pg_create(request.getfixturevalue("pg_admin"))


@pytest.fixture
def app_client(db, tmp_path):
    client = make_client(db, tmp_path)
    yield client
    client.app.state.engine.dispose()


CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page carries no CSRF token"
    return m.group(1) or m.group(2)


def sign_in(client: TestClient, username: str, password: str = generator.DEMO_PASSWORD):
    """Sign in through the login form; afterwards API calls carry the CSRF header."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
    return client


@pytest.fixture
def signed_in(db, tmp_path):
    """A factory: a client signed in as one of the demo users."""
    clients = []

    def _as(username: str) -> TestClient:
        c = make_client(db, tmp_path)
        clients.append(c)
        return sign_in(c, username)

    yield _as
    for c in clients:
        c.app.state.engine.dispose()
