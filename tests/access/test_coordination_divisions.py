"""A district's IT authority coordinates its own division (GZ-21, the two-level platforms): its
coordination queue and its list of all requests hold those whose requester or provider is an
agency of the district, and it may not act on another district's; the city IT authority sees
and coordinates them all. Through the API and the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from govshare.directory import account_service
from tests.access import api_helpers
from tests.access.api_helpers import API, act, counts, submit
from tests.access.helpers import HOUSEHOLD, actor

api_as = api_helpers.api_as  # fixture
PLAIN_HOUSEHOLD = ["公民身份号码", "姓名", "出生日期"]


def _district_clerk(db, api_as, agency_key: str) -> TestClient:
    """A program of a district agency that has no demo login (越秀区民政局)."""
    with db.session() as s:
        token = account_service.issue_api_client(
            s, actor(s, "admin"), db.agency_id(agency_key), "婚姻登记系统", ("agency_staff",)).token
    client = api_as("civil_clerk")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _disputed(db, clerk, police) -> int:
    """A request for 户籍 refused by the city police and disputed: in coordination."""
    rid = submit(clerk, db, HOUSEHOLD, items=PLAIN_HOUSEHOLD)["id"]
    act(police, rid, "refuse", reasons="系统改造期间暂停", legal_basis="《户口登记条例》")
    act(clerk, rid, "dispute", reasons="婚姻登记依法须核验户籍")
    return rid


@pytest.fixture
def three_disputes(db, api_as):
    """In coordination: one of 天河区民政局, one of 越秀区民政局, one of 市民政局."""
    police = api_as("police_admin")
    tianhe = _disputed(db, api_as("tianhe_civil_clerk"), police)
    yuexiu = _disputed(db, _district_clerk(db, api_as, "civil-440104"), police)
    city = _disputed(db, api_as("civil_clerk"), police)
    return tianhe, yuexiu, city


def _ids(client, queue: str) -> set[int]:
    r = client.get(f"{API}/requests", params={"queue": queue, "limit": 200})
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()["items"]}


@pytest.mark.req("GZ-21")
@pytest.mark.req("GD-21")
def test_a_district_it_authority_sees_its_own_division_only(db, api_as, three_disputes):
    tianhe, yuexiu, city = three_disputes
    tianhe_it, admin = api_as("tianhe_it"), api_as("admin")
    assert _ids(tianhe_it, "coordination") == {tianhe}
    assert tianhe in _ids(tianhe_it, "all") and not {yuexiu, city} & _ids(tianhe_it, "all")
    assert _ids(admin, "coordination") == {tianhe, yuexiu, city}
    assert {tianhe, yuexiu, city} <= _ids(admin, "all")
    r = tianhe_it.get(f"{API}/requests", params={"queue": "coordination"})
    assert r.json()["total"] == 1  # the count is the division's too, not the city's


@pytest.mark.req("GZ-21")
def test_a_district_it_authority_may_not_coordinate_another_district_s(db, api_as, three_disputes):
    tianhe, yuexiu, _city = three_disputes
    tianhe_it = api_as("tianhe_it")
    before = counts(db)
    refused = act(tianhe_it, yuexiu, "record_coordination", expect=403,
                  outcome="公安局同意提供三项", share=True)
    assert refused["code"] == "other_division"
    assert "不属于本区" in refused["detail"] and "GZ-21" in refused["detail"]
    assert counts(db) == before  # nothing written, not even an audit event
    assert tianhe_it.get(f"{API}/requests/{yuexiu}").status_code == 404
    done = act(tianhe_it, tianhe, "record_coordination", outcome="公安局同意提供三项", share=True)
    assert done["status"] == "coordinated"


@pytest.mark.req("GZ-21")
def test_the_city_it_authority_coordinates_any_district_s(db, api_as, three_disputes):
    _tianhe, yuexiu, _city = three_disputes
    done = act(api_as("admin"), yuexiu, "record_coordination", outcome="同意提供", share=True)
    assert done["status"] == "coordinated"


@pytest.mark.req("GZ-21")
def test_the_console_queue_is_the_division_s_too(db, signed_in, three_disputes):
    tianhe, yuexiu, city = three_disputes
    page = signed_in("tianhe_it").get("/access/coordination").text
    assert f'href="/access/requests/{tianhe}"' in page
    assert f'href="/access/requests/{yuexiu}"' not in page
    assert f'href="/access/requests/{city}"' not in page
    page = signed_in("admin").get("/access/coordination").text
    assert all(f'href="/access/requests/{i}"' in page for i in (tianhe, yuexiu, city))
