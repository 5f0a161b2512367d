"""Data snapshots through the database (issue 6, GZ-23/GZ-24), on PostgreSQL by default:

1. taking them as queries do — `snapshot_service.take_snapshot`, one snapshot per transaction
   (a query's), from several threads at once; and 100 per transaction, to see the statement's
   own cost without a commit's WAL flush each;
2. sealing them into the receipt log as the worker does — `append_pending` (the pending rows'
   ids and leaf hashes read, one append of the hashes, one statement setting every leaf_index)
   + `issue_tree_head` (one SM2 signature) + the inclusion proof of every one of them against
   that head — beside the rate of one SM2 signature per snapshot, same run,
   same snapshots (the target: at least 10,000 a second sealed with their proofs);
3. checking one snapshot's evidence file offline (`verifier.verify_document`), median.

    .venv/bin/python benchmarks/evidence_snapshots.py [--snapshots 50000] [--threads 8] [--engine postgresql]

Snapshots are ~1.2 KB of canonical JSON (a licence query's answer of one enterprise). The load
average before and after is printed: the machine's 2 cores are shared, so say it with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch import databases  # noqa: E402
from sqlalchemy import select  # noqa: E402

from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work  # noqa: E402
from govshare.evidence import log_service, snapshot_service  # noqa: E402
from govshare.evidence.keystore import KeyStore  # noqa: E402
from govshare.evidence.snapshot_models import Snapshot  # noqa: E402
from govshare.evidence.snapshot_service import Requester, SnapshotDraft  # noqa: E402
from govshare.evidence.verifier import verify_document  # noqa: E402
from govshare.kit.clock import now  # noqa: E402


def draft(i: int) -> SnapshotDraft:
    code = f"91440101MA{i:07d}X"
    data = {"统一社会信用代码": code, "企业名称": f"广州市天河区第{i}号贸易有限公司", "法定代表人": "王伟",
            "成立日期": "2015-06-01", "登记状态": "存续", "住所": f"广州市越秀区中山五路{i % 300}号"}
    at = now()
    returned = [{"subject": code, "found": True, "version_id": 1000 + i, "data": data, "masked": [],
                 "produced_at": at.isoformat(), "valid_from": at.isoformat(), "loaded_at": at.isoformat()}]
    records = [{"record_id": 1000 + i, "subject": code, "produced_at": at.isoformat(),
                "valid_from": at.isoformat(), "loaded_at": at.isoformat(), "seal": None}]
    return SnapshotDraft(
        kind="query", taken_at=at, requester=Requester(7, "广州市民政局", "user", 42, "user:42 钱办事"),
        grant_id=3, duty="办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）",
        case_number=f"HY-2026-{i:06d}", resource_code="440100-SJ-0002", resource_name="营业执照信息",
        subjects=(code,), subject_digests=(f"{i:064x}",), as_of=None, query_log_id=i, returned=returned,
        records=records)


def taking(sessions, drafts: list[SnapshotDraft], threads: int) -> float:
    """One snapshot per transaction, `threads` at a time, as concurrent queries take them."""
    chunks = [drafts[t::threads] for t in range(threads)]

    def work(chunk):
        for d in chunk:
            with unit_of_work(sessions) as s:
                snapshot_service.take_snapshot(s, d)

    begin = time.perf_counter()
    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(drafts) / (time.perf_counter() - begin)


def taking_batched(sessions, drafts: list[SnapshotDraft]) -> float:
    begin = time.perf_counter()
    for start in range(0, len(drafts), 100):
        with unit_of_work(sessions) as s:
            for d in drafts[start:start + 100]:
                snapshot_service.take_snapshot(s, d)
    return len(drafts) / (time.perf_counter() - begin)


def timed(module, name: str, spent: dict, key: str) -> None:
    """Wrap `module.name` so its time adds up in spent[key] (the real function still runs)."""
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

    setattr(module, name, wrapper)


def sealing(sessions, signer) -> tuple[int, float, dict]:
    """The worker's round: append every pending snapshot, sign one head, prove each."""
    spent = {}
    timed(log_service, "append_leaf_hashes", spent, "leaves")
    timed(snapshot_service, "_set_leaf_indexes", spent, "leaf_index")
    begin = time.perf_counter()
    with unit_of_work(sessions) as s:
        t0 = time.perf_counter()
        count = snapshot_service.append_pending(s, 10_000_000)
        t1 = time.perf_counter()
        head = log_service.issue_tree_head(s, signer)
        t2 = time.perf_counter()
    with unit_of_work(sessions) as s:
        indexes = list(s.scalars(select(Snapshot.leaf_index).where(Snapshot.leaf_index.is_not(None))))
        proofs = log_service.inclusion_proofs(s, indexes, head.tree_size)
    t3 = time.perf_counter()
    assert len(proofs) == count
    spent.update(append=t1 - t0, head=t2 - t1, proofs=t3 - t2)
    return count, time.perf_counter() - begin, spent


