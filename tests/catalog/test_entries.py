"""Agencies' catalogs through the API, on SQLite and PostgreSQL: the filing lifecycle (GZ-7), the
confidentiality review (GZ-16), share-type rules (GD-4), one datum one source (GZ-13), the
base-information catalog (GZ-3, GZ-14), foundational libraries (GZ-11), needs (GD-12), resource
codes that are never reused, and an audit event for every step."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govshare.catalog.models import Entry
from govshare.directory.models import Agency
from govshare.evidence.models import AuditEvent

API = "/api/v1/catalog"


def body(**overrides) -> dict:
    """A valid entry of the civil affairs bureau: 殡葬服务信息, classification 306001."""
    data = dict(category="3", subcategory="06", subject="001", name="殡葬服务信息",
                abstract="遗体火化、骨灰安放记录。", format_class="database",
                share_type="conditional", share_condition="限于办理丧葬补贴、户籍注销核验",
                share_mode="platform_api", update_cycle="daily", deadline_class="within_3_days",
                resource_kind="business", library_group="specialised",
                items=[{"name": "逝者公民身份号码", "data_type": "C", "length": 18,
                        "subject_key": "id_number", "sensitivity": "personal_privacy"},
                       {"name": "火化日期", "data_type": "D"}])
    data.update(overrides)
    return data


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def draft(client, agency_id: int, **overrides) -> dict:
    r = client.post(f"{API}/agencies/{agency_id}/entries", json=body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def history(client, entry_id: int) -> list[tuple[str, str]]:
    r = client.get(f"{API}/entries/{entry_id}/history")
    assert r.status_code == 200, r.text
    return [(s["event_type"], s["actor_name"]) for s in r.json()]


def review(client, entry_id: int, result: str = "passed"):
    return client.post(f"{API}/entries/{entry_id}/review",
                       json={"result": result, "note": "经审查不含国家秘密"})


def queue_ids(client) -> list[int]:
    r = client.get(f"{API}/filing-queue")
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["items"]]


def agency_name(db, key: str) -> str:
    with db.session() as s:
        return s.get(Agency, db.agency_id(key)).name


# --- GZ-7: draft → submitted → filed, or returned with reasons -------------------------------

@pytest.mark.req("GZ-7", "GZ-16")
def test_an_entry_goes_from_draft_through_return_to_filed(db, signed_in):
    clerk, admin_of_civil, city_it = (signed_in("civil_clerk"), signed_in("civil_admin"),
                                      signed_in("admin"))
    entry = draft(clerk, db.agency_id("civil"))
    assert (entry["status"], entry["status_label"]) == ("draft", "草稿")
    assert re.fullmatch(r"306001/\d{6}", entry["resource_code"])
    assert [i["name"] for i in entry["items"]] == ["逝者公民身份号码", "火化日期"]
    eid = entry["id"]

    refused = problem(clerk.post(f"{API}/entries/{eid}/submit"), 422)
    assert (refused["field"], refused["rule"]) == ("review_result", "review_required")
    assert problem(review(clerk, eid), 403)["code"] == "forbidden"  # staff cannot sign it

    reviewed = review(admin_of_civil, eid).json()["review"]
    assert reviewed["result"] == "passed" and reviewed["reviewed_by"] == "王建国"
    assert reviewed["reviewed_at"] and reviewed["result_label"] == "通过（不含国家秘密）"
    submitted = clerk.post(f"{API}/entries/{eid}/submit").json()
    assert (submitted["status"], submitted["status_label"]) == ("submitted", "已报送")
    assert submitted["submitted_at"]
    assert eid in queue_ids(city_it)
    assert problem(clerk.put(f"{API}/entries/{eid}", json=body()), 409)["code"] == "entry_submitted"

    no_reason = problem(city_it.post(f"{API}/entries/{eid}/return", json={"reason": " "}), 422)
    assert (no_reason["field"], no_reason["rule"]) == ("reason", "required")
    returned = city_it.post(f"{API}/entries/{eid}/return",
                            json={"reason": "共享条件过宽，请写明可使用的具体事项"}).json()
    assert (returned["status_label"], returned["return_reason"]) == (
        "已退回", "共享条件过宽，请写明可使用的具体事项")
    assert eid not in queue_ids(city_it)

    revised = clerk.put(f"{API}/entries/{eid}",
                        json=body(share_condition="限于丧葬补贴发放和户籍注销核验")).json()
    assert (revised["status"], revised["revision"]) == ("draft", 2)
    assert revised["review"]["result"] is None  # a revision clears the review (GZ-16)
    assert review(admin_of_civil, eid).status_code == 200
    assert clerk.post(f"{API}/entries/{eid}/submit").status_code == 200
    filed = city_it.post(f"{API}/entries/{eid}/file").json()
    assert (filed["status"], filed["status_label"]) == ("filed", "已备案") and filed["filed_at"]
    assert filed["resource_code"] == entry["resource_code"]

    assert history(clerk, eid) == [
        ("EntryDrafted", "钱办事"), ("ConfidentialityReviewed", "王建国"),
        ("EntrySubmitted", "钱办事"), ("EntryReturned", "林卫东"), ("EntryRevised", "钱办事"),
        ("ConfidentialityReviewed", "王建国"), ("EntrySubmitted", "钱办事"),
        ("EntryFiled", "林卫东")]


@pytest.mark.req("GZ-7")
def test_only_a_submitted_entry_can_be_filed_or_returned(db, signed_in):
    clerk, city_it = signed_in("civil_clerk"), signed_in("admin")
    eid = draft(clerk, db.agency_id("civil"))["id"]
    assert problem(city_it.post(f"{API}/entries/{eid}/file"), 409)["code"] == "entry_not_submitted"
    assert problem(city_it.post(f"{API}/entries/{eid}/return", json={"reason": "不全"}),
                   409)["code"] == "entry_not_submitted"
    assert [t for t, _ in history(clerk, eid)] == ["EntryDrafted"]


@pytest.fixture
def tianhe_civil_admin(db, signed_in):
    """The demo's administrator of 天河区民政局 (a district agency), signed in."""
    return signed_in("tianhe_civil_admin")


