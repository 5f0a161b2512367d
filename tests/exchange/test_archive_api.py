"""The archive transfer (GZ-15, GD-9) through the API, the console page and the CLI, on SQLite and
PostgreSQL: who may transfer (the agency's administrator or the city IT authority), the refusals
as problem details naming `year`, the signed manifest served byte for byte, the page's deadline
(30 June 2026, calendar and working days), and `govshare exchange archive transfer|status|verify`."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.evidence.keystore import PASSPHRASE_ENV
from tests.conftest import csrf_of
from tests.exchange.archive_helpers import PASSPHRASE, licences, moment, platform_keys, today_is

pytestmark = [pytest.mark.req("GZ-15"), pytest.mark.req("GD-9")]
API = "/api/v1/exchange/archive/transfers"
runner = CliRunner()


@pytest.fixture
def year_2025(db, tmp_path, monkeypatch):
    keys = platform_keys(tmp_path, monkeypatch)
    licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 3)
    today_is(monkeypatch, date(2026, 6, 1))
    return keys


def test_transfer_through_the_api(db, signed_in, year_2025):
    market = db.agency_id("market")
    clerk = signed_in("market_clerk")
    mine = clerk.get(API, params={"year": 2025}).json()
    assert [a["agency_id"] for a in mine["agencies"]] == [market]
    assert (mine["deadline_date"], mine["days_left"], mine["working_days_left"]) == ("2026-06-30", 29, 20)
    assert (mine["agencies"][0]["state"], mine["agencies"][0]["records"]) == ("pending", 3)
    r = clerk.post(API, json={"year": 2025, "agency_id": market})
    assert (r.status_code, r.json()["code"]) == (403, "not_archive_transferor")  # staff, not admin
    police = signed_in("police_admin")
    assert police.post(API, json={"year": 2025, "agency_id": market}).status_code == 403

    admin = signed_in("admin")  # the city IT authority
    r = admin.post(API, json={"year": 2026, "agency_id": market})
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "year", "year_not_ended")
    done = admin.post(API, json={"year": 2025, "agency_id": market})
    assert done.status_code == 201, done.text
    t = done.json()
    assert (t["status"], t["status_label"], t["late"], t["record_count"]) == (
        "transferred", "已移交", False, 3)
    again = admin.post(API, json={"year": 2025, "agency_id": market})
    assert (again.status_code, again.json()["code"]) == (409, "already_transferred")

    manifest = clerk.get(f"{API}/{t['id']}/manifest")
    assert hashlib.new("sm3", manifest.content).hexdigest() == t["manifest_sm3"]
    assert manifest.headers["x-manifest-sm3"] == t["manifest_sm3"]
    package = admin.get(f"{API}/{t['id']}/package")
    assert hashlib.new("sm3", package.content).hexdigest() == t["package_sm3"]
    r = clerk.post(f"{API}/{t['id']}/receipt", json={"received_by": "市档案馆"})
    assert r.status_code == 403
    r = admin.post(f"{API}/{t['id']}/receipt", json={"received_by": "市档案馆 周收", "note": "签收单 031"})
    assert (r.status_code, r.json()["status"]) == (200, "received")


def test_without_the_passphrase_the_api_says_why(db, signed_in, year_2025, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV)
    r = signed_in("admin").post(API, json={"year": 2025, "agency_id": db.agency_id("market")})
    assert (r.status_code, r.json()["code"]) == (503, "key_unavailable")
    assert "归档移交清单" in r.json()["detail"] and PASSPHRASE_ENV in r.json()["detail"]
    assert signed_in("admin").get(API, params={"year": 2025}).json()["agencies"][0]["state"] == "pending"


def test_the_page_shows_the_deadline_and_transfers(db, signed_in, year_2025):
    page = signed_in("market_clerk").get("/exchange/archive?year=2025")
    assert page.status_code == 200
    html = page.text
    assert "2026年6月30日（周二）" in html and "还有 29 天，剩余 20 个工作日" in html
    assert "待移交" in html and 'action="/exchange/archive/transfer"' not in html  # staff cannot
    assert 'href="/exchange/archive"' in html  # the navigation's 归档移交

    admin = signed_in("admin")
    page = admin.get("/exchange/archive")  # the previous year by default
    assert 'action="/exchange/archive/transfer"' in page.text
    r = admin.post("/exchange/archive/transfer", data={"csrf_token": csrf_of(page.text), "year": "2025",
                                                      "agency_id": str(db.agency_id("market"))},
                   follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = admin.get(r.headers["location"]).text
    assert "已移交" in shown and "/exchange/archive/transfers/" in shown and "清单" in shown
    r = admin.post("/exchange/archive/transfer", data={"csrf_token": csrf_of(shown), "year": "2025",
                                                      "agency_id": str(db.agency_id("market"))})
    assert r.status_code == 409 and "标记为移交失败后才能重新移交" in r.text


def test_the_cli_transfers_shows_and_verifies(db, tmp_path, year_2025):
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200",
           PASSPHRASE_ENV: PASSPHRASE}
    out = tmp_path / "packages"
    transfer = ["exchange", "archive", "transfer", "--out", str(out), "--year"]
    early = runner.invoke(cli_app, [*transfer, "2026"], env=env)
    assert early.exit_code == 2 and "2026 年尚未结束" in early.output
    done = runner.invoke(cli_app, [*transfer, "2025"], env=env)
    assert done.exit_code == 0, done.output
    assert "3 条记录" in done.output
    [package] = out.glob("*.tar")
    status = runner.invoke(cli_app, ["exchange", "archive", "status", "--year", "2025"], env=env)
    assert "2026-06-30" in status.output and "已移交" in status.output and "市场监督管理局" in status.output
    ok = runner.invoke(cli_app, ["exchange", "archive", "verify", str(package)])
    assert ok.exit_code == 0 and "核验通过" in ok.output
    data = bytearray(package.read_bytes())
    data[data.index(b'"subject":') + 12] ^= 1
    package.write_bytes(bytes(data))
    bad = runner.invoke(cli_app, ["exchange", "archive", "verify", str(package)])
    assert bad.exit_code == 1 and "records.ndjson" in bad.output
