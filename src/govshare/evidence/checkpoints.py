"""Signed checkpoints of the audit chain (GZ-26, GD-31): does the chain as stored still lead to
every (seq, hash) the platform signed?

The chain alone catches a changed, deleted, inserted or reordered row, unless whoever changed it
also recomputed every later hash and the head. A checkpoint is a leaf of the receipt log naming
the chain's head at that moment, and the signed tree heads cover it; the platform's private key
is not in the database, so such a rewrite still breaks the checkpoint. `verify` checks, in order:

1. the stored leaves are gapless and as many as the log head says;
2. every signed tree head: its key is published and was valid at its timestamp, its signature
   holds, and the stored leaves give its root hash (nothing in the log changed after signing);
3. every signed checkpoint leaf's data still gives its leaf hash;
4. recomputing the chain's hashes from the rows' contents, from the first row, arrives at each
   checkpoint's hash at its sequence number.

It reports the first thing that does not hold. For the chain, the position is the first row the
checkpoints can no longer vouch for: where the chain check found the damage if it lies after the
last checkpoint that held, otherwise the row just after that checkpoint (a consistent rewrite
can be narrowed down only to the rows between two checkpoints).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.evidence import chain
from govshare.evidence.keystore import PublicKey
from govshare.evidence.log_models import LogHead, LogLeaf, TreeHead
from govshare.evidence.log_service import CHECKPOINT, signed_head
from govshare.evidence.merkle import MerkleTree, leaf_hash
from govshare.kit.clock import CHINA

PROBLEMS = {
    "chain": "审计链与已签名的检查点不符",
    "log": "收据日志被改动",
    "signature": "树头签名无效",
    "key": "树头的签名密钥无从核对",
}


@dataclass(frozen=True)
class CheckpointReport:
    ok: bool
    checked: int  # signed checkpoints found to hold
    tree_heads: int  # signed tree heads found to hold
    position: int | None = None  # first chain position the checkpoints no longer vouch for
    checkpoint_seq: int | None = None  # the checkpoint that failed
    problem: str | None = None  # a key of PROBLEMS
    detail: str = ""
    last_seq: int | None = None  # the latest checkpoint that held
    last_signed_at: datetime | None = None

    @property
    def summary(self) -> str:
        if not self.ok:
            where = f"第 {self.position} 条起" if self.position is not None else ""
            return f"签名检查点校验未通过：{PROBLEMS[self.problem]}。{where and where + '，'}{self.detail}"
        if not self.checked:
            return (f"尚无已签名的审计链检查点（签名树头 {self.tree_heads} 个均有效）："
                    "后台任务每秒签发，或运行 govshare audit checkpoint。")
        return (f"签名检查点完好：{self.checked} 个检查点与审计链相符，最近一个在第 {self.last_seq} 条，"
                f"{_cn_time(self.last_signed_at)}签署；{self.tree_heads} 个签名树头与收据日志相符。")


def _cn_time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M:%S（北京时间）") if moment else ""


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class _Checkpoint:
    leaf_index: int
    seq: int
    hash: str
    signed_at: datetime  # the first tree head covering it


def verify(session: Session, platform_keys: list[PublicKey],
           chain_report: chain.ChainReport | None = None) -> CheckpointReport:
    """Check the log, its signed heads and every signed checkpoint against the chain."""
    tree, bad = _leaves(session)
    if bad:
        return bad
    heads, bad = _tree_heads(session, tree, platform_keys)
    if bad:
        return bad
    checkpoints, bad = _checkpoints(session, heads)
    if bad:
        return bad
    return _against_chain(session, checkpoints, len(heads),
                          chain_report if chain_report is not None else chain.verify(session))


def _log_bad(detail: str, heads: int = 0, problem: str = "log") -> CheckpointReport:
    return CheckpointReport(False, 0, heads, problem=problem, detail=detail)


def _leaves(session: Session) -> tuple[MerkleTree, CheckpointReport | None]:
    size = session.scalar(select(LogHead.size)) or 0
    count = session.scalar(select(func.count()).select_from(LogLeaf)) or 0
    hashes = bytearray()
    rows = session.execute(select(LogLeaf.leaf_index, LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index))
    for expected, (index, h) in enumerate(rows):
        if index != expected:
            return MerkleTree(), _log_bad(f"收据日志第 {expected} 条缺失（下一条是第 {index} 条）。")
        hashes += h
    if count != size:
        return MerkleTree(), _log_bad(
            f"收据日志头记录 {size} 条，表中却有 {count} 条：末尾的记录被删除或追加。")
    return MerkleTree.from_leaf_hashes(bytes(hashes)), None


def _tree_heads(session: Session, tree: MerkleTree,
                keys: list[PublicKey]) -> tuple[list[TreeHead], CheckpointReport | None]:
    by_id = {k.key_id: k for k in keys}
    rows = list(session.scalars(select(TreeHead).order_by(TreeHead.id)))
    previous = None
    for n, row in enumerate(rows):
        name = f"第 {n + 1} 个签名树头（大小 {row.tree_size}，{_cn_time(_moment(row.timestamp))}）"
        key = by_id.get(row.key_id)
        if key is None:
            return rows, _log_bad(f"{name}的签名密钥 {row.key_id[:16]}… 不在平台公布的公钥中。", n, "key")
        if not key.valid_at(_moment(row.timestamp)):
            return rows, _log_bad(f"{name}的时间不在其密钥 {row.key_id[:16]}… 的有效期内。", n, "key")
        if not signed_head(row).verify(key.verifier()):
            return rows, _log_bad(f"{name}的签名不成立：树头在签名之后被改动。", n, "signature")
        if row.tree_size > tree.size or tree.root(row.tree_size) != bytes(row.root_hash):
            return rows, _log_bad(f"{name}的根哈希与日志记录算出的不符：日志记录在签名之后被改动。", n)
        if previous is not None and (row.tree_size < previous.tree_size
                                     or row.timestamp < previous.timestamp):
            return rows, _log_bad(f"{name}比前一个树头更小或更早：树头的顺序被改动。", n)
        previous = row
    return rows, None


def _checkpoints(session: Session,
                 heads: list[TreeHead]) -> tuple[list[_Checkpoint], CheckpointReport | None]:
    """The checkpoint leaves some signed tree head covers, with the time of the first one."""
    signed_size = max((h.tree_size for h in heads), default=0)
    found: list[_Checkpoint] = []
    rows = session.execute(select(LogLeaf.leaf_index, LogLeaf.leaf_hash, LogLeaf.data)
                           .where(LogLeaf.kind == CHECKPOINT, LogLeaf.leaf_index < signed_size)
                           .order_by(LogLeaf.leaf_index))
    for index, stored_hash, data in rows:
        if data is None or leaf_hash(data.encode("utf-8")) != bytes(stored_hash):
            return found, _log_bad(
                f"收据日志第 {index} 条（审计链检查点）的内容与其哈希不符：被改动。", len(heads))
        body = json.loads(data)
        first = min((h for h in heads if h.tree_size > index), key=lambda h: (h.tree_size, h.id))
        found.append(_Checkpoint(index, int(body["seq"]), str(body["hash"]), _moment(first.timestamp)))
    return found, None


def _against_chain(session: Session, checkpoints: list[_Checkpoint], heads: int,
                   chain_report: chain.ChainReport) -> CheckpointReport:
    held: list[_Checkpoint] = []
    pending = iter(checkpoints)
    checkpoint = next(pending, None)
    running = chain.GENESIS
    for row in chain.rows_in_sequence(session):
        if checkpoint is None:
            break  # rows after the last checkpoint are the chain check's alone
        if row.seq > checkpoint.seq:  # the checkpoint's own row is missing
            return _chain_bad(checkpoint, held, chain_report, heads)
        running = chain.row_hash(running, row)
        if row.seq == checkpoint.seq:
            if running != checkpoint.hash:
                return _chain_bad(checkpoint, held, chain_report, heads)
            held.append(checkpoint)
            checkpoint = next(pending, None)
    if checkpoint is not None:  # the chain ends before it
        return _chain_bad(checkpoint, held, chain_report, heads)
    last = held[-1] if held else None
    return CheckpointReport(True, len(held), heads, last_seq=last.seq if last else None,
                            last_signed_at=last.signed_at if last else None)


def _chain_bad(checkpoint: _Checkpoint, held: list[_Checkpoint], chain_report: chain.ChainReport,
               heads: int) -> CheckpointReport:
    good = held[-1] if held else None
    start = (good.seq if good else 0) + 1
    found = chain_report.position
    position = found if (not chain_report.ok and found is not None
                         and start <= found <= checkpoint.seq) else start
    detail = (f"{_cn_time(checkpoint.signed_at)}签署的检查点记下了审计链第 {checkpoint.seq} 条的哈希，"
              f"按现存记录重算已对不上：第 {start} 至 {checkpoint.seq} 条之间的记录在签名之后被改动、"
              "删除、插入或调换（改动者即使重算了哈希，也无法伪造平台的签名）。")
    return CheckpointReport(False, len(held), heads, position, checkpoint.seq, "chain", detail,
                            good.seq if good else None, good.signed_at if good else None)
