"""Appending many events at once (`record_many`, GD-31): the chain it writes is the one `record`
would have written event by event — the same links, the same SM3 over the same RFC 8785 body —
so `verify` and an independent re-computation both accept it, mixed with single appends, and
a rollback takes the whole batch with it."""

from __future__ import annotations

import json

import pytest

from govshare.evidence import chain, record, record_many
from tests.evidence.conftest import (
    GENESIS,
    RecordInspected,
    actor,
    chain_head,
    chain_rows,
    independent_hash,
)


class Boom(Exception):
    pass


def events(n: int, note: str = "批量") -> list[RecordInspected]:
    return [RecordInspected(agency_id=7, note=f"{note}{k}") for k in range(n)]


def assert_chain_holds(db) -> None:
    """verify() passes and every row is SM3 of its predecessor and its body, recomputed here."""
    with db.session() as s:
        report = chain.verify(s)
    assert report.ok, report.summary
    rows, prev = chain_rows(db), GENESIS
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        assert row.prev_hash == prev and row.hash == independent_hash(prev, row), row.seq
        prev = row.hash
    head = chain_head(db)
    assert (head.last_seq, head.last_hash) == (rows[-1].seq, rows[-1].hash)


@pytest.mark.req("GD-31")
def test_events_appended_together_form_a_chain_that_verifies(db):
    before = len(chain_rows(db))
    with db.session() as s:
        written = record_many(s, events(25), actor())
        assert [r.seq for r in written] == list(range(before + 1, before + 26))
    rows = chain_rows(db)[before:]
    assert [json.loads(r.payload)["note"] for r in rows] == [f"批量{k}" for k in range(25)]
    assert {(r.event_type, r.actor_name, r.agency_id) for r in rows} == {
        ("RecordInspected", "测试审计员", 7)}
    assert_chain_holds(db)


@pytest.mark.req("GD-31")
def test_single_and_batched_appends_interleave_in_one_chain(db):
    with db.session() as s:
        record(s, RecordInspected(agency_id=7, note="单条1"), actor())
        record_many(s, events(3, "甲"), actor("另一位审计员"))
        record(s, RecordInspected(agency_id=7, note="单条2"), actor())
    with db.session() as s:
        record_many(s, events(4, "乙"), actor())
        assert record_many(s, [], actor()) == []  # nothing to append touches nothing
        record(s, RecordInspected(agency_id=7, note="单条3"), actor())
    notes = [json.loads(r.payload)["note"] for r in chain_rows(db)[-10:]]
    assert notes == ["单条1", "甲0", "甲1", "甲2", "单条2", "乙0", "乙1", "乙2", "乙3", "单条3"]
    assert_chain_holds(db)


@pytest.mark.req("GD-31")
def test_a_batch_starts_the_chain_of_an_empty_database(empty_db):
    with empty_db.session() as s:
        assert [r.seq for r in record_many(s, events(3), actor())] == [1, 2, 3]
    assert chain_rows(empty_db)[0].prev_hash == GENESIS
    assert_chain_holds(empty_db)


@pytest.mark.req("GD-31")
def test_a_batch_in_a_transaction_that_rolls_back_leaves_nothing(db):
    head_before, rows_before = chain_head(db), chain_rows(db)
    with pytest.raises(Boom), db.session() as s:
        written = record_many(s, events(5, "回滚"), actor())
        assert written[-1].seq == head_before.last_seq + 5  # really appended inside
        raise Boom
    head_after = chain_head(db)
    assert [r.seq for r in chain_rows(db)] == [r.seq for r in rows_before]
    assert (head_after.last_seq, head_after.last_hash) == (head_before.last_seq,
                                                           head_before.last_hash)
    with db.session() as s:
        # The next batch takes the numbers the rolled-back one had.
        assert record_many(s, events(2), actor())[0].seq == head_before.last_seq + 1
    assert_chain_holds(db)
