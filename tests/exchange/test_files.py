"""File resources (文件, GD-16) through the API and the console, on SQLite and PostgreSQL: the
provider uploads versions kept with their SM3 digest; a consumer whose grant was opened at once
(unconditional, GD-20) lists and downloads them with the digest in X-Content-SM3, stating duty
and case number (GD-24), the download logged; without a grant, 403 naming why."""

from __future__ import annotations

import hashlib

import pytest

from govshare.exchange import file_service
from tests.conftest import csrf_of
from tests.exchange.helpers import code_of
from tests.exchange.test_query_service import CASE, DUTY, grant

API = "/api/v1/exchange"
REPORTS = "企业年度报告信息"  # 市场监管局, unconditional, 共享平台·文件
DATA = "统一社会信用代码,报告年度\n91440101MA5CXXXX1A,2025\n".encode()


@pytest.fixture
def code(db):
    with db.session() as s:
        return code_of(s, REPORTS)


def upload(client, code, data=DATA, name="年报2025.csv", note="2025年度"):
    return client.post(f"{API}/files/{code}/versions", files={"file": (name, data, "text/csv")},
                       data={"note": note})


@pytest.mark.req("GD-16")
@pytest.mark.req("GD-20")
@pytest.mark.req("GD-24")
@pytest.mark.req("GZ-18")
def test_versions_uploaded_and_downloaded_under_a_grant(db, signed_in, code):
    market = signed_in("market_clerk")
    first = upload(market, code)
    assert first.status_code == 201, first.text
    second = upload(market, code, DATA + b"91440101MA5CYYYY2B,2025\n", note="更正")
    v1, v2 = first.json(), second.json()
    assert (v1["version"], v2["version"]) == (1, 2)
    assert v1["sm3"] == hashlib.new("sm3", DATA).hexdigest() and v1["size"] == len(DATA)
    assert v1["media_type"] == "text/csv" and v1["filename"] == "年报2025.csv"

    civil = signed_in("civil_clerk")
    r = civil.get(f"{API}/files/{code}/versions")
    assert (r.status_code, r.json()["code"]) == (403, "no_grant") and code in r.json()["detail"]

    g = grant(db, "civil_clerk", name=REPORTS, items=("统一社会信用代码", "报告年度", "从业人数"),
              decider=None)
    assert g.status == "active"  # unconditional: opened at once (GD-20)
    assert [v["version"] for v in civil.get(f"{API}/files/{code}/versions").json()] == [2, 1]
    url = f"{API}/files/{code}/versions/1/content"
    r = civil.get(url, params={"duty": DUTY})
    assert (r.status_code, r.json()["field"]) == (422, "case_number")
    r = civil.get(url, params={"duty": DUTY, "case_number": CASE})
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["x-content-sm3"] == hashlib.new("sm3", r.content).hexdigest() == v1["sm3"]
    [line] = civil.get(f"{API}/query-log").json()["entries"]
    assert (line["id"], line["kind"], line["case_number"], line["grant_id"], line["record_ids"]) == (
        int(r.headers["x-query-id"]), "file", CASE, g.id, [v1["id"]])
    assert civil.get(f"{API}/files/{code}/versions/9/content",
                     params={"duty": DUTY, "case_number": CASE}).status_code == 404


def test_only_the_provider_uploads_and_not_beyond_the_limit(db, signed_in, code, monkeypatch):
    assert upload(signed_in("civil_clerk"), code).status_code == 403
    market = signed_in("market_clerk")
    assert upload(market, code, b"").json()["rule"] == "empty"
    with db.session() as s:
        household = code_of(s, "户籍人口信息")
    r = upload(signed_in("police_clerk"), household)
    assert (r.status_code, r.json()["rule"]) == (422, "share_mode")
    monkeypatch.setattr(file_service, "MAX_BYTES", 10)
    r = upload(market, code, b"x" * 11)
    assert (r.status_code, r.json()["rule"]) == (422, "max_size")


@pytest.mark.req("GD-24")
def test_the_file_pages(db, signed_in, code):
    market = signed_in("market_clerk")
    assert REPORTS in market.get("/exchange/files").text
    page = market.get(f"/exchange/files/{code}/versions")
    assert page.status_code == 200 and "上传新版本" in page.text
    r = market.post(f"/exchange/files/{code}/versions",
                    data={"csrf_token": csrf_of(page.text), "note": "首版"},
                    files={"file": ("年报.csv", DATA, "text/csv")}, follow_redirects=False)
    assert r.status_code == 303
    page = market.get(r.headers["location"])
    assert "已上传第 1 版" in page.text and hashlib.new("sm3", DATA).hexdigest() in page.text

    civil = signed_in("civil_clerk")
    r = civil.get(f"/exchange/files/{code}/versions")
    assert r.status_code == 403 and "有效授权" in r.text
    grant(db, "civil_clerk", name=REPORTS, items=("统一社会信用代码", "报告年度"), decider=None)
    page = civil.get(f"/exchange/files/{code}/versions")
    assert page.status_code == 200 and "上传新版本" not in page.text and "办件号" in page.text
    r = civil.get(f"/exchange/files/{code}/versions/1/download", params={"duty": DUTY})
    assert r.status_code == 422 and "办件号" in r.text
    r = civil.get(f"/exchange/files/{code}/versions/1/download", params={"duty": DUTY, "case_number": CASE})
    assert r.status_code == 200 and r.content == DATA and r.headers["x-content-sm3"]
