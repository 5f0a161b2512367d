"""The audit page /audit: filters, pagination, expandable rows, the verify button, and who may
see what (GD-31)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from govshare.kit.clock import today
from tests.conftest import csrf_of
from tests.evidence.conftest import Attacker, chain_rows

ROW = re.compile(r'<tr class="event" data-seq="(\d+)" data-agency="(\d*)">')


def _listed(html: str) -> list[tuple[int, int | None]]:
    return [(int(seq), int(agency) if agency else None) for seq, agency in ROW.findall(html)]


def _seqs(html: str) -> list[int]:
    return [seq for seq, _ in _listed(html)]


def _appoint(db, signed_in, name: str) -> None:
    r = signed_in("admin").put(f"/api/v1/agencies/{db.agency_id('civil')}/responsible-person",
                               json={"name": name, "position": "处长"})
    assert r.status_code == 200, r.text


@pytest.mark.req("GD-31")
def test_the_auditor_sees_the_newest_events_with_payload_and_hashes(db, signed_in):
    auditor = signed_in("auditor")  # signing in is itself audited: do it before counting
    _appoint(db, signed_in, "审计页测试人")
    rows = chain_rows(db)
    newest = rows[-1]
    page = auditor.get("/audit")
    assert page.status_code == 200
    html = page.text
    assert _seqs(html) == [r.seq for r in reversed(rows)][:50]
    assert "校验审计链" in html
    assert '<option value="{}"'.format(db.agency_id("civil")) in html and "广州市民政局" in html
    first_row = html[html.index(f'data-seq="{newest.seq}"'):]
    first_row = first_row[:first_row.index("</tr>")]
    assert "<details>" in first_row and "审计页测试人" in first_row
    assert newest.hash in first_row and newest.prev_hash in first_row
    assert "林卫东" in first_row and "广州市民政局" in first_row


@pytest.mark.req("GD-31")
def test_filters_by_agency_event_type_actor_and_dates(db, signed_in):
    _appoint(db, signed_in, "筛选测试人")
    civil = db.agency_id("civil")
    auditor = signed_in("auditor")
    rows = chain_rows(db)

    def expect(pred):
        return sorted((r.seq for r in rows if pred(r)), reverse=True)

    html = auditor.get("/audit", params={"agency_id": civil,
                                         "event_type": "ResponsiblePersonAppointed"}).text
    assert _seqs(html) == expect(lambda r: r.agency_id == civil
                                 and r.event_type == "ResponsiblePersonAppointed")
    assert _seqs(html) and "筛选测试人" in html

    html = auditor.get("/audit", params={"actor_name": "卫东", "agency_id": civil}).text
    assert _seqs(html) == expect(lambda r: "卫东" in r.actor_name and r.agency_id == civil)
    assert _seqs(html)

    day = today()
    since_today = auditor.get("/audit", params={"since": day.isoformat(),
                                                "agency_id": civil}).text
    assert _seqs(since_today) == expect(lambda r: r.agency_id == civil)  # all made today
    before_today = auditor.get("/audit", params={"until": (day - timedelta(days=1)).isoformat()})
    assert _seqs(before_today.text) == [] and "没有符合条件的审计记录" in before_today.text

    bad = auditor.get("/audit", params={"since": "2026-13-01"})
    assert bad.status_code == 422 and "不是 YYYY-MM-DD 格式" in bad.text


@pytest.mark.req("GD-31")
def test_pages_follow_one_another_and_keep_the_filter(db, signed_in):
    auditor = signed_in("auditor")
    rows = chain_rows(db)
    assert len(rows) > 50, "the demo chain should need more than one page"
    first = auditor.get("/audit").text
    second = auditor.get("/audit", params={"page": 2}).text
    newest_first = [r.seq for r in reversed(rows)]
    assert _seqs(first) == newest_first[:50]
    assert _seqs(second) == newest_first[50:100]
    assert 'rel="next" href="/audit?page=2"' in first

    registered = [r.seq for r in reversed(rows) if r.event_type == "AgencyRegistered"]
    assert len(registered) > 50, "every demo agency enters the chain once"
    flt = {"event_type": "AgencyRegistered"}
    one = auditor.get("/audit", params=flt).text
    two = auditor.get("/audit", params={**flt, "page": 2}).text
    assert _seqs(one) + _seqs(two) == registered
    assert 'rel="next" href="/audit?event_type=AgencyRegistered&amp;page=2"' in one
    assert 'rel="prev" href="/audit?event_type=AgencyRegistered&amp;page=1"' in two


@pytest.mark.req("GD-31", "GZ-26")
def test_the_verify_button_reports_in_plain_chinese(db, signed_in):
    auditor = signed_in("auditor")
    token = csrf_of(auditor.get("/audit").text)
    intact = auditor.post("/audit/verify", data={"csrf_token": token})
    assert intact.status_code == 200
    assert f"审计链完好：共 {len(chain_rows(db))} 条记录" in intact.text

    Attacker(db).sql("UPDATE evidence_audit_event SET actor_name = '冒名' WHERE seq = 7")
    broken = auditor.post("/audit/verify", data={"csrf_token": token})
    assert broken.status_code == 200
    assert "审计链被破坏：第 7 条被篡改" in broken.text
    assert "在此之前的 6 条记录校验无误" in broken.text


@pytest.mark.req("GD-31")
@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervision_and_the_city_it_authority_may_verify_too(signed_in, who):
    client = signed_in(who)
    token = csrf_of(client.get("/audit").text)
    assert "审计链完好" in client.post("/audit/verify", data={"csrf_token": token}).text


@pytest.mark.req("GD-31")
def test_verifying_without_the_csrf_token_is_refused(signed_in):
    r = signed_in("auditor").post("/audit/verify", data={"csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text


@pytest.mark.req("GD-31")
def test_an_agency_administrator_sees_only_its_own_agency(db, signed_in):
    police = db.agency_id("police")
    client = signed_in("police_admin")
    own = sorted((r.seq for r in chain_rows(db) if r.agency_id == police), reverse=True)
    html = client.get("/audit").text
    assert own and _seqs(html) == own[:50]
    assert {agency for _, agency in _listed(html)} == {police}
    assert "校验审计链" not in html and 'name="agency_id"' not in html
    # Asking for another agency's events by URL yields nothing either.
    other = client.get("/audit", params={"agency_id": db.agency_id("civil")}).text
    assert _seqs(other) == []
    token = csrf_of(html)
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 403


@pytest.mark.req("GD-31")
def test_a_clerk_may_not_open_the_audit_page(signed_in):
    clerk = signed_in("civil_clerk")
    page = clerk.get("/audit")
    assert page.status_code == 403
    assert "只有审计、监察、市信息化主管部门或机关管理员可以查看审计记录" in page.text
    assert 'href="/audit"' not in clerk.get("/").text
