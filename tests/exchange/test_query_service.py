"""Consumer queries through the service, on SQLite and PostgreSQL: the agency's own grant decides
(GZ-18, GZ-25), items are projected and sensitive ones masked, rows are limited to the grant's
division (GZ-21), every query carries its purpose (GD-24) and lands in the query log with the
record versions it returned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from govshare.access import grant_service, request_service
from govshare.access.models import Grant
from govshare.directory import account_service
from govshare.exchange import ingest_service, query_log, query_service
from govshare.exchange.models import Record
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit import clock
from govshare.kit.errors import Forbidden, InvalidInput
from tests.access.helpers import draft
from tests.exchange.helpers import (
    HOUSEHOLD,
    LICENCE,
    PERSONS,
    SEAL_KEYS,
    actor,
    body,
    code_of,
    enterprise,
    person,
)

DUTY = "办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）"
CASE = "HY-2026-000123"
PUBLIC = ("公民身份号码", "姓名", "出生日期")  # the household items that are not personal privacy


def load(db, records, name=HOUSEHOLD, username="police_clerk"):
    with db.session() as s:
        return ingest_service.load_records(s, actor(s, username), code_of(s, name), body(records), "json",
                                           keys=SEAL_KEYS)


def grant(db, consumer, name=HOUSEHOLD, items=PUBLIC, decider="police_admin", **decision) -> Grant:
    """A request of `consumer`'s agency, granted by the provider if the resource is conditional."""
    today = clock.today()
    with db.session() as s:
        rid = request_service.submit_request(
            s, actor(s, consumer), draft(s, name, today, items=tuple(items)), today=today).id
    if decider:
        with db.session() as s:
            request_service.act_on_request(s, actor(s, decider), rid, "grant", decision, today=today)
    with db.session() as s:
        return s.scalar(select(Grant).where(Grant.request_id == rid))


def query(db, username, subjects, name=HOUSEHOLD, duty=DUTY, case=CASE, **kw):
    with db.session() as s:
        return query_service.query_records(s, actor(s, username), code_of(s, name), subjects, duty,
                                           case, **kw)


def log_lines(db):
    with db.session() as s:
        return list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


@pytest.mark.req("GZ-18")
@pytest.mark.req("GD-24")
def test_a_clerk_sees_granted_items_in_clear_and_sensitive_ones_masked(db):
    load(db, [person(i) for i in range(3)])
    g = grant(db, "civil_clerk")
    p = PERSONS[1]
    answer = query(db, "civil_clerk", [p.id_number.lower()])  # normalised like ingest does
    [r] = answer.results
    assert r.found and r.subject == p.id_number
    assert r.data == {"公民身份号码": p.id_number, "姓名": p.name, "出生日期": p.birth_date.isoformat(),
                      "户籍地址": "广州市天河区" + "*" * len("天河路2号"), "户主关系": "**"}
    assert r.masked == ("户籍地址", "户主关系")
    assert (answer.items, answer.masked_items, answer.grant_id) == (PUBLIC, ("户籍地址", "户主关系"), g.id)
    with db.session() as s:
        stored = s.scalar(select(Record.id).where(Record.subject == p.id_number))
    assert r.version_id == stored
    [line] = log_lines(db)
    assert (line.id, line.kind, line.agency_id, line.provider_agency_id, line.grant_id) == (
        answer.query_id, "query", db.agency_id("civil"), db.agency_id("police"), g.id)
    assert (line.duty, line.case_number, line.row_count, line.record_ids) == (DUTY, CASE, 1, str(stored))
    assert line.subjects == query_log.subject_digest(p.id_number) and p.id_number not in line.subjects
    assert line.items == "公民身份号码、姓名、出生日期、户籍地址（脱敏）、户主关系（脱敏）"
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
    assert (line.actor_kind, line.actor, line.outcome, line.subject_count) == (
        "user", f"user:{clerk.id} {clerk.name}", "rows", 1)


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("field", ["duty", "case_number"])
def test_a_query_without_its_purpose_is_refused_naming_the_field(db, field):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    purpose = {"duty": DUTY, "case": CASE}
    purpose["case" if field == "case_number" else "duty"] = "  "
    with pytest.raises(InvalidInput) as err:
        query(db, "civil_clerk", [PERSONS[0].id_number], **purpose)
    assert (err.value.field, err.value.rule, err.value.status) == (field, "required", 422)
    assert log_lines(db) == []


