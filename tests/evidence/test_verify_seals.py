"""`govshare verify` on a data snapshot's evidence file checks the seals of its records offline
(GZ-23, GZ-24, GZ-26): the provider's seal key signed each sealed document while valid, every
disclosed value is the sealed one and equals what the snapshot says was returned in clear — and
it says in Chinese which record failed and why. The snapshot leaf is made by hand here (the
snapshot builder is exchange's), in the shape agreed in the brief."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import rfc8785
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import evidence_service, seals, signing, verifier
from govshare.evidence.keystore import KeyStore
from govshare.evidence.log_service import append_leaves, issue_tree_head, leaf_data

runner = CliRunner()
PASSPHRASE = "广州政务-共享平台-2026"
OFFLINE = {"GOVSHARE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "COLUMNS": "300"}
AGENCY = seals.SealAgency(5, "广州市市场监督管理局", "11440100MB2C92051X")
PRODUCED = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
CLEAR = ("统一社会信用代码", "企业名称", "登记状态")
RECORDS = [{"统一社会信用代码": f"91440101MA59XXXX{i}X", "企业名称": f"示例科技{i}有限公司",
            "法定代表人": "王伟", "登记状态": "存续"} for i in range(2)]


@pytest.fixture(params=signing.ALGORITHMS)
def keys(request, tmp_path):
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform")
    store.create("agency-5", request.param)
    return store


def snapshot(keys, returned_status="存续") -> bytes:
    """A data snapshot of a query that returned two sealed licences, 法定代表人 masked."""
    signer = keys.signer("agency-5")
    records, returned = [], []
    for i, data in enumerate(RECORDS):
        subject = data["统一社会信用代码"]
        seal = seals.seal_record(signer, AGENCY, "101001/000001", subject, 3, PRODUCED, PRODUCED, data,
                                 datetime.now(UTC))
        records.append({"record_id": 10 + i, "subject": subject, "produced_at": PRODUCED.isoformat(),
                        "valid_from": PRODUCED.isoformat(), "loaded_at": PRODUCED.isoformat(),
                        "seal": seals.disclose(seal, data, CLEAR)})
        shown = {**{n: data[n] for n in CLEAR}, "法定代表人": "王*"}
        if i == 1:
            shown["登记状态"] = returned_status
        returned.append({"subject": subject, "found": True, "version_id": 10 + i, "data": shown,
                         "masked": ["法定代表人"]})
    return leaf_data("data_snapshot", {
        "snapshot_id": 1, "taken_at": datetime.now(UTC).isoformat(),
        "requester": {"agency_id": 2, "agency_name": "广州市民政局", "actor": "user:7 钱办事"},
        "grant_id": 4, "purpose": {"duty": "婚姻登记", "case_number": "HY-2026-000123"},
        "query": {"kind": "query", "resource_code": "101001/000001", "resource_name": "营业执照信息",
                  "subjects": [r["统一社会信用代码"] for r in RECORDS], "as_of": None, "query_log_id": 9},
        "returned": returned, "records": records})


def evidence_file(db, keys, data: bytes) -> dict:
    with db.session() as s:
        index = append_leaves(s, [data], kind="data_snapshot")[0]
        issue_tree_head(s, keys.signer("platform"))
    with db.session() as s:
        return evidence_service.evidence_for_leaf(
            s, keys, index, data, extra_keys=[k.to_dict() for k in keys.public_keys("agency-5")])


def findings(verdict, part):
    return [(f.status, f.message) for f in verdict.findings if f.part == part]


def trusted(keys):
    return [k.to_dict() for k in keys.public_keys()]


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_the_seals_of_a_genuine_snapshot_hold(db, keys):
    doc = evidence_file(db, keys, snapshot(keys))
    verdict = verifier.verify_document(doc, trusted(keys))
    assert verdict.ok, verdict.findings
    [(status, message)] = findings(verdict, "电子印章")
    assert status == "ok"
    assert message.startswith("2 条记录的电子印章均成立：由广州市市场监督管理局的印章密钥签署")
    assert "披露的 6 个信息项的值与印章所盖的一致" in message
    assert "王伟" not in json.dumps(doc, ensure_ascii=False)  # the masked value is nowhere in the file


@pytest.mark.req("GZ-24")
@pytest.mark.req("GZ-26")
def test_a_returned_value_that_is_not_the_sealed_one_fails_even_in_a_genuine_log(db, keys):
    """The log holds it faithfully, but what the platform said it returned is not what the
    provider sealed: the seal check says so on its own."""
    doc = evidence_file(db, keys, snapshot(keys, returned_status="注销"))
    verdict = verifier.verify_document(doc, trusted(keys))
    assert not verdict.ok and findings(verdict, "包含证明")[0][0] == "ok"
    assert findings(verdict, "披露值") == [
        ("fail", f"记录 11（主体 {RECORDS[1]['统一社会信用代码']}）："
                 "信息项“登记状态”返回的值与印章披露的值不符。")]
    assert "披露值" in verdict.summary


@pytest.mark.req("GZ-26")
def test_a_forged_disclosure_and_an_unknown_seal_key_fail(db, keys, tmp_path):
    doc = evidence_file(db, keys, snapshot(keys))
    body = json.loads(doc["leaf_data"])
    body["records"][0]["seal"]["disclosed"]["登记状态"]["value"] = "吊销"
    body["returned"][0]["data"]["登记状态"] = "吊销"
    forged = copy.deepcopy(doc)
    forged["leaf_data"] = rfc8785.dumps(body).decode("utf-8")
    verdict = verifier.verify_document(forged, trusted(keys))
    assert findings(verdict, "电子印章") == [
        ("fail", f"记录 10（主体 {RECORDS[0]['统一社会信用代码']}）："
                 "信息项“登记状态”披露的值与印章所盖的不符：值被改动。")]
    assert findings(verdict, "包含证明")[0][0] == "fail"

    platform_only = [k.to_dict() for k in keys.public_keys("platform")]
    verdict = verifier.verify_document(doc, platform_only)
    assert [s for s, _ in findings(verdict, "电子印章")] == ["fail", "fail"]
    assert "不在受信任的公钥清单中" in findings(verdict, "电子印章")[0][1]

    (tmp_path / "evidence.json").write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    done = runner.invoke(app, ["verify", str(tmp_path / "evidence.json")], env=OFFLINE)
    assert done.exit_code == 1
    assert "✘ 不成立 电子印章：记录 10" in done.output and "值被改动" in done.output


def documented_seal_check() -> str:
    text = (Path(__file__).parents[2] / "docs" / "evidence.md").read_text(encoding="utf-8")
    block = text.split("<!-- tested: seal-check -->", 1)[1]
    return block.split("```bash\n", 1)[1].split("```", 1)[0]


@pytest.mark.req("GZ-24")
@pytest.mark.skipif(not all(shutil.which(t) for t in ("bash", "openssl", "jq")),
                    reason="needs bash, openssl and jq")
def test_the_documented_openssl_seal_check_accepts_a_seal_and_refuses_a_changed_value(db, keys, tmp_path):
    doc = evidence_file(db, keys, snapshot(keys))
    (tmp_path / "check.sh").write_text(documented_seal_check(), encoding="utf-8")

    def run(document: dict) -> subprocess.CompletedProcess:
        (tmp_path / "evidence.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return subprocess.run(["bash", "check.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    done = run(doc)
    assert done.returncode == 0, done.stderr
    assert "印章成立" in done.stdout
    body = json.loads(doc["leaf_data"])
    body["records"][0]["seal"]["disclosed"]["登记状态"]["value"] = "吊销"
    changed = run({**doc, "leaf_data": rfc8785.dumps(body).decode("utf-8")})
    assert changed.returncode == 1 and "“登记状态”与印章不符" in changed.stdout
    body = json.loads(doc["leaf_data"])
    seal = body["records"][0]["seal"]
    seal["sealed"] = seal["sealed"].replace('"load_id":3', '"load_id":4')
    forged = run({**doc, "leaf_data": rfc8785.dumps(body).decode("utf-8")})
    assert forged.returncode == 1 and "Signature Verification Failure" in forged.stdout + forged.stderr