@pytest.mark.req("GZ-7")
def test_a_district_agency_files_with_its_district_it_authority(db, signed_in,
                                                                 tianhe_civil_admin):
    clerk, city_it, tianhe_it = (signed_in("tianhe_civil_clerk"), signed_in("admin"),
                                 signed_in("tianhe_it"))
    district_admin = tianhe_civil_admin
    eid = draft(clerk, db.agency_id("civil-440106"), subject="101")["id"]
    assert review(district_admin, eid).status_code == 200
    assert clerk.post(f"{API}/entries/{eid}/submit").status_code == 200

    assert eid in queue_ids(tianhe_it) and eid not in queue_ids(city_it)
    refused = problem(city_it.post(f"{API}/entries/{eid}/file"), 403)
    assert "区级机关向本区信息化主管部门" in refused["detail"]
    filed = tianhe_it.post(f"{API}/entries/{eid}/file").json()
    assert filed["status"] == "filed"
    assert history(tianhe_it, eid)[-1] == ("EntryFiled", "天河区数据局管理员")


@pytest.mark.req("GZ-7")
def test_a_city_agency_files_with_the_city_it_authority(db, signed_in):
    clerk, admin_of_civil = signed_in("civil_clerk"), signed_in("civil_admin")
    city_it, tianhe_it = signed_in("admin"), signed_in("tianhe_it")
    eid = draft(clerk, db.agency_id("civil"))["id"]
    review(admin_of_civil, eid)
    clerk.post(f"{API}/entries/{eid}/submit")
    assert eid not in queue_ids(tianhe_it) and eid in queue_ids(city_it)
    assert problem(tianhe_it.post(f"{API}/entries/{eid}/return", json={"reason": "退回"}),
                   403)["code"] == "forbidden"
    assert problem(admin_of_civil.post(f"{API}/entries/{eid}/file"), 403)["code"] == "forbidden"
    assert city_it.post(f"{API}/entries/{eid}/file").json()["status"] == "filed"


