"""The checks ingest runs on every record, without a database: subject identifiers validated and
normalised with python-stdnum (GZ-16), each item's data type and length, and the provider's
produced-at time; a record with several faults reports every one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from govshare.exchange import subjects
from govshare.exchange.checks import Bad, compile_schema, item_check
from govshare.exchange.validate import Checker
from govshare.kit.errors import InvalidInput
from govshare.kit.identifiers import make_id_number, make_org_code
from tests.exchange.helpers import ENTERPRISES, PERSONS

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)  # 13:00 in Guangzhou
PRODUCED = "2026-11-26T10:00:00+08:00"
HOUSEHOLD_DOC = {"resource_code": "101001/000001", "name": "户籍人口信息",
                 "deadline_class": "within_3_days",
                 "items": [{"name": "公民身份号码", "data_type": "C", "length": 18,
                            "subject_key": "id_number"},
                           {"name": "姓名", "data_type": "C", "length": 50},
                           {"name": "出生日期", "data_type": "D", "length": None},
                           {"name": "子女数", "data_type": "I", "length": 2},
                           {"name": "在册", "data_type": "L", "length": None}]}


def rule_of(check, value) -> str:
    with pytest.raises((Bad, InvalidInput)) as caught:
        check(value)
    return caught.value.rule


# --- subject identifiers (GZ-16) ---------------------------------------------------------------

@pytest.mark.req("GZ-16")
def test_id_numbers_are_normalised_and_each_fault_named():
    number = PERSONS[0].id_number
    body = number[:17]
    wrong = "0" if number[17] != "0" else "1"
    assert subjects.id_number(f"  {number} ") == number
    assert subjects.id_number("".join(chr(ord(c) + 0xFEE0) for c in number)) == number  # full-width
    x_number = make_id_number("44010619900307001")
    if x_number.endswith("X"):
        assert subjects.id_number(x_number.lower()) == x_number
    with pytest.raises(InvalidInput) as bad:
        subjects.id_number(body + wrong)
    assert bad.value.rule == "check_digit" and f"应为“{number[17]}”" in bad.value.message
    assert rule_of(subjects.id_number, body) == "length"
    assert rule_of(subjects.id_number, make_id_number("44010619901301001")) == "component"  # month 13
    # 天河区 (440106) was created in 1985: nobody born there in 1980 carries its code.
    assert rule_of(subjects.id_number, make_id_number("44010619800101001")) == "component"
    assert rule_of(subjects.id_number, float(number[:15])) == "format"  # Excel turned it into a number


@settings(max_examples=300, deadline=None)
@given(region=st.sampled_from(["440103", "440104", "440106", "440111", "440118", "110101", "999999"]),
       day=st.dates(datetime(1940, 1, 1).date(), datetime(2025, 12, 31).date()),
       seq=st.integers(0, 999), check=st.sampled_from("0123456789X"))
def test_the_fast_id_check_agrees_with_stdnum(region, day, seq, check):
    number = f"{region}{day:%Y%m%d}{seq:03d}{check}"
    try:
        ours = subjects.id_number(number) == number
    except InvalidInput:
        ours = False
    assert ours == ric.is_valid(number)


@pytest.mark.req("GZ-16")
def test_credit_codes_organisation_codes_and_licence_numbers():
    code = ENTERPRISES[0].credit_code
    assert subjects.credit_code(code.lower()) == code
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert rule_of(subjects.credit_code, wrong) == "check_digit"
    assert rule_of(subjects.credit_code, code[:17] + "I") in ("format", "check_digit")
    assert subjects.credit_code(code) == uscc.validate(code)

    org = make_org_code("MA5ABCDE")
    assert subjects.org_code(f"{org[:8]}-{org[8]}") == org
    assert rule_of(subjects.org_code, org[:8] + ("0" if org[8] != "0" else "1")) == "check_digit"
    # 组织机构代码 lives on inside the unified social credit code (characters 9 to 17).
    assert subjects.org_code(code) == code[8:17]

    licence = "440101000" + "12345"
    licence += mod_11_10.calc_check_digit(licence)
    assert subjects.business_licence_no(licence) == licence
    broken = licence[:14] + str((int(licence[14]) + 1) % 10)
    assert rule_of(subjects.business_licence_no, broken) == "check_digit"
    assert subjects.business_licence_no(code) == code  # licences since 2015 carry the USCC
    assert subjects.other_key("  粤Ａ１２３  ") == "粤A123"
    assert rule_of(subjects.other_key, "a\tb") == "format"


@settings(max_examples=200, deadline=None)
@given(body=st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17),
       last=st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"))
def test_the_fast_credit_code_check_agrees_with_stdnum(body, last):
    code = body + last
    try:
        ours = subjects.credit_code(code) == code
    except InvalidInput:
        ours = False
    assert ours == uscc.is_valid(code)


# --- data types --------------------------------------------------------------------------------

@pytest.mark.req("GD-16")
@pytest.mark.parametrize("data_type,length,value,expected", [
    ("N", 6, "1234.5", 1234.5), ("N", 4, 2026, 2026), ("N", None, " -7 ", -7),
    ("I", None, "42", 42), ("I", None, 3.0, 3), ("F", None, "0.125", 0.125),
    ("Y", None, "99.90", 99.9), ("Y", None, 12, 12),
    ("D", None, "2026-11-27", "2026-11-27"), ("D", None, "20261127", "2026-11-27"),
    ("D", None, "2026/1/5", "2026-01-05"), ("D", None, datetime(2026, 1, 5), "2026-01-05"),
    ("T", None, "2026-11-27 09:30:00", "2026-11-27T09:30:00+08:00"),
    ("T", None, "2026-11-27T01:30:00Z", "2026-11-27T09:30:00+08:00"),
    ("L", None, "是", True), ("L", None, "false", False), ("L", None, 1, True),
    ("C", 4, " 户主 ", "户主"), ("C", 6, 510000, "510000"), ("M", None, "备注" * 100, "备注" * 100),
])
def test_values_are_normalised_by_data_type(data_type, length, value, expected):
    assert item_check(data_type, length)(value) == expected


@pytest.mark.req("GD-16")
@pytest.mark.parametrize("data_type,length,value,rule", [
    ("N", None, "十二", "number"), ("N", None, "1e5", "number"), ("N", None, float("nan"), "number"),
    ("N", 4, "12345", "length"), ("N", None, True, "number"), ("I", None, "1.5", "integer"),
    ("I", None, 2.5, "integer"), ("Y", None, "1.234", "decimals"), ("F", None, [1], "number"),
    ("D", None, "2026-02-30", "date"), ("D", None, "明天", "date"),
    ("D", None, datetime(2026, 1, 5, 9, 30), "date"), ("T", None, "2026-11-27 25:00", "datetime"),
    ("L", None, "也许", "boolean"), ("L", None, 2, "boolean"), ("C", 4, "广州市民", None),
    ("C", 3, "广州市民", "length"), ("C", None, {"a": 1}, "text"), ("B", None, "AAAA", "not_in_table"),
])
def test_a_wrong_type_or_length_names_its_rule(data_type, length, value, rule):
    check = item_check(data_type, length)
    if rule is None:
        assert check(value) == value
    else:
        assert rule_of(check, value) == rule


# --- whole records -----------------------------------------------------------------------------

def checker(produced=None):
    return Checker(compile_schema("test-household", HOUSEHOLD_DOC), NOW, NOW - timedelta(days=3), produced)


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_a_bad_record_reports_every_fault_with_item_and_rule():
    c = checker()
    good = {"公民身份号码": PERSONS[0].id_number.lower(), "姓名": "张三", "出生日期": "1990-01-01",
            "_produced_at": PRODUCED}
    row = c.record(good, 0)
    assert row is not None and row[0] == PERSONS[0].id_number
    number = PERSONS[0].id_number
    assert row[4] == f'{{"公民身份号码":"{number}","姓名":"张三","出生日期":"1990-01-01"}}'
    bad = {"公民身份号码": PERSONS[1].id_number[:17] + "?", "出生日期": "1990-13-01", "子女数": "两个",
           "在册": "也许", "籍贯": "广东", "_produced_at": "2026-11-28T12:00:00+08:00"}
    assert c.record(bad, 1) is None
    assert [(e.index, e.item, e.rule) for e in c.errors] == [
        (1, "籍贯", "unknown_item"), (1, "公民身份号码", "check_digit"), (1, "出生日期", "date"),
        (1, "子女数", "integer"), (1, "在册", "boolean"), (1, "_produced_at", "in_future")]
    assert c.errors[0].message == "第2条记录：“籍贯”不是资源“户籍人口信息”的信息项"
    assert c.errors[-1].message.startswith("第2条记录：“数据产生时间”晚于当前时间")
    assert c.record({"姓名": "李四"}, 2) is None
    assert [(e.item, e.rule) for e in c.errors[6:]] == [("公民身份号码", "required"),
                                                        ("_produced_at", "required")]
    assert c.record(["not", "an", "object"], 3) is None and c.errors[-1].rule == "not_object"


def test_the_batch_default_produced_at_and_the_late_count():
    c = checker(produced=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert c.record({"公民身份号码": PERSONS[0].id_number}, 0)[1] == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert c.record({"公民身份号码": PERSONS[1].id_number, "_produced_at": PRODUCED}, 1) is not None
    assert (c.errors, c.late) == ([], 1)  # 20 November is more than three days before 27 November


@pytest.mark.req("GD-16")
def test_a_spreadsheet_header_is_checked_once():
    c = checker()
    c.header(["姓名", "籍贯", "姓名", "数据产生时间", None])
    assert [(e.row, e.item, e.rule) for e in c.errors] == [
        (1, "籍贯", "unknown_item"), (1, "姓名", "duplicate_column"), (1, "公民身份号码", "required")]
    ok = checker()
    ok.header(["公民身份号码", "姓名", "数据产生时间", "数据所属区划"])
    row = ok.row([PERSONS[2].id_number, "王五", PRODUCED, "440106"], 0, 2)
    assert row[3] == "440106" and ok.errors == []
    assert ok.row(["", "赵六", PRODUCED, "4401"], 1, 3) is None
    assert ok.row([PERSONS[3].id_number, "钱七", "", ""], 2, 4) is None  # no time, no default
    assert [(e.row, e.item, e.rule) for e in ok.errors] == [(3, "公民身份号码", "required"),
                                                             (3, "_division_code", "format"),
                                                             (4, "_produced_at", "required")]
