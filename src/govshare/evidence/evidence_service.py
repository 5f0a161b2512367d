"""Evidence files (GZ-24): one self-contained JSON document per leaf of the receipt log, which
`govshare verify FILE` (verifier.py) or stock openssl, jq and xxd check without the platform.

    {"format": "govshare-evidence/1",
     "leaf_index": 41, "leaf_data": "<the leaf's RFC 8785 JSON, exactly as hashed>",
     "inclusion_proof": ["<hex>", ...],           RFC 9162 audit path, leaf to root
     "tree_head": {tree_size, root_hash, timestamp, hash_algorithm, key_id, algorithm, signature},
     "timestamp_token": "<base64 DER>" | null,    RFC 3161, over the tree head's signed bytes
     "public_keys": [{name, key_id, algorithm, public_key_pem, valid_from, valid_until}, ...]}

`leaf_data` is a JSON string holding the exact bytes that were hashed, so that nothing has to
be re-canonicalised to check it (`jq -j .leaf_data` writes them out). The tree head is the first
signed head covering the leaf: the earliest signed moment it is known to have existed.
"""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from govshare.evidence import log_service, merkle, policy
from govshare.evidence.keystore import PLATFORM, KeyStore
from govshare.evidence.log_models import LogLeaf
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict
from govshare.kit.system import system_use

FORMAT = "govshare-evidence/1"
DESCRIPTION = ("政务信息资源共享平台的电子证据：一条收据日志记录（leaf_data）、"
               "它在签名树头下的包含证明，以及核对签名所需的公钥。"
               "用 govshare verify 本文件核对，或按 docs/evidence.md 用 openssl 逐项核对。")


@system_use("called by the service that holds the leaf's data, after its own policy check")
def evidence_for_leaf(session: Session, keys: KeyStore, leaf_index: int, data: bytes,
                      *, extra_keys: list[dict] | None = None) -> dict:
    """The evidence file of leaf `leaf_index`, whose data the caller holds."""
    stored = session.get(LogLeaf, leaf_index)
    if stored is None or bytes(stored.leaf_hash) != merkle.leaf_hash(data):
        raise Conflict(f"收据日志第 {leaf_index} 条的哈希与所给数据不符。", field="leaf_index",
                       rule="leaf_matches_data")
    head = log_service.covering_tree_head(session, leaf_index)
    proof = log_service.inclusion_proof(session, leaf_index, head.tree_size)
    stamp = log_service.timestamp_of(session, head.id)
    return {
        "format": FORMAT,
        "description": DESCRIPTION,
        "leaf_index": leaf_index,
        "leaf_data": data.decode("utf-8"),
        "inclusion_proof": [p.hex() for p in proof],
        "tree_head": log_service.signed_head(head).to_dict(),
        "timestamp_token": base64.b64encode(stamp.token).decode("ascii") if stamp else None,
        "public_keys": [k.to_dict() for k in keys.public_keys(PLATFORM)] + list(extra_keys or []),
    }


def checkpoint_evidence(session: Session, actor: Actor, keys: KeyStore, leaf_index: int) -> dict:
    """The evidence file of an audit-chain checkpoint, whose data the log keeps itself."""
    policy.can_verify_chain(actor)
    leaf = log_service.kept_leaf(session, leaf_index)
    return evidence_for_leaf(session, keys, leaf_index, leaf.data.encode("utf-8"))
