"""Electronic seals over records (GZ-23): the provider agency's seal key signs the RFC 8785 JSON
of a record's sealed document, so a changed byte of any value, or of the document, breaks it.

The sealed document (`type` govshare.seal.v1) names the seal, the agency, the resource, the
subject, the load and the record's times, and holds for every item only a salted SM3 digest,
SM3(canonical([salt_hex, item, value])), with 16 random bytes of salt per item. That makes the
seal selectively disclosable: a data snapshot shows the salts and values of the items a grant
showed in clear, the seal still verifies over the whole document, and a masked or ungranted
value stays unknown (its digest cannot be guessed without its salt, even for a short value).

Pure: no database. The platform stores the document text exactly as signed (`sealed`), the
salts and the signature (exchange_record_seal); anyone checks a seal with stock openssl.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from govshare.evidence import chain, signing
from govshare.evidence.signing import Signer
from govshare.kit.errors import DomainError

TYPE = "govshare.seal.v1"
SALT_BYTES = 16
_PLAIN = (str, int, bool, type(None))
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_EXACT_INT = 2**53 - 1


@dataclass(frozen=True)
class SealAgency:
    id: int
    name: str
    credit_code: str


@dataclass(frozen=True)
class Seal:
    """A record's seal as the platform stores it."""

    seal_id: str
    agency_id: int
    key_id: str
    algorithm: str
    sealed: str  # the sealed document's RFC 8785 JSON, exactly the bytes signed (UTF-8)
    salts: dict[str, str]  # item -> salt, hex
    signature: bytes
    sealed_at: datetime


def iso(moment: datetime) -> str:
    """Times in the sealed document: UTC, ISO 8601, as the platform stores them."""
    return moment.astimezone(UTC).isoformat()


def item_digest(salt_hex: str, item: str, value: Any) -> str:
    """SM3 of the RFC 8785 JSON of [salt, item, value], hex."""
    return hashlib.new("sm3", _canonical_item(salt_hex, item, _exact(value))).hexdigest()


def _canonical_item(salt_hex: str, item: str, value: Any) -> bytes:
    """RFC 8785 of [salt, item, value]. For text, safe integers, booleans and null the standard
    library's compact JSON without ASCII escaping is byte for byte the same (RFC 8785 escapes only
    '"', '\\' and controls below 0x20, lower-case hex, as `json` does) at a fraction of the cost:
    a seal digests every item (tests/evidence/test_seals.py compares the two)."""
    if type(value) in _PLAIN and type(item) is str:
        try:
            return _compact([salt_hex, item, value]).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 refuse it
            pass
    return chain.canonical([salt_hex, item, value])


def _exact(value: Any) -> Any:
    """RFC 8785 refuses integers beyond ±(2**53 - 1) (not exact in every JSON reader): such a
    number (a long 数值型 item) is digested as {"int": "<its digits>"} instead. Stored values are
    never objects, so this cannot collide with a real value."""
    if type(value) is int and abs(value) > _EXACT_INT:
        return {"int": str(value)}
    return value


def seal_record(signer: Signer, agency: SealAgency, resource_code: str, subject: str, load_id: int,
                produced_at: datetime, valid_from: datetime, data: Mapping[str, Any],
                sealed_at: datetime) -> Seal:
    """Seal one record (its items as stored) with the agency's current seal key."""
    salts = {name: os.urandom(SALT_BYTES).hex() for name in data}
    document = {
        "type": TYPE, "seal_id": str(uuid.uuid4()),
        "agency": {"id": agency.id, "name": agency.name, "credit_code": agency.credit_code},
        "resource_code": resource_code, "subject": subject, "load_id": load_id,
        "produced_at": iso(produced_at), "valid_from": iso(valid_from), "sealed_at": iso(sealed_at),
        "items": {name: item_digest(salts[name], name, value) for name, value in data.items()},
    }
    sealed = chain.canonical(document)
    return Seal(seal_id=document["seal_id"], agency_id=agency.id, key_id=signer.key_id,
                algorithm=signer.algorithm, sealed=sealed.decode("utf-8"), salts=salts,
                signature=signer.sign(sealed), sealed_at=sealed_at)


def disclose(seal, data: Mapping[str, Any], items: Iterable[str]) -> dict:
    """The seal as a snapshot carries it: the whole signed document, and salt and value of the
    `items` shown in clear only. `seal` is a Seal or a stored row with the same fields."""
    sealed = seal.sealed
    agency = json.loads(sealed).get("agency") or {}
    shown = {name: {"salt": seal.salts[name], "value": data[name]}
             for name in items if name in data and name in seal.salts}
    return {"seal_id": seal.seal_id, "agency_id": seal.agency_id, "agency_name": agency.get("name"),
            "key_id": seal.key_id, "algorithm": seal.algorithm, "sealed": sealed,
            "signature": base64.b64encode(bytes(seal.signature)).decode("ascii"), "disclosed": shown}


