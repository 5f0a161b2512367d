"""Masking (脱敏) of sensitive items a grant does not include. Pure functions, no database.

Which items: an item the published catalog marks personal privacy (个人隐私) or trade secret
(商业秘密) and the grant does not list is shown masked, so that a clerk can tell the record is
the one meant (张*, 440106********1234) without learning the value. An item the grant lists is
shown in clear (a grant of such items is only in force once a confidentiality agreement is
filed, GD-34). A state-secret item the grant does not list is never shown, not even masked; a
non-sensitive item the grant does not list is not shown either (projection to the grant).

How (the first rule that fits wins; one `*` per hidden character, so lengths show):

- 18-character identifier (公民身份号码, 统一社会信用代码) or 15-digit ID: first 6 and last 4
  kept — 440106********1234;
- mobile number (11 digits starting with 1): first 3 and last 4 kept — 138****5678;
- person's name (item named …姓名/名字, or …人 such as 法定代表人): the first character (the
  surname) kept — 张*, 欧阳娜娜 → 欧***;
- address (item named …地址/住址/住所/坐落/地点): kept up to the last 区, 县 or 市 among the
  first 9 characters — 广州市天河区*****;
- date (data type D) or date-time (T): the year kept — 1990-**-**;
- number (N, I, F, Y), binary (B, G): nothing kept — ***; yes/no (L): *;
- any other text: the first quarter kept (none when 2 characters or fewer) — ** (户主),
  J440*************** (结婚证字号).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MASKED_SENSITIVITIES = frozenset({"personal_privacy", "trade_secret"})
NEVER_SHOWN = frozenset({"state_secret"})

_ID_LIKE = re.compile(r"^(?:[0-9A-Z]{18}|\d{15})$")
_MOBILE = re.compile(r"^1\d{10}$")
_NAME_WORDS = ("姓名", "名字")
_NAME_SUFFIX = "人"
_ADDRESS_WORDS = ("地址", "住址", "住所", "坐落", "地点")
_DISTRICT_ENDS = "区县市"


def _stars(n: int) -> str:
    return "*" * max(n, 0)


def keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return _stars(len(value))
    return value[:head] + _stars(len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_identifier(value: str) -> str:
    return keep_ends(value, 6, 4)


def mask_mobile(value: str) -> str:
    return keep_ends(value, 3, 4)


def mask_name(value: str) -> str:
    return value[:1] + _stars(len(value) - 1) if len(value) > 1 else "*"


def mask_address(value: str) -> str:
    cut = max((i + 1 for i, c in enumerate(value[:9]) if c in _DISTRICT_ENDS), default=0)
    if cut == 0 or cut >= len(value):
        return mask_text(value)
    return value[:cut] + _stars(len(value) - cut)


def mask_text(value: str) -> str:
    if len(value) <= 2:
        return _stars(len(value))
    keep = max(len(value) // 4, 1)
    return value[:keep] + _stars(len(value) - keep)


def mask_date(value: Any) -> str:
    text = str(value)
    return text[:4] + re.sub(r"\d", "*", text[4:]) if len(text) >= 4 and text[:4].isdigit() else "****"


def _by_value(value: Any, text_rule: Callable[[str], str]) -> str:
    text = str(value)
    if _ID_LIKE.match(text):
        return mask_identifier(text)
    if _MOBILE.match(text):
        return mask_mobile(text)
    return text_rule(text)


def masker(name: str, data_type: str | None) -> Callable[[Any], str | None]:
    """The masking function of one catalog item, chosen once from its name and data type."""
    if data_type in ("D", "T"):
        rule: Callable[[Any], str] = mask_date
    elif data_type in ("N", "I", "Y", "F", "B", "G"):
        def rule(value: Any) -> str:
            return "***"
    elif data_type == "L":
        def rule(value: Any) -> str:
            return "*"
    elif any(w in name for w in _NAME_WORDS) or name.endswith(_NAME_SUFFIX):
        def rule(value: Any) -> str:
            return _by_value(value, mask_name)
    elif any(w in name for w in _ADDRESS_WORDS):
        def rule(value: Any) -> str:
            return _by_value(value, mask_address)
    else:
        def rule(value: Any) -> str:
            return _by_value(value, mask_text)

    def mask(value: Any) -> str | None:
        return None if value is None else rule(value)

    return mask


def plan(items: list[dict[str, Any]], granted: list[str] | tuple[str, ...]) -> tuple[
        tuple[str, ...], dict[str, Callable[[Any], str | None]]]:
    """What a grant shows of an entry's items: the items shown in clear (the granted ones, in
    the grant's order) and the masking function of each sensitive item shown masked."""
    known = {i["name"] for i in items}
    clear = tuple(n for n in granted if n in known)
    wanted = set(clear)
    masked = {i["name"]: masker(i["name"], i.get("data_type")) for i in items
              if i["name"] not in wanted and i.get("sensitivity") in MASKED_SENSITIVITIES}
    return clear, masked
