"""Confidentiality agreements (GD-34, 粤府办〔2008〕64号 第三十四条) on both engines: a grant holding
personal privacy waits until an agreement covering it is on file, then is usable; the kinds of
secret, the resources, the term and the secrecy filing decide coverage; terminating puts the grant
back; who may file; the document kept with its SM3 digest through the API and the console."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.access import agreement_service, grant_service, request_service
from govshare.access.agreement_checks import DOCUMENT_MAX_BYTES, AgreementDraft
from govshare.access.models import Agreement, Grant, Notice
from govshare.cli import app as cli_app
from govshare.evidence import chain
from govshare.evidence.chain import sm3
from govshare.evidence.models import AuditEvent
from govshare.kit import clock
from govshare.kit.errors import Conflict, Forbidden, InvalidInput
from govshare.kit.pagination import PageRequest
from tests.access.helpers import HOUSEHOLD, actor, code_of, draft
from tests.conftest import csrf_of

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.req("GD-34")]

SEPT_28, OCT_9 = date(2026, 9, 28), date(2026, 10, 9)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"  # a signed scan, as far as bytes go
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
API = "/api/v1/access/agreements"


def pending_grant(db, items=("公民身份号码", "姓名", "户籍地址")) -> int:
    """民政局 asks 公安局 for 户籍人口信息 including 户籍地址 (personal privacy); 公安局 grants it
    narrower on 9 October 2026. The grant waits for an agreement."""
    with db.session() as s:
        req = request_service.submit_request(s, actor(s, "civil_clerk"), draft(s, HOUSEHOLD, SEPT_28),
                                             today=SEPT_28)
        request_service.act_on_request(
            s, actor(s, "police_admin"), req.id, "grant_narrower",
            {"items": list(items), "narrowing": "只提供核验所需的信息项", "reasons": "最小必要",
             "legal_basis": "《个人信息保护法》第六条"}, today=OCT_9)
        grant = s.scalar(select(Grant).where(Grant.request_id == req.id))
        assert grant.status == "pending_agreement"
        return grant.id


def agreement(db, **overrides) -> AgreementDraft:
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    base = AgreementDraft(
        provider_agency_id=db.agency_id("police"), consumer_agency_id=db.agency_id("civil"),
        scope="户籍人口信息中的户籍地址仅用于婚姻登记核验，不得留存、转授或公开",
        sensitivities=("personal_privacy",), signed_date=date(2026, 10, 8), valid_from=OCT_9,
        valid_until=date(2027, 10, 8), document=PDF, document_name="户籍信息共享保密协议.pdf",
        resource_codes=(code,))
    return replace(base, **overrides)


def file(db, draft_: AgreementDraft, username="civil_admin", today=OCT_9) -> int:
    with db.session() as s:
        return agreement_service.file_agreement(s, actor(s, username), draft_, today=today).id


def usable(db, today=OCT_9) -> Grant:
    with db.session() as s:
        return grant_service.usable_grant(s, db.agency_id("civil"), code_of(s, HOUSEHOLD), today)


def refused(db, draft_: AgreementDraft, username="civil_admin", today=OCT_9) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        file(db, draft_, username, today)
    return exc.value


def events(db, *types: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.event_type.in_(types))
                              .order_by(AuditEvent.seq)))


@pytest.fixture
def on(monkeypatch):
    """The server's clock says this day (what the API and pages call today)."""
    def _on(day: date) -> date:
        monkeypatch.setattr(clock, "today", lambda: day)
        return day
    return _on


# --- coverage ---------------------------------------------------------------------------------

def test_a_privacy_grant_waits_until_an_agreement_covering_it_is_filed_then_is_usable(db):
    grant_id = pending_grant(db)
    with pytest.raises(Forbidden) as exc:
        usable(db)
    assert exc.value.code == "agreement_required"

    agreement_id = file(db, agreement(db))

    assert usable(db).id == grant_id
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "active"
        assert s.get(Agreement, agreement_id).document_sm3 == sm3(PDF)
        inbox = list(s.scalars(select(Notice.message).where(
            Notice.agency_id == db.agency_id("civil"), Notice.kind == "grant_activated")))
        assert inbox == [f"保密协议 #{agreement_id} 已备案，授权 #{grant_id}（{HOUSEHOLD}）已生效，可以使用"]
        assert chain.verify(s).ok
    filed, activated = events(db, "AgreementFiled", "GrantActivated")
    assert filed.seq < activated.seq
    assert f'"agreement_id":{agreement_id}' in activated.payload
    assert activated.agency_id == db.agency_id("civil")


