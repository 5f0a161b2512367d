"""Console pages of the shared catalog's versions (GZ-8, GZ-9, GD-14), on both engines: the
list with status labels, the diff in colour with field-level before/after, the government's
approval form with its mandatory removal confirmation, publishing, and the as-of date picker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govshare.catalog.models import Version
from tests.catalog.test_versions import NEW_ENTRY, approve, change_catalog, compile_as_admin
from tests.conftest import csrf_of


def _post(client, path: str, page: str, **data):
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


@pytest.mark.req("GZ-8")
def test_the_list_shows_each_version_with_its_status_and_the_compile_button_for_the_it_authority(
        db, signed_in):
    admin = signed_in("admin").get("/catalog/versions")
    assert admin.status_code == 200
    assert "第 1 版" in admin.text and "已发布" in admin.text
    assert 'action="/catalog/versions"' in admin.text and "编制新版本" in admin.text
    assert 'name="as_of"' in admin.text
    clerk = signed_in("police_clerk").get("/catalog/versions")
    assert clerk.status_code == 200 and "编制新版本" not in clerk.text


@pytest.mark.req("GZ-8", "GZ-9")
def test_compiling_from_the_page_and_a_refusal_shown_on_it(db, signed_in):
    admin = signed_in("admin")
    refused = _post(admin, "/catalog/versions", "/catalog/versions")
    assert refused.status_code == 409
    assert "目录与现行第 1 版相同，无需编制新版本" in refused.text
    change_catalog(db)
    r = _post(admin, "/catalog/versions", "/catalog/versions")
    assert r.status_code == 303
    # (ids come from sequences, which a rolled-back attempt may have advanced on PostgreSQL)
    assert r.headers["location"].endswith("?notice=compiled")
    page = admin.get(r.headers["location"]).text
    assert "政府信息共享目录 第 2 版" in page
    assert "新版本已编制，等待人民政府审批" in page and "已编制待审批" in page


@pytest.mark.req("GZ-9", "GD-14")
def test_the_version_page_shows_the_diff_and_the_approver_must_confirm_the_removal(db, signed_in):
    change_catalog(db)
    v2 = compile_as_admin(db)
    gov = signed_in("approver")
    page = gov.get(f"/catalog/versions/{v2}")
    assert page.status_code == 200
    html = page.text
    assert 'class="diff-added">新增：' in html and NEW_ENTRY in html
    assert 'class="diff-removed">删除：' in html and "婚姻登记信息" in html
    assert 'class="diff-removed">删除信息项：户主关系' in html
    assert 'class="diff-added">新增信息项：曾用名' in html
    # field-level before/after, with the vocabulary's labels
    before = "广州市户籍人口的基本登记信息，用于核验身份和户籍。"
    assert f'<td>资源摘要</td><td class="before">{before}</td>' in html
    assert '长度 <span class="before">200</span> → <span class="after">300</span>' in html
    assert "我确认批准删减以下目录内容" in html and 'name="removal_approved"' in html
    assert "发布本版本" not in html

    unconfirmed = _post(gov, f"/catalog/versions/{v2}/decision", f"/catalog/versions/{v2}",
                        decision="approve", reason="同意")
    assert unconfirmed.status_code == 422
    assert "批准时须明确确认批准删减" in unconfirmed.text
    assert 'aria-invalid="true"' in unconfirmed.text and "我确认批准删减以下目录内容" in unconfirmed.text
    with db.session() as s:
        assert s.get(Version, v2).status == "compiled"

    ok = _post(gov, f"/catalog/versions/{v2}/decision", f"/catalog/versions/{v2}",
               decision="approve", reason="同意", removal_approved="yes")
    assert ok.status_code == 303
    with db.session() as s:
        v = s.get(Version, v2)
        assert (v.status, v.removal_approved, v.decided_by) == ("approved", True, "何文")


@pytest.mark.req("GZ-8")
def test_a_rejection_without_reason_is_shown_again_with_the_message(db, signed_in):
    change_catalog(db)
    v2 = compile_as_admin(db)
    gov = signed_in("approver")
    r = _post(gov, f"/catalog/versions/{v2}/decision", f"/catalog/versions/{v2}",
              decision="reject", reason="")
    assert r.status_code == 422
    assert "不予批准须写明理由" in r.text and 'class="card form reject-form"' in r.text
    r = _post(gov, f"/catalog/versions/{v2}/decision", f"/catalog/versions/{v2}",
              decision="reject", reason="删减须先征求使用部门意见")
    assert r.status_code == 303
    page = gov.get(r.headers["location"]).text
    assert "政府未批准" in page and "删减须先征求使用部门意见" in page
    assert "我确认批准删减以下目录内容" not in page  # decided: no form any more


@pytest.mark.req("GZ-8")
def test_only_the_government_sees_the_decision_form_and_the_it_authority_publishes(db, signed_in):
    change_catalog(db)
    v2 = compile_as_admin(db)
    admin = signed_in("admin")
    assert "批准本版本" not in admin.get(f"/catalog/versions/{v2}").text
    forbidden = _post(admin, f"/catalog/versions/{v2}/decision", f"/catalog/versions/{v2}",
                      decision="approve", removal_approved="yes")
    assert forbidden.status_code == 403
    assert "共享目录须经人民政府批准" in forbidden.text
    approve(db, v2)
    page = admin.get(f"/catalog/versions/{v2}").text
    assert "发布本版本" in page
    r = _post(admin, f"/catalog/versions/{v2}/publish", f"/catalog/versions/{v2}")
    assert r.status_code == 303
    listing = admin.get("/catalog/versions").text
    assert "已被新版本取代" in listing and "已发布" in listing
    with db.session() as s:
        assert s.scalar(select(Version.number).where(Version.status == "published")) == 2


@pytest.mark.req("GZ-9", "GD-14")
def test_the_as_of_picker_shows_the_catalog_in_force_on_a_date(db, signed_in):
    client = signed_in("police_clerk")
    page = client.get("/catalog/published")
    assert page.status_code == 200
    assert "第 1 版" in page.text and "户籍人口信息" in page.text and "婚姻登记信息" in page.text
    too_early = client.get("/catalog/published", params={"as_of": "2020-01-01"})
    assert too_early.status_code == 404
    assert "2020年1月1日尚无已发布的共享目录" in too_early.text
    bad = client.get("/catalog/published", params={"as_of": "去年"})
    assert bad.status_code == 422 and "日期格式应为" in bad.text
    entries = client.get("/catalog/versions/1/entries")
    assert entries.status_code == 200 and "户籍人口信息" in entries.text
