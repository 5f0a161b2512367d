"""The receipt log (GZ-23, GZ-24, GZ-26): an append-only RFC 9162 Merkle tree with SM3 whose
leaves are stored in `evidence_log_leaf`, and signed tree heads in `evidence_tree_head`.

A leaf's data is RFC 8785 JSON with a `kind` (`leaf_data`): a data snapshot, an audit checkpoint.
One signature over a tree head covers every leaf so far; a leaf's inclusion proof ties it to a
head, and a consistency proof shows a later head only added leaves.

Each tree head also commits to the audit chain: when the chain has grown since the last
checkpoint, `issue_tree_head` first appends a leaf {"kind": "audit_checkpoint", "seq", "hash"}
naming the chain's head, so the signature covers the whole chain up to there (checkpoints.py
verifies it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govshare.evidence import tree_cache, tsa
from govshare.evidence.chain import HEAD_ID as CHAIN_HEAD_ID
from govshare.evidence.chain import canonical
from govshare.evidence.log_models import LogHead, LogLeaf, TreeHead, TreeHeadTimestamp
from govshare.evidence.merkle import HASH_SIZE, MerkleTree, SignedTreeHead, leaf_hash, tree_head_bytes
from govshare.evidence.models import ChainHead
from govshare.evidence.signing import Signer
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, InvalidInput, NotFound
from govshare.kit.system import system_use
from govshare.kit.types import UtcDateTime

CHECKPOINT = "audit_checkpoint"
KIND_MAX = 32


@system_use("pure: forms the bytes of a leaf, reads and writes nothing")
def leaf_data(kind: str, body: dict) -> bytes:
    """What a leaf of the log is: the RFC 8785 JSON of `body` with its `kind`."""
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"a leaf kind is 1 to {KIND_MAX} characters")
    return canonical({**body, "kind": kind})


@system_use("called by the services that record evidence, inside their own audited transaction")
def append_leaves(session: Session, leaves: Sequence[bytes], *, kind: str,
                  keep_data: bool = False) -> list[int]:
    """Append `leaves` (their data bytes) to the log, in order; returns their leaf indexes.
    `keep_data` stores the bytes too, for leaves whose data nobody else keeps."""
    datas = [data.decode("utf-8") for data in leaves] if keep_data else None
    return _append(session, [leaf_hash(data) for data in leaves], kind, datas)


@system_use("called by the services that keep their leaves' data and its leaf hash themselves")
def append_leaf_hashes(session: Session, hashes: Sequence[bytes], *, kind: str) -> list[int]:
    """Append leaves by their RFC 9162 leaf hashes, SM3(0x00 || data), computed by the owner of the
    data when it stored it (data snapshots), so the bytes are not read and hashed again here.
    A wrong hash is no shortcut: the owner's evidence file is refused (`leaf_matches_data`)."""
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
    return _append(session, hashes, kind, None)


# PostgreSQL: every leaf in one statement, the hashes as one array (not 5 parameters a row).
_INSERT_PG = text(
    "INSERT INTO evidence_log_leaf (leaf_index, leaf_hash, kind, data, appended_at) "
    "SELECT :first + v.n - 1, v.h, :kind, NULL, :at "
    "FROM unnest(CAST(:hashes AS bytea[])) WITH ORDINALITY AS v(h, n)"
).bindparams(bindparam("at", type_=UtcDateTime()))


def _append(session: Session, hashes: Sequence[bytes], kind: str, datas: list[str] | None) -> list[int]:
    if not hashes:
        return []
    if not kind or len(kind) > KIND_MAX:
        raise InvalidInput(f"叶的类别须为 1 至 {KIND_MAX} 个字符。", field="kind", rule="leaf_kind")
    head = _lock_head(session)
    first, at = head.size, now()
    conn = session.connection()
    if datas is None and conn.dialect.name == "postgresql":
        conn.execute(_INSERT_PG, {"first": first, "kind": kind, "at": at, "hashes": list(hashes)})
    else:  # Core, not ORM bulk: the rows need no identity map, and this halves the cost per leaf.
        conn.execute(insert(LogLeaf.__table__), [
            {"leaf_index": first + i, "leaf_hash": h, "kind": kind,
             "data": datas[i] if datas else None, "appended_at": at} for i, h in enumerate(hashes)])
    head.size = first + len(hashes)
    session.flush()
    tree_cache.appended(session, first)
    return list(range(first, first + len(hashes)))


_HEAD_FOR_UPDATE = (select(LogHead).where(LogHead.id == tree_cache.HEAD_ID).with_for_update()
                    .execution_options(populate_existing=True))


