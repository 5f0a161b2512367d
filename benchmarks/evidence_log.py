"""The receipt log in the database, on SQLite and PostgreSQL:

1. appending snapshots' leaves through `append_leaves` (1,000 per transaction, one signed SM2 tree
   head per transaction) beside a plain executemany INSERT of the same rows into a table without
   lock, head or hashing — measured in the same run;
2. rebuilding the in-memory tree from the stored leaf hashes (what a process does on its first
   proof): reading the hashes alone, and reading + building level by level (`from_leaf_hashes`),
   beside appending them one by one (`MerkleTree(hashes)`, the pre-cache way);
3. inclusion proofs through the service against the latest signed head, from the warm cache;
4. checking one evidence file offline (`verifier.verify_document`), beside one bare SM2 verify.

    .venv/bin/python benchmarks/evidence_log.py [--leaves 1000000] [--engine sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence_tree import snapshot  # noqa: E402
from scratch import databases  # noqa: E402
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert  # noqa: E402

from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work  # noqa: E402
from govshare.evidence import evidence_service, log_service, merkle, tree_cache  # noqa: E402
from govshare.evidence.keystore import KeyStore  # noqa: E402
from govshare.evidence.verifier import verify_document  # noqa: E402
from govshare.kit.clock import now  # noqa: E402

BATCH = 1000


def plain_table(engine) -> Table:
    table = Table("bench_plain_leaf", MetaData(), Column("leaf_index", Integer, primary_key=True),
                  Column("leaf_hash", LargeBinary(32)), Column("kind", String(32)))
    table.create(engine)
    return table


def appending(sessions, engine, payloads: list[bytes], signer) -> None:
    table = plain_table(engine)
    begin = time.perf_counter()
    for start in range(0, len(payloads), BATCH):
        with engine.begin() as conn:
            rows = range(start, min(start + BATCH, len(payloads)))
            conn.execute(insert(table), [{"leaf_index": i, "leaf_hash": b"\0" * 32, "kind": "snapshot"}
                                         for i in rows])
    plain = time.perf_counter() - begin
    begin = time.perf_counter()
    for start in range(0, len(payloads), BATCH):
        with unit_of_work(sessions) as s:
            log_service.append_leaves(s, payloads[start:start + BATCH], kind="snapshot")
            log_service.issue_tree_head(s, signer)
    ours = time.perf_counter() - begin
    n = len(payloads)
    print(f"  append_leaves + 1 SM2 tree head per {BATCH}: {n / ours:,.0f} leaves/s "
          f"(plain executemany INSERT: {n / plain:,.0f} rows/s; ratio {ours / plain:.2f}×)")


def filling(sessions, count: int) -> None:
    """Leaf hashes for the rebuild measurement, inserted fast (not what is measured)."""
    with unit_of_work(sessions) as s:
        size = tree_cache.log_size(s)
    for start in range(size, count, 50_000):
        with unit_of_work(sessions) as s:
            head = log_service._lock_head(s)
            end = min(start + 50_000, count)
            s.execute(insert(log_service.LogLeaf), [
                {"leaf_index": i, "leaf_hash": merkle.leaf_hash(b"%d" % i), "kind": "snapshot", "data": None,
                 "appended_at": now()} for i in range(start, end)])
            head.size = end


def rebuilding(sessions, count: int) -> None:
    with unit_of_work(sessions) as s:
        t0 = time.perf_counter()
        hashes = list(s.scalars(log_service.select(log_service.LogLeaf.leaf_hash)
                                .order_by(log_service.LogLeaf.leaf_index)))
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        tree = tree_cache.rebuild(s, count)
        rebuild = time.perf_counter() - t0
    t0 = time.perf_counter()
    one_by_one = merkle.MerkleTree(hashes)
    appended = time.perf_counter() - t0
    assert one_by_one.root() == tree.root()
    print(f"  rebuild from {count:,} stored leaf hashes: {rebuild:.2f} s (reading them alone {read:.2f} s; "
          f"building them one append at a time instead: {appended:.2f} s in memory)")


def proving(sessions, count: int, signer) -> None:
    with unit_of_work(sessions) as s:
        head = log_service.issue_tree_head(s, signer) or log_service.latest_tree_head(s)
        size = head.tree_size
        t0 = time.perf_counter()
        for i in range(0, size, max(1, size // 2000)):
            log_service.inclusion_proof(s, i, size)
        n = len(range(0, size, max(1, size // 2000)))
        took = time.perf_counter() - t0
        t0 = time.perf_counter()
        log_service.inclusion_proofs(s, range(size - 50_000, size), size)
        batch = (time.perf_counter() - t0) / 50_000
    print(f"  inclusion proofs through the service, tree of {size:,}: {took / n * 1e6:,.0f} µs each "
          f"one by one (a query or three each), {batch * 1e6:,.1f} µs each for 50,000 at once")


def checking(sessions, keys: KeyStore, payloads: list[bytes]) -> None:
    with unit_of_work(sessions) as s:
        document = evidence_service.evidence_for_leaf(s, keys, 7, payloads[7])
    trusted = [k.to_dict() for k in keys.public_keys()]
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        assert verify_document(document, trusted).ok
        times.append(time.perf_counter() - t0)
    verifier = keys.current("platform").verifier()
    head = merkle.SignedTreeHead.from_dict(document["tree_head"])
    bare = []
    for _ in range(200):
        t0 = time.perf_counter()
        verifier.verify(head.signed_bytes(), head.signature)
        bare.append(time.perf_counter() - t0)
    print(f"  one evidence file checked offline: {statistics.median(times) * 1000:.2f} ms median "
          f"(one bare SM2 verify: {statistics.median(bare) * 1000:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--appended", type=int, default=50_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    # Snapshot leaves as the exchange will make them: RFC 8785 JSON with a kind (before the clock).
    payloads = [log_service.leaf_data("snapshot", json.loads(snapshot(i))) for i in range(args.appended)]
    for label, url in databases(args.engine, "evidence_log"):
        print(f"{label}:")
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with tempfile.TemporaryDirectory() as folder:
            keys = KeyStore(Path(folder) / "keys", passphrase="benchmark-passphrase", kdf_rounds=1000)
            keys.create("platform")
            signer = keys.signer("platform")
            appending(sessions, engine, payloads, signer)
            checking(sessions, keys, payloads)
            filling(sessions, args.leaves)
            with unit_of_work(sessions) as s:
                tree_cache.forget(s)
            rebuilding(sessions, args.leaves)
            proving(sessions, args.leaves, signer)
        engine.dispose()


if __name__ == "__main__":
    main()
