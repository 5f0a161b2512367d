"""Electronic seals in the archive package (GZ-23, GZ-15, GD-9): each archived licence or document
record carries its seal — the sealed document exactly as the provider agency's seal key signed
it, the per-item salts and the base64 signature — and the package carries the agencies' seal
public keys (`seal-keys/<key id>.pem`, every version of each `agency-<id>` key), so the archive
checks every seal offline, against every value of the record, with evidence/seals.py.

The platform's signature over the manifest says "this is what the platform held"; the seals say
"this is what the agency sealed": a value changed in the database after sealing, and then
packed and signed by the platform, is still reported by the seal check."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from govshare.evidence import seals
from govshare.evidence.keystore import KeyStore, PublicKey, agency_key_name
from govshare.evidence.signing import key_id_of, load_verifier
from govshare.kit.errors import DomainError, NotFound
from govshare.kit.system import system_use

FOLDER = "seal-keys"
SHOWN = 20  # record problems listed one by one; beyond that, only counted


@system_use("shapes a seal the transfer already read after its policy check")
def seal_line(seal) -> dict | None:
    """A stored seal (RecordSeal row) as a record line of the package carries it."""
    if seal is None:
        return None
    return {"seal_id": seal.seal_id, "agency_id": seal.agency_id, "key_id": seal.key_id,
            "algorithm": seal.algorithm, "sealed": seal.sealed, "salts": dict(seal.salts),
            "signature": base64.b64encode(bytes(seal.signature)).decode("ascii"),
            "sealed_at": seal.sealed_at.isoformat()}


@system_use("public keys, published anyway; the transfer passed its policy check")
def agency_keys(keys: KeyStore, agency_ids: Iterable[int]) -> list[PublicKey]:
    """Every version of these agencies' seal keys (those that have one), oldest first."""
    found = []
    for agency_id in sorted(set(agency_ids)):
        try:
            found += keys.versions(agency_key_name(agency_id))
        except NotFound:  # its seals' keys are missing: verify reports each such seal
            continue
    return found


def key_path(key_id: str) -> str:
    return f"{FOLDER}/{key_id}.pem"


@dataclass
class SealCheck:
    """What the seal check of a package found."""

    checked: int = 0  # records with a seal, checked
    unsealed: int = 0  # records without one (loaded before sealing began)
    failed: int = 0  # records whose seal does not hold
    problems: list[str] | None = None

    def __post_init__(self) -> None:
        self.problems = self.problems or []


def check_keys(parts: Iterable[dict], read) -> tuple[dict[str, bytes], list[str]]:
    """The package's seal keys by id, each PEM's id recomputed; problems in Chinese."""
    pems, problems = {}, []
    for part in parts:
        if part.get("kind") != "seal_key":
            continue
        pem = read(part.get("path", ""))
        try:
            key_id = key_id_of(load_verifier(pem).public_der) if pem else None
        except DomainError:
            key_id = None
        if key_id is None or key_id != part.get("key_id"):
            problems.append(f"{part.get('path')} 不是清单所记标识为 {part.get('key_id')} 的公钥")
            continue
        pems[key_id] = pem
    return pems, problems


def check_lines(lines: Iterable[bytes], pems: dict[str, bytes]) -> SealCheck:
    """Every record line's seal against all its values (evidence/seals.check_record)."""
    found = SealCheck()
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            _fail(found, f"records.ndjson 第 {number} 行不是 JSON")
            continue
        seal = record.get("seal") if isinstance(record, dict) else None
        if seal is None:
            found.unsealed += 1
            continue
        found.checked += 1
        problems = _record_problems(record, seal, pems)
        if problems:
            _fail(found, f"记录 {record.get('record_id')}（主体 {record.get('subject')}）："
                         + "".join(problems))
    if found.failed > SHOWN:
        found.problems.append(f"另有 {found.failed - SHOWN} 条记录与电子印章不符（未逐条列出）")
    return found


def _fail(found: SealCheck, problem: str) -> None:
    found.failed += 1
    if found.failed <= SHOWN:
        found.problems.append(problem)


def _record_problems(record: dict, seal: dict, pems: dict[str, bytes]) -> list[str]:
    pem = pems.get(seal.get("key_id"))
    if pem is None:
        return [f"印章密钥（标识 {str(seal.get('key_id'))[:16]}…）不在包内 {FOLDER}/ 中。"]
    try:
        stored = seals.Seal(seal["seal_id"], seal["agency_id"], seal["key_id"], seal["algorithm"],
                            seal["sealed"], seal["salts"],
                            base64.b64decode(seal["signature"], validate=True),
                            datetime.fromisoformat(seal["sealed_at"]))
        return seals.check_record(stored, pem, record["resource_code"], record["subject"],
                                  record["load_id"], datetime.fromisoformat(record["produced_at"]),
                                  datetime.fromisoformat(record["valid_from"]), record["data"])
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error):
        return ["印章或记录的格式有误（缺少字段或时间、签名无法读取）。"]