def test_an_agreement_for_other_secrets_or_another_resource_does_not_activate_the_grant(db):
    grant_id = pending_grant(db)
    with db.session() as s:
        other_code = code_of(s, "未成年人犯罪记录封存信息")  # also 公安局's
    file(db, agreement(db, sensitivities=("trade_secret",)))
    file(db, agreement(db, resource_codes=(other_code,)))
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "pending_agreement"
    with pytest.raises(Forbidden):
        usable(db)
    assert events(db, "GrantActivated") == []
    # An agreement over all of 公安局's resources covering personal privacy does.
    file(db, agreement(db, resource_codes=(), sensitivities=("personal_privacy", "trade_secret")))
    assert usable(db).id == grant_id


def test_a_state_secret_agreement_needs_the_filing_with_the_secrecy_department(db):
    kinds = ("personal_privacy", "state_secret")
    exc = refused(db, agreement(db, sensitivities=kinds))
    assert (exc.field, exc.rule) == ("secrecy_filing_number", "required_for_state_secret")
    assert "保密行政管理部门备案" in exc.message
    exc = refused(db, agreement(db, sensitivities=kinds, secrecy_filing_number="穗保备〔2026〕17号"))
    assert (exc.field, exc.rule) == ("secrecy_filing_date", "required_for_state_secret")
    exc = refused(db, agreement(db, sensitivities=kinds, secrecy_filing_number="穗保备〔2026〕17号",
                                secrecy_filing_date=date(2026, 10, 10)))
    assert (exc.field, exc.rule) == ("secrecy_filing_date", "not_future")
    assert events(db, "AgreementFiled") == []

    agreement_id = file(db, agreement(db, sensitivities=kinds, secrecy_filing_number="穗保备〔2026〕17号",
                                      secrecy_filing_date=date(2026, 10, 8)))
    with db.session() as s:
        stored = s.get(Agreement, agreement_id).secrecy_filing
        assert stored == "备案编号：穗保备〔2026〕17号；备案日期：2026-10-08"


def test_an_agreement_whose_term_has_ended_does_not_cover(db, on):
    exc = refused(db, agreement(db, valid_from=date(2026, 1, 1), valid_until=date(2026, 10, 8)))
    assert (exc.field, exc.rule) == ("valid_until", "ended")
    exc = refused(db, agreement(db, valid_until=date(2026, 10, 1)))
    assert (exc.field, exc.rule) == ("valid_until", "range")

    first = pending_grant(db)
    agreement_id = file(db, agreement(db, valid_until=date(2026, 10, 31)))
    assert usable(db).id == first
    # 2 November: the term ended on 31 October. A grant issued now waits for a new agreement …
    on(date(2026, 11, 2))
    second = pending_grant(db, items=("姓名", "户籍地址"))
    # … and the daily review puts the first one back to waiting too.
    with db.session() as s:
        review = agreement_service.review_agreements(s, actor(s, "admin"), date(2026, 11, 2))
        assert (review.expired, review.activated, review.suspended) == (1, 0, 1)
        assert s.get(Agreement, agreement_id).status == "expired"
        assert {s.get(Grant, g).status for g in (first, second)} == {"pending_agreement"}
    with pytest.raises(Forbidden):
        usable(db, date(2026, 11, 2))
    # A new agreement starting on 1 December activates both on the day the review meets it.
    file(db, agreement(db, valid_from=date(2026, 12, 1)), today=date(2026, 11, 2))
    with db.session() as s:
        assert s.get(Grant, first).status == "pending_agreement"
        review = agreement_service.review_agreements(s, actor(s, "admin"), date(2026, 12, 1))
        assert (review.expired, review.activated, review.suspended) == (0, 2, 0)
    assert usable(db, date(2026, 12, 1)).id in (first, second)


