"""The snapshot worker's append (GZ-23, GZ-24): each snapshot's RFC 9162 leaf hash is computed
when it is taken and kept in its row; the worker appends those hashes to the receipt log without
reading the data again, and sets every leaf index of the batch in one statement — all of them, in
id order, each exactly once (the database refuses a second setting). Two workers at once, or a
second round, append nothing twice. A stored hash that does not match the data is no shortcut:
the snapshot's evidence file is refused and its data does not prove against the signed head.
Both engines."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from govshare.evidence import log_service, merkle, snapshot_service
from govshare.evidence.keystore import KeyStore
from govshare.evidence.log_models import LogLeaf
from govshare.evidence.snapshot_models import Snapshot
from govshare.evidence.snapshot_service import KIND, Requester, SnapshotDraft
from govshare.kit.clock import now
from govshare.kit.errors import Conflict
from tests.evidence.conftest import actor


@pytest.fixture
def db(empty_db):
    """A migrated database without the demo city: the log starts empty."""
    return empty_db


def draft(i: int) -> SnapshotDraft:
    code = f"91440101MA{i:07d}X"
    at = now() + timedelta(microseconds=i)
    returned = [{"subject": code, "found": True, "data": {"企业名称": f"广州市第{i}号贸易有限公司",
                                                          "登记状态": "存续"}}]
    return SnapshotDraft(
        kind="query", taken_at=at, requester=Requester(7, "广州市民政局", "user", 42, "user:42 钱办事"),
        grant_id=3, duty="办理婚姻登记时核验当事人户籍", case_number=f"HY-2026-{i:06d}",
        resource_code="440100-SJ-0002", resource_name="营业执照信息", subjects=(code,),
        subject_digests=(f"{i:064x}",), as_of=None, query_log_id=None, returned=returned,
        records=[{"record_id": None, "subject": code, "produced_at": None, "valid_from": None,
                  "loaded_at": None, "seal": None}])


def take(db, first: int, count: int) -> list[int]:
    with db.session() as s:
        return [snapshot_service.take_snapshot(s, draft(i)) for i in range(first, first + count)]


def append(db) -> int:
    with db.session() as s:
        return snapshot_service.append_pending(s)


def rows(db) -> list[Snapshot]:
    with db.session() as s:
        return list(s.scalars(select(Snapshot).order_by(Snapshot.id)))


def snapshot_leaves(db) -> dict[int, bytes]:
    with db.session() as s:
        return {i: bytes(h) for i, h in s.execute(select(LogLeaf.leaf_index, LogLeaf.leaf_hash)
                                                  .where(LogLeaf.kind == KIND))}


@pytest.mark.req("GZ-23")
def test_a_snapshot_keeps_its_rfc9162_leaf_hash_from_the_moment_it_is_taken(db):
    [snapshot_id] = take(db, 0, 1)
    [row] = rows(db)
    assert row.id == snapshot_id and row.leaf_index is None
    # SM3(0x00 || data), written out again from RFC 9162 rather than through merkle.leaf_hash.
    assert bytes(row.leaf_hash) == hashlib.new("sm3", b"\x00" + row.data.encode("utf-8")).digest()


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_the_worker_sets_every_leaf_index_of_a_batch_in_id_order_exactly_once(db):
    with db.session() as s:  # leaves before the snapshots: the batch does not start at 0
        log_service.append_leaves(s, [b'{"kind":"other"}'] * 3, kind="other")
    take(db, 0, 7)
    assert append(db) == 7
    stored = rows(db)
    assert [r.leaf_index for r in stored] == list(range(3, 10))  # consecutive, in id order
    leaves = snapshot_leaves(db)
    assert leaves == {r.leaf_index: bytes(r.leaf_hash) for r in stored}
    assert all(leaves[r.leaf_index] == merkle.leaf_hash(r.data.encode()) for r in stored)
    assert append(db) == 0 and len(snapshot_leaves(db)) == 7  # a second round: nothing twice
    take(db, 7, 2)
    assert append(db) == 2
    assert [r.leaf_index for r in rows(db)] == list(range(3, 12))
    # Set once, never again: the worker's statement refuses (and its whole append with it)…
    with pytest.raises(Conflict) as twice, db.session() as s:
        snapshot_service._set_leaf_indexes(s, [stored[1].id, stored[0].id], 100)
    assert twice.value.rule == "snapshot_appended_once"
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:  # …and the database
        conn.execute(text("UPDATE evidence_snapshot SET leaf_index = 100 WHERE id = :id"),
                     {"id": stored[0].id})
    assert [r.leaf_index for r in rows(db)] == list(range(3, 12))


@pytest.mark.req("GZ-23")
def test_two_workers_at_once_append_each_snapshot_once(db):
    take(db, 0, 40)
    barrier, counts, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            counts.append(append(db))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(counts) == [0, 40]  # the second waited on the log head, found none
    leaves = snapshot_leaves(db)
    assert sorted(leaves) == list(range(40)) and len(set(leaves.values())) == 40
    assert [r.leaf_index for r in rows(db)] == list(range(40))


@pytest.mark.req("GZ-24")
def test_a_wrong_stored_leaf_hash_gets_no_evidence_file_and_proves_nothing(db, tmp_path, monkeypatch):
    take(db, 0, 2)
    # The third snapshot's row is written with a hash that is not its data's (a bug, or a forger).
    with monkeypatch.context() as m:
        m.setattr(merkle, "leaf_hash", lambda data: b"\x5a" * 32)
        [bad] = take(db, 2, 1)
    keys = KeyStore(tmp_path / "keys", passphrase="广州政务-共享平台-2026", kdf_rounds=1000)
    keys.create("platform")
    with db.session() as s:
        snapshot_service.append_pending(s)
        head = log_service.issue_tree_head(s, keys.signer("platform"))
    with db.session() as s:
        row = s.get(Snapshot, bad)
        with pytest.raises(Conflict) as refused:
            snapshot_service.snapshot_evidence(s, actor(), keys, bad)
        proof = log_service.inclusion_proof(s, row.leaf_index, head.tree_size)
        good = s.get(Snapshot, bad - 1)
        good_proof = log_service.inclusion_proof(s, good.leaf_index, head.tree_size)
    assert refused.value.rule == "leaf_matches_data"
    root = bytes(head.root_hash)
    def proves(data: str, index: int, path: list[bytes]) -> bool:
        return merkle.verify_inclusion(merkle.leaf_hash(data.encode()), index, head.tree_size, path, root)

    assert not proves(row.data, row.leaf_index, proof)  # what the row holds is not what was logged
    assert proves(good.data, good.leaf_index, good_proof)


@pytest.mark.req("GZ-23")
def test_append_leaf_hashes_takes_only_32_byte_hashes(db):
    with pytest.raises(ValueError), db.session() as s:
        log_service.append_leaf_hashes(s, [b"\x00" * 31], kind=KIND)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LogLeaf)) == 0
