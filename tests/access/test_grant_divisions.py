"""A district's IT authority oversees its own division's grants and confidentiality agreements
(GZ-21, the two-level platforms; GD-31, no access beyond authority): it lists and reads those whose
grantee or provider (for an agreement, either party) is an agency of its district, reading another
division's answers 404, and revoking or terminating one answers 403 other_division; the city IT
authority and oversight see them all. Through the API and the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select

from govshare.access.models import Agreement, Grant
from govshare.directory import account_service
from govshare.directory.models import Agency
from tests.access import api_helpers
from tests.access.api_helpers import API, counts, submit
from tests.access.helpers import LICENCE, actor
from tests.access.test_agreements import PDF, agreement, file, form_fields
from tests.conftest import csrf_of

api_as = api_helpers.api_as  # fixture
TIANHE = "440106"
pytestmark = [pytest.mark.req("GZ-21"), pytest.mark.req("GD-31")]


def _yuexiu_clerk(db, api_as) -> TestClient:
    """A program of 越秀区民政局 (no demo login): another district's agency."""
    with db.session() as s:
        token = account_service.issue_api_client(
            s, actor(s, "admin"), db.agency_id("civil-440104"), "婚姻登记系统", ("agency_staff",)).token
    client = api_as("civil_clerk")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def three_grants(db, api_as):
    """营业执照信息 (unconditional, 市市场监管局) granted at once to 天河区民政局, 越秀区民政局 and
    市民政局."""
    return tuple(submit(client, db, LICENCE)["grant_id"] for client in (
        api_as("tianhe_civil_clerk"), _yuexiu_clerk(db, api_as), api_as("civil_clerk")))


def _grant_ids(client) -> tuple[set[int], int]:
    r = client.get(f"{API}/grants", params={"side": "all", "limit": 200})
    assert r.status_code == 200, r.text
    return {g["id"] for g in r.json()["items"]}, r.json()["total"]


def _in_division(db, model, *columns) -> set[int]:
    """What the division's IT authority should see, counted from the database itself."""
    with db.session() as s:
        agencies = select(Agency.id).where(Agency.division_code == TIANHE)
        return set(s.scalars(select(model.id).where(or_(*(c.in_(agencies) for c in columns)))))


def test_a_district_it_authority_lists_its_division_s_grants_only(db, api_as, three_grants):
    tianhe, yuexiu, city = three_grants
    seen, total = _grant_ids(api_as("tianhe_it"))
    assert tianhe in seen and not {yuexiu, city} & seen
    assert seen == _in_division(db, Grant, Grant.grantee_agency_id, Grant.provider_agency_id)
    assert total == len(seen)  # the count is the division's too
    with db.session() as s:
        everything = set(s.scalars(select(Grant.id)))
    for city_wide in ("admin", "supervisor", "auditor"):
        assert _grant_ids(api_as(city_wide))[0] == everything, city_wide