def test_terminating_puts_the_grant_back_to_waiting_unless_another_agreement_covers_it(db):
    grant_id = pending_grant(db)
    first = file(db, agreement(db))
    second = file(db, agreement(db, resource_codes=()))
    with db.session() as s:
        agreement_service.terminate_agreement(s, actor(s, "police_admin"), first, "协议文本有误，已重签",
                                              today=OCT_9)
        assert s.get(Grant, grant_id).status == "active"  # the second still covers it
    with db.session() as s, pytest.raises(InvalidInput) as exc:
        agreement_service.terminate_agreement(s, actor(s, "police_admin"), second, "  ", today=OCT_9)
    assert exc.value.field == "reasons"
    with db.session() as s:
        agreement_service.terminate_agreement(s, actor(s, "police_admin"), second, "民政局不再办理该业务",
                                              today=OCT_9)
        assert s.get(Grant, grant_id).status == "pending_agreement"
        assert s.get(Agreement, second).status == "terminated"
        ended = agreement_service.termination_of(s, actor(s, "civil_admin"), s.get(Agreement, second))
        assert (ended.by, ended.reasons) == ("陈志强", "民政局不再办理该业务")
    with pytest.raises(Forbidden) as refused_use:
        usable(db)
    assert refused_use.value.code == "agreement_required"
    awaiting = events(db, "GrantAwaitingAgreement")
    assert len(awaiting) == 1 and f'"agreement_id":{second}' in awaiting[0].payload
    with db.session() as s, pytest.raises(Conflict):
        agreement_service.terminate_agreement(s, actor(s, "police_admin"), second, "再次终止",
                                              today=OCT_9)


def test_only_a_party_administrator_or_the_it_authority_files(db):
    draft_ = agreement(db)
    for username in ("tianhe_civil_admin", "market_clerk", "civil_clerk"):
        with pytest.raises(Forbidden):
            file(db, draft_, username)
    assert events(db, "AgreementFiled") == []
    first = file(db, draft_, "police_admin")
    file(db, draft_, "admin")  # the city IT authority files for them
    with db.session() as s:
        with pytest.raises(Forbidden):
            agreement_service.terminate_agreement(s, actor(s, "tianhe_civil_admin"), first, "无权",
                                                  today=OCT_9)
        with pytest.raises(Forbidden):  # a party's clerk reads it but does not end it
            agreement_service.terminate_agreement(s, actor(s, "civil_clerk"), first, "无权",
                                                  today=OCT_9)
        assert agreement_service.list_agreements(s, actor(s, "tianhe_civil_admin"), PageRequest()).total == 0
        assert agreement_service.list_agreements(s, actor(s, "civil_clerk"), PageRequest()).total == 2
        assert agreement_service.list_agreements(s, actor(s, "auditor"), PageRequest()).total == 2


@pytest.mark.parametrize("document, rule", [(b"", "required"), (b"PK\x03\x04 a zip", "file_type"),
                                            (b"%PDF-" + bytes(DOCUMENT_MAX_BYTES), "max_size")])
def test_the_signed_document_is_a_pdf_or_image_of_at_most_10_mb(db, document, rule):
    exc = refused(db, agreement(db, document=document))
    assert (exc.field, exc.rule) == ("document", rule)


def test_the_parties_and_resources_are_checked(db):
    police, civil = db.agency_id("police"), db.agency_id("civil")
    with db.session() as s:
        marriage = code_of(s, "婚姻登记信息")  # 民政局's, not 公安局's
    exc = refused(db, agreement(db, consumer_agency_id=police), "admin")
    assert (exc.field, exc.rule) == ("consumer_agency_id", "different")
    assert (refused(db, agreement(db, resource_codes=(marriage,))).rule) == "provider"
    assert (refused(db, agreement(db, resource_codes=("NOPE-1",))).rule) == "in_catalog"
    assert refused(db, agreement(db, sensitivities=())).field == "sensitivities"
    assert refused(db, agreement(db, sensitivities=("none",))).rule == "choice"
    assert refused(db, agreement(db, scope=" ")).field == "scope"
    assert refused(db, agreement(db, signed_date=date(2026, 10, 10))).rule == "not_future"
    assert refused(db, agreement(db, provider_agency_id=civil, consumer_agency_id=99999),
                   "admin").field == "consumer_agency_id"


# --- API, pages, CLI ----------------------------------------------------------------------------

def form_fields(db, **overrides) -> dict:
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    fields = {"provider_agency_id": str(db.agency_id("police")),
              "consumer_agency_id": str(db.agency_id("civil")), "resource_codes": code,
              "scope": "户籍地址仅用于婚姻登记核验", "sensitivities": ["personal_privacy"],
              "signed_date": "2026-10-08", "valid_from": "2026-10-09", "valid_until": "2027-10-08"}
    fields.update(overrides)
    return fields


