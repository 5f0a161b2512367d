"""The working-day API on both engines: deadlines and counts say whether they are provisional,
only the city IT authority edits the calendar, every change is audited, and a deadline asked
again after 2027's holidays are entered comes out different."""

from __future__ import annotations

import pytest

API = "/api/v1/workdays"


def _deadline(client, start: str, days: int) -> dict:
    r = client.get(f"{API}/deadline", params={"start": start, "days": days})
    assert r.status_code == 200, r.text
    return r.json()


def _enter_new_year_2027(admin) -> None:
    r = admin.put(f"{API}/days/2027-01-01", json={"kind": "holiday", "name": "元旦"})
    assert r.status_code == 200, r.text
    assert r.json() == {"day": "2027-01-01", "is_working_day": False, "provisional": True,
                        "source": "override", "name": "元旦"}


def test_a_deadline_across_national_day_2026_is_certain(signed_in):
    clerk = signed_in("civil_clerk")
    assert _deadline(clerk, "2026-09-30", 1) == {
        "start": "2026-09-30", "working_days": 1, "due_date": "2026-10-08", "provisional": False}
    assert _deadline(clerk, "2026-09-30", 3)["due_date"] == "2026-10-10"  # make-up Saturday
    day = clerk.get(f"{API}/days/2026-10-10").json()
    assert day == {"day": "2026-10-10", "is_working_day": True, "provisional": False,
                   "source": "calendar", "name": "国庆节"}


def test_a_deadline_into_2027_is_provisional_and_so_is_a_count(signed_in):
    clerk = signed_in("civil_clerk")
    assert _deadline(clerk, "2026-12-15", 15) == {
        "start": "2026-12-15", "working_days": 15, "due_date": "2027-01-05", "provisional": True}
    between = clerk.get(f"{API}/between", params={"start": "2027-01-05", "end": "2026-12-15"})
    assert between.json() == {"start": "2027-01-05", "end": "2026-12-15", "working_days": -15,
                              "provisional": True}
    inside = clerk.get(f"{API}/between", params={"start": "2026-09-30", "end": "2026-10-10"})
    assert inside.json()["working_days"] == 3 and inside.json()["provisional"] is False


def test_entering_2027_recomputes_the_deadline_for_everyone(signed_in):
    admin, clerk = signed_in("admin"), signed_in("civil_clerk")
    assert _deadline(clerk, "2026-12-15", 15)["due_date"] == "2027-01-05"

    _enter_new_year_2027(admin)
    entered = _deadline(clerk, "2026-12-15", 15)
    assert (entered["due_date"], entered["provisional"]) == ("2027-01-06", True)

    declared = admin.post(f"{API}/years/2027/declare")
    assert declared.status_code == 200, declared.text
    assert declared.json()["provisional"] is False and declared.json()["declared_by"] == "林卫东"
    final = _deadline(clerk, "2026-12-15", 15)
    assert (final["due_date"], final["provisional"]) == ("2027-01-06", False)
    between = clerk.get(f"{API}/between", params={"start": "2026-12-15", "end": "2027-01-06"})
    assert between.json()["working_days"] == 15 and between.json()["provisional"] is False


def test_the_year_shows_who_entered_each_day(signed_in):
    admin = signed_in("admin")
    _enter_new_year_2027(admin)
    admin.put(f"{API}/days/2027-02-20", json={"kind": "workday", "name": "春节调休"})
    year = signed_in("civil_clerk").get(f"{API}/years/2027").json()
    assert (year["known"], year["provisional"], year["declared_by"]) == (False, True, None)
    days = {d["day"]: d for d in year["days"]}
    assert set(days) == {"2027-01-01", "2027-02-20"}
    assert days["2027-01-01"]["entered_by"] == "林卫东" and days["2027-01-01"]["name"] == "元旦"
    assert days["2027-02-20"]["is_working_day"] is True
    assert days["2027-02-20"]["entered_at"] is not None


def test_clearing_an_override_restores_the_weekend_rule(signed_in):
    admin = signed_in("admin")
    _enter_new_year_2027(admin)
    assert admin.delete(f"{API}/days/2027-01-01").status_code == 204
    assert _deadline(admin, "2026-12-15", 15)["due_date"] == "2027-01-05"
    again = admin.delete(f"{API}/days/2027-01-01")
    assert again.status_code == 404 and again.json()["code"] == "not_found"


@pytest.mark.parametrize("username", ["tianhe_it", "civil_clerk"])
def test_only_the_city_it_authority_edits_the_calendar(signed_in, username):
    admin, other = signed_in("admin"), signed_in(username)
    _enter_new_year_2027(admin)
    attempts = [other.put(f"{API}/days/2027-01-04", json={"kind": "holiday", "name": "补假"}),
                other.delete(f"{API}/days/2027-01-01"),
                other.post(f"{API}/years/2027/declare")]
    for r in attempts:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "forbidden"
        assert r.json()["detail"] == "只有市信息化主管部门可以维护工作日历"
    year = admin.get(f"{API}/years/2027").json()  # nothing changed
    assert [d["day"] for d in year["days"]] == ["2027-01-01"] and year["declared_by"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "vacation"}, "kind"),
    ({"kind": "holiday", "name": "节" * 65}, "name"),
    ({"name": "元旦"}, "kind"),
])
def test_a_bad_day_entry_is_refused_naming_the_field(signed_in, body, field):
    admin = signed_in("admin")
    r = admin.put(f"{API}/days/2027-01-01", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and field in r.json()["detail"]
    assert admin.get(f"{API}/days/2027-01-01").json()["source"] == "calendar"


@pytest.mark.parametrize(("path", "params", "field"), [
    ("deadline", {"start": "2026-12-15", "days": 99999}, "days"),
    ("deadline", {"start": "9999-12-31", "days": 1}, "start"),
    ("deadline", {"start": "2026-13-01", "days": 1}, "start"),  # FastAPI validation
    ("between", {"start": "0001-01-01", "end": "9999-12-31"}, "end"),
])
def test_what_cannot_be_computed_is_a_422_not_a_crash(signed_in, path, params, field):
    r = signed_in("civil_clerk").get(f"{API}/{path}", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_a_built_in_year_cannot_be_declared(signed_in):
    r = signed_in("admin").post(f"{API}/years/2026/declare")
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["rule"]) == ("year", "not_builtin")


def test_every_calendar_change_is_audited(signed_in):
    admin = signed_in("admin")
    _enter_new_year_2027(admin)
    admin.delete(f"{API}/days/2027-01-01")
    admin.post(f"{API}/years/2027/declare")
    auditor = signed_in("auditor")

    def events(event_type: str) -> list[dict]:
        r = auditor.get("/api/v1/audit/events", params={"event_type": event_type})
        assert r.status_code == 200, r.text
        return r.json()["items"]

    [set_] = events("WorkdaySet")
    assert set_["actor_name"] == "林卫东"
    assert set_["payload"] == {"day": "2027-01-01", "is_working_day": False, "name": "元旦"}
    [cleared] = events("WorkdayCleared")
    assert cleared["payload"] == {"day": "2027-01-01"}
    [declared] = events("HolidayYearDeclared")
    assert declared["payload"] == {"year": 2027} and declared["actor_name"] == "林卫东"
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True


def test_the_calendar_needs_a_signed_in_caller(app_client):
    r = app_client.get(f"{API}/deadline", params={"start": "2026-09-30", "days": 1})
    assert r.status_code == 401
