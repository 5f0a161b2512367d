"""The seals in a data snapshot's evidence file (GZ-23, GZ-24), checked offline by `govshare
verify`: for every returned record that carries a seal, the provider agency's seal key (in the
file's public keys, and in the trusted list when one is given) signed the sealed document at a
time it was valid, every disclosed value is the one sealed, and every disclosed value is what the
platform returned in clear for that subject. Said in plain Chinese, record by record when
something fails, in one line when all holds."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from govshare.evidence import seals
from govshare.evidence.keystore import PublicKey

PART, VALUES = "电子印章", "披露值"


def check_snapshot_seals(body: dict, doc: dict, trusted: list | None, verdict) -> None:
    """Add the seal findings of a data_snapshot leaf `body` to `verdict`."""
    from govshare.evidence.verifier import FAIL, NOTE, OK

    records = [r for r in body.get("records") or [] if isinstance(r, dict) and r.get("seal")]
    if not records:
        verdict.add(NOTE, PART, "快照中的记录都没有电子印章（只有证照、文书类资源的记录入库时盖章）。")
        return
    keys = _keys(doc, trusted)
    failed, agencies = 0, set()
    for record in records:
        problems = _record_problems(record, keys, trusted is not None)
        value_problems = _value_problems(record, body.get("returned"))
        for problem in problems:
            verdict.add(FAIL, PART, f"记录 {_who(record)}：{problem}")
        for problem in value_problems:
            verdict.add(FAIL, VALUES, f"记录 {_who(record)}：{problem}")
        failed += bool(problems or value_problems)
        agencies.add(record["seal"].get("agency_name") or f"机关 {record['seal'].get('agency_id')}")
    if not failed:
        shown = sum(len(r["seal"].get("disclosed") or {}) for r in records)
        verdict.add(OK, PART, f"{len(records)} 条记录的电子印章均成立：由{'、'.join(sorted(agencies))}的"
                              f"印章密钥签署，盖章时密钥有效；披露的 {shown} 个信息项的值与印章所盖的一致，"
                              "也与返回的明文一致（未披露的信息项只有加盐摘要，无从推知）。")


def _who(record: dict) -> str:
    return f"{record.get('record_id')}（主体 {record.get('subject')}）"


def _keys(doc: dict, trusted: list | None) -> dict[str, PublicKey]:
    """Key versions by id: the trusted list's when given (their validity as published), else
    the file's own."""
    found = {}
    for entry in (trusted if trusted is not None else doc.get("public_keys") or []):
        try:
            key = PublicKey.from_dict({**entry, "name": entry.get("name", "")})
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        found[key.key_id] = key
    return found


def _record_problems(record: dict, keys: dict[str, PublicKey], trusted: bool) -> list[str]:
    part = record["seal"]
    key = keys.get(part.get("key_id"))
    if key is None:
        where = "受信任的公钥清单" if trusted else "证据文件的公钥"
        return [f"印章密钥（标识 {str(part.get('key_id'))[:16]}…）不在{where}中。"]
    problems = seals.check_disclosure(part, key.public_key_pem)
    sealed_at = _sealed_at(part)
    if sealed_at is None:
        problems.append("签名文档中没有可读的盖章时间。")
    elif not key.valid_at(sealed_at):
        problems.append("盖章时间不在该印章密钥的有效期内。")
    if _document_subject(part) not in (None, record.get("subject")):
        problems.append("印章所盖的主体与快照中记录的主体不符。")
    return problems


def _sealed_at(part: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(part["sealed"])["sealed_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _document_subject(part: dict) -> str | None:
    try:
        return json.loads(part["sealed"]).get("subject")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _value_problems(record: dict, returned: Any) -> list[str]:
    """Each disclosed value must be what the answer showed in clear for the record's subject."""
    disclosed = record["seal"].get("disclosed") or {}
    if not disclosed:
        return []
    shown = _returned_for(returned, record.get("subject"))
    if shown is None:
        return ["返回内容中没有该主体的明文记录，披露的值无从对照。"]
    data, masked = shown
    problems = []
    for name, item in disclosed.items():
        value = item.get("value") if isinstance(item, dict) else None
        if name in masked or name not in data:
            problems.append(f"信息项“{name}”在返回内容中不是明文，却在印章中披露。")
        elif data[name] != value or type(data[name]) is not type(value):
            problems.append(f"信息项“{name}”返回的值与印章披露的值不符。")
    return problems


def _returned_for(returned: Any, subject: str | None) -> tuple[dict, set] | None:
    results = returned.get("results") if isinstance(returned, dict) else returned
    for entry in results if isinstance(results, list) else []:
        if not isinstance(entry, dict) or entry.get("subject") != subject:
            continue
        if isinstance(entry.get("data"), dict):
            return entry["data"], set(entry.get("masked") or ())
    return None
