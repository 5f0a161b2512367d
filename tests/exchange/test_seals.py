"""Electronic seals of licence and document records on SQLite and PostgreSQL: every record a
provider loads into a licence's library is sealed by its agency's seal key in the load's own
transaction (GZ-23), the seal checks with stock openssl against the published key (GZ-24), no
passphrase means no load at all, and a record changed in the database afterwards is reported
with its id by the service and by `govshare exchange seals check` (GZ-26)."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.evidence import seals
from govshare.evidence.keystore import PASSPHRASE_ENV, KeyStore, KeyUnavailable, agency_key_name
from govshare.evidence.models import AuditEvent
from govshare.exchange import ingest_service, record_service, seal_service
from govshare.exchange.models import Load, Record
from govshare.exchange.seal_models import RecordSeal
from govshare.kit.errors import Forbidden
from tests.evidence.test_signing import openssl_verify
from tests.exchange.helpers import HOUSEHOLD, LICENCE, PASSPHRASE, actor, body, code_of, enterprise, person

runner = CliRunner()
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)


def load(db, keys, records, name=LICENCE, username="market_clerk"):
    with db.session() as s:
        return ingest_service.load_records(s, actor(s, username), code_of(s, name), body(records), "json",
                                           keys=keys)


def stored(db):
    with db.session() as s:
        return s.execute(select(Record, RecordSeal).outerjoin(RecordSeal, RecordSeal.record_id == Record.id)
                         .order_by(Record.id)).all()


def key_events(db):
    with db.session() as s:
        return [json.loads(p) for p in s.scalars(select(AuditEvent.payload).where(
            AuditEvent.event_type == "SigningKeyCreated"))]


@needs_openssl
@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_every_licence_record_is_sealed_by_its_provider_as_it_loads(db, keys, tmp_path):
    market = db.agency_id("market")
    first = load(db, keys, [enterprise(i) for i in range(3)])
    second = load(db, keys, [enterprise(0, 登记状态="注销")])
    assert (first.sealed, second.sealed) == (3, 1)
    rows = stored(db)
    assert len(rows) == 4 and all(seal is not None for _, seal in rows)
    # The key was made by the first sealed load, audited once, and is the agency's seal key.
    key = keys.current(agency_key_name(market))
    assert key_events(db) == [{"agency_id": market, "key_name": f"agency-{market}", "key_id": key.key_id,
                               "algorithm": "SM2-SM3"}]
    (tmp_path / "pub.pem").write_text(key.public_key_pem)
    with db.session() as s:
        code = code_of(s, LICENCE)
    for record, seal in rows:
        assert (seal.agency_id, seal.key_id, seal.algorithm) == (market, key.key_id, "SM2-SM3")
        # Stock openssl checks the stored signature over the stored sealed text.
        assert openssl_verify(tmp_path, "SM2-SM3", seal.sealed.encode("utf-8"), seal.signature)
        document = json.loads(seal.sealed)
        assert (document["agency"]["name"], document["subject"], document["load_id"]) == (
            "广州市市场监督管理局", record.subject, record.load_id)
        assert document["resource_code"] == code and set(document["items"]) == set(record.data)
        assert seals.check_record(seal, key.public_key_pem, code, record.subject, record.load_id,
                                  record.produced_at, record.valid_from, record.data) == []
    # The second version's seal covers its own values: the first version's seal does not fit it.
    (old, old_seal), (new, _) = rows[0], rows[3]
    assert new.data["登记状态"] == "注销"
    assert seals.check_record(old_seal, key.public_key_pem, code, new.subject, old.load_id,
                              new.produced_at, new.valid_from, new.data) != []


@pytest.mark.req("GZ-23")
def test_without_the_passphrase_a_licence_is_not_loaded_at_all(db, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(KeyUnavailable) as refused:
        load(db, KeyStore(tmp_path / "keys"), [enterprise(0)])
    assert refused.value.status == 503 and refused.value.rule == "key_passphrase_missing"
    assert "证照或文书" in refused.value.message and PASSPHRASE_ENV in refused.value.message
    assert "本批数据未写入" in refused.value.message
    with pytest.raises(KeyUnavailable):
        load(db, None, [enterprise(0)])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0
        assert s.scalar(select(func.count()).select_from(Load)) == 0
    assert key_events(db) == []
    # A business resource (户籍) is not sealed and needs no key.
    household = load(db, None, [person(0)], name=HOUSEHOLD, username="police_clerk")
    assert (household.records, household.sealed) == (1, 0)
    assert [seal for _, seal in stored(db)] == [None]


@pytest.mark.req("GZ-23")
def test_a_refused_batch_leaves_no_seal_and_its_key_is_audited_by_the_next_load(db, keys):
    with pytest.raises(ingest_service.LoadRefused):
        load(db, keys, [enterprise(0), enterprise(1, 成立日期="2010-13-01")])
    assert stored(db) == [] and key_events(db) == []  # the key file stays; its event rolled back
    load(db, keys, [enterprise(0)])
    key = keys.current(agency_key_name(db.agency_id("market")))
    assert [e["key_id"] for e in key_events(db)] == [key.key_id]


@pytest.mark.req("GZ-26")
def test_seals_are_append_only_in_the_database(db, keys):
    load(db, keys, [enterprise(0)])
    for statement in ("UPDATE exchange_record_seal SET key_id = 'x'", "DELETE FROM exchange_record_seal"):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert len([seal for _, seal in stored(db) if seal is not None]) == 1


def tamper(db, *statements, **params):
    """A DBA at the prompt: exchange_record has no triggers; the seal table's are switched off."""
    with db.engine.begin() as conn:
        if db.engine_name == "postgresql":
            conn.execute(text("ALTER TABLE exchange_record_seal DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS exchange_record_seal_no_delete"))
        for statement in statements:
            conn.execute(text(statement), params)


