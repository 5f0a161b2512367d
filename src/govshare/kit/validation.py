"""Chinese sentences for the errors Pydantic finds in a request before any service sees it.

Pydantic writes English ("Input should be a valid integer"); a clerk reads Chinese. Each error
keeps its `field` and, as `rule`, Pydantic's own error type, which is stable for programs; only
the sentence is ours. Types without a sentence here get a generic one naming the field.
"""

from __future__ import annotations

import re
from typing import Any

DATE = "日期，格式为 YYYY-MM-DD（如 2026-11-27）"
DATETIME = "带时区的日期时间，格式为 YYYY-MM-DDTHH:MM:SS+08:00"
OBJECT = "对象（键值对）"

# Error type → what the value must be or do, after “字段“x””. `{name}` are the error's ctx values.
SENTENCES: dict[str, str] = {
    "missing": "必须填写",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数，不能带小数",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "decimal_parsing": "须为数字",
    "decimal_type": "须为数字",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "finite_number": "须为有限的数字",
    "multiple_of": "须为 {multiple_of} 的整数倍",
    "bool_parsing": "须为“是”或“否”（true 或 false）",
    "bool_type": "须为“是”或“否”（true 或 false）",
    "date_parsing": "须为" + DATE,
    "date_from_datetime_parsing": "须为" + DATE,
    "date_from_datetime_inexact": "须为" + DATE + "，不能带时刻",
    "date_type": "须为" + DATE,
    "datetime_parsing": "须为" + DATETIME,
    "datetime_from_date_parsing": "须为" + DATETIME,
    "datetime_type": "须为" + DATETIME,
    "timezone_aware": "须带时区（如 +08:00）",
    "timezone_naive": "不能带时区",
    "time_parsing": "须为时刻，格式为 HH:MM:SS",
    "string_type": "须为文字",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（应匹配 {pattern}）",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "literal_error": "须为以下之一：{expected}",
    "enum": "须为以下之一：{expected}",
    "list_type": "须为列表",
    "tuple_type": "须为列表",
    "set_type": "须为列表",
    "dict_type": "须为" + OBJECT,
    "model_type": "须为" + OBJECT,
    "model_attributes_type": "须为" + OBJECT,
    "json_type": "须为 JSON 文本",
    "url_parsing": "须为有效的网址（如 https://example.gov.cn/hook）",
    "url_type": "须为有效的网址（如 https://example.gov.cn/hook）",
    "url_scheme": "须以 {expected_schemes} 开头",
    "url_too_long": "最多 {max_length} 个字符",
    "uuid_parsing": "须为 UUID",
    "uuid_type": "须为 UUID",
    "bytes_too_long": "最多 {max_length} 个字节",
    "bytes_too_short": "至少 {min_length} 个字节",
    "extra_forbidden": "不是本接口接受的字段",
    "frozen_field": "不能修改",
    "union_tag_invalid": "类型须为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少区分类型的字段 {discriminator}",
}

CJK = re.compile(r"[\u4e00-\u9fff]")


def field_label(field: str) -> str:
    return f"字段“{field}”" if field else "请求正文"


def chinese_message(error: dict[str, Any], field: str) -> str:
    """One Pydantic error as a Chinese sentence naming the field and, where it has them, the numbers."""
    kind = error.get("type", "")
    ctx = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    if kind == "json_invalid":
        return f"请求正文不是有效的 JSON（{ctx.get('error', '无法解析')}）"
    if kind in ("value_error", "assertion_error"):
        return _own_message(field, str(ctx.get("error", "")))
    try:
        return field_label(field) + SENTENCES[kind].format(**ctx)
    except (KeyError, IndexError):  # a type we have no sentence for, or a ctx without our number
        return f"{field_label(field)}的值不符合规则，请检查后重新填写"


def _own_message(field: str, message: str) -> str:
    """A validator of ours raised ValueError: its message is ours, in Chinese if we wrote it so."""
    if CJK.search(message):
        return f"{field_label(field)}不符合规则：{message}"
    return f"{field_label(field)}的值不符合规则，请检查后重新填写"


def _shown(value: Any) -> Any:
    """`'a' or 'b'` (Pydantic's list of choices) reads `'a'、'b'`; numbers stay as they are."""
    if isinstance(value, str):
        return value.replace("' or '", "'、'").replace("', '", "'、'")
    return value
