"""Data snapshots (GZ-23): a query or verification of a licence or document resource leaves, in
the same transaction as the answer, a snapshot of what was returned — who asked, under which
grant, for which duty and case, which record versions; a business resource leaves none; a query
that fails or is rolled back leaves none. On both engines, and through the API on PostgreSQL's
hot path too (which hands licence queries to the ordinary path)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from govshare.evidence.keystore import KeyStore
from govshare.evidence.snapshot_models import Snapshot, SnapshotSubject
from govshare.exchange import ingest_service, query_log, query_service, snapshot_service, verify_service
from govshare.exchange.query_models import QueryLogEntry
from govshare.kit.errors import Forbidden
from tests.exchange.helpers import (
    ENTERPRISES,
    HOUSEHOLD,
    LICENCE,
    PERSONS,
    actor,
    body,
    code_of,
    enterprise,
    person,
)
from tests.exchange.test_query_api import bearer_of
from tests.exchange.test_query_service import CASE, DUTY, grant, load

PASSPHRASE = "广州政务-共享平台-2026"
ITEMS = ("统一社会信用代码", "企业名称", "登记状态")


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """The platform's key store where the app looks for it (data_dir/keys), quick to open."""
    monkeypatch.setenv("GOVSHARE_KEY_PASSPHRASE", PASSPHRASE)
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform")
    return store


@pytest.fixture(autouse=True)
def _fresh_cache():
    query_service.forget_cached_grants()


def load_licences(db, keys, count=3):
    # Licence records are sealed as they are loaded, with the provider's seal key from `keys`.
    with db.session() as s:
        return ingest_service.load_records(s, actor(s, "market_clerk"), code_of(s, LICENCE),
                                           body([enterprise(i) for i in range(count)]), "json", keys=keys)


@pytest.fixture
def licences(db, keys):
    load_licences(db, keys)
    grant(db, "civil_clerk", name=LICENCE, items=ITEMS, decider=None)
    with db.session() as s:
        return code_of(s, LICENCE)


def snapshots(db) -> list[Snapshot]:
    with db.session() as s:
        return list(s.scalars(select(Snapshot).order_by(Snapshot.id)))


def digests(db, snapshot_id) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(SnapshotSubject.subject_digest)
                              .where(SnapshotSubject.snapshot_id == snapshot_id)))


def query(db, username, code, subjects):
    with db.session() as s:
        return query_service.query_records(s, actor(s, username), code, subjects, DUTY, CASE)


@pytest.mark.req("GZ-23")
def test_a_licence_query_leaves_a_snapshot_of_what_it_returned(db, licences):
    code = ENTERPRISES[1].credit_code
    answer = query(db, "civil_clerk", licences, [code.lower(), ENTERPRISES[7].credit_code])
    [row] = snapshots(db)
    assert answer.snapshot_id == row.id and row.leaf_index is None  # the worker appends it
    body_ = json.loads(row.data)
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
    assert body_["kind"] == "data_snapshot" and body_["snapshot_id"] == row.id
    assert body_["requester"] == {"agency_id": db.agency_id("civil"), "agency_name": "广州市民政局",
                                  "actor": f"user:{clerk.id} 钱办事"}
    assert body_["purpose"] == {"duty": DUTY, "case_number": CASE}
    assert body_["grant_id"] == answer.grant_id
    assert body_["query"] == {"kind": "query", "resource_code": licences, "resource_name": LICENCE,
                              "subjects": [code, ENTERPRISES[7].credit_code], "as_of": None,
                              "query_log_id": answer.query_id}
    assert body_["returned"] == snapshot_service.results_json(answer.results)
    assert body_["returned"][0]["data"] == {"统一社会信用代码": code, "企业名称": ENTERPRISES[1].name,
                                            "登记状态": "存续"}
    assert body_["returned"][1]["found"] is False
    [record] = body_["records"]
    assert (record["record_id"], record["subject"]) == (answer.results[0].version_id, code)
    assert record["loaded_at"] == answer.results[0].loaded_at.isoformat()
    # The record's seal, disclosing the items shown in clear (and only those) with their salts.
    seal = record["seal"]
    assert seal["agency_id"] == db.agency_id("market") and seal["agency_name"] == "广州市市场监督管理局"
    assert {n: d["value"] for n, d in seal["disclosed"].items()} == answer.results[0].data
    assert set(json.loads(seal["sealed"])["items"]) > set(ITEMS)  # every item sealed, three disclosed
    assert (row.agency_id, row.actor, row.grant_id, row.case_number, row.kind, row.query_log_id) == (
        db.agency_id("civil"), f"user:{clerk.id} 钱办事", answer.grant_id, CASE, "query", answer.query_id)
    # The subjects are searchable by digest; their identifiers are not in the index in clear.
    assert sorted(digests(db, row.id)) == sorted(query_log.subject_digest(c)
                                                 for c in (code, ENTERPRISES[7].credit_code))
    assert row.taken_at == answer.queried_at


