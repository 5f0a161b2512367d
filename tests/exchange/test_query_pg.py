"""The hot path of consumer queries (PostgreSQL, event loop, psycopg async) gives the same answers
as the ordinary path, and hands anything out of the ordinary back to it: a grant revoked or a
token revoked after both were cached stops the very next query (GZ-25); on SQLite it is never
taken."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from govshare.access import grant_service
from govshare.exchange import query_pg, query_service
from govshare.exchange.query_models import QueryLogEntry
from tests.exchange.helpers import HOUSEHOLD, PERSONS, actor, code_of, person
from tests.exchange.test_query_api import bearer_of
from tests.exchange.test_query_service import CASE, DUTY, grant, load

API = "/api/v1/exchange/queries"


@pytest.fixture
def spied(monkeypatch):
    """Counts the hot path's answers (and its hand-backs)."""
    calls = {"answered": 0, "fallback": 0}
    real = query_pg.query

    async def spy(*args, **kwargs):
        try:
            answer = await real(*args, **kwargs)
        except query_pg.Fallback:
            calls["fallback"] += 1
            raise
        calls["answered"] += 1
        return answer

    monkeypatch.setattr(query_pg, "query", spy)
    query_service.forget_cached_grants()
    return calls


@pytest.fixture
def civil(db, tmp_path, signed_in):
    load(db, [person(i, _division_code="440106" if i % 2 else "440104") for i in range(4)])
    g = grant(db, "tianhe_civil_clerk")
    client = bearer_of(db, tmp_path, signed_in, "tianhe_civil_admin", "civil-440106", "救助系统")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    yield client, code, g
    client.app.state.engine.dispose()


def ask(client, code, subjects, **extra):
    return client.post(API, json={"resource_code": code, "subjects": subjects, "duty": DUTY,
                                  "case_number": CASE, **extra})


def comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("query_id", "queried_at")}


@pytest.mark.req("GZ-21")
def test_both_paths_give_the_same_answers_and_log_lines(db, civil, spied, engine_name):
    client, code, _ = civil
    cases = [[PERSONS[1].id_number], [PERSONS[0].id_number], [PERSONS[i].id_number for i in range(4)],
             [PERSONS[9].id_number]]
    first = [ask(client, code, c).json() for c in cases]  # the first fills the caches
    again = [ask(client, code, c).json() for c in cases]
    assert [comparable(a) for a in first] == [comparable(a) for a in again]
    assert [r["found"] for r in again[2]["results"]] == [False, True, False, True]  # 天河 only
    then = first[0]["results"][0]["loaded_at"]
    as_of = ask(client, code, [PERSONS[1].id_number], as_of=then).json()
    assert as_of["version_ids"] == first[0]["version_ids"] and as_of["as_of"] == then
    assert spied["answered"] == (0 if engine_name == "sqlite" else 8)
    with db.session() as s:
        lines = list(s.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [x.id for x in lines] == [a["query_id"] for a in first + again + [as_of]]
    fields = ("subjects", "items", "row_count", "record_ids", "duty", "case_number", "actor", "grant_id",
              "division_code", "outcome")
    assert [[getattr(x, f) for f in fields] for x in lines[:4]] == [[getattr(x, f) for f in fields]
                                                                   for x in lines[4:8]]


@pytest.mark.req("GZ-25")
def test_a_grant_revoked_after_it_was_cached_stops_the_next_query(db, civil, spied):
    client, code, g = civil
    assert ask(client, code, [PERSONS[1].id_number]).status_code == 200
    assert ask(client, code, [PERSONS[1].id_number]).status_code == 200
    with db.session() as s:
        grant_service.revoke_grant(s, actor(s, "police_admin"), g.id, "用途已消失")
    r = ask(client, code, [PERSONS[1].id_number])
    assert (r.status_code, r.json()["code"]) == (403, "no_grant")
    with db.session() as s:
        assert s.scalar(select(QueryLogEntry.id).order_by(QueryLogEntry.id.desc()).limit(1)) is not None
        assert len(list(s.scalars(select(QueryLogEntry.id)))) == 2  # the refused one left no line


@pytest.mark.req("GZ-25")
def test_a_token_revoked_after_it_was_cached_stops_the_next_query(db, civil, spied, signed_in):
    client, code, _ = civil
    assert ask(client, code, [PERSONS[1].id_number]).status_code == 200
    with db.session() as s:
        client_id = s.scalar(text("SELECT id FROM directory_api_client WHERE name = '救助系统'"))
    admin = signed_in("tianhe_civil_admin")
    r = admin.post(f"/api/v1/api-clients/{client_id}/revoke", json={"reason": "系统下线"})
    assert r.status_code in (200, 204), r.text
    r = ask(client, code, [PERSONS[1].id_number])
    assert r.status_code == 401 and r.json()["code"] in ("token_revoked", "bad_token")


def test_the_hot_path_keeps_few_connections(db, civil, spied, engine_name):
    client, code, _ = civil
    for i in range(12):  # the test client runs every request on a new event loop
        assert ask(client, code, [PERSONS[i % 4].id_number]).status_code == 200
    if engine_name == "postgresql":
        database = db.url.rsplit("/", 1)[1]
        with db.session() as s:
            count = s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"),
                             {"d": database})
        assert count <= 1 + 10 + 2  # this session, the app's pool, the hot path's current loop
