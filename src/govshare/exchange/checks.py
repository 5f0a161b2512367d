"""Checking records against their catalog entry (GD-16): every item known, the subject key present
and valid (GZ-16), every value of its item's data type and length, and the provider's produced-at
time present (GZ-17). Pure: no database.

An entry's checks are compiled once (`compile_schema`, cached by the entry's content hash) into
one small function per item, so checking a record is a loop over its items and nothing else.
A value that fails raises `Bad` (rule and a Chinese phrase); the caller turns it into a
`RecordError` naming the record, the item and the rule, and goes on to the next value: a batch
reports every error, not the first."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from govshare.exchange import subjects
from govshare.kit.clock import CHINA
from govshare.kit.errors import InvalidInput

PRODUCED, VALID_FROM, DIVISION = "_produced_at", "_valid_from", "_division_code"
# Spreadsheet headers may name the reserved columns in Chinese (unless an item has that name).
ALIASES = {"数据产生时间": PRODUCED, "数据生效时间": VALID_FROM, "数据所属区划": DIVISION}
RESERVED_LABELS = {PRODUCED: "数据产生时间", VALID_FROM: "数据生效时间", DIVISION: "数据所属区划"}
TYPE_LABELS = {"C": "字符型", "M": "备注型", "N": "数值型", "I": "整型", "F": "浮点型", "Y": "货币型",
               "D": "日期型", "T": "日期时间型", "L": "逻辑型", "G": "图形图像", "B": "二进制"}


class Bad(Exception):
    """A value breaks a rule: `rule` for programs, `phrase` (Chinese) completes a sentence."""

    def __init__(self, rule: str, phrase: str):
        super().__init__(phrase)
        self.rule, self.phrase = rule, phrase


@dataclass(frozen=True)
class RecordError:
    index: int | None  # 0-based position of the record in the batch; None: the batch as a whole
    row: int | None  # line (NDJSON, CSV) or worksheet row (Excel), header = 1
    item: str | None
    rule: str
    message: str


Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Schema:
    resource_code: str
    name: str
    key_item: str
    key_kind: str  # catalog SubjectKey
    items: tuple[tuple[str, Check], ...]  # in the entry's order; the key item's check normalises the subject
    checks: dict[str, Check]
    deadline_class: str


def _echo(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


# --- one check per data type ---------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")


def _number(integer: bool, digits: int | None, decimals: int | None) -> Check:
    kind = "整数" if integer else "数值"

    def check(v):
        if type(v) is str:
            m = _NUMBER.fullmatch(v.strip())
            if m is None:
                raise Bad("integer" if integer else "number", f"应为{kind}，实为“{_echo(v)}”")
            whole, frac = m.group(1), m.group(2) or ""
            value = int(v) if not frac else float(v)
        elif type(v) is int:
            whole, frac, value = str(abs(v)), "", v
        elif type(v) is float and math.isfinite(v):
            if v.is_integer():
                whole, frac, value = str(int(abs(v))), "", int(v)
            else:
                whole, _, frac = f"{Decimal(repr(abs(v))):f}".partition(".")
                value = v
        else:
            raise Bad("integer" if integer else "number", f"应为{kind}，实为“{_echo(v)}”")
        if integer and frac.strip("0"):
            raise Bad("integer", f"应为整数，实为“{_echo(v)}”")
        if decimals is not None and len(frac.rstrip("0")) > decimals:
            raise Bad("decimals", f"最多{decimals}位小数，实为“{_echo(v)}”")
        if digits and len(whole.lstrip("0")) + len(frac.rstrip("0")) > digits:
            raise Bad("length", f"最多{digits}位数字，实为“{_echo(v)}”")
        return value

    return check


_LOOSE_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def _date(v) -> str:
    if type(v) is str:
        s = v.strip()
        try:
            return date.fromisoformat(s).isoformat()
        except ValueError:
            pass
        m = _LOOSE_DATE.fullmatch(s)  # 2026/1/5, 2026.01.05, 2026年1月5日
        if m:
            try:
                return date(*map(int, m.groups())).isoformat()
            except ValueError:
                pass
        return _no_date(v)
    if isinstance(v, datetime):
        if v.time() != datetime.min.time():
            raise Bad("date", f"应为日期（不含时间），实为“{_echo(v)}”")
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return _no_date(v)


def _no_date(v):
    raise Bad("date", f"应为日期（YYYY-MM-DD），实为“{_echo(v)}”")


def moment(v) -> datetime:
    """A date and time: ISO 8601 text or a datetime; without a zone it is China time (UTC+8)."""
    if type(v) is str:
        try:
            dt = datetime.fromisoformat(v.strip())
        except ValueError:
            raise Bad("datetime", f"应为日期时间（如 2026-11-27T09:30:00+08:00），实为“{_echo(v)}”") from None
    elif isinstance(v, datetime):
        dt = v
    else:
        raise Bad("datetime", f"应为日期时间（如 2026-11-27T09:30:00+08:00），实为“{_echo(v)}”")
    return dt.replace(tzinfo=CHINA) if dt.tzinfo is None else dt


def _datetime(v) -> str:
    return moment(v).astimezone(CHINA).isoformat()


_TRUE = {"true", "是", "1", "y", "yes", "t"}
_FALSE = {"false", "否", "0", "n", "no", "f"}


def _boolean(v) -> bool:
    if type(v) is bool:
        return v
    if type(v) is int and v in (0, 1):
        return bool(v)
    if type(v) is str:
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise Bad("boolean", f"应为逻辑值（是/否、true/false、1/0），实为“{_echo(v)}”")


def _text(length: int | None) -> Check:
    def check(v):
        if type(v) is not str:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise Bad("text", f"应为文本，实为“{_echo(v)}”")
            v = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        v = v.strip()
        if length and len(v) > length:
            raise Bad("length", f"最长{length}个字符，实为{len(v)}个")
        return v or None

    return check


def _not_in_table(v):
    raise Bad("not_in_table", "是图形或二进制信息项，不能放在库表记录中，请以文件资源（共享平台·文件）提供")


def _subject(kind: str, length: int | None) -> Check:
    normalise = subjects.normaliser(kind, length)

    def check(v):
        try:
            return normalise(v)
        except InvalidInput as exc:
            raise Bad(exc.rule or "subject", exc.message) from None

    return check


def item_check(data_type: str, length: int | None) -> Check:
    if data_type in ("N", "I", "F", "Y"):
        return _number(data_type == "I", length if data_type in ("N", "I") else None,
                       2 if data_type == "Y" else None)
    return {"D": _date, "T": _datetime, "L": _boolean, "G": _not_in_table,
            "B": _not_in_table}.get(data_type) or _text(length)


def _division(v) -> str:
    s = str(v).strip() if isinstance(v, str | int) and not isinstance(v, bool) else ""
    if len(s) != 6 or not s.isascii() or not s.isdigit():
        raise Bad("format", f"应为6位行政区划代码（GB/T 2260），实为“{_echo(v)}”")
    return s


def _moment_utc(v) -> datetime:
    return moment(v).astimezone(UTC)


RESERVED_CHECKS: dict[str, Check] = {PRODUCED: _moment_utc, VALID_FROM: _moment_utc, DIVISION: _division}


# --- compiling an entry --------------------------------------------------------------------

@lru_cache(maxsize=256)
def _compiled(content_hash: str, resource_code: str, name: str, deadline_class: str,
              items: tuple[tuple[str, str, int | None, str | None], ...]) -> Schema:
    key = next(((n, k) for n, _, _, k in items if k), None)
    if key is None:
        raise InvalidInput(f"资源“{name}”的目录条目没有标明主体标识信息项，无法按主体托管（GZ-16）",
                           field="resource_code", rule="no_subject_key")
    compiled = tuple((n, _subject(k, length) if n == key[0] else item_check(t, length))
                     for n, t, length, k in items)
    return Schema(resource_code, name, key[0], key[1], compiled, dict(compiled), deadline_class)


def compile_schema(content_hash: str, document: dict) -> Schema:
    """The checks of a published entry (snapshot.entry_document), compiled once per content."""
    items = tuple((i["name"], i["data_type"], i.get("length"), i.get("subject_key"))
                  for i in document["items"])
    return _compiled(content_hash, document["resource_code"], document["name"],
                     document["deadline_class"], items)
