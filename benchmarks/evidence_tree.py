"""How many data snapshots a second go into the receipts' Merkle tree WITH their inclusion proofs,
one signed tree head (SM2) per 1,000 leaves — beside the rate of signing every snapshot with its
own SM2 signature, measured in the same run (issue 6's target: at least 10,000 a second on this
2-core machine). Then how long an evidence file's check takes: one inclusion proof plus the tree
head's signature, public key read from PEM (target: under 50 ms for the whole file).

    .venv/bin/python benchmarks/evidence_tree.py [--leaves 200000] [--batch 1000] [--algorithm SM2-SM3]

No database: this is the cryptographic core alone. Snapshots are ~700-byte canonical JSON,
made before the clock starts (their canonicalisation belongs to taking the snapshot).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from govshare.evidence import merkle, signing  # noqa: E402
from govshare.evidence.merkle import MerkleTree, SignedTreeHead, sign_tree_head  # noqa: E402

TEMPLATE = (
    '{"case_number":"穗民婚〔2026〕%07d号","grant_id":%d,"purpose":"办理婚姻登记时核验户籍信息",'
    '"query":{"resource_code":"440100-GA-0001","subject":"44010619900101%04d"},'
    '"record_versions":[{"record_id":%d,"version":3}],"requester":{"agency_id":7,"user_id":42},'
    '"returned":{"住址":"广州市天河区体育西路%d号","姓名":"张三","户籍状态":"正常","身份证号":"44010619900101%04d"},'
    '"seals":[{"algorithm":"SM2-SM3","key_id":"3f2a9c0e","seal_id":%d,"signature":"MEUCIQDx7%032d"}],'
    '"snapshot_id":%d,"taken_at":"2026-11-22T09:30:00.%06d+00:00"}'
)


def snapshot(i: int) -> bytes:
    return (TEMPLATE % (i, 1000 + i % 97, i % 10000, i, i % 300, i % 10000, i, i, i, i % 1000000)).encode()


def sealed_into_tree(payloads: list[bytes], batch: int, signer: signing.Signer) -> dict:
    """Append a batch, sign its tree head, prove every leaf of the batch against that head."""
    tree = MerkleTree()
    spent = {"append": 0.0, "tree head": 0.0, "proofs": 0.0}
    heads = 0
    begin = time.perf_counter()
    for start in range(0, len(payloads), batch):
        t0 = time.perf_counter()
        indexes = tree.extend(payloads[start:start + batch])
        t1 = time.perf_counter()
        head = sign_tree_head(tree, signer)
        heads += 1
        t2 = time.perf_counter()
        for i in indexes:
            b"".join(tree.inclusion_proof(i, head.tree_size))  # as stored in the evidence
        t3 = time.perf_counter()
        spent["append"] += t1 - t0
        spent["tree head"] += t2 - t1
        spent["proofs"] += t3 - t2
    total = time.perf_counter() - begin
    stored = sum(len(level) for level in tree._levels)
    return {"rate": len(payloads) / total, "seconds": total, "spent": spent, "heads": heads,
            "tree": tree, "head": head, "bytes_per_leaf": stored / len(payloads)}


def one_signature_each(payloads: list[bytes], signer: signing.Signer) -> float:
    begin = time.perf_counter()
    for data in payloads:
        signer.sign(data)
    return len(payloads) / (time.perf_counter() - begin)


def evidence_file(tree: MerkleTree, head: SignedTreeHead, payload: bytes, index: int,
                  signer: signing.Signer) -> str:
    """The parts of an evidence file the check reads (the real file comes with issue 6's API)."""
    return json.dumps({
        "snapshot": payload.decode(), "leaf_index": index,
        "inclusion_proof": [h.hex() for h in tree.inclusion_proof(index, head.tree_size)],
        "tree_head": head.to_dict(), "public_key": signer.verifier.public_pem.decode()}, ensure_ascii=False)


def check_evidence(text: str) -> bool:
    evidence = json.loads(text)
    verifier = signing.load_verifier(evidence["public_key"].encode())
    head = SignedTreeHead.from_dict(evidence["tree_head"])
    leaf = merkle.leaf_hash(evidence["snapshot"].encode())
    proof = [bytes.fromhex(h) for h in evidence["inclusion_proof"]]
    return (head.verify(verifier)
            and merkle.verify_inclusion(leaf, evidence["leaf_index"], head.tree_size, proof, head.root_hash))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000, help="leaves per signed tree head")
    parser.add_argument("--algorithm", default=signing.SM2_SM3, choices=signing.ALGORITHMS)
    parser.add_argument("--baseline", type=int, default=3000, help="snapshots signed one by one")
    args = parser.parse_args()

    signer = signing.generate(args.algorithm)
    payloads = [snapshot(i) for i in range(args.leaves)]
    print(f"{args.leaves:,} 份快照（平均 {sum(map(len, payloads)) // len(payloads)} 字节），"
          f"每 {args.batch:,} 份签一次树头（{args.algorithm}）\n")

    sealed = sealed_into_tree(payloads, args.batch, signer)
    each = one_signature_each(payloads[:args.baseline], signer)
    spent = sealed["spent"]
    print(f"入树并生成包含证明：{sealed['rate']:>10,.0f} 份/秒  （{sealed['seconds']:.2f} 秒，"
          f"{sealed['heads']:,} 个签名树头）")
    print(f"  其中 追加 {spent['append']:.2f} 秒，签树头 {spent['tree head']:.2f} 秒，"
          f"包含证明 {spent['proofs']:.2f} 秒；内存 {sealed['bytes_per_leaf']:.0f} 字节/叶")
    print(f"每份快照各签一次 {args.algorithm}：{each:>6,.0f} 份/秒  （同一进程，{args.baseline:,} 份）")
    print(f"比值：{sealed['rate'] / each:.1f} 倍；目标 ≥ 10,000 份/秒："
          f"{'达到' if sealed['rate'] >= 10_000 else '未达到'}")

    tree, head = sealed["tree"], sealed["head"]
    index = args.leaves // 3
    text = evidence_file(tree, head, payloads[index], index, signer)
    assert check_evidence(text)
    assert not check_evidence(text.replace("张三", "李四", 1))
    timings = []
    for _ in range(200):
        t = time.perf_counter()
        check_evidence(text)
        timings.append((time.perf_counter() - t) * 1000)
    proof_len = len(tree.inclusion_proof(index, head.tree_size))
    print(f"\n核验一份证据（读公钥 + 树头签名 + {proof_len} 步包含证明）：中位数 "
          f"{statistics.median(timings):.2f} 毫秒，最慢 {max(timings):.2f} 毫秒；目标 < 50 毫秒")


if __name__ == "__main__":
    main()
