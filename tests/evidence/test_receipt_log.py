"""The receipt log persisted (GZ-23, GZ-24, GZ-26): leaves in an append-only table, signed tree
heads that commit to the audit chain, inclusion and consistency proofs from a per-process tree
that is rebuilt from the stored leaf hashes and never trusted blindly. Both engines."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import select, text

from govshare.evidence import log_service, merkle, record, signing, tree_cache
from govshare.evidence.log_models import LogLeaf, TreeHead
from govshare.evidence.log_service import CHECKPOINT, append_leaves, issue_tree_head, leaf_data
from govshare.evidence.models import ChainHead
from tests.evidence.conftest import RecordInspected, actor


@pytest.fixture(scope="module")
def signer():
    return signing.generate(signing.SM2_SM3)


def snapshots(n: int, start: int = 0) -> list[bytes]:
    return [leaf_data("snapshot", {"n": i, "出生医学证明": f"编号{i:06d}"}) for i in range(start, start + n)]


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


class Attacker:
    """Database-owner rights: the append-only triggers switched off, then plain SQL."""

    def __init__(self, db):
        self.db = db
        with db.engine.begin() as conn:
            for table in ("evidence_log_leaf", "evidence_tree_head"):
                if db.engine_name == "postgresql":
                    conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                else:
                    conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                    conn.execute(text(f"DROP TRIGGER {table}_no_delete"))

    def sql(self, statement: str, **params) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text(statement), params)


def stored_leaves(db) -> list[LogLeaf]:
    with db.session() as s:
        return list(s.scalars(select(LogLeaf).order_by(LogLeaf.leaf_index)))


@pytest.mark.req("GZ-23")
def test_leaves_get_consecutive_indexes_and_their_rfc9162_sm3_hash(db):
    with db.session() as s:
        assert append_leaves(s, snapshots(3), kind="snapshot") == [0, 1, 2]
    with db.session() as s:
        assert append_leaves(s, snapshots(2, 3), kind="snapshot") == [3, 4]
        assert append_leaves(s, [], kind="snapshot") == []
    rows = stored_leaves(db)
    assert [r.leaf_index for r in rows] == [0, 1, 2, 3, 4]
    for row, data in zip(rows, snapshots(5), strict=True):
        assert bytes(row.leaf_hash) == sm3(b"\x00" + data)
        assert (row.kind, row.data) == ("snapshot", None)  # a snapshot keeps its own bytes
    assert json.loads(snapshots(1)[0]) == {"kind": "snapshot", "n": 0, "出生医学证明": "编号000000"}


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-26")
def test_a_tree_head_signs_the_leaves_and_a_checkpoint_of_the_audit_chain(db, signer):
    data = snapshots(10)
    with db.session() as s:
        append_leaves(s, data, kind="snapshot")
        head = issue_tree_head(s, signer)
        chain_head = s.get(ChainHead, 1)
        expected_checkpoint = leaf_data(CHECKPOINT, {"seq": chain_head.last_seq,
                                                     "hash": chain_head.last_hash})
    assert head.tree_size == 11  # the ten snapshots and the checkpoint
    checkpoint = stored_leaves(db)[10]
    assert (checkpoint.kind, checkpoint.data.encode()) == (CHECKPOINT, expected_checkpoint)
    # The root, recomputed from the data alone, and the signature over the documented bytes.
    independent = merkle.MerkleTree()
    independent.extend(data + [expected_checkpoint])
    assert head.root_hash == independent.root()
    signed = json.dumps({"root_hash": independent.root().hex(), "timestamp": head.timestamp,
                         "tree_size": 11}, separators=(",", ":")).encode()
    assert signer.verifier.verify(signed, head.signature)
    assert (head.key_id, head.algorithm) == (signer.key_id, "SM2-SM3")


@pytest.mark.req("GZ-26")
def test_a_new_head_only_when_something_was_added_and_a_checkpoint_only_when_the_chain_grew(db, signer):
    with db.session() as s:
        first = issue_tree_head(s, signer)
    with db.session() as s:
        assert issue_tree_head(s, signer) is None  # nothing new
        again = issue_tree_head(s, signer, force=True)  # a fresh timestamp over the same tree
        assert (again.tree_size, again.root_hash) == (first.tree_size, first.root_hash)
        assert again.timestamp >= first.timestamp
    with db.session() as s:
        append_leaves(s, snapshots(2), kind="snapshot")
        assert issue_tree_head(s, signer).tree_size == first.tree_size + 2  # no new checkpoint
    with db.session() as s:
        record(s, RecordInspected(agency_id=7, note="新的状态变更"), actor())
        seq = s.get(ChainHead, 1).last_seq
        assert issue_tree_head(s, signer).tree_size == first.tree_size + 3
    checkpoints = [json.loads(r.data) for r in stored_leaves(db) if r.kind == CHECKPOINT]
    assert [c["seq"] for c in checkpoints] == [seq - 1, seq]


@pytest.mark.req("GZ-24")
def test_every_inclusion_proof_and_the_consistency_proof_verify_against_signed_heads(db, signer):
    with db.session() as s:
        append_leaves(s, snapshots(37), kind="snapshot")
        old = issue_tree_head(s, signer)
    with db.session() as s:
        append_leaves(s, snapshots(29, 37), kind="snapshot")
        new = issue_tree_head(s, signer)
    hashes = [bytes(r.leaf_hash) for r in stored_leaves(db)]
    with db.session() as s:
        for head in (old, new):
            for index in range(head.tree_size):
                proof = log_service.inclusion_proof(s, index, head.tree_size)
                assert merkle.verify_inclusion(hashes[index], index, head.tree_size, proof, head.root_hash)
        assert log_service.inclusion_proofs(s, [0, 36, 40], new.tree_size) == [
            log_service.inclusion_proof(s, i, new.tree_size) for i in (0, 36, 40)]
        proof = log_service.consistency_proof(s, old.tree_size, new.tree_size)
        assert merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
        assert not merkle.verify_consistency(old.tree_size, new.tree_size, new.root_hash, new.root_hash,
                                             proof)
        assert log_service.covering_tree_head(s, 36).id == old.id
        assert log_service.covering_tree_head(s, 38).id == new.id
        with pytest.raises(Exception, match="超出"):
            log_service.inclusion_proof(s, 0, new.tree_size + 1)


@pytest.mark.req("GZ-26")
def test_leaves_appended_and_cached_by_a_transaction_that_rolls_back_leave_the_cache(db, signer):
    with db.session() as s:
        append_leaves(s, snapshots(5), kind="snapshot")
        issue_tree_head(s, signer)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.session() as s:
        append_leaves(s, snapshots(4, 100), kind="snapshot")
        issue_tree_head(s, signer)  # the cached tree now holds the uncommitted leaves
        raise Boom
    with db.session() as s:  # other leaves take the same indexes
        before = tree_cache.rebuilds(s)
        append_leaves(s, snapshots(4, 200), kind="snapshot")
        head = issue_tree_head(s, signer)
    expected = merkle.MerkleTree()
    expected.extend(snapshots(5))
    expected.append_leaf_hash(bytes(stored_leaves(db)[5].leaf_hash))  # the first checkpoint
    expected.extend(snapshots(4, 200))
    assert head.root_hash == expected.root()
    with db.session() as s:
        proof = log_service.inclusion_proof(s, 7, head.tree_size)
        assert tree_cache.rebuilds(s) == before  # the cut cache was caught up, not rebuilt
    assert merkle.verify_inclusion(merkle.leaf_hash(snapshots(4, 200)[1]), 7, head.tree_size, proof,
                                   head.root_hash)


@pytest.mark.req("GZ-26")
def test_a_cache_that_no_longer_matches_the_database_is_rebuilt(db, signer):
    with db.session() as s:
        append_leaves(s, snapshots(6), kind="snapshot")
        issue_tree_head(s, signer)
        tree_cache.forget(s)
        with tree_cache.use(s) as tree:
            tree.truncate(3)
            tree.append(b"not what the database holds")  # as if the database was restored
        before = tree_cache.rebuilds(s)
        head = log_service.latest_tree_head(s)
        proof = log_service.inclusion_proof(s, 4, head.tree_size)
        assert tree_cache.rebuilds(s) == before + 1
    assert merkle.verify_inclusion(merkle.leaf_hash(snapshots(6)[4]), 4, head.tree_size, proof,
                                   head.root_hash)


@pytest.mark.req("GZ-26")
@pytest.mark.parametrize("statement", ["UPDATE evidence_log_leaf SET kind = 'x'",
                                       "DELETE FROM evidence_log_leaf",
                                       "UPDATE evidence_tree_head SET tree_size = 0",
                                       "DELETE FROM evidence_tree_head"])
def test_the_database_refuses_to_change_leaves_and_tree_heads(db, signer, statement):
    with db.session() as s:
        append_leaves(s, snapshots(2), kind="snapshot")
        issue_tree_head(s, signer)
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.req("GZ-26")
def test_a_leaf_changed_after_signing_stops_proofs_and_new_heads(db, signer):
    with db.session() as s:
        append_leaves(s, snapshots(8), kind="snapshot")
        head = issue_tree_head(s, signer)
    Attacker(db).sql("UPDATE evidence_log_leaf SET leaf_hash = :h WHERE leaf_index = 3",
                     h=merkle.leaf_hash(b"forged"))
    with db.session() as s:
        tree_cache.forget(s)
        with pytest.raises(tree_cache.LogDamaged, match="签名之后被改动"):
            log_service.inclusion_proof(s, 5, head.tree_size)
    with db.session() as s:
        append_leaves(s, snapshots(1, 50), kind="snapshot")
        with pytest.raises(tree_cache.LogDamaged):
            issue_tree_head(s, signer)
    with db.session() as s:
        assert s.scalar(select(TreeHead.id).order_by(TreeHead.id.desc()).limit(1)) == head.id


@pytest.mark.req("GZ-26")
def test_concurrent_appends_never_fork_the_log(empty_db):
    errors, start = [], threading.Barrier(4)

    def work(worker: int) -> None:
        try:
            start.wait()
            for k in range(10):
                with empty_db.session() as s:
                    append_leaves(s, snapshots(3, 1000 * worker + 10 * k), kind="snapshot")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = stored_leaves(empty_db)
    assert [r.leaf_index for r in rows] == list(range(120))
    with empty_db.session() as s:
        assert tree_cache.log_size(s) == 120
