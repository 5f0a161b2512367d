"""Subject identifiers (GZ-16): 统一社会信用代码 (GB 32100) and 公民身份号码 (GB 11643), validated
with python-stdnum; errors name the field and the broken rule (a wrong check digit says which)."""

from __future__ import annotations

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from govshare.kit.errors import InvalidInput


def normalise_credit_code(value: str, field: str = "credit_code") -> str:
    """Return the compact, upper-case credit code or raise InvalidInput naming the rule."""
    code = uscc.compact(value or "")
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        raise InvalidInput(
            f"统一社会信用代码校验码错误：第18位应为“{expected}”，实为“{code[17]}”",
            field=field, rule="check_digit") from None
    except stdnum_errors.InvalidLength:
        raise InvalidInput(f"统一社会信用代码应为18位，实为{len(code)}位",
                           field=field, rule="length") from None
    except stdnum_errors.ValidationError:
        raise InvalidInput("统一社会信用代码格式错误（GB 32100：数字与大写字母，不含 I、O、Z、S、V）",
                           field=field, rule="format") from None


def normalise_id_number(value: str, field: str = "id_number") -> str:
    """Return the compact 18-digit 公民身份号码 or raise InvalidInput naming the rule."""
    number = ric.compact(value or "").upper()
    try:
        return ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        expected = ric.calc_check_digit(number)
        raise InvalidInput(
            f"公民身份号码校验码错误：第18位应为“{expected}”，实为“{number[17]}”",
            field=field, rule="check_digit") from None
    except stdnum_errors.InvalidLength:
        raise InvalidInput(f"公民身份号码应为18位，实为{len(number)}位",
                           field=field, rule="length") from None
    except stdnum_errors.InvalidComponent:
        raise InvalidInput("公民身份号码中的出生日期或地区码无效", field=field,
                           rule="component") from None
    except stdnum_errors.ValidationError:
        raise InvalidInput("公民身份号码格式错误", field=field, rule="format") from None


def make_credit_code(body17: str) -> str:
    """Complete 17 characters with their check digit (used by the demo generator)."""
    return body17 + uscc.calc_check_digit(body17)


def make_id_number(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_org_code(body8: str) -> str:
    """Complete an 8-character organisation code (GB 11714) with its check character."""
    total = sum(_ALNUM.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))