def test_api_files_lists_serves_the_document_and_terminates(db, signed_in, on):
    on(OCT_9)
    grant_id = pending_grant(db)
    police = signed_in("police_admin")

    stranger = signed_in("tianhe_civil_admin")
    r = stranger.post(API, data=form_fields(db), files={"document": ("协议.pdf", PDF, "application/pdf")})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = police.post(API, data=form_fields(db, sensitivities=["state_secret"]),
                    files={"document": ("协议.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and r.json()["field"] == "secrecy_filing_number"
    r = police.post(API, data=form_fields(db), files={"document": ("协议.pdf", b"", "application/pdf")})
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "document", "required")

    r = police.post(API, data=form_fields(db), files={"document": ("扫描件.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["in_term_today"], body["document_sm3"]) == ("in_force", True, sm3(PNG))
    assert body["sensitivities"] == ["personal_privacy"] and body["document_name"] == "扫描件.png"
    assert usable(db).id == grant_id

    listed = police.get(API).json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]
    one = police.get(f"{API}/{body['id']}").json()
    assert one["grants"] == [{"grant_id": grant_id, "resource_code": body["resource_codes"][0],
                              "resource_name": HOUSEHOLD, "sensitive_items": ["户籍地址"],
                              "status": "active", "covered_today": True}]
    doc = signed_in("civil_clerk").get(body["document_url"])
    assert doc.status_code == 200 and doc.headers["content-type"] == "image/png"
    assert doc.content == PNG and doc.headers["x-content-sm3"] == sm3(doc.content) == body["document_sm3"]
    assert stranger.get(body["document_url"]).status_code == 404

    r = police.post(f"{API}/{body['id']}/terminate", json={"reasons": "协议重签"})
    assert r.status_code == 200 and r.json()["status"] == "terminated"
    assert police.post(f"{API}/{body['id']}/terminate", json={"reasons": "再次"}).status_code == 409
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "pending_agreement"


def test_pages_file_show_download_and_terminate(db, signed_in, on):
    on(OCT_9)
    grant_id = pending_grant(db)
    client = signed_in("civil_admin")
    page = client.get("/access/agreements/new")
    assert page.status_code == 200
    assert 'value="state_secret"' in page.text and 'name="secrecy_filing_number"' in page.text
    token = csrf_of(page.text)

    bad = client.post("/access/agreements/new", data={**form_fields(db, sensitivities=["state_secret"]),
                                                      "csrf_token": token},
                      files={"document": ("协议.pdf", PDF, "application/pdf")})
    assert bad.status_code == 422
    assert 'id="secrecy_filing_number-error"' in bad.text and "保密行政管理部门备案" in bad.text
    assert "户籍地址仅用于婚姻登记核验</textarea>" in bad.text  # what was typed is kept

    r = client.post("/access/agreements/new", data={**form_fields(db), "csrf_token": token},
                    files={"document": ("协议.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"])
    agreement_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    assert detail.status_code == 200
    for text in ("保密协议已备案", "广州市公安局", "2026年10月9日（周五）", "2027年10月8日（周五）", sm3(PDF),
                 f"/access/grants/{grant_id}", f"{API}/{agreement_id}/document", "终止协议"):
        assert text in detail.text, text
    assert client.get(f"{API}/{agreement_id}/document").content == PDF

    listed = client.get("/access/agreements")
    assert f"/access/agreements/{agreement_id}" in listed.text and "有效" in listed.text
    assert "2026年10月9日（周五） 至 2027年10月8日（周五）" in listed.text

    token = csrf_of(detail.text)
    empty = client.post(f"/access/agreements/{agreement_id}/terminate",
                        data={"reasons": "", "csrf_token": token})
    assert empty.status_code == 422 and 'id="reasons-error"' in empty.text
    done = client.post(f"/access/agreements/{agreement_id}/terminate",
                       data={"reasons": "业务调整", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "已终止" in after and "业务调整" in after and "终止协议</button>" not in after
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "pending_agreement"


def test_cli_lists_and_shows_agreements(db, tmp_path):
    grant_id = pending_grant(db)
    agreement_id = file(db, agreement(db))
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["access", "agreements", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "广州市公安局" in listed.output and "个人隐私" in listed.output
    shown = runner.invoke(cli_app, ["access", "agreements", "show", str(agreement_id)], env=env)
    assert shown.exit_code == 0, shown.output
    assert sm3(PDF) in shown.output and f"授权 #{grant_id}" in shown.output
    missing = runner.invoke(cli_app, ["access", "agreements", "show", "999"], env=env)
    assert missing.exit_code == 2 and "999" in missing.output
