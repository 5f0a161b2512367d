"""Subject identifiers of hosted records (GZ-16), validated and normalised before anything is
stored: 公民身份号码 and 统一社会信用代码 with python-stdnum (`cn.ric`, `cn.uscc`), 组织机构代码 with
GB 11714's check character, business-licence numbers with ISO 7064 MOD 11,10 (GB/T 17710), and
licence numbers or other keys as trimmed NFKC text.

Ingest checks tens of thousands of identifiers a second, so each check has a fast path built from
stdnum's own functions: `ric.validate` spends 60 µs looking the birthplace up in its region table
for every number; the answer depends only on the region code and birth year, so it is memoised.
Anything the fast path does not accept goes through the full stdnum check (kit.identifiers),
which either normalises it (full-width digits, spaces) or says which rule it breaks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from govshare.kit import identifiers
from govshare.kit.errors import InvalidInput

MAX_LENGTH = 64  # exchange_record.subject
_USCC_CHARS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_ORG_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")


@lru_cache(maxsize=1 << 16)
def _birthplace_known(region: str, year: str) -> bool:
    """stdnum's birthplace rule for a region code and birth year (the slow part of validate)."""
    try:
        ric.get_birth_place(f"{region}{year}01010000")
        return True
    except stdnum_errors.ValidationError:
        return False


def id_number(value, field: str = "subject") -> str:
    """公民身份号码 (GB 11643), compact and upper-case."""
    if type(value) is str:
        n = value.strip().upper()
        if (len(n) == 18 and n.isascii() and n[:17].isdigit() and ric.calc_check_digit(n) == n[17]
                and _date_ok(n[6:14]) and _birthplace_known(n[:6], n[6:10])):
            return n
    return identifiers.normalise_id_number(_text(value, field), field)


@lru_cache(maxsize=1 << 16)
def _date_ok(yyyymmdd: str) -> bool:
    try:
        date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
        return True
    except ValueError:
        return False


def credit_code(value, field: str = "subject") -> str:
    """统一社会信用代码 (GB 32100), compact and upper-case."""
    if type(value) is str:
        n = value.strip().upper()
        if (len(n) == 18 and n.isascii() and n[:8].isdigit() and _USCC_CHARS.issuperset(n[8:])
                and uscc.calc_check_digit(n) == n[17]):
            return n
    return identifiers.normalise_credit_code(_text(value, field), field)


def org_code(value, field: str = "subject") -> str:
    """组织机构代码 (GB 11714): nine characters, the ninth a check character. A unified social
    credit code is accepted too and gives the organisation code inside it (characters 9–17)."""
    n = _text(value, field).replace("-", "").replace(" ", "").upper()
    if len(n) == 18:
        return credit_code(n, field)[8:17]
    if len(n) != 9 or not _ORG_CHARS.issuperset(n[:8]):
        raise InvalidInput("组织机构代码应为8位数字或大写字母加1位校验码（GB 11714）", field=field,
                           rule="format")
    expected = identifiers.make_org_code(n[:8])[8]
    if n[8] != expected:
        raise InvalidInput(f"组织机构代码校验码错误：第9位应为“{expected}”，实为“{n[8]}”",
                           field=field, rule="check_digit")
    return n


def business_licence_no(value, field: str = "subject") -> str:
    """营业执照注册号: 15 digits with an ISO 7064 MOD 11,10 check digit (GB/T 17710); a licence
    issued since the 2015 reform carries the unified social credit code instead."""
    n = _text(value, field).replace(" ", "").upper()
    if len(n) == 18:
        return credit_code(n, field)
    if len(n) != 15 or not _DIGITS.issuperset(n):
        raise InvalidInput(f"营业执照注册号应为15位数字（或18位统一社会信用代码），实为{len(n)}位",
                           field=field, rule="length" if _DIGITS.issuperset(n) else "format")
    if not mod_11_10.is_valid(n):
        raise InvalidInput("营业执照注册号校验码错误（GB/T 17710 MOD 11,10）", field=field,
                           rule="check_digit")
    return n


def other_key(value, field: str = "subject") -> str:
    """A licence number or another key: trimmed, full-width forms folded (NFKC)."""
    n = _text(value, field)
    if not n:
        raise InvalidInput("主体标识不能为空", field=field, rule="required")
    if any(c < " " for c in n):
        raise InvalidInput("主体标识不能含制表符、换行等控制字符", field=field, rule="format")
    return n


def _text(value, field: str) -> str:
    if isinstance(value, float):
        # An 18-digit number in an Excel cell is a float that has already lost its last digits.
        raise InvalidInput("主体标识被存成了数字（Excel 会丢失超过15位的数字），请把该列设为文本后重新导出",
                           field=field, rule="format")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput("主体标识应为文本", field=field, rule="format")
    return unicodedata.normalize("NFKC", value).strip()


NORMALISERS: dict[str, Callable[..., str]] = {
    "id_number": id_number,
    "credit_code": credit_code,
    "org_code": org_code,
    "business_licence_no": business_licence_no,
    "licence_no": other_key,
    "other": other_key,
}


def normaliser(subject_key: str, length: int | None = None) -> Callable[..., str]:
    """The check of a catalog SubjectKey, with the key item's length (never over MAX_LENGTH)."""
    check = NORMALISERS[subject_key]
    limit = min(length or MAX_LENGTH, MAX_LENGTH)
    if subject_key in ("id_number", "credit_code", "org_code", "business_licence_no") and limit >= 18:
        return check  # fixed lengths of 18 characters or fewer

    def normalise(value, field: str = "subject") -> str:
        n = check(value, field)
        if len(n) > limit:
            raise InvalidInput(f"主体标识最长{limit}个字符，实为{len(n)}个", field=field, rule="length")
        return n

    return normalise