@pytest.mark.req("GZ-7")
def test_a_working_catalog_is_its_agency_s_until_filed(db, signed_in):
    clerk, police, city_it = signed_in("civil_clerk"), signed_in("police_clerk"), signed_in("admin")
    civil = db.agency_id("civil")
    eid = draft(clerk, civil)["id"]
    assert police.get(f"{API}/entries/{eid}").status_code == 404
    assert police.get(f"{API}/agencies/{civil}/entries").status_code == 404
    assert city_it.get(f"{API}/entries/{eid}").status_code == 200
    listed = clerk.get(f"{API}/agencies/{civil}/entries", params={"status": "draft"}).json()
    assert [e["id"] for e in listed["items"]] == [eid]
    # A filed entry states what the agency holds: every agency may read it (GZ-8).
    with db.session() as s:
        marriage = s.scalar(select(Entry.id).where(Entry.name == "婚姻登记信息"))
    assert police.get(f"{API}/entries/{marriage}").json()["status"] == "filed"
    assert police.get(f"{API}/entries/{marriage}/history").status_code == 404
    assert problem(police.post(f"{API}/agencies/{civil}/entries", json=body()), 403)


# --- GZ-16: confidentiality review, state secrets, subject keys -----------------------------

@pytest.mark.req("GZ-16")
def test_a_state_secret_item_is_refused_for_the_platform(db, signed_in):
    clerk, admin_of_civil = signed_in("civil_clerk"), signed_in("civil_admin")
    items = body()["items"] + [{"name": "安置点涉密坐标", "data_type": "G",
                                "sensitivity": "state_secret"}]
    eid = draft(clerk, db.agency_id("civil"), items=items)["id"]
    review(admin_of_civil, eid)
    refused = problem(clerk.post(f"{API}/entries/{eid}/submit"), 422)
    assert (refused["field"], refused["rule"]) == ("items", "no_state_secret")
    assert "安置点涉密坐标" in refused["detail"] and "国家秘密" in refused["detail"]
    assert clerk.get(f"{API}/entries/{eid}").json()["status"] == "draft"


@pytest.mark.req("GZ-16")
def test_a_state_secret_review_result_is_refused_for_the_platform(db, signed_in):
    clerk, admin_of_civil = signed_in("civil_clerk"), signed_in("civil_admin")
    eid = draft(clerk, db.agency_id("civil"))["id"]
    result = review(admin_of_civil, eid, "state_secret").json()["review"]
    assert result["result_label"] == "含国家秘密，不得上平台"
    refused = problem(clerk.post(f"{API}/entries/{eid}/submit"), 422)
    assert refused["rule"] == "no_state_secret"
    bad = problem(review(admin_of_civil, eid, "fine"), 422)
    assert (bad["field"], bad["rule"]) == ("result", "one_of")


@pytest.mark.req("GZ-16")
def test_population_entries_must_name_a_subject_key_item(db, signed_in):
    clerk = signed_in("civil_clerk")
    items = [{"name": "姓名", "data_type": "C"}, {"name": "死亡日期", "data_type": "D"}]
    refused = problem(clerk.post(f"{API}/agencies/{db.agency_id('civil')}/entries",
                                 json=body(library_group="natural_person", items=items)), 422)
    assert (refused["field"], refused["rule"]) == ("items", "subject_key_required")
    items[0]["subject_key"] = "id_number"
    assert clerk.post(f"{API}/agencies/{db.agency_id('civil')}/entries",
                      json=body(library_group="natural_person", items=items)).status_code == 201


# --- GD-4: share types ----------------------------------------------------------------------

GD4 = [
    (dict(used_in_licensing=True), "share_type", "licensing_unconditional"),
    (dict(share_condition=""), "share_condition", "required_for_conditional"),
    (dict(share_type="not_shared"), "legal_basis", "required_for_not_shared"),
]


@pytest.mark.req("GD-4")
@pytest.mark.parametrize("change, field, rule", GD4)
def test_share_type_rules_answer_422_naming_field_and_rule(db, signed_in, change, field, rule):
    clerk = signed_in("civil_clerk")
    r = clerk.post(f"{API}/agencies/{db.agency_id('civil')}/entries", json=body(**change))
    refused = problem(r, 422)
    assert (refused["field"], refused["rule"], refused["code"]) == (field, rule, "invalid_input")
    assert "GD-4" in refused["detail"] or "共享条件" in refused["detail"]


