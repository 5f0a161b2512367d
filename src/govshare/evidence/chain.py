"""The audit chain (GD-31, GZ-26): every state change appended, in the same transaction, to a
table in which each row carries SM3(previous hash ‖ canonical JSON of the row).

Changing, deleting, inserting or reordering rows directly in the database breaks the chain at
the first affected position; `verify` names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import rfc8785
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
    """Lock the head row: every writer queues here, so sequence numbers never fork."""
    head = session.execute(_HEAD_FOR_UPDATE).scalar_one_or_none()
    if head is None:
        _create_head(session)
        head = session.execute(_HEAD_FOR_UPDATE).scalar_one()
    return head


# populate_existing: a session that outlives a commit (expire_on_commit=False) still holds the
# head it read before; without a refresh it would append after a stale sequence number.
_HEAD_FOR_UPDATE = (select(ChainHead).where(ChainHead.id == HEAD_ID).with_for_update()
                    .execution_options(populate_existing=True))


def _create_head(session: Session) -> None:
    """The very first append creates the head. Two first appends may race: the loser's INSERT
    waits for the winner's commit and fails, and the savepoint lets it carry on with that row."""
    try:
        with session.begin_nested():
            session.add(ChainHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS))
    except IntegrityError:
        pass


def record(session: Session, event: Event, actor: Actor) -> AuditEvent:
    """Append `event` by `actor` to the chain; committed (or rolled back) with the change."""
    return record_many(session, [event], actor)[0]


def record_many(session: Session, events: Iterable[Event], actor: Actor) -> list[AuditEvent]:
    """Append `events`, in order, by `actor`: the same rows `record` would write one by one,
    but the head is locked and updated once and the rows go in one batched INSERT."""
    events = list(events)
    if not events:
        return []
    head = _lock_head(session)
    rows, seq, prev_hash = [], head.last_seq, head.last_hash
    for event in events:
        seq += 1
        row = _row(event, actor, seq, prev_hash)
        rows.append(row)
        prev_hash = row.hash
    head.last_seq, head.last_hash = seq, prev_hash
    # Every primary key is known, so the unit of work sends the rows as one executemany.
    session.add_all(rows)
    session.flush()
    return rows


def _row(event: Event, actor: Actor, seq: int, prev_hash: str) -> AuditEvent:
    """One chained row; its own timestamp, as if it had been appended on its own."""
    row = AuditEvent(
        seq=seq,
        recorded_at=now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        agency_id=event.concerned_agency() or actor.agency_id,
        event_type=event.event_type,
        payload=canonical(event.payload()).decode("utf-8"),
        prev_hash=prev_hash,
    )
    row.hash = row_hash(prev_hash, row)
    return row


# What `verify` can tell, in words an auditor reads.
PROBLEMS = {
    "modified": "被篡改",
    "deleted": "被删除",
    "inserted": "被插入",
    "reordered": "顺序被调换",
    "broken": "断链",
}


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int  # rows found intact before the first problem
    # The first position the chain can no longer vouch for: the altered, missing or forged
    # row; for a reorder, the first position holding the wrong row.
    position: int | None = None
    problem: str | None = None  # a key of PROBLEMS
    detail: str = ""

    @property
    def summary(self) -> str:
        """One sentence in Chinese: 完好, or where and how the chain was broken."""
        if self.ok:
            return f"审计链完好：共 {self.checked} 条记录，逐条校验通过。"
        return f"审计链被破坏：第 {self.position} 条{PROBLEMS[self.problem]}。{self.detail}"


