"""Verification (GZ-24) on SQLite and PostgreSQL: "is this business licence valid today?" answered
yes or no with the deciding version and when it was recorded, under the agency's own grant,
disclosing nothing beyond it (conditions only on items it shows in clear, records outside its
division answered as none), with purpose, and logged."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from govshare.exchange import query_service, verify_service
from govshare.exchange.models import Record
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit.errors import Forbidden, InvalidInput
from tests.conftest import csrf_of
from tests.exchange.helpers import LICENCE, actor, code_of, enterprise
from tests.exchange.test_query_service import CASE, DUTY, grant, load

ITEMS = ("统一社会信用代码", "企业名称", "登记状态")
VALID = {"登记状态": ["存续", "在业", "开业"]}


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


def code(i: int) -> str:
    return enterprise(i)["统一社会信用代码"]


def verify(db, username, subject, conditions=VALID, duty=DUTY, case=CASE):
    with db.session() as s:
        return verify_service.verify(s, actor(s, username), code_of(s, LICENCE), subject, duty, case,
                                     conditions)


def licences(db, *records):
    load(db, list(records), name=LICENCE, username="market_clerk")


@pytest.mark.req("GZ-24")
def test_a_valid_licence_is_confirmed_with_its_version_and_a_revoked_one_is_not(db):
    licences(db, enterprise(0), enterprise(1))
    grant(db, "civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    yes = verify(db, "civil_clerk", code(0).lower())
    with db.session() as s:
        first = s.scalar(select(Record).where(Record.subject == code(0)))
    assert (yes.holds, yes.reason, yes.subject) == (True, "holds", code(0))
    assert (yes.version_id, yes.loaded_at, yes.valid_from) == (first.id, first.loaded_at, first.valid_from)
    licences(db, enterprise(0, 登记状态="吊销"))
    no = verify(db, "civil_clerk", code(0))
    assert (no.holds, no.reason, no.unmet) == (False, "condition_not_met", ("登记状态",))
    assert no.version_id > yes.version_id  # the new version decided it
    none = verify(db, "civil_clerk", code(7))
    assert (none.holds, none.reason, none.version_id, none.loaded_at) == (False, "no_record", None, None)
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [(x.kind, x.outcome, x.row_count, x.items) for x in lines] == [
        ("verify", "yes", 1, "登记状态"), ("verify", "no", 1, "登记状态"), ("verify", "no", 0, "登记状态")]
    assert [x.id for x in lines] == [yes.query_id, no.query_id, none.query_id]
    assert lines[0].record_ids == str(first.id) and lines[2].record_ids == ""


@pytest.mark.req("GZ-24")
def test_an_expiry_date_in_the_past_makes_it_invalid_and_no_condition_means_any_record(db):
    licences(db, enterprise(0))
    grant(db, "civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    assert verify(db, "civil_clerk", code(0), conditions={}).holds
    row = query_service.Row(1, code(0), {"营业期限有效期至": "2020-01-31", "登记状态": "存续"},
                            datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 1, 1, tzinfo=UTC),
                            datetime(2019, 1, 1, tzinfo=UTC), None)
    reason, _, looked = verify_service._judge(row, {}, datetime.now(UTC), date(2026, 11, 27))
    assert (reason, looked) == ("expired", ("营业期限有效期至",))


@pytest.mark.req("GZ-24")
def test_verification_discloses_nothing_beyond_the_grant(db):
    licences(db, enterprise(0))
    grant(db, "civil_clerk", name=LICENCE, items=("统一社会信用代码", "登记状态"), decider=None)
    with pytest.raises(InvalidInput) as err:  # 企业名称 is not granted: no guessing it by yes/no
        verify(db, "civil_clerk", code(0), conditions={"企业名称": [enterprise(0)["企业名称"]]})
    assert (err.value.field, err.value.rule) == ("conditions.企业名称", "not_granted")
    with pytest.raises(Forbidden) as denied:  # no grant, no answer — not even "no"
        verify(db, "police_clerk", code(0))
    assert denied.value.code == "no_grant"


@pytest.mark.req("GZ-21")
@pytest.mark.req("GZ-24")
def test_a_licence_outside_the_district_is_answered_as_none(db):
    licences(db, enterprise(0, _division_code="440104"), enterprise(1, _division_code="440106"))
    grant(db, "tianhe_civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    outside, inside = verify(db, "tianhe_civil_clerk", code(0)), verify(db, "tianhe_civil_clerk", code(1))
    assert (outside.holds, outside.reason, outside.version_id) == (False, "no_record", None)
    assert (inside.holds, inside.reason) == (True, "holds")


@pytest.mark.req("GD-24")
def test_a_verification_without_its_purpose_is_refused(db):
    licences(db, enterprise(0))
    grant(db, "civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    with pytest.raises(InvalidInput) as err:
        verify(db, "civil_clerk", code(0), duty="")
    assert err.value.field == "duty"


@pytest.mark.req("GZ-24")
def test_a_clerk_verifies_through_the_api_and_the_page(db, signed_in):
    licences(db, enterprise(0))
    grant(db, "civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    with db.session() as s:
        resource = code_of(s, LICENCE)
    clerk = signed_in("civil_clerk")
    r = clerk.post("/api/v1/exchange/verifications", json={
        "resource_code": resource, "subject": code(0), "duty": DUTY, "case_number": CASE,
        "conditions": VALID})
    assert r.status_code == 200, r.text
    v = r.json()
    assert (v["holds"], v["reason"], v["checked_items"]) == (True, "holds", ["登记状态"])
    assert "企业名称" not in r.text and enterprise(0)["企业名称"] not in r.text
    page = clerk.get("/exchange/verify")
    assert page.status_code == 200 and "营业执照是否有效" in page.text
    r = clerk.post("/exchange/verify", data={"csrf_token": csrf_of(page.text), "resource_code": resource,
                                             "subject": code(0), "use_question": "1", "duty": DUTY,
                                             "case_number": CASE})
    assert r.status_code == 200 and 'class="verdict yes">是<' in r.text
    assert f"版本标识 {v['version_id']}" in r.text
