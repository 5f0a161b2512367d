"""The operator's commands, run through the real Typer app against both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govshare.access.models import Grant
from govshare.cli import app
from govshare.db import make_engine, make_sessionmaker, unit_of_work
from govshare.demo import exchange_data, generator
from govshare.directory.models import Agency, User
from govshare.evidence import chain
from govshare.exchange.models import Record
from tests.conftest import make_client, sign_in

runner = CliRunner()


def _env(url, tmp_path, **extra):
    return {"GOVSHARE_DATABASE_URL": url, "GOVSHARE_DATA_DIR": str(tmp_path), **extra}


def _count(url, model):
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


@pytest.mark.req("GD-31")
def test_init_migrates_a_blank_database_and_creates_the_first_administrator(blank_url, tmp_path):
    env = _env(blank_url, tmp_path, GOVSHARE_ADMIN_PASSWORD="first-admin-pw")
    result = runner.invoke(app, ["init", "--admin-username", "root_admin"], env=env)
    assert result.exit_code == 0, result.output
    assert "已创建管理员 root_admin" in result.output
    assert (tmp_path / "secret.key").exists()
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600

    from tests.conftest import Db

    client = make_client(Db("cli", blank_url, None), tmp_path)
    sign_in(client, "root_admin", "first-admin-pw")
    me = client.get("/api/v1/me").json()
    assert me["roles"] == ["agency_admin", "it_authority"]
    client.app.state.engine.dispose()

    again = runner.invoke(app, ["init", "--admin-username", "root_admin"], env=env)
    assert again.exit_code == 0 and "管理员已存在" in again.output
    assert _count(blank_url, User) == 1


def test_init_refuses_a_short_password_and_writes_no_user(blank_url, tmp_path):
    env = _env(blank_url, tmp_path, GOVSHARE_ADMIN_PASSWORD="short")
    result = runner.invoke(app, ["init"], env=env)
    assert result.exit_code == 2
    assert "password" in result.output and "至少 10 位" in result.output
    assert _count(blank_url, User) == 0
    assert _count(blank_url, Agency) == 0


def test_seed_builds_the_demo_city_with_progress_and_is_idempotent(empty_db, tmp_path):
    env = _env(empty_db.url, tmp_path)
    result = runner.invoke(app, ["seed", "--size", "3"], env=env)
    assert result.exit_code == 0, result.output
    agencies = len(generator.agencies())
    assert f"机关 {agencies} 个" in result.output and "办事员 3 个" in result.output
    assert _count(empty_db.url, User) == len(generator.users()) + 3
    again = runner.invoke(app, ["seed", "--size", "3"], env=env)
    assert again.exit_code == 0
    assert _count(empty_db.url, Agency) == agencies
    assert _count(empty_db.url, User) == len(generator.users()) + 3


def test_demo_builds_a_fresh_sqlite_city_and_prints_every_role(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATABASE_URL", raising=False)
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "stale.txt").write_text("from an earlier run")
    result = runner.invoke(app, ["demo", "--folder", str(folder), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert not (folder / "stale.txt").exists()
    for user in generator.users():
        assert user.username in result.output
    assert generator.DEMO_PASSWORD in result.output
    assert "http://127.0.0.1:8000/" in result.output
    url = f"sqlite:///{folder / 'govshare.db'}"
    assert _count(url, Agency) == len(generator.agencies())
    # The exchange is ready to try: records and grants loaded, and an ID number of 天河区 to type.
    assert _count(url, Record) >= 600 and _count(url, Grant) == len(exchange_data.GRANTS)
    assert "tianhe_civil_clerk" in result.output and "440106199812013699" in result.output
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as s:
        assert chain.verify(s).ok
    engine.dispose()
