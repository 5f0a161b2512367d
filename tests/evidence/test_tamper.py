"""An attacker with the database's own rights switches off the append-only trigger and edits the
audit chain directly. Each edit must be named — first bad position and kind — by chain.verify,
by `govshare audit verify` (exit 1) and by GET /api/v1/audit/verify (GZ-26, GD-31)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from tests.evidence.conftest import Attacker, chain_rows, independent_hash

runner = CliRunner()
K = 5  # the "middle" row the attacker goes for


def _forged(prev: AuditEvent, seq: int) -> AuditEvent:
    """A row any reader of the source could make: well-formed, correctly hashed, and linked to
    the row before it. Only the rows after it (or the head) can give it away."""
    row = AuditEvent(seq=seq, recorded_at=prev.recorded_at, actor_kind="user", actor_id=1,
                     actor_name="林卫东", agency_id=prev.agency_id,
                     event_type="ResponsiblePersonAppointed",
                     payload='{"agency_id":1,"name":"冒名顶替","phone":"","position":""}',
                     prev_hash=prev.hash)
    row.hash = independent_hash(prev.hash, row)
    return row


def alter_payload(db, rows):
    Attacker(db).sql("UPDATE evidence_audit_event SET payload = :p WHERE seq = :k",
                     p='{"note":"改过了"}', k=K)
    return K, "modified"


def delete_middle_row(db, rows):
    Attacker(db).sql("DELETE FROM evidence_audit_event WHERE seq = :k", k=K)
    return K, "deleted"


def delete_last_row(db, rows):
    # The rows left are a perfect chain; only the head still remembers the last one.
    Attacker(db).sql("DELETE FROM evidence_audit_event WHERE seq = :n", n=len(rows))
    return len(rows), "deleted"


def insert_forged_row_and_renumber(db, rows):
    attacker = Attacker(db)
    attacker.shift_from(K, by=1)
    with db.session() as s:
        s.add(_forged(rows[K - 2], K))
    # A careful attacker also moves the head on, so that the count at the end adds up.
    attacker.sql("UPDATE evidence_chain_head SET last_seq = last_seq + 1")
    return K, "inserted"


def swap_two_rows(db, rows):
    attacker = Attacker(db)
    attacker.set_seq(K, -1)
    attacker.set_seq(K + 1, K)
    attacker.set_seq(-1, K + 1)
    return K, "reordered"


def rewrite_and_rehash_a_row(db, rows):
    """The attacker recomputes the edited row's own hash: the next row's link still tells."""
    attacker = Attacker(db)
    changed = rows[K - 1]
    changed.payload = '{"note":"改过了，哈希也重算了"}'
    attacker.sql("UPDATE evidence_audit_event SET payload = :p, hash = :h WHERE seq = :k",
                 p=changed.payload, h=independent_hash(changed.prev_hash, changed), k=K)
    return K, "broken"


def append_forged_row(db, rows):
    """Appended after the last row without touching the head."""
    Attacker(db)
    with db.session() as s:
        s.add(_forged(rows[-1], len(rows) + 1))
    return len(rows) + 1, "inserted"


def empty_the_table(db, rows):
    """TRUNCATE fires no row trigger on PostgreSQL; SQLite has only DELETE without WHERE."""
    statement = "TRUNCATE evidence_audit_event" if db.engine_name == "postgresql" else \
        "DELETE FROM evidence_audit_event"
    Attacker(db).sql(statement)
    return 1, "deleted"


TAMPERING = [alter_payload, delete_middle_row, delete_last_row, insert_forged_row_and_renumber,
             swap_two_rows, rewrite_and_rehash_a_row, append_forged_row, empty_the_table]


def _cli_verify(db, tmp_path):
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path)}
    return runner.invoke(app, ["audit", "verify"], env=env)


@pytest.mark.req("GZ-26", "GD-31")
def test_an_untouched_chain_verifies_everywhere(db, signed_in, tmp_path):
    auditor = signed_in("auditor")
    n = len(chain_rows(db))
    with db.session() as s:
        assert chain.verify(s) == chain.ChainReport(True, n)

    result = _cli_verify(db, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"审计链完好：共 {n} 条记录" in result.output

    r = auditor.get("/api/v1/audit/verify")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "checked": n, "position": None, "problem": None, "detail": ""}


@pytest.mark.req("GZ-26", "GD-31")
@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda f: f.__name__)
def test_tampering_is_reported_at_its_first_bad_position(db, signed_in, tmp_path, tamper):
    auditor = signed_in("auditor")  # before the attack: signing in must not depend on it
    rows = chain_rows(db)
    assert len(rows) > K + 2

    position, problem = tamper(db, rows)

    with db.session() as s:
        report = chain.verify(s)
    assert (report.ok, report.position, report.problem) == (False, position, problem), report
    assert report.checked == position - 1

    result = _cli_verify(db, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"第 {position} 条{chain.PROBLEMS[problem]}" in result.output

    r = auditor.get("/api/v1/audit/verify")
    assert r.status_code == 200
    body = r.json()
    assert (body["ok"], body["position"], body["problem"]) == (False, position, problem)


@pytest.mark.req("GD-31")
def test_verifying_is_for_overseers_only(db, signed_in):
    assert signed_in("supervisor").get("/api/v1/audit/verify").json()["ok"] is True
    r = signed_in("police_admin").get("/api/v1/audit/verify")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