@pytest.mark.req("GZ-21")
def test_a_district_agency_gets_only_its_own_divisions_records(db):
    load(db, [person(0, _division_code="440106"), person(1, _division_code="440104"), person(2)])
    g = grant(db, "tianhe_civil_clerk")
    assert g.division_code == "440106"
    ids = [PERSONS[i].id_number for i in range(3)]
    answer = query(db, "tianhe_civil_clerk", ids)
    assert [r.found for r in answer.results] == [True, False, False]
    assert answer.results[1] == query_service.Result(ids[1], False)  # no trace of the 越秀 record
    [line] = log_lines(db)
    assert (line.division_code, line.row_count, line.subject_count) == ("440106", 1, 3)
    assert line.subjects.split() == [query_log.subject_digest(i) for i in ids]


@pytest.mark.req("GZ-21")
def test_a_record_that_moved_out_of_the_division_is_no_longer_shown(db):
    load(db, [person(0, _division_code="440106")])
    grant(db, "tianhe_civil_clerk")
    first = query(db, "tianhe_civil_clerk", [PERSONS[0].id_number]).results[0]
    load(db, [person(0, _division_code="440104", 户籍地址="广州市越秀区北京路1号")])
    assert first.found and not query(db, "tianhe_civil_clerk", [PERSONS[0].id_number]).results[0].found
    # …while the version in force when it was still 天河's stays readable as of that moment.
    then = query(db, "tianhe_civil_clerk", [PERSONS[0].id_number], as_of=first.loaded_at).results[0]
    assert (then.found, then.version_id) == (True, first.version_id)


@pytest.mark.req("GZ-21")
def test_a_decision_opening_the_whole_city_shows_every_division(db):
    load(db, [person(0, _division_code="440106"), person(1, _division_code="440104")])
    grant(db, "tianhe_civil_clerk", whole_city=True)
    answer = query(db, "tianhe_civil_clerk", [PERSONS[0].id_number, PERSONS[1].id_number])
    assert [r.found for r in answer.results] == [True, True]


