"""The audit chain (GD-31, GZ-26): every state change appended, in the same transaction, to a
table in which each row carries SM3(previous hash ‖ canonical JSON of the row).

Changing, deleting, inserting or reordering rows directly in the database breaks the chain at
the first affected position; `verify` names it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.evidence.events import Event
from govshare.evidence.models import AuditEvent, ChainHead
from govshare.kit.actor import Actor
from govshare.kit.clock import now

GENESIS = "0" * 64
HEAD_ID = 1


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def canonical(obj) -> bytes:
    """RFC 8785 JSON canonical form: the same bytes on every machine and in every language."""
    return rfc8785.dumps(obj)


def row_body(row: AuditEvent) -> dict:
    """What the hash covers. The sequence number is left out on purpose: the links between rows
    already fix the order, and keeping it out lets `verify` tell a reorder from an edit."""
    return {
        "recorded_at": row.recorded_at.isoformat(),
        "actor": {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name},
        "agency_id": row.agency_id,
        "event_type": row.event_type,
        "payload": row.payload,
    }


def row_hash(prev_hash: str, row: AuditEvent) -> str:
    return sm3(prev_hash.encode("ascii") + canonical(row_body(row)))


def _lock_head(session: Session) -> ChainHead:
    head = session.execute(
        select(ChainHead).where(ChainHead.id == HEAD_ID).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = ChainHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS)
        session.add(head)
    return head


def record(session: Session, event: Event, actor: Actor) -> AuditEvent:
    """Append `event` by `actor` to the chain; committed (or rolled back) with the change."""
    head = _lock_head(session)
    row = AuditEvent(
        seq=head.last_seq + 1,
        recorded_at=now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        agency_id=event.concerned_agency() or actor.agency_id,
        event_type=event.event_type,
        payload=canonical(event.payload()).decode("utf-8"),
        prev_hash=head.last_hash,
    )
    row.hash = row_hash(row.prev_hash, row)
    head.last_seq, head.last_hash = row.seq, row.hash
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    position: int | None = None  # the first bad sequence position
    problem: str | None = None  # modified, deleted, inserted, reordered, truncated
    detail: str = ""


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first row that does not hold."""
    walker = _ChainWalker()
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        for row in rows:
            report = walker.step(row)
            if report is not None:
                return report
        if len(rows) < batch:
            break
        last = rows[-1].seq
    head = session.get(ChainHead, HEAD_ID)
    return walker.finish(head)


class _ChainWalker:
    def __init__(self):
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.prev_prev_hash: str | None = None
        self.seen_hashes: set[str] = {GENESIS}
        self.count = 0

    def step(self, row: AuditEvent) -> ChainReport | None:
        problem = self._diagnose(row)
        if problem:
            return ChainReport(False, self.count, row.seq, *problem)
        self.prev_prev_hash, self.prev_hash = self.prev_hash, row.hash
        self.seen_hashes.add(row.hash)
        self.expected_seq += 1
        self.count += 1
        return None

    def _diagnose(self, row: AuditEvent) -> tuple[str, str] | None:
        if row.seq > self.expected_seq:
            return ("deleted", f"第 {self.expected_seq} 至 {row.seq - 1} 条记录缺失（被删除）")
        if row_hash(row.prev_hash, row) != row.hash:
            return ("modified", f"第 {row.seq} 条记录的内容与其哈希不符（被篡改）")
        if row.prev_hash == self.prev_hash:
            return None
        if row.prev_hash == self.prev_prev_hash:
            return ("inserted", f"第 {row.seq - 1} 条记录是插入的，不属于原链")
        if row.prev_hash in self.seen_hashes:
            return ("inserted", f"第 {row.seq} 条记录的前序哈希指向更早的记录（被插入）")
        return ("reordered",
                f"第 {row.seq} 条记录与前一条不相接：记录被调换顺序，或其前的记录被删除")

    def finish(self, head: ChainHead | None) -> ChainReport:
        head_seq = head.last_seq if head else 0
        head_hash = head.last_hash if head else GENESIS
        if head_seq != self.count or head_hash != self.prev_hash:
            if head_seq > self.count:
                return ChainReport(False, self.count, self.count + 1, "deleted",
                                   f"链尾缺少第 {self.count + 1} 至 {head_seq} 条记录（被删除）")
            return ChainReport(False, self.count, head_seq + 1 if head_seq < self.count else
                               self.count, "inserted", "链尾与链头记录不符：有记录在平台之外被追加")
        return ChainReport(True, self.count)
