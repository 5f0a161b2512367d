"""The agency directory page and the IT authority's registration form."""

from __future__ import annotations

import re

import pytest

from govshare.directory.models import Agency
from govshare.kit.identifiers import make_credit_code
from tests.directory.conftest_web import count, field_error, input_value, post_form

NEW_CODE = make_credit_code("11440100MB2C3D4E5")  # a valid 统一社会信用代码 not in the demo


def _agency_links(page: str) -> set[str]:
    return set(re.findall(r'<td><a href="(/agencies/\d+)">', page))


def _form(**overrides) -> dict:
    data = {"name": "广州市测试数据中心", "credit_code": NEW_CODE, "level": "city",
            "division_code": "440100", "responsible_name": "测试负责人",
            "responsible_position": "副主任", "responsible_phone": "020-12345678",
            "parent_id": ""}
    return data | overrides


def test_the_directory_filters_by_division(signed_in):
    client = signed_in("civil_clerk")
    page = client.get("/agencies", params={"division": "440106"}).text
    assert "广州市天河区民政局" in page
    assert "广州市公安局天河区分局" in page
    assert "广州市越秀区民政局" not in page
    assert ">广州市民政局<" not in page
    assert 'value="440106" selected' in page


def test_the_directory_pages_and_keeps_the_filter_in_its_links(signed_in):
    client = signed_in("civil_clerk")
    first = client.get("/agencies").text
    assert 'href="/agencies?page=2"' in first and "第 1 / 2 页" in first
    second = client.get("/agencies?page=2").text
    assert "第 2 / 2 页" in second and 'rel="prev"' in second
    on_first, on_second = _agency_links(first), _agency_links(second)
    assert len(on_first) == 30 and on_second and not on_first & on_second
    assert f'class="muted">共 {len(on_first | on_second)} 个机关' in first
    assert "pager" not in client.get("/agencies?q=民政&division=440106").text


@pytest.mark.req("GZ-29")
def test_the_city_it_authority_registers_an_agency_with_its_responsible_person(signed_in, db):
    client = signed_in("admin")
    form = client.get("/agencies/new").text
    assert 'name="credit_code"' in form and "天河区" in form and "越秀区" in form
    r = post_form(client, "/agencies/new", _form(is_it_authority="on"))
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已登记机关“广州市测试数据中心”" in page
    assert "测试负责人（副主任）" in page
    assert "广州市测试数据中心" in client.get("/agencies", params={"q": NEW_CODE}).text
    assert count(db, Agency, Agency.credit_code == NEW_CODE, Agency.is_it_authority) == 1


def test_a_wrong_check_digit_is_shown_next_to_the_field_and_nothing_is_written(signed_in, db):
    client = signed_in("admin")
    wrong = NEW_CODE[:17] + ("0" if NEW_CODE[17] != "0" else "1")
    r = post_form(client, "/agencies/new", _form(credit_code=wrong))
    assert r.status_code == 422
    message = field_error(r.text, "credit_code")
    assert message == f"统一社会信用代码校验码错误：第18位应为“{NEW_CODE[17]}”，实为“{wrong[17]}”"
    assert input_value(r.text, "name") == "广州市测试数据中心"
    assert input_value(r.text, "credit_code") == wrong
    assert input_value(r.text, "responsible_phone") == "020-12345678"
    assert count(db, Agency, Agency.name == "广州市测试数据中心") == 0


def test_a_duplicate_agency_gets_the_conflict_message(signed_in, db):
    client = signed_in("admin")
    with db.session() as s:
        police = s.get(Agency, db.agency_id("police"))
        code = police.credit_code
    r = post_form(client, "/agencies/new", _form(credit_code=code))
    assert r.status_code == 409
    assert field_error(r.text, "credit_code") == f"机关已登记：广州市公安局（{code}）"
    assert count(db, Agency, Agency.name == "广州市测试数据中心") == 0


def test_a_missing_responsible_person_is_refused(signed_in, db):
    client = signed_in("admin")
    r = post_form(client, "/agencies/new", _form(responsible_name=" "))
    assert r.status_code == 422
    assert field_error(r.text, "responsible_name") == "共享工作负责人不能为空"


@pytest.mark.req("GD-31")
def test_a_district_it_authority_may_register_only_in_its_district(signed_in, db):
    client = signed_in("tianhe_it")
    form = client.get("/agencies/new").text
    assert 'value="440106"' in form and 'value="440104"' not in form
    r = post_form(client, "/agencies/new", _form(level="district", division_code="440104"))
    assert r.status_code == 403
    assert "无权访问" in r.text and "区信息化主管部门只能登记本区的机关" in r.text
    r = post_form(client, "/agencies/new", _form(level="district", division_code="440106"))
    assert r.status_code == 303


@pytest.mark.req("GD-31")
def test_a_clerk_gets_no_registration_form(signed_in, db):
    client = signed_in("civil_clerk")
    assert "登记机关" not in client.get("/agencies").text
    r = client.get("/agencies/new")
    assert r.status_code == 403 and "无权访问" in r.text
    assert post_form(client, "/agencies/new", _form()).status_code == 403
    assert count(db, Agency, Agency.name == "广州市测试数据中心") == 0
