"""Helpers for the audit-chain tests: an attacker with database rights, and an independent
re-computation of the chain's hashes (not using govshare.evidence.chain)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import rfc8785
from sqlalchemy import select, text

from govshare.evidence.events import Event
from govshare.evidence.models import AuditEvent, ChainHead
from govshare.kit.actor import Actor, Role

GENESIS = "0" * 64


@dataclass(frozen=True)
class RecordInspected(Event):
    """A stand-in for any state change, so the tests need no other domain."""

    agency_id: int
    note: str


def actor(name: str = "测试审计员", agency_id: int | None = 7) -> Actor:
    return Actor(kind="user", id=42, name=name, agency_id=agency_id, agency_level="city",
                 division_code="440100", roles=frozenset({Role.AUDITOR}))


def independent_hash(prev_hash: str, row: AuditEvent) -> str:
    """SM3(previous hash ‖ RFC 8785 body), written out again from the specification."""
    body = {"recorded_at": row.recorded_at.isoformat(),
            "actor": {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name},
            "agency_id": row.agency_id, "event_type": row.event_type, "payload": row.payload}
    return hashlib.new("sm3", prev_hash.encode("ascii") + rfc8785.dumps(body)).hexdigest()


def chain_rows(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def chain_head(db) -> ChainHead | None:
    with db.session() as s:
        return s.get(ChainHead, 1)


class Attacker:
    """Someone with the database owner's rights: switches the append-only trigger off first,
    then edits the table directly with SQL, as a DBA at a psql or sqlite3 prompt would."""

    def __init__(self, db):
        self.db = db
        with db.engine.begin() as conn:
            if db.engine_name == "postgresql":
                conn.execute(text("ALTER TABLE evidence_audit_event DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER evidence_audit_event_no_update"))
                conn.execute(text("DROP TRIGGER evidence_audit_event_no_delete"))

    def sql(self, *statements: str, **params) -> None:
        with self.db.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement), params)

    def set_seq(self, old: int, new: int) -> None:
        self.sql("UPDATE evidence_audit_event SET seq = :new WHERE seq = :old", old=old, new=new)

    def shift_from(self, first: int, by: int) -> None:
        """Renumber rows `first`… by `by`, through a parking range: PostgreSQL checks the
        primary key row by row, so a direct `seq = seq + 1` would collide with itself."""
        self.sql("UPDATE evidence_audit_event SET seq = seq + 1000000 WHERE seq >= :first",
                 "UPDATE evidence_audit_event SET seq = seq - 1000000 + :by WHERE seq >= 1000000",
                 first=first, by=by)