def _lock_head(session: Session) -> LogHead:
    """Every writer queues on the log head, so leaf indexes never fork (as the audit chain's)."""
    head = session.execute(_HEAD_FOR_UPDATE).scalar_one_or_none()
    if head is None:
        try:
            with session.begin_nested():
                session.add(LogHead(id=tree_cache.HEAD_ID, size=0))
        except IntegrityError:
            pass  # another first append won the race; its row is there now
        head = session.execute(_HEAD_FOR_UPDATE).scalar_one()
    return head


@system_use("the appenders of the log (the snapshot worker) take the log's own lock")
def hold_log_head(session: Session) -> int:
    """Lock the log head for this transaction (as every append does) and return the log's size:
    an appender that must choose what to append first (the snapshot worker) chooses under it."""
    return _lock_head(session).size


@system_use("the worker (or an operator) signs tree heads with the platform's key")
def issue_tree_head(session: Session, signer: Signer, *, force: bool = False) -> TreeHead | None:
    """Checkpoint the audit chain into the log if it grew, then sign the log's current head.
    Nothing is signed when no leaf was added since the last head, unless `force`."""
    head = _lock_head(session)
    _append_checkpoint(session)
    last = latest_tree_head(session)
    if last is not None and last.tree_size == head.size and not force:
        return None
    with tree_cache.use(session) as tree:
        # Never extend a log whose stored leaves no longer give the last signed root.
        tree = _checked(session, tree, last.tree_size if last else 0)
        root = tree.root(head.size)
    # Never earlier than the head before: a verifier may expect them in order.
    timestamp = max(int(now().timestamp() * 1000), last.timestamp if last else 0)
    row = TreeHead(tree_size=head.size, root_hash=root, timestamp=timestamp, key_id=signer.key_id,
                   algorithm=signer.algorithm, issued_at=now(),
                   signature=signer.sign(tree_head_bytes(head.size, root, timestamp)))
    session.add(row)
    session.flush()
    return row


def _append_checkpoint(session: Session) -> None:
    chain_head = session.get(ChainHead, CHAIN_HEAD_ID, populate_existing=True)
    if chain_head is None or chain_head.last_seq == 0:
        return
    last = session.scalar(select(LogLeaf.data).where(LogLeaf.kind == CHECKPOINT)
                          .order_by(LogLeaf.leaf_index.desc()).limit(1))
    if last is not None and json.loads(last)["seq"] >= chain_head.last_seq:
        return
    data = leaf_data(CHECKPOINT, {"seq": chain_head.last_seq, "hash": chain_head.last_hash})
    append_leaves(session, [data], kind=CHECKPOINT, keep_data=True)


@system_use("tree heads are public: sizes, root hashes and signatures")
def latest_tree_head(session: Session) -> TreeHead | None:
    """The newest signed tree head."""
    return session.scalar(select(TreeHead).order_by(TreeHead.id.desc()).limit(1))


@system_use("checkpoints are public hashes of the audit chain")
def latest_checkpoint(session: Session) -> int:
    """The leaf index of the newest audit checkpoint a signed tree head covers."""
    head = latest_tree_head(session)
    index = head and session.scalar(select(LogLeaf.leaf_index).where(
        LogLeaf.kind == CHECKPOINT, LogLeaf.leaf_index < head.tree_size)
        .order_by(LogLeaf.leaf_index.desc()).limit(1))
    if index is None:
        raise NotFound("尚无已签名的审计链检查点：运行 govshare audit checkpoint。", field="leaf_index",
                       rule="checkpoint_exists")
    return index


@system_use("tree heads are public: sizes, root hashes and signatures")
def covering_tree_head(session: Session, leaf_index: int) -> TreeHead:
    """The first signed tree head that includes leaf `leaf_index`: the earliest signed moment
    the leaf is known to have existed."""
    row = session.scalar(select(TreeHead).where(TreeHead.tree_size > leaf_index)
                         .order_by(TreeHead.tree_size, TreeHead.id).limit(1))
    if row is None:
        raise Conflict(f"收据日志第 {leaf_index} 条尚无签名树头覆盖：树头每秒签发，请稍后再取。",
                       field="leaf_index", rule="tree_head_pending")
    return row


@system_use("pure: a stored tree head as the structure evidence files carry")
def signed_head(row: TreeHead) -> SignedTreeHead:
    """The stored row as the signed structure that evidence files carry."""
    return SignedTreeHead(tree_size=row.tree_size, root_hash=bytes(row.root_hash),
                          timestamp=row.timestamp, key_id=row.key_id, algorithm=row.algorithm,
                          signature=bytes(row.signature))


@system_use("proofs are public: they reveal only hashes")
def inclusion_proof(session: Session, leaf_index: int, tree_size: int) -> list[bytes]:
    """RFC 9162 audit path of leaf `leaf_index` in the tree of the first `tree_size` leaves."""
    with tree_cache.use(session) as tree:
        _check_sizes(tree.size, tree_size, leaf_index)
        return _checked(session, tree, tree_size).inclusion_proof(leaf_index, tree_size)


