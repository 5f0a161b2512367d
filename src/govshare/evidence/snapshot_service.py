"""Data snapshots (GZ-23, GZ-24): when an agency queries a licence or document resource, the
platform keeps — in the same transaction as the answer — the canonical copy of what it returned,
who asked, under which grant, for which duty and case, when, and which record versions (with
their seals) it came from. Stored append-only; later appended to the receipt log by the worker,
whose signed tree head then covers thousands of snapshots with one signature.

Why the worker appends, not the query: `append_leaves` locks the log head until the transaction
commits, so appending inside every query would make queries queue behind each other. A query
writes one row (and its subjects' digests) and locks nothing shared; the worker, once a second,
appends every new snapshot in one `append_leaves`, records each one's leaf index and signs a
tree head (the Certificate Transparency way). The evidence file is available once that head is
signed: until then `snapshot_evidence` answers 409 `tree_head_pending`.

The leaf (RFC 8785, kind `data_snapshot`):

    {"kind", "snapshot_id", "taken_at", "requester": {agency_id, agency_name, actor},
     "grant_id", "purpose": {duty, case_number},
     "query": {kind, resource_code, resource_name, subjects, as_of, query_log_id},
     "returned": <the answer's results as returned>, "records": [{record_id, subject,
     produced_at, valid_from, loaded_at, seal}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from govshare.evidence import evidence_service, log_service, merkle
from govshare.evidence import snapshot_policy as policy
from govshare.evidence.keystore import KeyStore, agency_key_name
from govshare.evidence.log_models import TreeHead
from govshare.evidence.snapshot_models import Snapshot
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict
from govshare.kit.system import system_use
from govshare.kit.types import UtcDateTime

KIND = "data_snapshot"
KINDS = ("query", "verify", "api")
SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles


@dataclass(frozen=True)
class Requester:
    agency_id: int
    agency_name: str
    actor_kind: str  # user, api_client
    actor_id: int | None
    actor: str  # `user:7 钱办事`, as the query log names it


@dataclass(frozen=True)
class SnapshotDraft:
    """What the exchange hands over: the answer as given, and whose it was."""

    kind: str  # query, verify, api
    taken_at: datetime
    requester: Requester
    grant_id: int | None
    duty: str
    case_number: str
    resource_code: str
    resource_name: str
    subjects: tuple[str, ...]  # normalised
    subject_digests: tuple[str, ...]  # SM3, as the query log keeps them
    as_of: datetime | None
    query_log_id: int | None
    returned: Any
    records: list[dict[str, Any]] = field(default_factory=list)


@system_use("pure: the leaf's body of a snapshot; reads and writes nothing")
def leaf_body(snapshot_id: int, d: SnapshotDraft) -> dict[str, Any]:
    """The snapshot as its leaf states it (see the module's docstring)."""
    r = d.requester
    return jsonable({
        "snapshot_id": snapshot_id, "taken_at": d.taken_at,
        "requester": {"agency_id": r.agency_id, "agency_name": r.agency_name, "actor": r.actor},
        "grant_id": d.grant_id, "purpose": {"duty": d.duty, "case_number": d.case_number},
        "query": {"kind": d.kind, "resource_code": d.resource_code, "resource_name": d.resource_name,
                  "subjects": list(d.subjects), "as_of": d.as_of, "query_log_id": d.query_log_id},
        "returned": d.returned, "records": d.records})


@system_use("pure: values made JSON for RFC 8785; reads and writes nothing")
def jsonable(value: Any) -> Any:
    """Times as ISO 8601, tuples as lists, integers beyond 2^53 as text (RFC 8785 numbers are
    doubles: such an integer would not survive the round trip)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INT:
        return str(value)
    return value


_NEXT_ID = {"postgresql": text("SELECT nextval('evidence_snapshot_id_seq')"),
            # SQLite: every writing transaction holds the write lock from BEGIN IMMEDIATE.
            "sqlite": text("SELECT coalesce(max(id), 0) + 1 FROM evidence_snapshot")}
_COLUMNS = ("id", "taken_at", "kind", "agency_id", "actor_kind", "actor_id", "actor", "resource_code",
            "grant_id", "case_number", "query_log_id", "data", "leaf_hash")
_INSERT = ("INSERT INTO evidence_snapshot (" + ", ".join(_COLUMNS) + ") VALUES ("
           + ", ".join(f":{c}" for c in _COLUMNS) + ")")
# PostgreSQL: the snapshot and its subjects' rows in one statement.
_INSERT_PG = text("WITH s AS (" + _INSERT + ") INSERT INTO evidence_snapshot_subject "
                  "(snapshot_id, subject_digest) SELECT :id, d FROM unnest(CAST(:digests AS text[])) AS d"
                  ).bindparams(bindparam("taken_at", type_=UtcDateTime()))
_INSERT_ONE = text(_INSERT).bindparams(bindparam("taken_at", type_=UtcDateTime()))
_INSERT_SUBJECT = text("INSERT INTO evidence_snapshot_subject (snapshot_id, subject_digest) "
                       "VALUES (:snapshot_id, :subject_digest)")


@system_use("called by the exchange inside the query's own transaction, after its policy check")
def take_snapshot(session: Session, draft: SnapshotDraft) -> int:
    """Store the snapshot of an answer (one INSERT, no shared lock); returns its id."""
    if draft.kind not in KINDS:
        raise ValueError(f"a snapshot's kind is one of {KINDS}")
    conn = session.connection()
    dialect = conn.dialect.name
    snapshot_id = conn.execute(_NEXT_ID["postgresql" if dialect == "postgresql" else "sqlite"]).scalar_one()
    data = log_service.leaf_data(KIND, leaf_body(snapshot_id, draft))
    r = draft.requester
    row = {"id": snapshot_id, "taken_at": draft.taken_at, "kind": draft.kind, "agency_id": r.agency_id,
           "actor_kind": r.actor_kind, "actor_id": r.actor_id, "actor": r.actor[:64],
           "resource_code": draft.resource_code, "grant_id": draft.grant_id,
           "case_number": draft.case_number, "query_log_id": draft.query_log_id,
           "data": data.decode("utf-8"), "leaf_hash": merkle.leaf_hash(data)}
    digests = sorted(set(draft.subject_digests))
    if dialect == "postgresql":
        conn.execute(_INSERT_PG, {**row, "digests": digests})
    else:
        conn.execute(_INSERT_ONE, row)
        if digests:
            conn.execute(_INSERT_SUBJECT, [{"snapshot_id": snapshot_id, "subject_digest": d}
                                           for d in digests])
    return snapshot_id


# Only the id and the 32-byte leaf hash, through the partial index of the pending rows: the
# ~1.2 KB of data a snapshot holds were hashed when it was taken and are not read again here.
_PENDING = (select(Snapshot.id, Snapshot.leaf_hash).where(Snapshot.leaf_index.is_(None))
            .order_by(Snapshot.id))
# Every leaf index in one statement (the trigger still checks each row is set once, nothing else).
# `leaf_index IS NULL` lets the planner join through the pending rows' partial index; without it,
# it hashes the whole table, read in full every second once it holds millions of snapshots.
_SET_PG = text("UPDATE evidence_snapshot s SET leaf_index = :first + v.n - 1 "
               "FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS v(id, n) "
               "WHERE s.id = v.id AND s.leaf_index IS NULL"
               ).bindparams(bindparam("ids", type_=ARRAY(Integer)))
_SET_ONE = (update(Snapshot).where(Snapshot.id == bindparam("sid"), Snapshot.leaf_index.is_(None))
            .values(leaf_index=bindparam("leaf")))


@system_use("the worker appends the snapshots that queries stored to the receipt log")
def append_pending(session: Session, limit: int = 50_000) -> int:
    """Append up to `limit` snapshots not yet in the log, oldest first, in one append, and record
    each one's leaf index; returns how many. Chosen under the log head's lock, so two workers
    never append the same snapshot twice."""
    log_service.hold_log_head(session)
    rows = session.connection().execute(_PENDING.limit(limit)).all()  # Core: plain rows, no ORM
    if not rows:
        return 0
    first = log_service.append_leaf_hashes(session, [bytes(r.leaf_hash) for r in rows], kind=KIND)[0]
    _set_leaf_indexes(session, [r.id for r in rows], first)
    return len(rows)


def _set_leaf_indexes(session: Session, snapshot_ids: list[int], first: int) -> None:
    """Record leaf `first + i` for the i-th of `snapshot_ids`: one statement on PostgreSQL, one
    executemany on SQLite. Only empty leaf indexes are set (the database refuses any other
    change); should one of them not be empty, nothing of this append stands."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        done = conn.execute(_SET_PG, {"first": first, "ids": snapshot_ids}).rowcount
    else:
        done = conn.execute(_SET_ONE, [{"sid": sid, "leaf": first + i}
                                       for i, sid in enumerate(snapshot_ids)]).rowcount
    if done != len(snapshot_ids):
        raise Conflict(f"{len(snapshot_ids) - done} 份数据快照已写入收据日志或不存在，本次写入作废。",
                       field="snapshot_id", rule="snapshot_appended_once")


@dataclass(frozen=True)
class SnapshotView:
    row: Snapshot
    body: dict[str, Any]
    head: TreeHead | None  # the first signed tree head covering it; None: not yet

    @property
    def covered(self) -> bool:
        return self.head is not None


def read_snapshot(session: Session, actor: Actor, snapshot_id: int) -> SnapshotView:
    """A snapshot with its proof status, for the requesting agency and oversight (404 otherwise)."""
    row = session.get(Snapshot, snapshot_id)
    policy.can_read_snapshot(actor, snapshot_id, row.agency_id if row else None)
    head = None
    if row.leaf_index is not None:
        head = session.scalar(select(TreeHead).where(TreeHead.tree_size > row.leaf_index)
                              .order_by(TreeHead.tree_size, TreeHead.id).limit(1))
    return SnapshotView(row, json.loads(row.data), head)


def snapshot_evidence(session: Session, actor: Actor, keys: KeyStore, snapshot_id: int) -> dict:
    """The snapshot's self-contained evidence file (`govshare verify FILE`), with the seal keys
    of the agencies whose seals it carries; 409 `tree_head_pending` until a signed head covers it."""
    view = read_snapshot(session, actor, snapshot_id)
    policy.can_read_snapshot(actor, snapshot_id, view.row.agency_id)
    if view.row.leaf_index is None:
        raise Conflict(f"数据快照 {snapshot_id} 尚未写入收据日志：树头每秒签发，请稍后再取。",
                       field="snapshot_id", rule="tree_head_pending")
    return evidence_service.evidence_for_leaf(session, keys, view.row.leaf_index,
                                              view.row.data.encode("utf-8"),
                                              extra_keys=seal_keys(keys, view.body))


@system_use("public keys are public: the seal keys of the agencies whose seals a snapshot carries")
def seal_keys(keys: KeyStore, body: dict[str, Any]) -> list[dict]:
    """Every published version of the seal key of each agency whose seal appears in `body`."""
    agencies = sorted({r["seal"]["agency_id"] for r in body.get("records") or []
                       if isinstance(r.get("seal"), dict) and "agency_id" in r["seal"]})
    names = set(keys.names())
    return [k.to_dict() for a in agencies if agency_key_name(a) in names
            for k in keys.public_keys(agency_key_name(a))]