def test_another_division_s_grant_is_not_found_and_not_revoked(db, api_as, three_grants):
    tianhe, yuexiu, _city = three_grants
    tianhe_it = api_as("tianhe_it")
    assert tianhe_it.get(f"{API}/grants/{yuexiu}").status_code == 404
    assert tianhe_it.get(f"{API}/grants/{yuexiu}/consents").status_code == 404
    assert tianhe_it.get(f"{API}/grants/{tianhe}").status_code == 200
    assert api_as("admin").get(f"{API}/grants/{yuexiu}").status_code == 200
    before = counts(db)
    r = tianhe_it.post(f"{API}/grants/{yuexiu}/revoke", json={"reasons": "核查"})
    assert r.status_code == 403 and r.json()["code"] == "other_division"
    assert "不属于本区" in r.json()["detail"] and "GZ-21" in r.json()["detail"]
    assert counts(db) == before  # nothing written, not even an audit event
    r = tianhe_it.post(f"{API}/grants/{tianhe}/revoke", json={"reasons": "区级复核：职责调整"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"


def test_the_console_shows_a_district_it_authority_its_division_s_grants(db, signed_in,
                                                                        three_grants):
    tianhe, yuexiu, city = three_grants
    tianhe_it = signed_in("tianhe_it")
    page = tianhe_it.get("/access/grants?side=all").text
    assert f'href="/access/grants/{tianhe}"' in page
    assert f'href="/access/grants/{yuexiu}"' not in page and f'href="/access/grants/{city}"' not in page
    assert tianhe_it.get(f"/access/grants/{yuexiu}").status_code == 404
    assert "撤销授权" in tianhe_it.get(f"/access/grants/{tianhe}").text
    page = signed_in("admin").get("/access/grants?side=all").text
    assert all(f'href="/access/grants/{i}"' in page for i in (tianhe, yuexiu, city))


@pytest.fixture
def two_agreements(db):
    """公安局's 户籍 agreements with 天河区民政局 and with 越秀区民政局, filed by the city IT authority."""
    return tuple(file(db, agreement(db, consumer_agency_id=db.agency_id(key)), username="admin")
                 for key in ("civil-440106", "civil-440104"))


def _agreement_ids(client) -> tuple[set[int], int]:
    r = client.get(f"{API}/agreements", params={"limit": 200})
    assert r.status_code == 200, r.text
    return {a["id"] for a in r.json()["items"]}, r.json()["total"]


def test_a_district_it_authority_sees_its_division_s_agreements_only(db, api_as, two_agreements):
    tianhe, yuexiu = two_agreements
    tianhe_it = api_as("tianhe_it")
    seen, total = _agreement_ids(tianhe_it)
    assert tianhe in seen and yuexiu not in seen and total == len(seen)
    assert seen == _in_division(db, Agreement, Agreement.provider_agency_id,
                                Agreement.consumer_agency_id)
    for city_wide in ("admin", "auditor"):
        assert {tianhe, yuexiu} <= _agreement_ids(api_as(city_wide))[0], city_wide
    assert tianhe_it.get(f"{API}/agreements/{yuexiu}").status_code == 404
    assert tianhe_it.get(f"{API}/agreements/{yuexiu}/document").status_code == 404
    assert tianhe_it.get(f"{API}/agreements/{tianhe}").status_code == 200


def test_a_district_it_authority_may_not_terminate_another_division_s(db, api_as, signed_in,
                                                                      two_agreements):
    tianhe, yuexiu = two_agreements
    tianhe_it = api_as("tianhe_it")
    with db.session() as s:
        before = s.get(Agreement, yuexiu).status
    r = tianhe_it.post(f"{API}/agreements/{yuexiu}/terminate", json={"reasons": "核查"})
    assert r.status_code == 403 and r.json()["code"] == "other_division"
    with db.session() as s:
        assert s.get(Agreement, yuexiu).status == before == "in_force"
    page = signed_in("tianhe_it").get("/access/agreements").text
    assert f'href="/access/agreements/{tianhe}"' in page
    assert f'href="/access/agreements/{yuexiu}"' not in page



def _file(client, db, consumer: str):
    """POST /agreements: 公安局's 户籍 agreement with the given consumer, signed and uploaded."""
    fields = form_fields(db, consumer_agency_id=str(db.agency_id(consumer)))
    return client.post(f"{API}/agreements", data=fields,
                       files={"document": ("协议.pdf", PDF, "application/pdf")})


def _written(db) -> tuple[dict[str, int], int]:
    """Rows of the request tables (audit events among them) and of agreements."""
    with db.session() as s:
        return counts(db), s.scalar(select(func.count()).select_from(Agreement))


@pytest.mark.req("GD-34")
def test_a_district_it_authority_files_agreements_for_its_division_only(db, api_as, signed_in):
    tianhe_it, console = api_as("tianhe_it"), signed_in("tianhe_it")  # signing in is audited
    token = csrf_of(console.get("/access/agreements/new").text)
    before = _written(db)
    r = _file(tianhe_it, db, "civil")  # 市公安局 and 市民政局: neither is 天河区's
    assert r.status_code == 403 and r.json()["code"] == "other_division"
    assert "协议双方都不属于本区" in r.json()["detail"] and "GZ-21" in r.json()["detail"]
    r = console.post("/access/agreements/new", data={**form_fields(db), "csrf_token": token},
                     files={"document": ("协议.pdf", PDF, "application/pdf")})
    assert r.status_code == 403 and "协议双方都不属于本区" in r.text
    assert _written(db) == before  # nothing written, not even an audit event
    r = _file(tianhe_it, db, "civil-440106")  # 天河区民政局 is 天河区's
    assert r.status_code == 201, r.text
    assert r.json()["consumer_agency_id"] == db.agency_id("civil-440106")
    assert _file(api_as("admin"), db, "civil").status_code == 201  # the city IT authority: any two
    assert _written(db)[1] == before[1] + 2
