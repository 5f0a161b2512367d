"""Request validation speaks Chinese, through the real API and pages, on SQLite and PostgreSQL:
each error keeps its `field` and Pydantic's type as `rule`, with the numbers the rule sets."""

from __future__ import annotations

import re

import pytest

from govshare.kit.validation import chinese_message

ENGLISH = re.compile(r"Input should|Field required|valid |String should|at most|at least")


def problem_of(r, field: str, rule: str) -> dict:
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["field"], body["rule"]) == (field, rule)
    assert not ENGLISH.search(r.text), body
    return body


@pytest.mark.req("GD-31")
def test_wrong_types_are_named_in_chinese(signed_in):
    admin = signed_in("admin")
    body = problem_of(admin.post("/api/v1/agencies", json={
        "name": "类型错", "credit_code": "x", "level": "city", "division_code": "440100",
        "responsible_name": "某", "parent_id": "第一个"}), "parent_id", "int_parsing")
    assert body["detail"] == "字段“parent_id”须为整数"
    body = problem_of(admin.post("/api/v1/agencies", json={
        "name": "类型错", "credit_code": "x", "level": "city", "division_code": "440100",
        "responsible_name": "某", "is_it_authority": "也许"}), "is_it_authority", "bool_parsing")
    assert body["detail"] == "字段“is_it_authority”须为“是”或“否”（true 或 false）"


@pytest.mark.req("GD-31")
def test_missing_fields_are_each_named(signed_in):
    body = problem_of(signed_in("admin").post("/api/v1/agencies", json={"name": "缺字段"}),
                      "credit_code", "missing")
    assert body["detail"] == "字段“credit_code”必须填写（另有 3 处不符合规则）"
    assert {e["message"] for e in body["errors"]} == {
        f"字段“{f}”必须填写" for f in ("credit_code", "level", "division_code", "responsible_name")}


@pytest.mark.req("GD-31")
def test_dates_lengths_and_choices_carry_their_numbers(signed_in):
    admin = signed_in("admin")
    body = problem_of(admin.get("/api/v1/workdays/deadline",
                                params={"start": "2026-13-01", "days": 15}),
                      "start", "date_from_datetime_parsing")
    assert body["detail"] == "字段“start”须为日期，格式为 YYYY-MM-DD（如 2026-11-27）"
    body = problem_of(admin.put("/api/v1/workdays/days/2027-01-04",
                                json={"kind": "holiday", "name": "节" * 65}),
                      "name", "string_too_long")
    assert body["detail"] == "字段“name”最多 64 个字符"
    body = problem_of(admin.get("/api/v1/access/requests", params={"queue": "everything"}),
                      "queue", "literal_error")
    assert body["detail"] == ("字段“queue”须为以下之一：'mine'、'inbox'、'coordination'、"
                              "'government'、'all'")


@pytest.mark.req("GD-31")
def test_a_body_that_is_not_json_is_said_so(signed_in):
    r = signed_in("admin").post("/api/v1/agencies", content=b'{"name": ',
                                headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["rule"] == "json_invalid"
    assert r.json()["detail"].startswith("请求正文不是有效的 JSON")


@pytest.mark.req("GD-31")
def test_console_pages_show_the_sentence_on_a_chinese_page(signed_in):
    r = signed_in("civil_clerk").get("/access/requests", params={"page": "第二页"})
    assert r.status_code == 422
    assert "text/html" in r.headers["content-type"]
    assert "字段“page”须为整数" in r.text and "Input should" not in r.text


def test_an_unknown_type_falls_back_to_a_sentence_naming_the_field():
    error = {"type": "some_future_type", "loc": ("body", "x"), "msg": "Something odd", "ctx": {}}
    assert chinese_message(error, "x") == "字段“x”的值不符合规则，请检查后重新填写"


def test_a_sentence_whose_number_is_missing_falls_back_too():
    error = {"type": "string_too_long", "loc": ("body", "x"), "msg": "", "ctx": {}}
    assert chinese_message(error, "x") == "字段“x”的值不符合规则，请检查后重新填写"


def test_our_own_validators_keep_their_chinese_message():
    chinese = {"type": "value_error", "ctx": {"error": ValueError("须为 JSON 对象")}}
    english = {"type": "value_error", "ctx": {"error": ValueError("bad thing")}}
    assert chinese_message(chinese, "payload") == "字段“payload”不符合规则：须为 JSON 对象"
    assert chinese_message(english, "payload") == "字段“payload”的值不符合规则，请检查后重新填写"
