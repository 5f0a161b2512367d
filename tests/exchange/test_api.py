"""The exchange API on SQLite and PostgreSQL: a provider (its clerk in the console session, or its
system with a bearer token) loads records as JSON, NDJSON, CSV or Excel and reads them back by
subject; every refusal is a problem document, a bad batch with an `errors` list naming each
record, item and rule (GD-16, GZ-16)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from govshare.catalog.models import Entry
from tests.conftest import make_client
from tests.exchange.helpers import (
    HOUSEHOLD,
    LICENCE,
    PERSONS,
    PRODUCED,
    body,
    enterprise,
    ndjson,
    person,
)

API = "/api/v1/exchange"
PROBLEM = "application/problem+json"


def code(db, name: str) -> str:
    with db.session() as s:
        return s.scalar(select(Entry.resource_code).where(Entry.name == name))


def records_url(db, name: str) -> str:
    return f"{API}/resources/{code(db, name)}/records"


def post_json(client, url, data: bytes, **headers):
    return client.post(url, content=data, headers={"Content-Type": "application/json", **headers})


@pytest.fixture
def bearer(db, tmp_path, signed_in):
    """A client of the 公安局's own system, with the token its administrator issued."""
    admin = signed_in("police_admin")
    r = admin.post(f"/api/v1/agencies/{db.agency_id('police')}/api-clients", json={"name": "户籍系统"})
    assert r.status_code == 201, r.text
    client = make_client(db, tmp_path)
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    yield client
    client.app.state.engine.dispose()


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_a_provider_system_loads_json_and_ndjson_and_reads_by_subject(db, bearer, signed_in):
    url = records_url(db, HOUSEHOLD)
    r = post_json(bearer, url, body([person(i) for i in range(5)]))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("records", "new_subjects", "late", "deadline_class")} == {
        "records": 5, "new_subjects": 5, "late": 0, "deadline_class": "within_3_days"}
    first_at = r.json()["loaded_at"]
    r = bearer.post(url, content=ndjson([person(1, 户籍地址="广州市荔湾区"), person(5)]),
                    headers={"Content-Type": "application/x-ndjson"})
    assert (r.status_code, r.json()["records"], r.json()["new_subjects"]) == (201, 2, 1)

    clerk = signed_in("police_clerk")
    subject = PERSONS[1].id_number
    now_ = clerk.get(f"{url}/{subject}")
    assert now_.status_code == 200, now_.text
    assert (now_.json()["version"], now_.json()["data"]["户籍地址"]) == (2, "广州市荔湾区")
    assert now_.json()["timeliness"]["on_time"] is True
    then = clerk.get(f"{url}/{subject}", params={"as_of": first_at})
    assert (then.json()["version"], then.json()["data"]["户籍地址"]) == (1, "广州市天河区天河路2号")
    versions = clerk.get(f"{url}/{subject}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    listing = {row["name"]: row for row in clerk.get(f"{API}/libraries").json()}
    assert (listing[HOUSEHOLD]["subject_count"], listing[HOUSEHOLD]["version_count"]) == (6, 7)
    assert listing[HOUSEHOLD]["last_load_records"] == 2
    assert "未成年人犯罪记录封存信息" not in listing  # catalogued as 库表 but not shared: not hosted
    assert clerk.get(f"{url}/{PERSONS[30].id_number}").status_code == 404
    bad_subject = clerk.get(f"{url}/{subject[:17]}")
    assert (bad_subject.status_code, bad_subject.json()["rule"]) == (422, "length")


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_a_bad_batch_is_a_problem_listing_every_error_and_stores_nothing(db, signed_in):
    clerk = signed_in("police_clerk")
    url = records_url(db, HOUSEHOLD)
    records = [person(i) for i in range(6)]
    records[1]["出生日期"] = "1990-13-01"
    records[3]["公民身份号码"] = "44010619900101123"
    records[4]["身高"] = 170
    del records[5]["_produced_at"]
    r = post_json(clerk, url, body(records))
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    problem = r.json()
    assert (problem["code"], problem["rule"]) == ("records_refused", "record_errors")
    assert "4 处错误" in problem["detail"]
    assert [(e["index"], e["item"], e["rule"]) for e in problem["errors"]] == [
        (1, "出生日期", "date"), (3, "公民身份号码", "length"), (4, "身高", "unknown_item"),
        (5, "_produced_at", "required")]
    assert problem["errors"][0]["message"] == "第2条记录：“出生日期”应为日期（YYYY-MM-DD），实为“1990-13-01”"
    assert clerk.get(f"{url}/{PERSONS[0].id_number}").status_code == 404  # the good ones were not stored

    lines = ndjson([person(0), person(1)]) + b"\n{broken\n" + ndjson([person(2, 出生日期="昨天")])
    r = clerk.post(url, content=lines, headers={"Content-Type": "application/x-ndjson"})
    assert [(e["row"], e["rule"]) for e in r.json()["errors"]] == [(3, "json"), (4, "date")]


@pytest.mark.req("GD-16")
def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(db, bearer):
    url = records_url(db, HOUSEHOLD)
    data = body([person(i) for i in range(3)])
    first = post_json(bearer, url, data, **{"Idempotency-Key": "batch-0001"})
    again = post_json(bearer, url, data, **{"Idempotency-Key": "batch-0001"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = post_json(bearer, url, body([person(7)]), **{"Idempotency-Key": "batch-0001"})
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.req("GD-16")
def test_refusals_are_problems(db, signed_in, bearer):
    url = records_url(db, HOUSEHOLD)
    civil = signed_in("civil_clerk")
    r = post_json(civil, url, body([person(0)]))
    assert (r.status_code, r.json()["code"]) == (403, "not_provider")
    assert post_json(bearer, url, body([person(0)])).status_code == 201
    assert civil.get(f"{url}/{PERSONS[0].id_number}").status_code == 403  # the provider's own view
    r = post_json(bearer, records_url(db, LICENCE), body([enterprise(0)]))
    assert (r.status_code, r.json()["code"]) == (403, "not_provider")
    r = bearer.post(url, content=b"a,b", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")
    assert post_json(bearer, f"{API}/resources/999999/000001/records", b"[]").status_code == 404
    r = post_json(bearer, url, b"{not json")
    assert (r.status_code, r.json()["errors"][0]["rule"]) == (422, "json")


@pytest.mark.req("GD-16")
def test_csv_and_excel_files_upload_with_row_numbers_in_errors(db, bearer):
    upload = f"{records_url(db, HOUSEHOLD)}/upload"
    rows = [f"{p.id_number},{p.name},{p.birth_date}" for p in PERSONS[:3]]
    good = ("公民身份号码,姓名,出生日期\n" + "\n".join(rows)).encode("utf-8-sig")
    r = bearer.post(upload, files={"file": ("户籍.csv", good, "text/csv")}, params={"produced_at": PRODUCED})
    assert (r.status_code, r.json()["records"]) == (201, 3), r.text
    bad = ("公民身份号码,姓名,籍贯\n" + f"{PERSONS[3].id_number},张三,广东\n,李四,广东\n").encode()
    r = bearer.post(upload, files={"file": ("户籍.csv", bad, "text/csv")}, params={"produced_at": PRODUCED})
    assert [(e["row"], e["item"], e["rule"]) for e in r.json()["errors"]] == [
        (1, "籍贯", "unknown_item"), (3, "公民身份号码", "required")]

    book = Workbook()
    book.active.append(["公民身份号码", "姓名", "数据产生时间"])
    book.active.append([PERSONS[4].id_number, "王五", PRODUCED])
    book.active.append([PERSONS[5].id_number, "赵六", "下午三点"])
    out = io.BytesIO()
    book.save(out)
    r = bearer.post(upload, files={"file": ("户籍.xlsx", out.getvalue(), "application/octet-stream")})
    assert [(e["row"], e["item"], e["rule"]) for e in r.json()["errors"]] == [(3, "_produced_at", "datetime")]
    r = bearer.post(upload, files={"file": ("户籍.txt", b"x", "text/plain")})
    assert (r.status_code, r.json()["field"]) == (422, "file")


def test_openapi_describes_the_exchange_endpoints(db, bearer):
    spec = bearer.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/exchange/resources/{resource_code}/records"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "application/x-ndjson"}
    assert {"201", "403", "409", "422"} <= set(post["responses"])
    assert "/api/v1/exchange/resources/{resource_code}/records/{subject}" in spec["paths"]