@pytest.mark.req("GZ-26")
def test_a_record_changed_in_the_database_is_reported_with_its_id(db, keys, tmp_path):
    load(db, keys, [enterprise(i) for i in range(6)])
    rows = stored(db)
    changed, unsealed, removed = rows[1][0], rows[3][0], rows[5][0]
    data = json.dumps({**changed.data, "登记状态": "吊销"}, ensure_ascii=False)
    cast = "CAST(:data AS json)" if db.engine_name == "postgresql" else ":data"
    tamper(db, f"UPDATE exchange_record SET data = {cast} WHERE id = :id",
           "DELETE FROM exchange_record_seal WHERE record_id = :unsealed",
           "DELETE FROM exchange_record WHERE id = :removed",
           data=data, id=changed.id, unsealed=unsealed.id, removed=removed.id)
    with db.session() as s:
        code = code_of(s, LICENCE)
        report = seal_service.check_library(s, actor(s, "market_clerk"), keys, code)
        with pytest.raises(Forbidden):
            seal_service.check_library(s, actor(s, "police_clerk"), keys, code)
    assert not report.ok and (report.checked, report.sealed) == (5, 4)
    found = {m.record_id: m.problems for m in report.mismatches}
    assert set(found) == {changed.id, unsealed.id, removed.id}
    assert found[changed.id] == ("信息项“登记状态”的值与印章不符：盖章后被改动。",)
    assert "没有电子印章" in found[unsealed.id][0] and "记录已被删除" in found[removed.id][0]
    assert "3 条与电子印章不符" in report.summary

    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    done = runner.invoke(cli_app, ["exchange", "seals", "check", "--resource", code], env=env)
    assert done.exit_code == 1, done.output
    assert f"✘ 记录 {changed.id}（主体 {changed.subject}）：信息项“登记状态”的值与印章不符" in done.output
    assert f"✘ 记录 {unsealed.id}" in done.output and f"✘ 记录 {removed.id}：" in done.output


