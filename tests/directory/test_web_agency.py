"""One agency's page: its person responsible for sharing (GZ-29), its users, its API clients."""

from __future__ import annotations

import pytest

from govshare.directory.models import Agency
from govshare.evidence.models import AuditEvent
from tests.directory.conftest_web import count, field_error, input_value, post_form

PERSON = {"responsible_name": "新负责人", "responsible_position": "副局长",
          "responsible_phone": "020-83330000"}


@pytest.mark.req("GZ-29")
def test_every_signed_in_user_sees_the_responsible_person(signed_in, db):
    client = signed_in("civil_clerk")
    page = client.get(f"/agencies/{db.agency_id('police')}").text
    assert "共享工作负责人" in page and "陈志强（共享工作负责人）" in page
    assert 'action="/agencies/' not in page  # no edit form for a clerk
    assert "本机关用户" not in page and "/api-clients" not in page


@pytest.mark.req("GZ-29")
def test_the_agency_admin_appoints_the_responsible_person(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    page = client.get(f"/agencies/{civil}").text
    assert f'action="/agencies/{civil}/responsible-person"' in page
    assert "本机关用户" in page and "钱办事" in page
    assert f'href="/agencies/{civil}/api-clients"' in page
    r = post_form(client, f"/agencies/{civil}/responsible-person", PERSON)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已更新共享工作负责人" in page and "新负责人（副局长） · 020-83330000" in page
    assert count(db, AuditEvent, AuditEvent.event_type == "ResponsiblePersonAppointed") == 1


@pytest.mark.req("GZ-29")
def test_the_governing_district_it_authority_may_appoint_but_not_in_the_city(signed_in, db):
    client = signed_in("tianhe_it")
    branch, city = db.agency_id("civil-440106"), db.agency_id("civil")
    assert "responsible-person" in client.get(f"/agencies/{branch}").text
    assert post_form(client, f"/agencies/{branch}/responsible-person", PERSON).status_code == 303
    assert "responsible-person" not in client.get(f"/agencies/{city}").text
    r = post_form(client, f"/agencies/{city}/responsible-person", PERSON)
    assert r.status_code == 403 and "无权访问" in r.text
    assert count(db, Agency, Agency.responsible_name == "新负责人") == 1


@pytest.mark.req("GZ-29")
def test_an_empty_name_is_refused_next_to_the_field(signed_in, db):
    client = signed_in("civil_admin")
    civil = db.agency_id("civil")
    r = post_form(client, f"/agencies/{civil}/responsible-person",
                  PERSON | {"responsible_name": "  "})
    assert r.status_code == 422
    assert field_error(r.text, "responsible_name") == "共享工作负责人不能为空"
    assert input_value(r.text, "responsible_position") == "副局长"
    assert count(db, Agency, Agency.id == civil, Agency.responsible_name == "王建国") == 1
    assert count(db, AuditEvent, AuditEvent.event_type == "ResponsiblePersonAppointed") == 0


@pytest.mark.req("GD-31")
def test_a_clerk_may_not_appoint(signed_in, db):
    client = signed_in("civil_clerk")
    r = post_form(client, f"/agencies/{db.agency_id('civil')}/responsible-person", PERSON)
    assert r.status_code == 403 and "无权访问" in r.text


def test_an_unknown_agency_is_a_not_found_page(signed_in):
    r = signed_in("civil_clerk").get("/agencies/999999")
    assert r.status_code == 404 and "未找到" in r.text
