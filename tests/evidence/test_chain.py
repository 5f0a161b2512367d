"""The audit chain as the platform writes it: in the caller's transaction, one event per change,
SM3-linked, refused by the database if anyone tries to change it (GD-31, GZ-26)."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import rfc8785
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from govshare.evidence import chain, record
from govshare.evidence.models import AuditEvent
from tests.evidence.conftest import (
    GENESIS,
    RecordInspected,
    actor,
    chain_head,
    chain_rows,
    independent_hash,
)


def _count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_the_hash_function_is_sm3_and_the_body_is_rfc8785():
    """Known answers, so the independent re-computation below checks the real algorithms:
    GB/T 32905-2016 appendix A.1 and RFC 8785's sorted keys with UTF-8 kept as is."""
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    assert rfc8785.dumps({"b": 1, "a": "户籍"}) == '{"a":"户籍","b":1}'.encode()


class Boom(Exception):
    pass


@pytest.mark.req("GD-31")
def test_an_event_recorded_in_a_transaction_that_rolls_back_leaves_nothing(empty_db):
    with empty_db.session() as s:
        record(s, RecordInspected(agency_id=7, note="保留"), actor())
    head_before, rows_before = chain_head(empty_db), chain_rows(empty_db)

    with pytest.raises(Boom), empty_db.session() as s:
        written = record(s, RecordInspected(agency_id=7, note="回滚"), actor())
        assert written.seq == 2  # it was really appended inside the transaction
        raise Boom

    head_after = chain_head(empty_db)
    assert [r.seq for r in chain_rows(empty_db)] == [r.seq for r in rows_before] == [1]
    assert (head_after.last_seq, head_after.last_hash) == (1, head_before.last_hash)
    with empty_db.session() as s:
        assert chain.verify(s).ok
        # …and the next append takes the number the rolled-back one had.
        assert record(s, RecordInspected(agency_id=7, note="之后"), actor()).seq == 2


@pytest.mark.req("GD-31", "GZ-26")
def test_a_change_through_the_api_writes_exactly_one_attributable_event(db, signed_in):
    client = signed_in("admin")
    me = client.get("/api/v1/me").json()
    civil = db.agency_id("civil")
    before = _count(db)

    r = client.put(f"/api/v1/agencies/{civil}/responsible-person",
                   json={"name": "周共享", "position": "副局长", "phone": "020-83330000"})
    assert r.status_code == 200, r.text

    rows = chain_rows(db)
    assert len(rows) == before + 1
    event = rows[-1]
    assert (event.actor_kind, event.actor_id, event.actor_name) == ("user", me["id"], "林卫东")
    assert event.agency_id == civil
    assert event.event_type == "ResponsiblePersonAppointed"
    assert json.loads(event.payload) == {"agency_id": civil, "name": "周共享",
                                         "position": "副局长", "phone": "020-83330000"}
    assert event.payload.encode() == rfc8785.dumps(json.loads(event.payload))


@pytest.mark.req("GD-31")
def test_a_refused_change_through_the_api_writes_no_event(db, signed_in):
    client = signed_in("admin")
    before = _count(db)
    r = client.put(f"/api/v1/agencies/{db.agency_id('civil')}/responsible-person",
                   json={"name": "  "})
    assert r.status_code == 422
    assert _count(db) == before


@pytest.mark.req("GZ-26")
def test_every_row_is_sm3_of_the_previous_hash_and_its_canonical_body(db):
    rows = chain_rows(db)
    assert len(rows) > 20, "the demo city should have left a real chain"
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev, f"row {row.seq} does not link to the row before"
        assert row.hash == independent_hash(prev, row), f"row {row.seq} hash is wrong"
        prev = row.hash
    head = chain_head(db)
    assert (head.last_seq, head.last_hash) == (rows[-1].seq, rows[-1].hash)


@pytest.mark.req("GZ-26")
@pytest.mark.parametrize("statement", [
    "UPDATE evidence_audit_event SET actor_name = '冒名' WHERE seq = 3",
    "DELETE FROM evidence_audit_event WHERE seq = 3",
    "DELETE FROM evidence_audit_event",
])
def test_the_database_itself_refuses_to_change_the_chain(db, statement):
    before = chain_rows(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    after = chain_rows(db)
    assert [(r.seq, r.actor_name, r.hash) for r in after] == \
           [(r.seq, r.actor_name, r.hash) for r in before]


@pytest.mark.req("GZ-26")
@pytest.mark.parametrize("engine_name", ["postgresql"])  # TRUNCATE is PostgreSQL's own
def test_postgresql_refuses_to_truncate_the_chain(db):
    """Row triggers do not fire on TRUNCATE; a statement trigger guards that way in too."""
    before = len(chain_rows(db))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("TRUNCATE evidence_audit_event"))
    assert len(chain_rows(db)) == before


def _append_many(db, worker: int, times: int, start: threading.Barrier, errors: list) -> None:
    """One writer: its own session, kept across commits as a long-lived worker would keep it."""
    session = db.sessions()
    try:
        start.wait()
        for i in range(times):
            record(session, RecordInspected(agency_id=worker, note=f"{worker}-{i}"),
                   actor(f"写入者{worker}", worker))
            session.commit()
    except Exception as exc:  # noqa: BLE001 - handed to the test thread to fail there
        errors.append(exc)
        session.rollback()
    finally:
        session.close()


@pytest.mark.req("GZ-26")
def test_concurrent_appends_serialise_on_the_chain_head(empty_db):
    """Four writers start at once on an empty chain (so they also race to create the head)."""
    writers, times = 4, 15
    start, errors = threading.Barrier(writers), []
    threads = [threading.Thread(target=_append_many, args=(empty_db, w, times, start, errors))
               for w in range(1, writers + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    rows = chain_rows(empty_db)
    assert [r.seq for r in rows] == list(range(1, writers * times + 1))
    assert sorted(json.loads(r.payload)["note"] for r in rows) == sorted(
        f"{w}-{i}" for w in range(1, writers + 1) for i in range(times))
    with empty_db.session() as s:
        assert chain.verify(s) == chain.ChainReport(True, writers * times)