@pytest.mark.req("GZ-26")
def test_the_check_passes_an_untouched_library(db, keys, tmp_path):
    load(db, keys, [enterprise(i) for i in range(3)])
    with db.session() as s:
        code = code_of(s, LICENCE)
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    done = runner.invoke(cli_app, ["exchange", "seals", "check", "--resource", code], env=env)
    assert done.exit_code == 0, done.output
    assert "共 3 条记录版本，其中 3 条带电子印章，逐条与印章核对一致" in done.output


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_the_api_seals_publishes_the_key_and_shows_the_seal(db, signed_in, monkeypatch, tmp_path):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    market = signed_in("market_clerk")
    with db.session() as s:
        code = code_of(s, LICENCE)
    before = market.get("/.well-known/govshare-keys.json").json()["keys"]
    assert all(k["agency_id"] != db.agency_id("market") for k in before)
    url = f"/api/v1/exchange/resources/{code}/records"
    r = market.post(url, content=body([enterprise(0)]), headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    keys = market.get("/.well-known/govshare-keys.json").json()["keys"]
    [seal_key] = [k for k in keys if k["agency_id"] == db.agency_id("market")]
    assert (seal_key["owner"], seal_key["agency_name"], seal_key["current"]) == (
        "agency", "广州市市场监督管理局", True)
    record = market.get(f"{url}/{enterprise(0)['统一社会信用代码']}").json()
    assert record["seal"]["key_id"] == seal_key["key_id"]
    assert (record["seal"]["agency_name"], record["seal"]["algorithm"]) == ("广州市市场监督管理局", "SM2-SM3")
    page = market.get("/exchange", params={"resource": code, "subject": enterprise(0)["统一社会信用代码"]})
    assert "电子印章" in page.text and record["seal"]["seal_id"] in page.text
    # The published key checks the stored seal.
    with db.session() as s:
        seal = s.scalar(select(RecordSeal))
    assert seals.check_disclosure(seals.disclose(seal, {}, []), seal_key["public_key_pem"]) == []


@pytest.mark.req("GZ-23")
def test_the_api_refuses_a_licence_without_the_passphrase(db, signed_in, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    market = signed_in("market_clerk")
    with db.session() as s:
        code = code_of(s, LICENCE)
    r = market.post(f"/api/v1/exchange/resources/{code}/records", content=body([enterprise(0)]),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 503 and r.json()["code"] == "key_unavailable"
    assert "电子印章" in r.json()["detail"] and "本批数据未写入" in r.json()["detail"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0


def test_seals_of_answers_in_one_select(db, keys):
    load(db, keys, [enterprise(i) for i in range(3)])
    ids = [record.id for record, _ in stored(db)]
    with db.session() as s:
        found = seal_service.seals_of(s, [*ids, 999999])
        view = record_service.provider_record(s, actor(s, "market_clerk"), code_of(s, LICENCE),
                                              enterprise(1)["统一社会信用代码"])
    assert set(found) == set(ids)
    assert view.seal is not None and view.seal.seal_id == found[view.version_id].seal_id


@pytest.mark.req("GZ-23")
def test_the_first_sealed_load_makes_the_seal_key_of_the_platform_algorithm(db, tmp_path, monkeypatch):
    """GOVSHARE_SIGNING_ALGORITHM=ed25519: the seal key `govshare exchange load` creates at the
    agency's first sealed load is Ed25519, its seals check, and the CLI shows sealing progress."""
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    with db.session() as s:
        code = code_of(s, LICENCE)
    batch = tmp_path / "licences.json"
    batch.write_bytes(body([enterprise(i) for i in range(3)]))
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "200",
           "GOVSHARE_SIGNING_ALGORITHM": "ed25519"}
    done = runner.invoke(cli_app, ["exchange", "load", str(batch), "--resource", code,
                                   "--agency", str(db.agency_id("market"))], env=env)
    assert done.exit_code == 0, done.output
    assert "已盖章 3/3 条（未提交）" in done.output and "3 条已盖提供机关电子印章" in done.output
    key = KeyStore(tmp_path / "keys").current(agency_key_name(db.agency_id("market")))
    assert key.algorithm == "Ed25519"
    assert [e["algorithm"] for e in key_events(db)] == ["Ed25519"]
    rows = stored(db)
    assert len(rows) == 3 and {seal.algorithm for _, seal in rows} == {"Ed25519"}
    for record, seal in rows:
        assert seals.check_record(seal, key.public_key_pem, code, record.subject, record.load_id,
                                  record.produced_at, record.valid_from, record.data) == []