def signing_each(sessions, signer) -> float:
    with unit_of_work(sessions) as s:
        datas = [d.encode() for d in s.scalars(select(Snapshot.data))]
    begin = time.perf_counter()
    for data in datas:
        signer.sign(data)
    return len(datas) / (time.perf_counter() - begin)


def checking_file(sessions, keys: KeyStore) -> float:
    with unit_of_work(sessions) as s:
        snapshot_id = s.scalar(select(Snapshot.id).order_by(Snapshot.id.desc()).limit(1))
        document = snapshot_service.snapshot_evidence(s, _overseer(), keys, snapshot_id)
    trusted = [k.to_dict() for k in keys.public_keys()]
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        assert verify_document(document, trusted).ok
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _overseer():
    from govshare.kit.actor import Actor, Role

    return Actor(kind="user", id=1, name="审计", agency_id=None, agency_level="city", division_code=None,
                 roles=frozenset({Role.AUDITOR}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshots", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} (1 / 5 min)")
    drafts = [draft(i) for i in range(args.snapshots)]
    for label, url in databases(args.engine, "evidence_snapshots"):
        print(f"{label}: {args.snapshots:,} snapshots")
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with tempfile.TemporaryDirectory() as folder:
            keys = KeyStore(Path(folder) / "keys", passphrase="benchmark-passphrase", kdf_rounds=1000)
            keys.create("platform")
            signer = keys.signer("platform")
            few = drafts[:min(5_000, len(drafts))]
            rate = taking(sessions, few, args.threads)
            print(f"  take_snapshot, one per transaction, {args.threads} threads: {rate:,.0f} /s "
                  f"({len(few):,} snapshots)")
            rate = taking_batched(sessions, drafts[len(few):])
            print(f"  take_snapshot, 100 per transaction: {rate:,.0f} /s")
            count, seconds, spent = sealing(sessions, signer)
            each = signing_each(sessions, signer)
            sealed = count / seconds
            print(f"  sealed into the log with proofs (append_pending + 1 SM2 tree head + {count:,} "
                  f"inclusion proofs): {sealed:,.0f} /s — append {spent['append']:.2f} s (of which "
                  f"log leaves {spent['leaves']:.2f} s, leaf_index {spent['leaf_index']:.2f} s, reading "
                  f"the pending rows the rest), head {spent['head']:.3f} s, proofs {spent['proofs']:.2f} s")
            print(f"  one SM2 signature per snapshot instead, same snapshots: {each:,.0f} /s "
                  f"(the tree is {sealed / each:.1f}× faster)")
            check = checking_file(sessions, keys)
            print(f"  one snapshot's evidence file checked offline: {check * 1000:.2f} ms median")
        engine.dispose()
    print(f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} (1 / 5 min)")


if __name__ == "__main__":
    main()
