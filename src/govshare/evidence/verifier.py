"""`govshare verify FILE`: check an evidence file offline — no database, no platform — and say in
plain Chinese what holds and what failed (GZ-24).

Every part is checked on its own, so a court reads all of it, not just the first failure:
the format, the leaf's data, the public key (its id is the SM3 of the key itself, and whether a
trusted key list confirms it), the key's validity at the tree head's time, the tree head's
signature, the inclusion proof, the RFC 3161 time stamp when there is one, and for a data
snapshot the electronic seals of its records (verifier_seals.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import rfc8785

from govshare.evidence import merkle, tsa, verifier_seals
from govshare.evidence.keystore import PublicKey
from govshare.evidence.merkle import SignedTreeHead
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError

FORMAT = "govshare-evidence/1"
KINDS = {"audit_checkpoint": "审计链检查点", "snapshot": "数据快照", "data_snapshot": "数据快照"}
OK, FAIL, NOTE = "ok", "fail", "note"


@dataclass(frozen=True)
class Finding:
    status: str  # OK, FAIL or NOTE (holds, does not hold, worth knowing)
    part: str
    message: str


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.status != FAIL for f in self.findings)

    def add(self, status: str, part: str, message: str) -> None:
        self.findings.append(Finding(status, part, message))

    @property
    def summary(self) -> str:
        if self.ok:
            return "结论：证据文件各项核对均成立。"
        failed = "、".join(dict.fromkeys(f.part for f in self.findings if f.status == FAIL))
        return f"结论：证据文件不成立（{failed}未通过），不能作为证据采信。"


def cn_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M:%S（北京时间）")


def verify_file(path: Path, trusted_keys: Path | None = None) -> Verdict:
    """Read and check an evidence file; `trusted_keys` is a key list saved from the platform's
    /.well-known/govshare-keys.json that the signing key must be found in."""
    verdict = Verdict()
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        verdict.add(FAIL, "格式", f"无法读取证据文件 {path}：{exc}")
        return verdict
    trusted = None
    if trusted_keys is not None:
        try:
            listed = json.loads(Path(trusted_keys).read_text(encoding="utf-8"))
            trusted = listed["keys"] if isinstance(listed, dict) else listed
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            verdict.add(FAIL, "公钥", f"无法读取受信任的公钥清单 {trusted_keys}：{exc}")
            return verdict
    return verify_document(doc, trusted, verdict)


def verify_document(doc: dict, trusted: list[dict] | None = None,
                    verdict: Verdict | None = None) -> Verdict:
    """Check every part of an evidence document; `trusted`: the platform's published keys."""
    verdict = verdict or Verdict()
    parts = _format(doc, verdict)
    if parts is None:
        return verdict
    data, index, proof, head = parts
    _data(data, verdict)
    key = _key(doc, head, trusted, verdict)
    if key is not None:
        _signature(head, key, verdict)
    _inclusion(data, index, proof, head, verdict)
    _timestamp(doc.get("timestamp_token"), head, verdict)
    _seals(data, doc, trusted, verdict)
    return verdict


def _seals(data: bytes, doc: dict, trusted, verdict: Verdict) -> None:
    """A data snapshot's records carry their seals: check each (verifier_seals.py)."""
    try:
        body = json.loads(data)
    except ValueError:
        return
    if isinstance(body, dict) and body.get("kind") == "data_snapshot":
        verifier_seals.check_snapshot_seals(body, doc, trusted, verdict)


