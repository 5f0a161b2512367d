"""The pure rules of filing a confidentiality agreement (GD-34): the kinds of secret it covers, its
term, the signed document (PDF or image, at most 10 MB) and, for state secrets, the filing with the
secrecy department (报保密行政管理部门备案). No database: agreement_service passes the draft."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath

from govshare.access.rules import SECRETS
from govshare.catalog.terms import Sensitivity
from govshare.kit.errors import InvalidInput

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
SCOPE_MAX = 2000
NAME_MAX = 200
FILING_MAX = 100

# What a signed agreement may be uploaded as, known by its first bytes (not by its name).
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
MEDIA_TYPES = {ext: media for _, media, ext in SIGNATURES} | {".jpeg": "image/jpeg"}

KIND_LABELS = {k.value: k.label for k in SECRETS}
STATUS_LABELS = {"in_force": "有效", "terminated": "已终止", "expired": "已到期"}

_FILING = re.compile(r"^备案编号：(?P<number>.*)；备案日期：(?P<date>\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class AgreementDraft:
    """What a party files: the two agencies, what the agreement covers, its term, the signed
    document and, where state secrets are covered, the secrecy department's filing."""

    provider_agency_id: int
    consumer_agency_id: int
    scope: str  # 保密范围, in words
    sensitivities: tuple[str, ...]  # personal_privacy, trade_secret, state_secret
    signed_date: date
    valid_from: date
    valid_until: date
    document: bytes
    document_name: str
    resource_codes: tuple[str, ...] = ()  # empty: every resource of the provider
    secrecy_filing_number: str = ""
    secrecy_filing_date: date | None = None


def check_kinds(kinds: Iterable[str]) -> list[str]:
    """At least one kind of secret, each personal privacy, trade or state secret."""
    chosen = [str(k).strip() for k in kinds if str(k).strip()]
    if not chosen:
        raise InvalidInput("请选择协议涉及的秘密类型（个人隐私、商业秘密或国家秘密）",
                           field="sensitivities", rule="required")
    unknown = [k for k in chosen if k not in KIND_LABELS]
    if unknown:
        raise InvalidInput(f"秘密类型应为：{'、'.join(f'{k}（{v}）' for k, v in KIND_LABELS.items())}",
                           field="sensitivities", rule="choice")
    return [k for k in KIND_LABELS if k in chosen]  # one order everywhere


def check_scope(scope: str) -> str:
    text = (scope or "").strip()
    if not text:
        raise InvalidInput("请写明保密范围", field="scope", rule="required")
    if len(text) > SCOPE_MAX:
        raise InvalidInput(f"保密范围不能超过 {SCOPE_MAX} 个字", field="scope", rule="max_length")
    return text


def check_term(signed: date, valid_from: date, valid_until: date, today: date) -> None:
    """Signed already; a term that starts no later than it ends and has not ended yet."""
    if signed > today:
        raise InvalidInput(f"签署日期 {signed.isoformat()} 晚于今天，应填写协议实际签署的日期",
                           field="signed_date", rule="not_future")
    if valid_until < valid_from:
        raise InvalidInput("协议期限的结束日期不能早于开始日期", field="valid_until", rule="range")
    if valid_until < today:
        raise InvalidInput(f"协议期限已于 {valid_until.isoformat()} 届满，不能备案已失效的协议",
                           field="valid_until", rule="ended")


def check_document(data: bytes, name: str) -> tuple[str, str]:
    """The signed document: not empty, at most 10 MB, a PDF or an image. Returns the name to
    store (its extension matching what the bytes are) and the media type."""
    if not data:
        raise InvalidInput("请上传已签署的保密协议文本（PDF 或图片），上传的文件为空",
                           field="document", rule="required")
    if len(data) > DOCUMENT_MAX_BYTES:
        raise InvalidInput(f"协议文本不能超过 {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB",
                           field="document", rule="max_size")
    found = next(((media, ext) for sig, media, ext in SIGNATURES if data.startswith(sig)), None)
    if found is None:
        raise InvalidInput("协议文本应为 PDF 文件或 PNG、JPEG 图片（扫描件）", field="document",
                           rule="file_type")
    media, ext = found
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip() or "保密协议"
    stem, dot, suffix = base.rpartition(".")
    if not dot or MEDIA_TYPES.get("." + suffix.lower()) != media:
        base = base + ext
    if len(base) > NAME_MAX:
        base = base[:NAME_MAX - len(ext)] + ext
    return base, media


def check_filing(kinds: Iterable[str], number: str, on: date | None, today: date) -> str:
    """State secrets need the filing with the secrecy department: its number and date. Returns
    the text stored (empty when none is given and none is needed)."""
    number = (number or "").strip()
    needed = Sensitivity.STATE_SECRET.value in set(kinds)
    if needed and not number:
        raise InvalidInput("涉及国家秘密的保密协议须报保密行政管理部门备案，请填写备案编号（GD-34）",
                           field="secrecy_filing_number", rule="required_for_state_secret")
    if needed and on is None:
        raise InvalidInput("涉及国家秘密的保密协议须报保密行政管理部门备案，请填写备案日期（GD-34）",
                           field="secrecy_filing_date", rule="required_for_state_secret")
    if not number and on is None:
        return ""
    if not number or on is None:
        field = "secrecy_filing_number" if not number else "secrecy_filing_date"
        raise InvalidInput("保密行政管理部门备案须同时填写备案编号和备案日期", field=field,
                           rule="required")
    if len(number) > FILING_MAX or "；" in number:
        raise InvalidInput(f"备案编号不能超过 {FILING_MAX} 个字，且不含“；”",
                           field="secrecy_filing_number", rule="format")
    if on > today:
        raise InvalidInput("备案日期不能晚于今天", field="secrecy_filing_date", rule="not_future")
    return f"备案编号：{number}；备案日期：{on.isoformat()}"


def filing_parts(text: str) -> tuple[str, date | None]:
    """The filing number and date stored by `check_filing` (empty, None when none)."""
    match = _FILING.match(text or "")
    if match is None:
        return (text or "").strip(), None
    return match["number"], date.fromisoformat(match["date"])


def media_type(document_name: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(document_name).suffix.lower(), "application/octet-stream")


def check_codes(codes: Iterable[str]) -> list[str]:
    """Resource codes as typed: blanks dropped, each once, in the order given."""
    seen: list[str] = []
    for code in codes:
        for part in re.split(r"[\s,，、；;]+", str(code or "")):
            if part and part not in seen:
                seen.append(part)
    return seen