@pytest.mark.req("GZ-23")
def test_a_rolled_back_query_leaves_no_snapshot_and_a_refused_one_neither(db, licences):
    with pytest.raises(RuntimeError), db.session() as s:
        query_service.query_records(s, actor(s, "civil_clerk"), licences, [ENTERPRISES[0].credit_code],
                                    DUTY, CASE)
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1  # taken inside it…
        raise RuntimeError("the request failed after the answer was made")
    with pytest.raises(Forbidden):  # …and gone with it; no grant: nothing at all
        query(db, "police_clerk", licences, [ENTERPRISES[0].credit_code])
    assert snapshots(db) == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SnapshotSubject)) == 0
        assert s.scalar(select(func.count()).select_from(QueryLogEntry)) == 0


@pytest.mark.req("GZ-23")
def test_a_business_resource_query_leaves_no_snapshot(db):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    answer = query(db, "civil_clerk", code, [PERSONS[0].id_number])
    assert answer.results[0].found and answer.snapshot_id is None
    assert snapshots(db) == []


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_a_licence_verification_leaves_a_snapshot_of_its_yes_or_no(db, licences):
    code = ENTERPRISES[2].credit_code
    with db.session() as s:
        verdict = verify_service.verify(s, actor(s, "civil_clerk"), licences, code, DUTY, CASE,
                                        {"登记状态": ["存续", "在业"]})
    [row] = snapshots(db)
    assert verdict.holds and verdict.snapshot_id == row.id and row.kind == "verify"
    body_ = json.loads(row.data)
    assert body_["returned"] == {"holds": True, "reason": "holds", "subject": code,
                                 "version_id": verdict.version_id,
                                 "valid_from": verdict.valid_from.isoformat(),
                                 "loaded_at": verdict.loaded_at.isoformat(),
                                 "checked_items": ["登记状态"], "unmet": []}
    assert body_["query"]["query_log_id"] == verdict.query_id
    assert [r["record_id"] for r in body_["records"]] == [verdict.version_id]


@pytest.mark.req("GZ-23")
def test_the_api_answer_carries_the_snapshot_id_on_every_path(db, tmp_path, signed_in, licences):
    client = bearer_of(db, tmp_path, signed_in, "civil_admin", "civil", "婚姻登记系统")
    ask = {"resource_code": licences, "subjects": [ENTERPRISES[0].credit_code], "duty": DUTY,
           "case_number": CASE}
    # The second and third come with the token and grant cached: PostgreSQL's hot path would
    # take them, but a licence query needs its snapshot and goes through the ordinary path.
    answers = [client.post("/api/v1/exchange/queries", json=ask).json() for _ in range(3)]
    rows = snapshots(db)
    assert [a["snapshot_id"] for a in answers] == [r.id for r in rows] and len(rows) == 3
    assert [json.loads(r.data)["query"]["query_log_id"] for r in rows] == [a["query_id"] for a in answers]
    assert json.loads(rows[0].data)["returned"] == answers[0]["results"]
    verdict = client.post("/api/v1/exchange/verifications", json={
        "resource_code": licences, "subject": ENTERPRISES[0].credit_code, "duty": DUTY,
        "case_number": CASE}).json()
    assert verdict["snapshot_id"] == snapshots(db)[-1].id
    client.app.state.engine.dispose()


@pytest.mark.req("GZ-23")
def test_a_business_query_through_the_api_has_no_snapshot_id(db, tmp_path, signed_in):
    load(db, [person(0)])
    grant(db, "civil_clerk")
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    client = bearer_of(db, tmp_path, signed_in, "civil_admin", "civil", "婚姻登记系统")
    r = client.post("/api/v1/exchange/queries", json={
        "resource_code": code, "duty": DUTY, "subjects": [PERSONS[0].id_number], "case_number": CASE})
    assert r.status_code == 200 and r.json()["snapshot_id"] is None and snapshots(db) == []
    client.app.state.engine.dispose()