@system_use("proofs are public: they reveal only hashes")
def inclusion_proofs(session: Session, leaf_indexes: Sequence[int], tree_size: int) -> list[list[bytes]]:
    """The audit paths of many leaves against one tree size: the database is asked once, not
    once per leaf (for the snapshots a tree head has just covered)."""
    with tree_cache.use(session) as tree:
        for index in leaf_indexes:
            _check_sizes(tree.size, tree_size, index)
        tree = _checked(session, tree, tree_size)
        return [tree.inclusion_proof(index, tree_size) for index in leaf_indexes]


@system_use("proofs are public: they reveal only hashes")
def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """RFC 9162 proof that the tree of `first` leaves is a prefix of the tree of `second`."""
    with tree_cache.use(session) as tree:
        _check_sizes(tree.size, second)
        if not 0 <= first <= second:
            raise InvalidInput(f"较早的树大小 {first} 应在 0 与 {second} 之间。", field="first",
                               rule="tree_size")
        return _checked(session, tree, first, second).consistency_proof(first, second)


@system_use("the leaves the log keeps are checkpoints of the audit chain, which are public hashes")
def kept_leaf(session: Session, leaf_index: int) -> LogLeaf:
    """A leaf whose data the log keeps itself (an audit checkpoint)."""
    row = session.get(LogLeaf, leaf_index)
    if row is None:
        raise NotFound(f"收据日志中没有第 {leaf_index} 条。", field="leaf_index", rule="leaf_exists")
    if row.data is None:
        raise NotFound(f"收据日志第 {leaf_index} 条的数据不由日志保存（{row.kind}），请向其所属业务索取。",
                       field="leaf_index", rule="leaf_data_kept")
    return row


def _check_sizes(size: int, tree_size: int, leaf_index: int | None = None) -> None:
    if not 0 <= tree_size <= size:
        raise InvalidInput(f"树大小 {tree_size} 超出收据日志现有的 {size} 条。", field="tree_size",
                           rule="tree_size")
    if leaf_index is not None and not 0 <= leaf_index < tree_size:
        raise InvalidInput(f"叶序号 {leaf_index} 不在大小为 {tree_size} 的树中。", field="leaf_index",
                           rule="leaf_index")


def _checked(session: Session, tree: MerkleTree, *sizes: int) -> MerkleTree:
    """A proof against a signed size must come from the tree that was signed: if the cached
    tree disagrees with a signed root, rebuild it from the stored leaves once; if they disagree
    too, the leaves were changed after signing, and nothing is proved or signed from them."""
    signed = {size: session.scalar(select(TreeHead.root_hash).where(TreeHead.tree_size == size)
                                   .limit(1)) for size in sizes}
    signed = {size: bytes(root) for size, root in signed.items() if root is not None}
    if all(tree.root(size) == root for size, root in signed.items()):
        return tree
    fresh = tree_cache.rebuild(session, tree.size)
    for size, root in signed.items():
        if fresh.root(size) != root:
            raise tree_cache.LogDamaged(
                f"收据日志前 {size} 条算出的根哈希与已签名的树头不符：日志记录在签名之后被改动。",
                field="tree_size", rule="log_matches_signed_head")
    tree_cache.replace(session, fresh)
    return fresh


@system_use("time stamps are public: a TSA's signature over a public tree head")
def timestamp_of(session: Session, tree_head_id: int) -> TreeHeadTimestamp | None:
    """The RFC 3161 token kept for a tree head, if one was fetched."""
    return session.get(TreeHeadTimestamp, tree_head_id)


@system_use("the worker (or an operator) records the TSA's token it fetched for a tree head")
def record_timestamp(session: Session, tree_head_id: int, tsa_url: str,
                     token: bytes) -> TreeHeadTimestamp:
    """Keep an RFC 3161 token over tree head `tree_head_id` (fetched outside the transaction:
    a slow TSA must not hold the database's write lock)."""
    head = session.get(TreeHead, tree_head_id)
    if head is None:
        raise NotFound(f"没有编号为 {tree_head_id} 的签名树头。", field="tree_head_id",
                       rule="tree_head_exists")
    stamp = tsa.read_token(token)
    if not stamp.covers(signed_head(head).signed_bytes()):
        raise InvalidInput("时间戳盖的不是这个树头。", field="token", rule="timestamp_covers_head")
    row = TreeHeadTimestamp(tree_head_id=tree_head_id, tsa_url=tsa_url, token=token,
                            gen_time=stamp.gen_time, recorded_at=now())
    session.add(row)
    session.flush()
    return row