def _bad(position: int, problem: str, detail: str) -> ChainReport:
    """Everything before `position` held; that is what `checked` counts."""
    return ChainReport(False, position - 1, position, problem, detail)


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first row that does not hold."""
    expected_seq, prev_hash = 1, GENESIS
    for row in rows_in_sequence(session, batch):
        report = _check(session, row, expected_seq, prev_hash)
        if report is not None:
            return report
        expected_seq, prev_hash = expected_seq + 1, row.hash
    return _check_head(session.get(ChainHead, HEAD_ID), expected_seq - 1, prev_hash)


def rows_in_sequence(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    """All rows in sequence order, a batch at a time, so memory stays flat however long."""
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def _check(session: Session, row: AuditEvent, expected_seq: int,
           prev_hash: str) -> ChainReport | None:
    """The three tests every row must pass, cheapest first."""
    if row.seq != expected_seq:
        return _bad(expected_seq, "deleted",
            f"第 {expected_seq} 至 {row.seq - 1} 条记录缺失。")
    if row_hash(row.prev_hash, row) != row.hash:
        return _bad(row.seq, "modified",
            "该条记录的内容与其哈希不符：内容在平台之外被改动。")
    if row.prev_hash != prev_hash:
        return _diagnose_link(session, row, prev_hash)
    return None


def _diagnose_link(session: Session, row: AuditEvent, prev_hash: str) -> ChainReport:
    """`row` is intact in itself but does not follow the row before it. Ask where its own
    predecessor is, and where the row that should follow `prev_hash` went. This runs once, on
    the failure path only, so the unindexed lookups by hash are acceptable."""
    k = row.seq
    pred = _seq_with(session, AuditEvent.hash, row.prev_hash)
    if pred is not None and pred < k:
        # It links back to an earlier row: whatever stands between was slipped in.
        return _bad(pred + 1, "inserted",
            f"第 {pred + 1} 至 {k - 1} 条记录不属于原链，是后来插入的。")
    rightful = _seq_with(session, AuditEvent.prev_hash, prev_hash, other_than=k)
    if rightful is not None and pred is not None:
        # Both rows belong to the chain, just not here.
        return _bad(k, "reordered",
            f"此位置本应是现第 {rightful} 条记录：记录的顺序被调换。")
    if rightful is not None:
        # Nothing in the chain precedes it, and the rightful row is still there: a forgery.
        return _bad(k, "inserted",
            "该条记录不属于原链，是后来插入的，其后的记录被重新编号。")
    if k == 1:
        return _bad(1, "deleted", "原链开头的记录被删除，其后的记录被重新编号。")
    # No row is missing its place and no predecessor can be found: either the row before was
    # rewritten and re-hashed, or rows between them were deleted and the rest renumbered.
    # The hashes alone cannot tell which, so report the earlier row.
    return _bad(k - 1, "broken",
            f"第 {k - 1} 条与第 {k} 条不再相接：第 {k - 1} 条被改写并重算了哈希，"
            "或两者之间的记录被删除后重新编号。")


def _seq_with(session: Session, column, value: str, other_than: int | None = None) -> int | None:
    if value == GENESIS and column is AuditEvent.hash:
        return 0  # the genesis hash "belongs" to the position before the first row
    stmt = select(AuditEvent.seq).where(column == value).order_by(AuditEvent.seq).limit(1)
    if other_than is not None:
        stmt = stmt.where(AuditEvent.seq != other_than)
    return session.scalar(stmt)


def _check_head(head: ChainHead | None, count: int, last_hash: str) -> ChainReport:
    """The head remembers where the chain ended: it catches rows cut from or added to the end."""
    if head is None:
        if count == 0:
            return ChainReport(True, 0)
        return _bad(count, "deleted",
            "链头记录（evidence_chain_head）缺失，链尾是否完整已无从确认。")
    if head.last_seq > count:
        return _bad(count + 1, "deleted",
            f"链尾缺少第 {count + 1} 至 {head.last_seq} 条记录。")
    if head.last_seq < count:
        return _bad(head.last_seq + 1, "inserted",
            f"第 {head.last_seq + 1} 至 {count} 条记录是在平台之外追加的。")
    if head.last_hash != last_hash:
        return _bad(count, "modified",
            "最后一条记录与链头记下的哈希不符：它被改写并重算了哈希。")
    return ChainReport(True, count)
