"""Evidence files and the offline verifier (GZ-24, GZ-26): one JSON file per leaf of the receipt
log — its data, inclusion proof, signed tree head and public keys — that `govshare verify FILE`
checks with no database, saying in Chinese what holds and what failed; the real openssl binary
(and the documented jq/xxd/openssl script) accepts the same file."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import evidence_service, log_service, merkle, signing, verifier
from govshare.evidence.keystore import KeyStore
from govshare.evidence.log_service import append_leaves, issue_tree_head, leaf_data
from tests.evidence.conftest import actor
from tests.evidence.test_merkle import documented_receipt_check

runner = CliRunner()
PASSPHRASE = "广州政务-共享平台-2026"
SNAPSHOT = leaf_data("snapshot", {"resource": "出生医学证明信息", "subject": "440106201901010012",
                                  "returned": {"姓名": "张三", "出生日期": "2019-01-01"},
                                  "purpose": "户口登记"})
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
OFFLINE = {"GOVSHARE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "COLUMNS": "300"}


@pytest.fixture(params=signing.ALGORITHMS)
def keys(request, tmp_path):
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform", request.param)
    return store


@pytest.fixture
def document(db, keys):
    """The evidence file of a snapshot in the middle of the log, with the log grown after it."""
    with db.session() as s:
        append_leaves(s, [leaf_data("snapshot", {"n": i}) for i in range(20)], kind="snapshot")
        index = append_leaves(s, [SNAPSHOT], kind="snapshot")[0]
        append_leaves(s, [leaf_data("snapshot", {"n": i}) for i in range(20, 33)], kind="snapshot")
        issue_tree_head(s, keys.signer("platform"))
    with db.session() as s:
        append_leaves(s, [leaf_data("snapshot", {"n": 99})], kind="snapshot")
        issue_tree_head(s, keys.signer("platform"))
    with db.session() as s:
        return evidence_service.evidence_for_leaf(s, keys, index, SNAPSHOT)


def trusted(keys) -> list[dict]:
    return [k.to_dict() for k in keys.public_keys()]


def statuses(verdict: verifier.Verdict) -> dict[str, str]:
    return {f.part: f.status for f in verdict.findings}


@pytest.mark.req("GZ-24")
def test_a_genuine_evidence_file_verifies_part_by_part(document, keys):
    assert document["leaf_index"] == 20 and document["leaf_data"].encode() == SNAPSHOT
    assert document["tree_head"]["tree_size"] == 35  # the first head covering it: 34 snapshots + checkpoint
    verdict = verifier.verify_document(document, trusted(keys))
    assert verdict.ok, verdict.findings
    assert statuses(verdict) == {"格式": "ok", "数据": "ok", "公钥": "ok", "有效期": "ok", "签名": "ok",
                                 "包含证明": "ok", "可信时间": "note"}
    assert verdict.summary == "结论：证据文件各项核对均成立。"
    alone = verifier.verify_document(document)  # without a trusted list: said, not hidden
    assert alone.ok and statuses(alone)["公钥"] == "note"


def tamper_data(doc):
    doc["leaf_data"] = doc["leaf_data"].replace("张三", "李四")
    return "包含证明", "包含证明不成立"


def tamper_index(doc):
    doc["leaf_index"] += 1
    return "包含证明", "包含证明不成立"


def tamper_proof(doc):
    doc["inclusion_proof"][1] = "00" * 32
    return "包含证明", "包含证明不成立"


def tamper_size(doc):
    doc["tree_head"]["tree_size"] -= 1
    return "签名", "树头签名不成立"


def tamper_signature(doc):
    sig = bytearray(base64.b64decode(doc["tree_head"]["signature"]))
    sig[-1] ^= 1
    doc["tree_head"]["signature"] = base64.b64encode(bytes(sig)).decode()
    return "签名", "树头签名不成立"


def tamper_key(doc):
    """Another key put in place of the platform's under the platform key's id."""
    doc["public_keys"][0]["public_key_pem"] = signing.generate(signing.SM2_SM3).verifier.public_pem.decode()
    return "公钥", "公钥与其标识不符"


def tamper_validity(doc):
    """The file claims the key was valid longer; the trusted list knows better."""
    doc["public_keys"][0]["valid_from"] = "2000-01-01T00:00:00+00:00"
    doc["tree_head"]["timestamp"] = 946_684_800_000 + 3_600_000  # 2000-01-01 01:00 UTC
    return "有效期", "不在该密钥的有效期"


def tamper_format(doc):
    del doc["inclusion_proof"]
    return "格式", "缺少必需的部分"


@pytest.mark.req("GZ-24")
@pytest.mark.req("GZ-26")
@pytest.mark.parametrize("tamper", [tamper_data, tamper_index, tamper_proof, tamper_size, tamper_signature,
                                    tamper_key, tamper_validity, tamper_format], ids=lambda f: f.__name__)
def test_each_changed_part_is_named(document, keys, tmp_path, tamper):
    doc = copy.deepcopy(document)
    part, words = tamper(doc)
    verdict = verifier.verify_document(doc, trusted(keys))
    assert not verdict.ok
    failed = [f for f in verdict.findings if f.status == verifier.FAIL]
    assert failed[0].part == part and words in failed[0].message, verdict.findings
    path, listed = tmp_path / "changed.json", tmp_path / "govshare-keys.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    listed.write_text(json.dumps({"keys": trusted(keys)}), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--keys", str(listed)], env=OFFLINE)
    assert result.exit_code == 1 and words in result.output and "不能作为证据采信" in result.output


@pytest.mark.req("GZ-24")
def test_govshare_verify_needs_no_database_and_checks_against_a_saved_key_list(document, keys, tmp_path,
                                                                              app_client):
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    (tmp_path / "govshare-keys.json").write_text(app_client.get("/.well-known/govshare-keys.json").text)
    result = runner.invoke(app, ["verify", str(path), "--keys", str(tmp_path / "govshare-keys.json")],
                           env=OFFLINE)
    assert result.exit_code == 0, result.output
    for line in ("✔ 成立 签名：树头签名有效", "✔ 成立 包含证明：包含证明成立：这份记录是收据日志第 20 条",
                 "✔ 成立 公钥：签名公钥在受信任的公钥清单中", "类别：数据快照",
                 "结论：证据文件各项核对均成立。"):
        assert line in result.output
    other = KeyStore(tmp_path / "other", passphrase=PASSPHRASE, kdf_rounds=1000)
    other.create("platform")
    (tmp_path / "other.json").write_text(json.dumps({"keys": trusted(other)}))
    refused = runner.invoke(app, ["verify", str(path), "--keys", str(tmp_path / "other.json")], env=OFFLINE)
    assert refused.exit_code == 1 and "不在受信任的公钥清单中" in refused.output


@needs_openssl
@pytest.mark.req("GZ-24")
def test_openssl_verifies_the_tree_head_signature_of_the_file(document, tmp_path):
    head = document["tree_head"]
    signed = json.dumps({"root_hash": head["root_hash"], "timestamp": head["timestamp"],
                         "tree_size": head["tree_size"]}, separators=(",", ":")).encode()
    (tmp_path / "sth.json").write_bytes(signed)
    (tmp_path / "sth.sig").write_bytes(base64.b64decode(head["signature"]))
    (tmp_path / "pub.pem").write_text(document["public_keys"][0]["public_key_pem"])
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "sth.json",
               "-sigfile", "sth.sig"]
    if head["algorithm"] == signing.SM2_SM3:
        command += ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done
    (tmp_path / "sth.json").write_bytes(signed.replace(b'"tree_size":35', b'"tree_size":36'))
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 1


@pytest.mark.req("GZ-24")
@pytest.mark.skipif(not all(shutil.which(t) for t in ("bash", "openssl", "jq", "xxd")),
                    reason="needs bash, openssl, jq and xxd")
def test_the_documented_shell_check_accepts_the_file(document, tmp_path):
    if document["tree_head"]["algorithm"] != signing.SM2_SM3:
        pytest.skip("the documented block checks the default, SM2")
    (tmp_path / "evidence.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "check.sh").write_text(documented_receipt_check(), encoding="utf-8")
    subprocess.run("jq -r '.public_keys[0].public_key_pem' evidence.json > pub.pem && "
                   "jq -j .leaf_data evidence.json > snapshot.json", shell=True, cwd=tmp_path, check=True)
    assert (tmp_path / "snapshot.json").read_bytes() == SNAPSHOT
    done = subprocess.run(["bash", "check.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "包含证明成立" in done.stdout, done


@pytest.mark.req("GZ-24")
@pytest.mark.req("GZ-26")
def test_a_checkpoints_evidence_file_from_the_api_and_the_command_line(db, keys, signed_in, tmp_path):
    with db.session() as s:
        issue_tree_head(s, keys.signer("platform"))
        index = log_service.latest_checkpoint(s)
    auditor = signed_in("auditor")
    r = auditor.get("/api/v1/evidence/checkpoints/latest/evidence")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.json()["leaf_index"] == index
    verdict = verifier.verify_document(r.json(), trusted(keys))
    assert verdict.ok and "类别：审计链检查点：审计链第" in verdict.findings[1].message
    assert signed_in("police_clerk").get(f"/api/v1/evidence/checkpoints/{index}/evidence").status_code == 403
    assert auditor.get("/api/v1/audit/checkpoints/verify").json()["ok"] is True

    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "300"}
    out = tmp_path / "checkpoint.json"
    result = runner.invoke(app, ["audit", "evidence", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == r.json()
    with db.session() as s:
        assert evidence_service.checkpoint_evidence(s, actor(), keys, index) == r.json()


@pytest.mark.req("GZ-24")
def test_tree_heads_and_consistency_proofs_are_public(db, keys, app_client):
    assert app_client.get("/api/v1/evidence/tree-heads/latest").status_code == 404
    with db.session() as s:
        append_leaves(s, [leaf_data("snapshot", {"n": i}) for i in range(5)], kind="snapshot")
        old = log_service.signed_head(issue_tree_head(s, keys.signer("platform")))
    with db.session() as s:
        append_leaves(s, [leaf_data("snapshot", {"n": i}) for i in range(5, 12)], kind="snapshot")
        issue_tree_head(s, keys.signer("platform"))
    latest = app_client.get("/api/v1/evidence/tree-heads/latest").json()
    new = merkle.SignedTreeHead.from_dict(latest)
    assert new.verify(keys.current("platform").verifier()) and latest["timestamp_token"] is None
    r = app_client.get(f"/api/v1/evidence/consistency?first={old.tree_size}&second={new.tree_size}")
    proof = [bytes.fromhex(p) for p in r.json()["proof"]]
    assert merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
    bad = app_client.get(f"/api/v1/evidence/consistency?first=1&second={new.tree_size + 1}")
    assert bad.status_code == 422 and bad.json()["field"] == "tree_size"
