"""The receipt log's Merkle tree, kept in memory once per process and database.

Proofs and tree heads need every complete subtree's hash; recomputing them from the stored leaf
hashes takes seconds at a million leaves, so each process builds the tree once and afterwards
only reads the leaves appended since (one indexed range read). The cache never trusts itself
blindly: each use re-reads the last leaf it holds and rebuilds when the database disagrees (a
restored backup, a recreated database), and a transaction that appended leaves and then rolled
back cuts them off again. Cutting is always safe: the cache then reads the leaves again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from govshare.evidence.log_models import LogHead, LogLeaf
from govshare.evidence.merkle import MerkleTree
from govshare.kit.errors import Conflict

HEAD_ID = 1
_UNCOMMITTED = "govshare.evidence.log_uncommitted_from"  # session.info: first leaf this txn added
_HOOKED = "govshare.evidence.log_hooked"


class LogDamaged(Conflict):
    """The stored leaves are not a gapless sequence: rows were deleted or renumbered."""

    code = "evidence_log_damaged"


@dataclass
class _Entry:
    tree: MerkleTree | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    rebuilds: int = 0


_entries: dict[str, _Entry] = {}
_entries_lock = threading.Lock()


def _entry(session: Session) -> _Entry:
    key = session.get_bind().url.render_as_string(hide_password=True)
    with _entries_lock:
        return _entries.setdefault(key, _Entry())


def log_size(session: Session) -> int:
    """The size the log head records (the session's own uncommitted appends included)."""
    return session.scalar(select(LogHead.size).where(LogHead.id == HEAD_ID)) or 0


@contextmanager
def use(session: Session) -> Iterator[MerkleTree]:
    """The tree, brought up to the log's size as this session sees it, held for the block."""
    entry = _entry(session)
    # Begin the transaction before taking the lock: on SQLite a writing session's BEGIN IMMEDIATE
    # may wait for another writer, and that writer may be waiting for this lock.
    session.connection()
    with entry.lock:
        size = log_size(session)
        if entry.tree is None or not _catch_up(session, entry.tree, size):
            entry.tree = rebuild(session, size)
            entry.rebuilds += 1
        _watch_rollback(session, entry)
        yield entry.tree


def rebuilds(session: Session) -> int:
    """How often this process rebuilt the tree of this database (for tests and benchmarks)."""
    return _entry(session).rebuilds


def forget(session: Session) -> None:
    """Drop the cached tree: the next use rebuilds it from the stored leaves."""
    replace(session, None)


def replace(session: Session, tree: MerkleTree | None) -> None:
    """Put a freshly rebuilt tree in the cache (or none)."""
    entry = _entry(session)
    with entry.lock:
        entry.tree = tree


def rebuild(session: Session, size: int) -> MerkleTree:
    """The tree of the first `size` stored leaves, checked to be gapless."""
    stmt = select(LogLeaf.leaf_hash).where(LogLeaf.leaf_index < size).order_by(LogLeaf.leaf_index)
    blob = b"".join(session.scalars(stmt))
    stored = session.scalar(select(func.count()).where(LogLeaf.leaf_index < size))
    if len(blob) != 32 * size or stored != size:
        raise LogDamaged(f"收据日志应有 {size} 条记录，数据库中只找到 {len(blob) // 32} 条完整的记录："
                         "记录被删除或改动，请运行 govshare audit verify。",
                         field="leaf_index", rule="log_gapless")
    return MerkleTree.from_leaf_hashes(blob)


def _catch_up(session: Session, tree: MerkleTree, size: int) -> bool:
    """Append the leaves stored since; False when the cached tree no longer matches the database.
    A smaller size is another transaction's view while one that appended has not committed yet
    (the appender holds the log head, so nobody else has appended): the prefix stays valid."""
    if size < tree.size:
        tree.truncate(size)
    start = max(tree.size - 1, 0)
    rows = session.execute(select(LogLeaf.leaf_index, LogLeaf.leaf_hash)
                           .where(LogLeaf.leaf_index >= start, LogLeaf.leaf_index < size)
                           .order_by(LogLeaf.leaf_index)).all()
    if tree.size:
        if not rows or tuple(rows[0]) != (start, tree.leaf_hash(start)):
            return False
        rows = rows[1:]
    expected = tree.size
    for index, leaf_hash in rows:
        if index != expected:
            return False
        tree.append_leaf_hash(leaf_hash)
        expected += 1
    return expected == size


def appended(session: Session, first_index: int) -> None:
    """`append_leaves` tells the cache that this transaction added leaves from `first_index`."""
    current = session.info.get(_UNCOMMITTED)
    session.info[_UNCOMMITTED] = first_index if current is None else min(current, first_index)


def _watch_rollback(session: Session, entry: _Entry) -> None:
    """If this transaction's own uncommitted leaves went into the cache, cut them off should it
    roll back; once it commits they are the log's."""
    if _UNCOMMITTED not in session.info or session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True

    def committed(sess: Session) -> None:
        sess.info.pop(_UNCOMMITTED, None)

    def rolled_back(sess: Session) -> None:
        first = sess.info.pop(_UNCOMMITTED, None)
        if first is None:
            return
        with entry.lock:
            if entry.tree is not None and entry.tree.size > first:
                entry.tree.truncate(first)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)
