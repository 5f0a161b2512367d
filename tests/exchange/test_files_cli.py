"""`govshare exchange file upload` on SQLite and PostgreSQL: a new version for the provider named
with --agency, printed with its SM3 digest; another agency is refused (GD-16)."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from tests.exchange.helpers import code_of
from tests.exchange.test_files import DATA, REPORTS

runner = CliRunner()


@pytest.mark.req("GD-16")
def test_the_cli_uploads_a_version_for_the_provider_only(db, tmp_path):
    with db.session() as s:
        code = code_of(s, REPORTS)
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    f = tmp_path / "年报.csv"
    f.write_bytes(DATA)
    args = ["exchange", "file", "upload", str(f), "--resource", code]
    wrong = runner.invoke(cli_app, [*args, "--agency", str(db.agency_id("civil"))], env=env)
    assert wrong.exit_code == 2 and "提供机关" in wrong.output
    done = runner.invoke(cli_app, [*args, "--agency", str(db.agency_id("market")), "--note", "首版"], env=env)
    assert done.exit_code == 0, done.output
    assert "第 1 版" in done.output and hashlib.new("sm3", DATA).hexdigest() in done.output
