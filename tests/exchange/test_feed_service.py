"""The change feed through the service, on SQLite and PostgreSQL: a consumer synchronises a hosted
library (GD-16) under its own grant (GZ-18) page by page with a cursor it keeps, sees each version
exactly as a query shows it (masking reused), only its division's records with a `left_scope`
when a subject moves away (GZ-21), and every read states its purpose and is logged (GD-24)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from govshare.access import grant_service
from govshare.exchange import feed_service, query_log, query_service
from govshare.exchange.models import Record
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit.errors import Forbidden, InvalidInput
from tests.exchange.helpers import HOUSEHOLD, PERSONS, actor, code_of, person
from tests.exchange.test_query_service import CASE, DUTY, grant, load, query


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


def read(db, username, cursor="", limit=None, duty=DUTY, case=CASE, name=HOUSEHOLD):
    with db.session() as s:
        return feed_service.read_feed(s, actor(s, username), code_of(s, name), cursor, limit, duty, case)


def feed_lines(db):
    with db.session() as s:
        return list(s.scalars(select(QueryLogEntry).where(QueryLogEntry.kind == "feed")
                              .order_by(QueryLogEntry.id)))


def record_ids(db):
    with db.session() as s:
        return list(s.scalars(select(Record.id).order_by(Record.id)))


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-18")
def test_a_consumer_synchronises_the_library_page_by_page_with_its_cursor(db):
    load(db, [person(i) for i in range(5)])
    g = grant(db, "civil_clerk")
    first = read(db, "civil_clerk", limit=2)
    assert [c.subject for c in first.changes] == [PERSONS[0].id_number, PERSONS[1].id_number]
    assert first.more and first.use.grant_id == g.id and first.cursor == ""
    copy: dict[str, tuple[int, dict]] = {}
    page = first
    while True:  # what a synchronising system does: apply, keep the cursor, read on
        for c in page.changes:
            copy[c.subject] = (c.version_id, c.data)
        if not page.more:
            break
        page = read(db, "civil_clerk", page.next_cursor, limit=2)
    ids = record_ids(db)
    assert sorted(v for v, _ in copy.values()) == ids and len(copy) == 5
    # Each version is shown exactly as a query shows it: granted items clear, private ones masked.
    answer = query(db, "civil_clerk", [PERSONS[3].id_number])
    assert copy[PERSONS[3].id_number] == (answer.results[0].version_id, answer.results[0].data)
    assert copy[PERSONS[3].id_number][1]["户籍地址"].startswith("广州市天河区*")

    # New versions loaded later come after the kept cursor, in id order; the old cursor still works.
    load(db, [person(1, 姓名="钱新名"), person(7)])
    later = read(db, "civil_clerk", page.next_cursor)
    assert [(c.subject, c.change) for c in later.changes] == [
        (PERSONS[1].id_number, "upsert"), (PERSONS[7].id_number, "upsert")]
    assert later.changes[0].data["姓名"] == "钱新名" and not later.more
    assert [c.version_id for c in later.changes] == record_ids(db)[5:]
    # At the end: nothing new, the cursor stays where it is.
    end = read(db, "civil_clerk", later.next_cursor)
    assert end.changes == [] and end.next_cursor == later.next_cursor and not end.more


@pytest.mark.req("GD-24")
def test_every_read_is_logged_with_its_purpose_and_the_versions_returned(db):
    load(db, [person(i) for i in range(3)])
    g = grant(db, "civil_clerk")
    page = read(db, "civil_clerk", limit=2)
    read(db, "civil_clerk", page.next_cursor, limit=2)
    first, second = feed_lines(db)
    assert (first.id, first.kind, first.grant_id, first.duty, first.case_number) == (
        page.query_id, "feed", g.id, DUTY, CASE)
    assert first.record_ids == " ".join(str(c.version_id) for c in page.changes)
    assert first.subjects.split() == [query_log.subject_digest(c.subject) for c in page.changes]
    assert PERSONS[0].id_number not in first.subjects
    assert first.items == "公民身份号码、姓名、出生日期、户籍地址（脱敏）、户主关系（脱敏）"
    assert (second.row_count, first.row_count) == (1, 2)


@pytest.mark.req("GD-24")
@pytest.mark.parametrize("field", ["duty", "case_number"])
def test_a_read_without_its_purpose_is_refused_and_nothing_is_logged(db, field):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    purpose = {"duty": DUTY, "case": CASE}
    purpose["case" if field == "case_number" else "duty"] = ""
    with pytest.raises(InvalidInput) as err:
        read(db, "civil_clerk", **purpose)
    assert (err.value.field, err.value.rule, err.value.status) == (field, "required", 422)
    assert feed_lines(db) == []


@pytest.mark.req("GZ-21")
def test_a_district_agency_follows_only_its_own_divisions_records(db):
    load(db, [person(0, _division_code="440106"), person(1, _division_code="440104"), person(2),
              person(3, _division_code="440106")])
    g = grant(db, "tianhe_civil_clerk")
    assert g.division_code == "440106"
    page = read(db, "tianhe_civil_clerk")
    assert [c.subject for c in page.changes] == [PERSONS[0].id_number, PERSONS[3].id_number]
    assert {c.change for c in page.changes} == {"upsert"}
    # Person 0 moves to 越秀 (out of the grant's division), person 1 moves into 天河.
    load(db, [person(0, _division_code="440104"), person(1, _division_code="440106"),
              person(2, _division_code="440104")])
    moved = read(db, "tianhe_civil_clerk", page.next_cursor)
    assert [(c.subject, c.change) for c in moved.changes] == [
        (PERSONS[0].id_number, "left_scope"), (PERSONS[1].id_number, "upsert")]
    left = moved.changes[0]
    assert left.data is None and left.masked == ()  # nothing of the record outside the division
    # Person 2 never was in 天河: its move elsewhere is not even mentioned.
    assert PERSONS[2].id_number not in {c.subject for c in moved.changes}
    # The city agency, whose grant has no division, sees every version.
    grant(db, "civil_clerk")
    city = read(db, "civil_clerk")
    assert len(city.changes) == 7 and {c.change for c in city.changes} == {"upsert"}


@pytest.mark.req("GZ-21")
def test_a_page_of_a_district_grant_ends_short_but_its_cursor_moves_on(db):
    load(db, [person(i, _division_code="440104") for i in range(12)] + [person(20, _division_code="440106")])
    grant(db, "tianhe_civil_clerk")
    page = read(db, "tianhe_civil_clerk", limit=2)  # examines at most 2 × SCAN_FACTOR versions
    assert page.changes == [] and page.more
    while page.more:
        page = read(db, "tianhe_civil_clerk", page.next_cursor, limit=2)
        if page.changes:
            break
    assert [c.subject for c in page.changes] == [PERSONS[20].id_number]


def test_a_cursor_of_another_grant_or_altered_is_refused_naming_it(db):
    load(db, [person(i) for i in range(3)])
    grant(db, "civil_clerk")
    grant(db, "market_clerk")
    theirs = read(db, "market_clerk", limit=1).next_cursor
    with pytest.raises(InvalidInput) as err:
        read(db, "civil_clerk", theirs)
    assert (err.value.field, err.value.rule, err.value.status) == ("cursor", "other_grant", 422)
    assert "授权" in err.value.message
    mine = read(db, "civil_clerk", limit=1).next_cursor
    raw = base64.urlsafe_b64decode(mine + "=" * (-len(mine) % 4)).decode()
    grant_id, record_id, check = raw.split(".")
    forged = base64.urlsafe_b64encode(f"{grant_id}.{int(record_id) + 1}.{check}".encode()).decode()
    for bad in (forged, "not-a-cursor", "%%%"):
        with pytest.raises(InvalidInput) as err:
            read(db, "civil_clerk", bad)
        assert (err.value.field, err.value.rule) == ("cursor", "format")


@pytest.mark.parametrize("limit", [0, feed_service.MAX_PAGE + 1])
def test_the_page_size_is_limited(db, limit):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with pytest.raises(InvalidInput) as err:
        read(db, "civil_clerk", limit=limit)
    assert (err.value.field, err.value.rule) == ("limit", "range")
    assert len(read(db, "civil_clerk", limit=feed_service.MAX_PAGE).changes) == 1


@pytest.mark.req("GZ-18")
def test_a_revoked_grant_stops_the_feed_at_once(db):
    load(db, [person(i) for i in range(3)])
    g = grant(db, "civil_clerk")
    page = read(db, "civil_clerk", limit=1)  # the grant's use is now cached for queries
    query(db, "civil_clerk", [PERSONS[0].id_number])
    with db.session() as s:
        grant_service.revoke_grant(s, actor(s, "police_admin"), g.id, "职责调整")
    with pytest.raises(Forbidden) as err:
        read(db, "civil_clerk", page.next_cursor)
    assert err.value.code == "no_grant"
    with pytest.raises(Forbidden):
        read(db, "market_clerk")  # an agency without a grant gets nothing either