def _format(doc, verdict: Verdict):
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        verdict.add(FAIL, "格式", f"不是本平台的证据文件（format 应为 {FORMAT}）。")
        return None
    try:
        data = doc["leaf_data"].encode("utf-8")
        index = int(doc["leaf_index"])
        proof = [bytes.fromhex(p) for p in doc["inclusion_proof"]]
        head = SignedTreeHead.from_dict(doc["tree_head"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        verdict.add(FAIL, "格式", f"证据文件缺少必需的部分或格式有误：{exc}")
        return None
    if any(len(p) != merkle.HASH_SIZE for p in proof):
        verdict.add(FAIL, "格式", "包含证明中的哈希应为 32 字节（64 位十六进制）。")
        return None
    verdict.add(OK, "格式", f"证据文件格式 {FORMAT}，收据日志第 {index} 条。")
    return data, index, proof, head


def _data(data: bytes, verdict: Verdict) -> None:
    try:
        body = json.loads(data)
        canonical = rfc8785.dumps(body) == data
    except (ValueError, rfc8785.CanonicalizationError):
        verdict.add(FAIL, "数据", "记录内容（leaf_data）不是 JSON。")
        return
    if not canonical or not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        verdict.add(FAIL, "数据", "记录内容不是带 kind 字段的 RFC 8785 规范化 JSON。")
        return
    kind = body["kind"]
    what = KINDS.get(kind, kind)
    if kind == "audit_checkpoint":
        what += f"：审计链第 {body.get('seq')} 条，哈希 {str(body.get('hash'))[:16]}…"
    verdict.add(OK, "数据", f"记录内容为规范化 JSON（RFC 8785），类别：{what}。")


def _key(doc: dict, head: SignedTreeHead, trusted, verdict: Verdict) -> PublicKey | None:
    try:
        keys = [PublicKey.from_dict({"name": "", **k}) for k in doc.get("public_keys") or []]
    except (KeyError, TypeError, ValueError) as exc:
        verdict.add(FAIL, "公钥", f"公钥清单格式有误：{exc}")
        return None
    key = next((k for k in keys if k.key_id == head.key_id), None)
    if key is None:
        verdict.add(FAIL, "公钥", f"证据文件中没有签署树头的公钥（标识 {head.key_id}）。")
        return None
    try:
        verifier = key.verifier()
    except DomainError as exc:
        verdict.add(FAIL, "公钥", exc.message)
        return None
    if verifier.key_id != key.key_id or verifier.algorithm != head.algorithm:
        verdict.add(FAIL, "公钥", "公钥与其标识不符（标识应为公钥 DER 的 SM3）或算法不符：公钥被替换。")
        return None
    if trusted is None:
        verdict.add(NOTE, "公钥", f"公钥取自证据文件本身（{key.algorithm}，标识 {key.key_id}）："
                                  "请与平台公布的公钥（/.well-known/govshare-keys.json）核对，"
                                  "或用 --keys 指定已保存的清单。")
    else:
        listed = _trusted_version(trusted, key)
        if listed is None:
            verdict.add(FAIL, "公钥", f"签名公钥（标识 {key.key_id[:16]}…）不在受信任的公钥清单中。")
            return None
        key = listed  # its validity as the platform published it, not as the file says
        verdict.add(OK, "公钥",
                    f"签名公钥在受信任的公钥清单中（{key.algorithm}，标识 {key.key_id[:16]}…）。")
    signed_at = datetime.fromtimestamp(head.timestamp / 1000, UTC)
    if not key.valid_at(signed_at):
        until = cn_time(key.valid_until) if key.valid_until else "今"
        verdict.add(FAIL, "有效期", f"树头时间 {cn_time(signed_at)} 不在该密钥的有效期"
                                  f"（{cn_time(key.valid_from)} 至 {until}）内。")
        return None
    verdict.add(OK, "有效期", f"树头时间 {cn_time(signed_at)} 在该密钥的有效期内。")
    return key


def _trusted_version(trusted: list, key: PublicKey) -> PublicKey | None:
    for entry in trusted:
        if not isinstance(entry, dict) or entry.get("key_id") != key.key_id:
            continue
        try:
            listed = PublicKey.from_dict({**entry, "name": entry.get("name", "")})
        except (KeyError, TypeError, ValueError):
            return None
        return listed if listed.public_key_pem.strip() == key.public_key_pem.strip() else None
    return None


def _signature(head: SignedTreeHead, key: PublicKey, verdict: Verdict) -> None:
    if head.verify(key.verifier()):
        verdict.add(OK, "签名", f"树头签名有效（{head.algorithm}）：平台签署了收据日志前 {head.tree_size} 条"
                                f"的根哈希 {head.root_hash.hex()[:16]}…")
    else:
        verdict.add(FAIL, "签名", "树头签名不成立：树头（大小、根哈希或时间）在签名后被改动，"
                                  "或签名不是该密钥所签。")


def _inclusion(data: bytes, index: int, proof: list[bytes], head: SignedTreeHead,
               verdict: Verdict) -> None:
    if merkle.verify_inclusion(merkle.leaf_hash(data), index, head.tree_size, proof, head.root_hash):
        verdict.add(OK, "包含证明",
                    f"包含证明成立：这份记录是收据日志第 {index} 条，原样包含在已签名的树头中。")
    else:
        verdict.add(FAIL, "包含证明",
                    "包含证明不成立：记录内容、序号或证明路径被改动，与签名的根哈希对不上。")


def _timestamp(token: str | None, head: SignedTreeHead, verdict: Verdict) -> None:
    if not token:
        verdict.add(NOTE, "可信时间", "没有第三方时间戳：树头的时间由平台自己签署。")
        return
    try:
        der = base64.b64decode(token, validate=True)
        stamp = tsa.read_token(der)
    except (binascii.Error, ValueError) as exc:
        verdict.add(FAIL, "可信时间", f"时间戳无法读取：{exc}")
        return
    if not stamp.covers(head.signed_bytes()):
        verdict.add(FAIL, "可信时间", "时间戳盖的不是这个树头（摘要不符）。")
    elif not stamp.signature_holds():
        verdict.add(FAIL, "可信时间", "时间戳的签名不成立：时间戳被改动。")
    else:
        verdict.add(OK, "可信时间", f"时间戳机构（{stamp.signer}）证明树头不晚于 "
                                    f"{cn_time(stamp.gen_time)} 已存在（其证书是否受信，"
                                    "请用 openssl ts -verify 与该机构的根证书核对）。")