@pytest.mark.req("GD-4")
def test_a_revision_is_held_to_the_same_share_rules(db, signed_in):
    clerk = signed_in("civil_clerk")
    eid = draft(clerk, db.agency_id("civil"))["id"]
    refused = problem(clerk.put(f"{API}/entries/{eid}", json=body(
        share_type="not_shared", share_condition="")), 422)
    assert refused["rule"] == "required_for_not_shared"
    assert clerk.get(f"{API}/entries/{eid}").json()["share_type"] == "conditional"
    ok = clerk.put(f"{API}/entries/{eid}", json=body(used_in_licensing=True,
                                                      share_type="unconditional")).json()
    assert (ok["share_type_label"], ok["used_in_licensing"]) == ("无条件共享", True)


# --- GZ-13: one datum, one source -------------------------------------------------------------

@pytest.mark.req("GZ-13")
def test_claiming_another_agency_s_base_item_is_refused_naming_its_source(db, signed_in):
    clerk = signed_in("civil_clerk")
    items = [{"name": "公民身份号码", "data_type": "C", "length": 18,
              "subject_key": "id_number", "base_item_code": "P0001"}]
    refused = problem(clerk.post(f"{API}/agencies/{db.agency_id('civil')}/entries",
                                 json=body(items=items)), 422)
    assert (refused["field"], refused["rule"]) == ("items[0].base_item_code", "single_source")
    with db.session() as s:
        household = s.scalar(select(Entry).where(Entry.name == "户籍人口信息"))
        code = household.resource_code
    detail = refused["detail"]
    assert agency_name(db, "police") in detail and "户籍人口信息" in detail and code in detail
    assert "P0001" in detail and "一数一源" in detail


@pytest.mark.req("GZ-13")
def test_the_responsible_agency_may_claim_its_base_item_and_unknown_codes_are_refused(
        db, signed_in):
    police, clerk = signed_in("police_clerk"), signed_in("civil_clerk")
    items = [{"name": "公民身份号码", "data_type": "C", "subject_key": "id_number",
              "base_item_code": "P0001"}, {"name": "出入境记录", "data_type": "C"}]
    entry = draft(police, db.agency_id("police"), subject="009", name="出入境证件信息",
                  items=items)
    assert entry["items"][0]["base_item_code"] == "P0001"
    civil_own = [{"name": "婚姻状况", "data_type": "C", "base_item_code": "P0005",
                  "subject_key": "other"}]
    assert draft(clerk, db.agency_id("civil"), items=civil_own)["items"][0]["base_item_code"]
    unknown = [{"name": "护照号", "data_type": "C", "base_item_code": "P9999"}]
    refused = problem(clerk.post(f"{API}/agencies/{db.agency_id('civil')}/entries",
                                 json=body(items=unknown)), 422)
    assert refused["rule"] == "base_catalog"


# --- GZ-14, GZ-3: the base-information catalog --------------------------------------------------

@pytest.mark.req("GZ-14")
def test_the_city_it_authority_maintains_the_base_information_catalog(db, signed_in):
    city_it = signed_in("admin")
    civil = db.agency_id("civil")
    r = city_it.put(f"{API}/base-items/p0006", json={
        "name": "死亡日期", "library_group": "natural_person", "responsible_agency_id": civil,
        "description": "以火化和死亡医学证明为准"})
    assert r.status_code == 200, r.text
    assert (r.json()["code"], r.json()["responsible_agency_id"]) == ("P0006", civil)
    listed = {b["code"]: b for b in signed_in("police_clerk").get(f"{API}/base-items").json()}
    assert listed["P0006"]["name"] == "死亡日期" and listed["P0001"]["name"] == "公民身份号码"
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "BaseItemDefined")
                          .order_by(AuditEvent.seq.desc())).first()
        assert '"code":"P0006"' in event.payload and event.actor_name == "林卫东"
    bad = problem(city_it.put(f"{API}/base-items/P0007", json={
        "name": "x", "library_group": "stars", "responsible_agency_id": civil}), 422)
    assert (bad["field"], bad["rule"]) == ("library_group", "one_of")