def check_disclosure(part: Mapping[str, Any], public_key_pem: str | bytes) -> list[str]:
    """Problems with a seal disclosure, in Chinese; an empty list means the seal holds: the
    agency's key signed `sealed`, and every disclosed value is the one sealed."""
    try:
        sealed, signature = part["sealed"], base64.b64decode(part["signature"], validate=True)
        disclosed = part.get("disclosed") or {}
    except (KeyError, TypeError, binascii.Error):
        return ["印章格式有误：缺少签名文档（sealed）或签名（signature）。"]
    problems = _signature_problems(sealed, signature, part, public_key_pem)
    document = _document(sealed)
    if document is None:
        return problems + ["签名文档不是本平台的印章文档（govshare.seal.v1 的规范化 JSON）。"]
    if document.get("seal_id") != part.get("seal_id") or \
            (document.get("agency") or {}).get("id") != part.get("agency_id"):
        problems.append("印章编号或机关与签名文档中的不符。")
    for name, shown in disclosed.items():
        problems += _item_problems(document["items"], name, shown)
    return problems


def check_record(seal, public_key_pem: str | bytes, resource_code: str, subject: str, load_id: int,
                 produced_at: datetime, valid_from: datetime, data: Mapping[str, Any]) -> list[str]:
    """Problems of a stored record (all its values) against its stored seal, in Chinese."""
    part = {"seal_id": seal.seal_id, "agency_id": seal.agency_id, "key_id": seal.key_id,
            "algorithm": seal.algorithm}
    problems = _signature_problems(seal.sealed, bytes(seal.signature), part, public_key_pem)
    document = _document(seal.sealed)
    if document is None:
        return problems + ["签名文档不是本平台的印章文档。"]
    stated = {"resource_code": resource_code, "subject": subject, "load_id": load_id,
              "produced_at": iso(produced_at), "valid_from": iso(valid_from)}
    changed = [k for k, v in stated.items() if document.get(k) != v]
    if changed:
        problems.append(f"记录的{'、'.join(_FIELDS[k] for k in changed)}与印章不符。")
    sealed_items = document["items"]
    if set(sealed_items) != set(data):
        added, gone = sorted(set(data) - set(sealed_items)), sorted(set(sealed_items) - set(data))
        problems.append(f"记录的信息项与印章不符（多出：{'、'.join(added) or '无'}；"
                        f"缺少：{'、'.join(gone) or '无'}）。")
    for name in sorted(set(sealed_items) & set(data)):
        salt = seal.salts.get(name, "")
        if item_digest(salt, name, data[name]) != sealed_items[name]:
            problems.append(f"信息项“{name}”的值与印章不符：盖章后被改动。")
    return problems


_FIELDS = {"resource_code": "资源代码", "subject": "主体标识", "load_id": "批次",
           "produced_at": "数据产生时间", "valid_from": "数据生效时间"}


def _signature_problems(sealed: str, signature: bytes, part: Mapping[str, Any],
                        public_key_pem: str | bytes) -> list[str]:
    pem = public_key_pem.encode("ascii") if isinstance(public_key_pem, str) else public_key_pem
    try:
        verifier = signing.load_verifier(pem)
    except DomainError as exc:
        return [exc.message]
    problems = []
    if part.get("key_id") is not None and verifier.key_id != part["key_id"]:
        problems.append("公钥与印章所记的密钥标识不符。")
    if part.get("algorithm") is not None and verifier.algorithm != part["algorithm"]:
        problems.append(f"公钥的算法（{verifier.algorithm}）与印章所记的（{part['algorithm']}）不符。")
    if not isinstance(sealed, str) or not verifier.verify(sealed.encode("utf-8"), signature):
        problems.append("印章签名不成立：签名文档在盖章后被改动，或签名不是该机关的印章密钥所签。")
    return problems


def _document(sealed: str) -> dict | None:
    try:
        document = json.loads(sealed)
        canonical = chain.canonical(document) == sealed.encode("utf-8")
    except (TypeError, ValueError):
        return None
    if not canonical or not isinstance(document, dict) or document.get("type") != TYPE \
            or not isinstance(document.get("items"), dict):
        return None
    return document


def _item_problems(items: Mapping[str, str], name: str, shown: Any) -> list[str]:
    if name not in items:
        return [f"信息项“{name}”不在印章所盖的信息项中。"]
    if not isinstance(shown, Mapping) or not isinstance(shown.get("salt"), str) or "value" not in shown:
        return [f"信息项“{name}”的披露缺少盐值或值。"]
    if item_digest(shown["salt"], name, shown["value"]) != items[name]:
        return [f"信息项“{name}”披露的值与印章所盖的不符：值被改动。"]
    return []
