"""Taking back a year's declaration, on both engines, through the API, the console and the CLI:
the year's deadlines are provisional (暂定) again and no date moves; audited; refused for a year
already past, for a year never declared and for anyone but the city IT authority."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence.models import AuditEvent
from govshare.workdays.models import DeclaredYear
from tests.access import api_helpers
from tests.access.api_helpers import API as ACCESS
from tests.access.api_helpers import submit
from tests.access.helpers import HOUSEHOLD

API = "/api/v1/workdays"
api_as, on = api_helpers.api_as, api_helpers.on  # fixtures
PLAIN_HOUSEHOLD = ["公民身份号码", "姓名", "出生日期"]


def _withdrawn(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(
            AuditEvent.event_type == "HolidayYearDeclarationWithdrawn")))


def _declared(db) -> set[int]:
    with db.session() as s:
        return set(s.scalars(select(DeclaredYear.year)))


def _enter_and_declare_2027(admin) -> None:
    r = admin.put(f"{API}/days/2027-01-01", json={"kind": "holiday", "name": "元旦"})
    assert r.status_code == 200, r.text
    assert admin.post(f"{API}/years/2027/declare").json()["provisional"] is False


@pytest.mark.req("GD-22")
def test_an_open_request_s_deadline_is_provisional_again_and_keeps_its_date(db, api_as, on):
    on(date(2026, 12, 28))
    clerk, admin = api_as("civil_clerk"), api_as("admin")
    rid = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)["id"]
    _enter_and_declare_2027(admin)
    row = clerk.get(f"{ACCESS}/requests/{rid}").json()
    assert (row["due_date"], row["provisional"]) == ("2027-01-19", False)  # 15 working days
    r = admin.post(f"{API}/years/2027/undeclare")
    assert r.status_code == 200, r.text
    assert (r.json()["provisional"], r.json()["declared_by"]) == (True, None)
    assert [d["day"] for d in r.json()["days"]] == ["2027-01-01"]  # the entries stay
    row = clerk.get(f"{ACCESS}/requests/{rid}").json()
    assert (row["due_date"], row["provisional"]) == ("2027-01-19", True)
    [event] = _withdrawn(db)
    payload = json.loads(event.payload)
    assert (payload["year"], payload["declared_by"]) == (2027, "林卫东的系统")  # its API client


@pytest.mark.req("GD-22")
def test_a_year_already_past_or_never_declared_is_refused_and_nothing_written(db, api_as, on):
    admin = api_as("admin")
    _enter_and_declare_2027(admin)
    on(date(2028, 1, 3))
    r = admin.post(f"{API}/years/2027/undeclare")
    assert (r.status_code, r.json()["code"]) == (409, "year_past")
    assert "2027 年已经过去" in r.json()["detail"]
    r = admin.post(f"{API}/years/2029/undeclare")
    assert (r.status_code, r.json()["code"]) == (404, "year_not_declared")
    assert _declared(db) == {2027} and _withdrawn(db) == []


def test_only_the_city_it_authority_undeclares(db, api_as):
    _enter_and_declare_2027(api_as("admin"))
    for who in ("tianhe_it", "civil_admin"):
        assert api_as(who).post(f"{API}/years/2027/undeclare").status_code == 403
    assert _declared(db) == {2027}


def test_the_console_asks_for_confirmation_first(db, console_as):
    admin = console_as("admin")
    assert admin.post("/workdays/declare", year="2027").status_code == 303
    html = admin.page(year="2027").text
    assert 'action="/workdays/undeclare"' in html and 'name="confirm"' in html
    assert 'action="/workdays/undeclare"' not in console_as("civil_clerk").page(year="2027").text
    r = admin.post("/workdays/undeclare", year="2027")  # the box not ticked
    assert r.status_code == 422 and "请勾选确认撤回" in r.text
    assert _declared(db) == {2027}
    r = admin.post("/workdays/undeclare", year="2027", confirm="yes")
    assert r.status_code == 303 and r.headers["location"] == "/workdays?year=2027&notice=undeclared"
    html = admin.client.get(r.headers["location"]).text
    assert "已撤回本年放假安排的确认" in html and "暂定" in html
    assert _declared(db) == set() and len(_withdrawn(db)) == 1


def test_the_operator_undeclares_from_the_cli(db, tmp_path):
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path)}
    run = lambda *args: CliRunner().invoke(app, ["workdays", *args], env=env)  # noqa: E731
    assert run("declare", "2027").exit_code == 0
    done = run("undeclare", "2027")
    assert done.exit_code == 0, done.output
    assert "2027 年放假安排的确认已撤回" in done.output
    again = run("undeclare", "2027")
    assert again.exit_code == 2 and "没有确认过" in again.output
    assert _declared(db) == set()
    with db.session() as s:
        actor = s.scalar(select(AuditEvent.actor_name).where(
            AuditEvent.event_type == "HolidayYearDeclarationWithdrawn"))
        assert actor.startswith("命令行:")
        assert s.scalar(select(func.count()).select_from(DeclaredYear)) == 0