@pytest.mark.req("GZ-14")
@pytest.mark.parametrize("username", ["tianhe_it", "civil_admin", "police_clerk", "approver"])
def test_only_the_city_it_authority_maintains_it(db, signed_in, username):
    r = signed_in(username).put(f"{API}/base-items/P0001", json={
        "name": "公民身份号码", "library_group": "natural_person",
        "responsible_agency_id": db.agency_id("civil")})
    assert problem(r, 403)["code"] == "forbidden"
    with db.session() as s:
        assert s.scalar(select(Entry.id).limit(1)) is not None
    listed = {b["code"]: b for b in signed_in("admin").get(f"{API}/base-items").json()}
    assert listed["P0001"]["responsible_agency_id"] == db.agency_id("police")


@pytest.mark.req("GZ-3")
def test_base_information_is_told_apart_from_the_rest(db, signed_in):
    city_it = signed_in("admin")
    base = {b["code"]: b["responsible_agency_id"] for b in city_it.get(f"{API}/base-items").json()}
    household = entries_of(city_it, db.agency_id("police"))["户籍人口信息"]
    assert household["is_base_information"] is True
    assert {i["base_item_code"] for i in household["items"]} == {"P0001", "P0002", "P0003",
                                                                  "P0004", None}
    school = entries_of(city_it, db.agency_id("education"))["学籍信息"]
    assert school["is_base_information"] is False
    assert all(i["base_item_code"] is None for i in school["items"])
    # Every base item an entry carries is in the catalog, with that entry's agency responsible.
    for key in ("police", "civil", "market", "realestate", "planning"):
        for entry in entries_of(city_it, db.agency_id(key)).values():
            for item in entry["items"]:
                if item["base_item_code"]:
                    assert base[item["base_item_code"]] == entry["agency_id"]


def entries_of(client, agency_id: int) -> dict[str, dict]:
    r = client.get(f"{API}/agencies/{agency_id}/entries")
    assert r.status_code == 200, r.text
    return {e["name"]: e for e in r.json()["items"]}


# --- GZ-11: the foundational libraries --------------------------------------------------------

@pytest.mark.req("GZ-11")
def test_the_demo_catalog_fills_each_foundational_library(db, signed_in):
    city_it = signed_in("admin")
    groups: dict[str, list[str]] = {}
    with db.session() as s:
        agencies = set(s.scalars(select(Entry.agency_id)))
    for agency_id in agencies:
        for entry in entries_of(city_it, agency_id).values():
            if entry["status"] == "filed" and not entry["withdrawn"]:
                groups.setdefault(entry["library_group"], []).append(entry["name"])
    for group in ("natural_person", "legal_person", "geography", "real_estate", "licence"):
        assert groups.get(group), f"no filed entry in {group}"
    assert "户籍人口信息" in groups["natural_person"] and "营业执照信息" in groups["licence"]


# --- GD-12: needs -----------------------------------------------------------------------------

def household_code(db) -> str:
    with db.session() as s:
        return s.scalar(select(Entry.resource_code).where(Entry.name == "户籍人口信息"))


@pytest.mark.req("GD-12")
def test_a_need_is_recorded_with_its_duty(db, signed_in):
    clerk = signed_in("civil_clerk")
    civil, police = db.agency_id("civil"), db.agency_id("police")
    r = clerk.post(f"{API}/needs", json={
        "agency_id": civil, "title": "核验婚姻登记当事人户籍", "provider_agency_id": police,
        "resource_code": household_code(db), "items_wanted": "公民身份号码、姓名、户籍地址",
        "duty": "《婚姻登记条例》第五条：婚姻登记机关核验当事人身份和户籍"})
    need = problem(r, 201)
    assert need["duty"].startswith("《婚姻登记条例》") and need["status"] == "open"
    assert need["provider_agency_id"] == police and need["resource_code"] == household_code(db)
    listed = signed_in("admin").get(f"{API}/needs", params={"agency_id": civil}).json()
    assert [n["title"] for n in listed] == ["核验婚姻登记当事人户籍"]
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "NeedRecorded")).one()
        assert event.agency_id == civil and event.actor_name == "钱办事"


@pytest.mark.req("GD-12")
def test_a_need_without_duty_is_refused(db, signed_in):
    clerk = signed_in("civil_clerk")
    need = {"agency_id": db.agency_id("civil"), "title": "核验户籍"}
    missing = problem(clerk.post(f"{API}/needs", json=need), 422)
    assert missing["field"] == "duty"
    blank = problem(clerk.post(f"{API}/needs", json=need | {"duty": "  "}), 422)
    assert (blank["field"], blank["rule"]) == ("duty", "required")
    assert clerk.get(f"{API}/needs").json() == []


