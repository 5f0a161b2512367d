"""`govshare exchange load` on SQLite and PostgreSQL: every error printed and nothing stored
(exit code 2), the provider named with --agency, a retry with the same idempotency key not
loaded twice (GD-16)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from tests.exchange.helpers import HOUSEHOLD, PERSONS, PRODUCED, code_of, ndjson, person, record_count

runner = CliRunner()


@pytest.mark.req("GD-16")
def test_the_cli_loads_all_or_nothing_for_the_provider_only(db, tmp_path):
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    police, civil = str(db.agency_id("police")), str(db.agency_id("civil"))
    bad = tmp_path / "bad.csv"
    bad.write_text("公民身份号码,姓名,出生日期\n"
                   f"{PERSONS[0].id_number},张三,1990-02-30\n{PERSONS[1].id_number[:-1]},李四,1990-01-01\n",
                   encoding="utf-8")
    refused = runner.invoke(cli_app, ["exchange", "load", str(bad), "--resource", code, "--agency", police,
                                      "--produced-at", PRODUCED], env=env)
    assert refused.exit_code == 2, refused.output
    assert "第2行：“出生日期”应为日期（YYYY-MM-DD），实为“1990-02-30”" in refused.output
    assert "第3行：“公民身份号码”公民身份号码应为18位，实为17位" in refused.output
    assert "未写入任何记录：共 2 处错误" in refused.output

    good = tmp_path / "good.ndjson"
    good.write_bytes(ndjson([person(i) for i in range(4)]))
    args = ["exchange", "load", str(good), "--resource", code, "--idempotency-key", "nightly-1"]
    wrong = runner.invoke(cli_app, [*args, "--agency", civil], env=env)
    assert wrong.exit_code == 2 and "只有该资源的提供机关可以向其库表加载数据" in wrong.output
    done = runner.invoke(cli_app, [*args, "--agency", police], env=env)
    assert done.exit_code == 0, done.output
    assert "4 条记录，其中新主体 4 个；超过更新时限（产生后3日内）0 条" in done.output
    again = runner.invoke(cli_app, [*args, "--agency", police], env=env)
    assert again.exit_code == 0 and "已用于同一批数据" in again.output
    with db.session() as s:
        assert record_count(s) == 4
