"""Requests through the services on both engines: routing by share type, decisions, narrowing,
divisions, agreements needed, and the bad input the issue lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from govshare.access import grant_service, request_service
from govshare.access.models import AccessRequest, Grant, Notice
from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from govshare.kit.errors import Conflict, Forbidden, InvalidInput
from tests.access.helpers import HOUSEHOLD, LICENCE, actor, code_of, draft

pytestmark = pytest.mark.usefixtures("db")
SEPT_28 = date(2026, 9, 28)


def submit(db, username, name, today=SEPT_28, **overrides):
    with db.session() as s:
        req = request_service.submit_request(s, actor(s, username), draft(s, name, today, **overrides),
                                             today=today)
        return req.id


def act(db, username, request_id, action, today=date(2026, 10, 9), **inputs):
    with db.session() as s:
        return request_service.act_on_request(s, actor(s, username), request_id, action, inputs,
                                              today=today).status


@pytest.mark.req("GZ-19")
@pytest.mark.req("GD-20")
def test_an_unconditional_resource_is_granted_in_the_same_transaction(db):
    rid = submit(db, "civil_clerk", LICENCE)
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        grant = s.scalar(select(Grant).where(Grant.request_id == rid))
        assert (req.status, req.due_date) == ("granted", None)
        assert (grant.status, grant.basis) == ("active", "RequestGrantedAtOnce")
        used = grant_service.usable_grant(s, db.agency_id("civil"), code_of(s, LICENCE), SEPT_28)
        assert used.id == grant.id
        types = [e.event_type for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert types[-2:] == ["RequestGrantedAtOnce", "GrantIssued"]
        assert chain.verify(s).ok


@pytest.mark.req("GD-21")
@pytest.mark.req("GD-22")
def test_a_conditional_request_waits_15_working_days_for_the_provider(db):
    rid = submit(db, "civil_clerk", HOUSEHOLD)
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        # 15 working days after Monday 28 September 2026, across the National Day holiday
        # (1–8 October) and its make-up workday (Saturday 10 October): Friday 23 October.
        assert (req.status, req.due_date, req.due_provisional) == ("submitted", date(2026, 10, 23),
                                                                    False)
        assert s.scalar(select(func.count(Grant.id)).where(Grant.request_id == rid)) == 0
        inbox = s.scalars(select(Notice.message).where(Notice.agency_id == db.agency_id("police")))
        assert any("2026-10-23" in m for m in inbox)


@pytest.mark.req("GD-22")
@pytest.mark.req("GD-34")
def test_the_provider_grants_narrower_and_the_grant_waits_for_an_agreement(db):
    rid = submit(db, "civil_clerk", HOUSEHOLD)
    status = act(db, "police_admin", rid, "grant_narrower", items=["公民身份号码", "姓名", "户籍地址"],
                 valid_until=(SEPT_28 + timedelta(days=90)).isoformat(),
                 narrowing="只提供核验所需的三项，期限三个月", reasons="最小必要",
                 legal_basis="《个人信息保护法》第六条")
    assert status == "narrowed"
    with db.session() as s:
        grant = s.scalar(select(Grant).where(Grant.request_id == rid))
        assert grant.items == ["公民身份号码", "姓名", "户籍地址"]
        assert grant.valid_until == SEPT_28 + timedelta(days=90)
        assert (grant.status, grant.sensitive_items) == ("pending_agreement", ["户籍地址"])
        with pytest.raises(Forbidden) as err:
            grant_service.usable_grant(s, db.agency_id("civil"), code_of(s, HOUSEHOLD), SEPT_28)
        assert err.value.code == "agreement_required"


@pytest.mark.req("GZ-21")
def test_a_district_agency_gets_its_own_division_of_a_city_resource(db):
    rid = submit(db, "tianhe_civil_clerk", LICENCE)
    with db.session() as s:
        grant = s.scalar(select(Grant).where(Grant.request_id == rid))
        assert grant.division_code == "440106"  # 天河区


@pytest.mark.req("GZ-21")
def test_the_providers_decision_may_open_the_whole_city(db):
    rid = submit(db, "tianhe_civil_clerk", HOUSEHOLD, items=("公民身份号码", "姓名"))
    act(db, "police_admin", rid, "grant", whole_city=True)
    with db.session() as s:
        assert s.scalar(select(Grant.division_code).where(Grant.request_id == rid)) is None


@pytest.mark.req("GD-11")
def test_a_not_shared_resource_is_refused_citing_its_legal_basis(db):
    rid = submit(db, "civil_clerk", "未成年人犯罪记录封存信息")
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        assert req.status == "refused"
        assert "第二百八十六条" in req.steps[0].inputs["legal_basis"]


@pytest.mark.req("GD-11")
def test_a_refusal_without_reasons_is_refused(db):
    rid = submit(db, "civil_clerk", HOUSEHOLD)
    with pytest.raises(InvalidInput) as err:
        act(db, "police_admin", rid, "refuse", legal_basis="《户口登记条例》")
    assert err.value.field == "reasons"
    with db.session() as s:
        assert s.get(AccessRequest, rid).status == "submitted"


def test_another_agency_may_not_decide(db):
    rid = submit(db, "civil_clerk", HOUSEHOLD)
    with pytest.raises(Forbidden):
        act(db, "market_clerk", rid, "grant")


def test_a_withdrawn_request_cannot_be_decided(db):
    rid = submit(db, "civil_clerk", HOUSEHOLD)
    act(db, "civil_clerk", rid, "withdraw")
    with pytest.raises(Conflict) as err:
        act(db, "police_admin", rid, "grant")
    assert "已撤回" in err.value.message


def test_a_validity_longer_than_the_catalog_allows_is_refused(db):
    with pytest.raises(InvalidInput) as err:
        submit(db, "civil_clerk", HOUSEHOLD, valid_until=SEPT_28 + timedelta(days=400))
    assert (err.value.field, err.value.rule) == ("valid_until", "max_validity")


def test_a_request_without_a_duty_is_refused(db):
    with pytest.raises(InvalidInput) as err:
        submit(db, "civil_clerk", LICENCE, duty="  ")
    assert err.value.field == "duty"
    with db.session() as s:
        assert s.scalar(select(func.count(AccessRequest.id))) == 0


def test_items_outside_the_catalog_entry_are_refused(db):
    with pytest.raises(InvalidInput) as err:
        submit(db, "civil_clerk", LICENCE, items=("企业名称", "银行账号"))
    assert err.value.field == "items" and "银行账号" in err.value.message


@pytest.mark.req("GZ-19")
def test_outside_the_catalog_goes_to_the_government_then_5_working_days_to_supply(db):
    with db.session() as s:
        d = replace(draft(s, LICENCE, SEPT_28), resource_code=None, resource_name="企业欠薪记录",
                    provider_agency_id=db.agency_id("market"), items=("统一社会信用代码", "欠薪金额"))
        rid = request_service.submit_request(s, actor(s, "civil_clerk"), d, today=SEPT_28).id
    assert act(db, "admin", rid, "refer_to_government", today=date(2026, 9, 29)) == "at_government"
    assert act(db, "approver", rid, "decide_to_share", today=date(2026, 10, 30)) == "awaiting_supply"
    with db.session() as s:
        assert s.get(AccessRequest, rid).due_date == date(2026, 11, 6)  # Fri 30 Oct + 5 working days
    assert act(db, "market_clerk", rid, "supply", today=date(2026, 11, 9)) == "supplied"
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        assert req.steps[-1].late is True
        breach = s.scalar(select(AuditEvent).where(AuditEvent.event_type == "SupplyBreachRecorded"))
        assert breach is not None and '"due_date":"2026-11-06"' in breach.payload
        assert s.scalar(select(Grant.status).where(Grant.request_id == rid)) == "active"