@pytest.mark.req("GD-12")
def test_a_need_names_an_existing_resource_of_its_provider_and_its_own_agency(db, signed_in):
    clerk = signed_in("civil_clerk")
    need = {"agency_id": db.agency_id("civil"), "title": "核验户籍", "duty": "婚姻登记",
            "provider_agency_id": db.agency_id("market"), "resource_code": household_code(db)}
    wrong = problem(clerk.post(f"{API}/needs", json=need), 422)
    assert (wrong["field"], wrong["rule"]) == ("resource_code", "provider_matches")
    unknown = problem(clerk.post(f"{API}/needs", json=need | {
        "provider_agency_id": None, "resource_code": "301001/999999"}), 422)
    assert unknown["rule"] == "exists"
    other = problem(clerk.post(f"{API}/needs", json=need | {
        "agency_id": db.agency_id("police"), "provider_agency_id": None,
        "resource_code": None}), 403)
    assert other["code"] == "forbidden"


# --- resource codes: unique, never reused ---------------------------------------------------------

@pytest.mark.req("GZ-7")
def test_resource_codes_are_never_reused(db, signed_in):
    clerk, admin_of_civil = signed_in("civil_clerk"), signed_in("civil_admin")
    civil = db.agency_id("civil")
    first = draft(clerk, civil)
    second = draft(clerk, civil, name="公墓安葬信息")
    n = int(first["resource_code"].split("/")[1])
    assert second["resource_code"] == f"306001/{n + 1:06d}"

    no_reason = problem(clerk.post(f"{API}/entries/{first['id']}/withdraw", json={"reason": ""}),
                        422)
    assert (no_reason["field"], no_reason["rule"]) == ("reason", "required")
    withdrawn = clerk.post(f"{API}/entries/{first['id']}/withdraw",
                           json={"reason": "该资源并入公墓安葬信息"}).json()
    assert withdrawn["withdrawn"] is True
    assert history(clerk, first["id"])[-1] == ("EntryWithdrawn", "钱办事")
    # A failed request gives out no number; a withdrawn entry's number is never given out again.
    problem(clerk.post(f"{API}/agencies/{civil}/entries", json=body(share_type="not_shared")), 422)
    third = draft(clerk, civil, name="骨灰寄存信息")
    assert third["resource_code"] == f"306001/{n + 2:06d}"
    assert problem(review(admin_of_civil, first["id"]), 409)["code"] == "entry_withdrawn"
    assert problem(clerk.post(f"{API}/entries/{first['id']}/submit"), 409)["code"] == \
        "entry_withdrawn"
    assert problem(clerk.post(f"{API}/entries/{first['id']}/withdraw",
                              json={"reason": "再次"}), 409)["code"] == "entry_withdrawn"
    with db.session() as s:
        codes = list(s.scalars(select(Entry.resource_code)))
    assert len(codes) == len(set(codes))


@pytest.mark.req("GZ-7")
def test_a_submitted_entry_withdrawn_leaves_the_filing_queue(db, signed_in):
    clerk, admin_of_civil, city_it = (signed_in("civil_clerk"), signed_in("civil_admin"),
                                      signed_in("admin"))
    eid = draft(clerk, db.agency_id("civil"))["id"]
    review(admin_of_civil, eid)
    clerk.post(f"{API}/entries/{eid}/submit")
    clerk.post(f"{API}/entries/{eid}/withdraw", json={"reason": "不再提供"})
    assert eid not in queue_ids(city_it)
    assert problem(city_it.post(f"{API}/entries/{eid}/file"), 409)["code"] == "entry_withdrawn"


def test_the_openapi_document_describes_every_entry_field(db, signed_in):
    spec = signed_in("admin").get("/openapi.json").json()["components"]["schemas"]
    for name in ("EntryWrite", "EntryRead", "ItemWrite", "ItemRead", "NeedCreate", "NeedRead",
                 "BaseItemWrite", "BaseItemRead", "ReviewRead"):
        undescribed = [f for f, p in spec[name]["properties"].items() if not p.get("description")]
        assert undescribed == [], name
    assert "无条件共享" in spec["EntryWrite"]["properties"]["share_type"]["description"]
