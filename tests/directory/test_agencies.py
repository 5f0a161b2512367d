"""Agencies through the API, on SQLite and PostgreSQL: who may register one and where (GD-31),
the rules a registration must pass (credit code, division, level, duplicates), that a refused
registration writes nothing, and the person responsible for sharing (GZ-29)."""

from __future__ import annotations

import pytest

from govshare.directory.models import Agency
from govshare.kit.identifiers import make_credit_code, make_org_code

API = "/api/v1/agencies"
# A credit code nobody in the demo city has: 11 (机关), 广州市, an organisation code.
CODE = make_credit_code(f"11440100{make_org_code('20261122')}")
TIANHE_CODE = make_credit_code(f"11440106{make_org_code('20261123')}")


def _body(**changes) -> dict:
    body = {"name": "广州市数据测试局", "credit_code": CODE, "level": "city",
            "division_code": "440100", "responsible_name": "测试负责人",
            "responsible_position": "副局长", "responsible_phone": "020-83000000"}
    return body | changes


def _wrong_check_digit(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


# --- who may register, and where -----------------------------------------------------------

@pytest.mark.req("GD-31")
def test_the_city_it_authority_registers_an_agency_and_it_is_audited(signed_in, db, audit):
    admin = signed_in("admin")
    r = admin.post(API, json=_body(credit_code=CODE.lower()[:6] + " " + CODE.lower()[6:]))
    assert r.status_code == 201, r.text
    agency = r.json()
    # The code is stored compact and upper-case, the platform is the division's (GZ-10).
    assert {k: agency[k] for k in ("name", "credit_code", "level", "division_code",
                                   "platform_division_code", "responsible_name", "active")} == {
        "name": "广州市数据测试局", "credit_code": CODE, "level": "city", "division_code": "440100",
        "platform_division_code": "440100", "responsible_name": "测试负责人", "active": True}
    assert admin.get(f"{API}/{agency['id']}").json() == agency

    [event] = [e for e in audit("AgencyRegistered") if e["agency_id"] == agency["id"]]
    assert event == {"actor": "林卫东", "actor_kind": "user", "agency_id": agency["id"],
                     "name": "广州市数据测试局", "credit_code": CODE, "level": "city",
                     "division_code": "440100", "platform_division_code": "440100"}


@pytest.mark.req("GD-31")
def test_a_district_it_authority_registers_only_in_its_own_district(signed_in, rows, audit):
    tianhe = signed_in("tianhe_it")
    own = tianhe.post(API, json=_body(name="广州市天河区数据测试局", credit_code=TIANHE_CODE,
                                      level="district", division_code="440106"))
    assert own.status_code == 201, own.text
    assert own.json()["platform_division_code"] == "440106"
    assert audit("AgencyRegistered")[-1]["actor"] == "天河区数据局管理员"

    before = len(audit("AgencyRegistered"))
    for level, division in (("district", "440105"), ("city", "440100")):
        r = tianhe.post(API, json=_body(level=level, division_code=division))
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "forbidden"
        assert r.json()["detail"] == "区信息化主管部门只能登记本区的机关"
    assert rows(Agency, Agency.name == "广州市数据测试局") == 0
    assert len(audit("AgencyRegistered")) == before


@pytest.mark.req("GD-31")
@pytest.mark.parametrize("username", ["civil_clerk", "civil_admin"])
def test_an_agency_that_is_no_it_authority_may_not_register(signed_in, rows, chain_length,
                                                             username):
    client = signed_in(username)
    before = chain_length()
    r = client.post(API, json=_body())
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == "只有信息化主管部门可以登记机关"
    assert rows(Agency, Agency.credit_code == CODE) == 0
    assert chain_length() == before


# --- the rules a registration must pass ----------------------------------------------------

INVALID = [
    pytest.param({"credit_code": _wrong_check_digit(CODE)}, "credit_code", "check_digit",
                 f"统一社会信用代码校验码错误：第18位应为“{CODE[17]}”，实为“{_wrong_check_digit(CODE)[17]}”",
                 id="check-digit"),
    pytest.param({"credit_code": CODE[:17]}, "credit_code", "length",
                 "统一社会信用代码应为18位，实为17位", id="too-short"),
    pytest.param({"credit_code": CODE + "1"}, "credit_code", "length",
                 "统一社会信用代码应为18位，实为19位", id="too-long"),
    pytest.param({"credit_code": CODE[:10] + "I" + CODE[11:]}, "credit_code", "format",
                 None, id="letter-outside-gb32100"),
    pytest.param({"division_code": "440199"}, "division_code", "gb2260",
                 "行政区划代码“440199”不在 GB/T 2260 区划表中", id="unknown-division"),
    pytest.param({"level": "district"}, "division_code", "level_matches",
                 "区级机关的行政区划应为区级，“广州市”是市级", id="district-in-city"),
    pytest.param({"division_code": "440106"}, "division_code", "level_matches", None,
                 id="city-in-district"),
    pytest.param({"level": "province", "division_code": "440000"}, "level", "one_of", None,
                 id="unknown-level"),
    pytest.param({"name": "  "}, "name", "required", "机关名称不能为空", id="no-name"),
    pytest.param({"responsible_name": ""}, "responsible_name", "required",
                 "共享工作负责人不能为空", id="no-responsible-person"),
    pytest.param({"name": "广" * 129}, "name", "max_length", None, id="name-too-long"),
    pytest.param({"responsible_phone": "0" * 33}, "responsible_phone", "max_length", None,
                 id="phone-too-long"),
    pytest.param({"parent_id": 999999}, "parent_id", "exists", "上级机关不存在", id="no-parent"),
]


@pytest.mark.req("GD-31")
@pytest.mark.parametrize(("changes", "field", "rule", "message"), INVALID)
def test_an_invalid_registration_is_422_naming_field_and_rule_and_writes_nothing(
        signed_in, rows, chain_length, changes, field, rule, message):
    admin = signed_in("admin")
    before = chain_length()
    r = admin.post(API, json=_body(**changes))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert (problem["code"], problem["field"], problem["rule"]) == ("invalid_input", field, rule)
    if message:
        assert problem["detail"] == message
    assert rows(Agency, Agency.name == _body(**changes)["name"]) == 0
    assert chain_length() == before


@pytest.mark.req("GD-31")
def test_a_duplicate_name_or_credit_code_is_409_and_writes_nothing(signed_in, db, rows,
                                                                    chain_length):
    admin = signed_in("admin")
    civil_code = admin.get(f"{API}/{db.agency_id('civil')}").json()["credit_code"]
    before = chain_length()

    same_name = admin.post(API, json=_body(name=" 广州市民政局 "))
    assert same_name.status_code == 409, same_name.text
    assert (same_name.json()["code"], same_name.json()["field"]) == ("agency_exists", "name")
    assert same_name.json()["detail"] == f"机关已登记：广州市民政局（{civil_code}）"

    # The same code written with spaces and in lower case is still the same code.
    spaced = f"{civil_code[:8]} {civil_code[8:]}".lower()
    same_code = admin.post(API, json=_body(credit_code=spaced))
    assert same_code.status_code == 409, same_code.text
    assert (same_code.json()["code"], same_code.json()["field"]) == ("agency_exists",
                                                                       "credit_code")
    assert rows(Agency, Agency.name == "广州市数据测试局") == 0
    assert rows(Agency, Agency.credit_code == civil_code) == 1
    assert chain_length() == before


@pytest.mark.req("GD-31")
def test_an_agency_that_does_not_exist_is_404(signed_in):
    r = signed_in("civil_clerk").get(f"{API}/999999")
    assert r.status_code == 404
    assert (r.json()["code"], r.json()["detail"]) == ("not_found", "机关 999999 不存在")


# --- the person responsible for sharing (GZ-29) ----------------------------------------------

PERSON = {"name": "新负责人", "position": "副局长", "phone": "020-83123456"}


def _person(agency: dict) -> tuple[str, str, str]:
    return agency["responsible_name"], agency["responsible_position"], agency["responsible_phone"]


@pytest.mark.req("GZ-29", "GD-31")
def test_the_agency_admin_appoints_its_responsible_person_and_it_is_audited(signed_in, db,
                                                                             audit):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    r = admin.put(f"{API}/{civil}/responsible-person", json=PERSON)
    assert r.status_code == 200, r.text
    assert _person(r.json()) == ("新负责人", "副局长", "020-83123456")
    assert _person(signed_in("police_clerk").get(f"{API}/{civil}").json()) == _person(r.json())
    assert audit("ResponsiblePersonAppointed")[-1] == {
        "actor": "王建国", "actor_kind": "user", "agency_id": civil, **PERSON}


@pytest.mark.req("GZ-29", "GD-31")
def test_the_governing_it_authority_appoints_too(signed_in, db, audit):
    city, branch = db.agency_id("civil"), db.agency_id("civil-440106")
    r = signed_in("admin").put(f"{API}/{city}/responsible-person", json=PERSON)
    assert r.status_code == 200, r.text
    tianhe = signed_in("tianhe_it")
    assert tianhe.put(f"{API}/{branch}/responsible-person",
                      json=PERSON | {"name": "天河负责人"}).status_code == 200
    # 天河区's IT authority governs the district's branches, not the city's bureau.
    refused = tianhe.put(f"{API}/{city}/responsible-person", json=PERSON | {"name": "越权"})
    assert refused.status_code == 403
    assert [(e["actor"], e["agency_id"], e["name"])
            for e in audit("ResponsiblePersonAppointed")] == [
        ("林卫东", city, "新负责人"), ("天河区数据局管理员", branch, "天河负责人")]


@pytest.mark.req("GZ-29", "GD-31")
@pytest.mark.parametrize("username", ["police_admin", "civil_clerk", "tianhe_civil_clerk"])
def test_no_one_else_appoints_the_responsible_person(signed_in, db, rows, chain_length,
                                                     username):
    civil = db.agency_id("civil")
    client = signed_in(username)
    before = chain_length()
    r = client.put(f"{API}/{civil}/responsible-person", json=PERSON)
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == "只有本机关管理员或主管的信息化主管部门可以修改该机关"
    assert rows(Agency, Agency.id == civil, Agency.responsible_name == "王建国") == 1
    assert chain_length() == before


@pytest.mark.req("GZ-29")
@pytest.mark.parametrize(("person", "field", "rule"), [
    ({"name": "   "}, "name", "required"),
    ({"name": "张" * 65}, "name", "max_length"),
    ({"name": "张三", "phone": "1" * 33}, "phone", "max_length"),
], ids=["blank", "name-too-long", "phone-too-long"])
def test_a_responsible_person_breaking_a_rule_is_422_naming_the_sent_field(
        signed_in, db, rows, chain_length, person, field, rule):
    civil = db.agency_id("civil")
    admin = signed_in("civil_admin")
    before = chain_length()
    r = admin.put(f"{API}/{civil}/responsible-person", json=person)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == (field, rule)
    assert rows(Agency, Agency.id == civil, Agency.responsible_name == "王建国") == 1
    assert chain_length() == before
