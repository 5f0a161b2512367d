"""`govshare workdays …` run through the real Typer app against both engines: the operator enters
2027 from the server's console, and a deadline asked before and after comes out different."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence.models import AuditEvent
from govshare.workdays.models import DayOverride, DeclaredYear

runner = CliRunner()


@pytest.fixture
def workdays(db, tmp_path):
    """Run `govshare workdays ARGS…` against this test's database."""
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path)}
    return lambda *args: runner.invoke(app, ["workdays", *args], env=env)


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _events(db, event_type: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)))


def test_the_operator_enters_2027_and_the_deadline_is_recomputed(workdays, db):
    before = _ok(workdays("deadline", "2026-12-15", "15"))
    assert "2026-12-15 起 15 个工作日：2027-01-05 2027年1月5日（周二）（暂定" in before

    assert "2027-01-01 已设为放假（元旦）" in _ok(workdays("set", "2027-01-01", "holiday",
                                                          "--name", "元旦"))
    shown = _ok(workdays("show", "2027"))
    assert "尚未录入并确认" in shown
    assert "2027-01-01" in shown and "元旦" in shown and "人工：命令行:" in shown
    entered = _ok(workdays("deadline", "2026-12-15", "15"))
    assert "2027-01-06" in entered and "暂定" in entered  # moved, but the year is not declared

    assert "2027 年放假安排已确认" in _ok(workdays("declare", "2027"))
    declared = _ok(workdays("deadline", "2026-12-15", "15"))
    assert "2027-01-06 2027年1月6日（周三）" in declared and "暂定" not in declared
    shown = _ok(workdays("show", "2027"))
    assert "尚未录入" not in shown and "录入并确认" in shown

    assert "2027-01-01 的人工设定已删除" in _ok(workdays("clear", "2027-01-01"))
    cleared = _ok(workdays("deadline", "2026-12-15", "15"))
    assert "2027-01-05" in cleared and "暂定" not in cleared

    assert [e.actor_name.startswith("命令行:") for e in _events(db, "WorkdaySet")] == [True]
    assert len(_events(db, "WorkdayCleared")) == 1
    assert len(_events(db, "HolidayYearDeclared")) == 1


def test_a_2026_deadline_with_its_make_up_saturday_needs_no_entry(workdays):
    out = _ok(workdays("deadline", "2026-09-30", "3"))
    assert "2026-10-10 2026年10月10日（周六）" in out and "暂定" not in out
    shown = _ok(workdays("show", "2026"))
    assert "2026-10-10" in shown and "国务院通知" in shown and "尚未录入" not in shown


@pytest.mark.parametrize(("args", "field", "message"), [
    (("set", "2027-13-01", "holiday"), "day", "日期“2027-13-01”不是 YYYY-MM-DD 格式"),
    (("clear", "2027/01/01"), "day", "日期“2027/01/01”不是 YYYY-MM-DD 格式"),
    (("deadline", "15.12.2026", "15"), "start", "日期“15.12.2026”不是 YYYY-MM-DD 格式"),
    (("set", "2027-01-01", "vacation"), "kind", "只能是 holiday 或 workday"),
    (("deadline", "2026-12-15", "99999"), "days", "工作日数不能超过 3660"),
    (("declare", "2026"), "year", "2026 年的放假安排已内置，无需声明"),
    (("show", "10000"), "year", "年份须在 1900 至 9998 之间"),
])
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(workdays, db, args, field,
                                                               message):
    result = workdays(*args)
    assert result.exit_code == 2, result.output
    flat = "".join(result.output.split())  # the console may wrap a long message
    assert f"错误（字段{field}）：" in flat and "".join(message.split()) in flat
    with db.session() as s:
        assert s.scalars(select(DayOverride)).all() == []
        assert s.scalars(select(DeclaredYear)).all() == []


def test_clearing_a_day_nobody_entered_says_so(workdays):
    result = workdays("clear", "2027-01-01")
    assert result.exit_code == 2 and "2027-01-01 没有人工设定" in result.output