@pytest.mark.req("GZ-25")
def test_an_api_client_uses_its_own_agencys_grant_and_no_other(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with db.session() as s:
        civil_system = account_service.issue_api_client(
            s, actor(s, "civil_admin"), db.agency_id("civil"), "婚姻登记系统").client
        market_system = account_service.issue_api_client(
            s, actor(s, "admin"), db.agency_id("market"), "市场监管系统").client
        civil_id, market_id = civil_system.id, market_system.id
    with db.session() as s:
        from govshare.directory.models import ApiClient

        civil_actor = account_service.actor_for_client(s.get(ApiClient, civil_id))
        market_actor = account_service.actor_for_client(s.get(ApiClient, market_id))
        code = code_of(s, HOUSEHOLD)
        answer = query_service.query_records(s, civil_actor, code, [PERSONS[0].id_number], DUTY, CASE)
        assert answer.results[0].found
        with pytest.raises(Forbidden) as err:
            query_service.query_records(s, market_actor, code, [PERSONS[0].id_number], DUTY, CASE)
        assert err.value.code == "no_grant"
    [line] = log_lines(db)
    assert (line.actor_kind, line.actor, line.agency_id) == (
        "client", f"api_client:{civil_id} 婚姻登记系统", db.agency_id("civil"))


@pytest.mark.req("GZ-25")
def test_an_agency_without_a_grant_is_refused_and_nothing_is_logged(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with pytest.raises(Forbidden) as err:
        query(db, "market_clerk", [PERSONS[0].id_number])
    assert err.value.code == "no_grant"
    assert log_lines(db) == []


def test_a_revoked_grant_stops_working_at_once_though_it_was_cached(db):
    load(db, [person(0)])
    g = grant(db, "civil_clerk")
    assert query(db, "civil_clerk", [PERSONS[0].id_number]).results[0].found  # now cached
    with db.session() as s:
        grant_service.revoke_grant(s, actor(s, "police_admin"), g.id, "职责调整，不再需要")
    with pytest.raises(Forbidden) as err:
        query(db, "civil_clerk", [PERSONS[0].id_number])
    assert err.value.code == "no_grant"
    with pytest.raises(Forbidden):  # not found either: the check does not depend on a record
        query(db, "civil_clerk", [PERSONS[5].id_number])


@pytest.mark.req("GD-34")
def test_a_grant_of_private_items_waits_for_the_agreement(db):
    load(db, [person(0)])
    grant(db, "civil_clerk", items=PUBLIC + ("户籍地址",))
    with pytest.raises(Forbidden) as err:
        query(db, "civil_clerk", [PERSONS[0].id_number])
    assert err.value.code == "agreement_required"


@pytest.mark.req("GD-16")
def test_the_answer_names_the_version_in_force_now_or_as_of_a_moment(db):
    load(db, [person(0)])
    grant(db, "civil_clerk", items=PUBLIC)
    before = query(db, "civil_clerk", [PERSONS[0].id_number]).results[0]
    load(db, [person(0, 姓名="改名后")])
    now_ = query(db, "civil_clerk", [PERSONS[0].id_number]).results[0]
    then = query(db, "civil_clerk", [PERSONS[0].id_number], as_of=before.loaded_at).results[0]
    assert now_.version_id > before.version_id and now_.data["姓名"] == "改名后"
    assert (then.version_id, then.data["姓名"]) == (before.version_id, PERSONS[0].name)
    earlier = query(db, "civil_clerk", [PERSONS[0].id_number], as_of=before.loaded_at - timedelta(seconds=1))
    assert not earlier.results[0].found
    assert [line.as_of for line in log_lines(db)][-2:] == [before.loaded_at,
                                                            before.loaded_at - timedelta(seconds=1)]


def test_many_subjects_in_one_query_and_a_bad_one_named(db):
    load(db, [person(i) for i in range(10)])
    grant(db, "civil_clerk")
    ids = [PERSONS[i].id_number for i in (4, 2, 30, 4)]
    answer = query(db, "civil_clerk", ids)
    assert [(r.subject, r.found) for r in answer.results] == [(ids[0], True), (ids[1], True), (ids[2], False)]
    bad = ids[:1] + [ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1")]
    with pytest.raises(InvalidInput) as err:
        query(db, "civil_clerk", bad)
    assert (err.value.field, err.value.rule) == ("subjects.1", "check_digit")
    with pytest.raises(InvalidInput) as err:
        query(db, "civil_clerk", [])
    assert err.value.field == "subjects"


@pytest.mark.req("GD-20")
@pytest.mark.req("GZ-18")
def test_an_unconditional_resource_is_queried_right_after_asking(db):
    load(db, [enterprise(i) for i in range(3)], name=LICENCE, username="market_clerk")
    g = grant(db, "civil_clerk", name=LICENCE, items=("统一社会信用代码", "企业名称", "登记状态"),
              decider=None)
    assert g.status == "active"
    answer = query(db, "civil_clerk", [enterprise(2)["统一社会信用代码"]], name=LICENCE)
    assert answer.results[0].data == {"统一社会信用代码": enterprise(2)["统一社会信用代码"],
                                      "企业名称": enterprise(2)["企业名称"], "登记状态": "存续"}
    assert answer.masked_items == ()  # nothing in the licence entry is private


def test_the_provider_and_oversight_read_the_log_others_do_not(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    query(db, "civil_clerk", [PERSONS[0].id_number])
    with db.session() as s:
        mine = query_log.entries(s, actor(s, "civil_clerk"), side="mine")
        provided = query_log.entries(s, actor(s, "police_clerk"), side="provided")
        audit = query_log.entries(s, actor(s, "auditor"), side="all", subject=PERSONS[0].id_number.lower())
        assert [len(p.entries) for p in (mine, provided, audit)] == [1, 1, 1]
        assert query_log.entries(s, actor(s, "market_clerk"), side="provided").entries == []
        assert query_log.entries(s, actor(s, "police_clerk"), side="mine").entries == []
        other = PERSONS[1].id_number
        assert query_log.entries(s, actor(s, "auditor"), side="all", subject=other).entries == []
        with pytest.raises(Forbidden):
            query_log.entries(s, actor(s, "civil_clerk"), side="all")
