"""Electronic seals in the archive package (GZ-15, GD-9, GZ-23) on SQLite and PostgreSQL: every
archived licence record carries its provider's seal and the package the agency's seal public key,
so the archive checks each seal offline — `govshare exchange archive verify` reports a record
whose value no longer matches its seal, and stock openssl verifies a seal signature."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tarfile
from datetime import date

import pytest
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.evidence.keystore import agency_key_name
from govshare.exchange import archive_package
from tests.evidence.test_signing import openssl_verify
from tests.exchange.archive_helpers import licences, moment, platform_keys, today_is
from tests.exchange.test_archive import members, transfer
from tests.exchange.test_seals import stored, tamper

pytestmark = [pytest.mark.req("GZ-15"), pytest.mark.req("GD-9"), pytest.mark.req("GZ-23")]
runner = CliRunner()


@pytest.fixture
def keys(tmp_path):
    return platform_keys(tmp_path)


def sealed_package(db, tmp_path, keys, monkeypatch, count=3):
    ids = licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, count)
    today_is(monkeypatch, date(2026, 3, 2))
    return ids, transfer(db, tmp_path, keys)


def test_every_archived_licence_carries_its_seal_and_the_package_checks_them(db, tmp_path, keys,
                                                                              monkeypatch):
    ids, row = sealed_package(db, tmp_path, keys, monkeypatch)
    parts = members(row.package_path)
    key = keys.current(agency_key_name(db.agency_id("market")))
    lines = [json.loads(line) for line in parts["records.ndjson"].splitlines()]
    assert [r["record_id"] for r in lines] == ids
    for line in lines:
        seal = line["seal"]
        assert (seal["agency_id"], seal["key_id"], seal["algorithm"]) == (db.agency_id("market"),
                                                                          key.key_id, "SM2-SM3")
        document = json.loads(seal["sealed"])
        assert (document["subject"], document["load_id"]) == (line["subject"], line["load_id"])
        assert set(seal["salts"]) == set(document["items"]) == set(line["data"])
    # The agency's seal key travels in the package, listed in the signed manifest with its SM3.
    assert parts[f"seal-keys/{key.key_id}.pem"] == key.public_key_pem.encode("ascii")
    manifest = json.loads(parts["manifest.json"])
    [listed] = [p for p in manifest["parts"] if p["kind"] == "seal_key"]
    assert (listed["key_id"], listed["agency_id"], listed["key_name"]) == (
        key.key_id, db.agency_id("market"), agency_key_name(db.agency_id("market")))
    assert listed["sm3"] == archive_package.sm3(key.public_key_pem.encode("ascii"))
    assert manifest["counts"]["sealed"] == 3

    report = archive_package.verify(row.package_path)
    assert report.ok, report.problems
    assert (report.seals.checked, report.seals.unsealed, report.seals.failed) == (3, 0, 0)
    done = runner.invoke(cli_app, ["exchange", "archive", "verify", row.package_path],
                         env={"COLUMNS": "200"})
    assert done.exit_code == 0 and "3 条记录的电子印章逐条与记录的每个值核对一致" in done.output


def test_a_value_changed_after_sealing_is_caught_by_the_seal_check(db, tmp_path, keys, monkeypatch):
    """A value changed in the database after sealing: the platform packs and signs what it holds,
    so every SM3 matches — the provider's seal does not."""
    licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 3)
    record = stored(db)[1][0]
    data = json.dumps({**record.data, "登记状态": "吊销"}, ensure_ascii=False)
    cast = "CAST(:data AS json)" if db.engine_name == "postgresql" else ":data"
    tamper(db, f"UPDATE exchange_record SET data = {cast} WHERE id = :id", data=data, id=record.id)
    today_is(monkeypatch, date(2026, 3, 2))
    row = transfer(db, tmp_path, keys)

    report = archive_package.verify(row.package_path)
    assert report.problems == [f"记录 {record.id}（主体 {record.subject}）："
                               "信息项“登记状态”的值与印章不符：盖章后被改动。"]
    assert (report.seals.checked, report.seals.failed, report.checked_parts) == (3, 1, 2)
    done = runner.invoke(cli_app, ["exchange", "archive", "verify", row.package_path],
                         env={"COLUMNS": "200"})
    assert done.exit_code == 1 and f"记录 {record.id}" in done.output and "登记状态" in done.output


def test_a_package_without_the_seal_key_cannot_vouch_for_the_seals(db, tmp_path, keys, monkeypatch):
    _, row = sealed_package(db, tmp_path, keys, monkeypatch, count=1)
    with tarfile.open(row.package_path) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    [folder] = (tmp_path / "x").iterdir()
    [pem] = (folder / "seal-keys").iterdir()
    pem.unlink()
    problems = archive_package.verify(folder).problems
    assert f"清单列出的 seal-keys/{pem.name} 不在包中" in problems
    assert any("印章密钥" in p and "不在包内 seal-keys/ 中" in p for p in problems)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
def test_openssl_verifies_an_archived_seal_with_the_packaged_key(db, tmp_path, keys, monkeypatch):
    _, row = sealed_package(db, tmp_path, keys, monkeypatch, count=2)
    parts = members(row.package_path)
    seal = json.loads(parts["records.ndjson"].splitlines()[0])["seal"]
    (tmp_path / "pub.pem").write_bytes(parts[f"seal-keys/{seal['key_id']}.pem"])
    signature = base64.b64decode(seal["signature"])
    assert openssl_verify(tmp_path, seal["algorithm"], seal["sealed"].encode("utf-8"), signature)
    changed = seal["sealed"].replace('"load_id":', '"load_id":1', 1).encode("utf-8")
    assert not openssl_verify(tmp_path, seal["algorithm"], changed, signature)
    if shutil.which("jq") is None:
        return
    # The README's commands, as the archive would type them in the extracted package.
    with tarfile.open(row.package_path) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    [folder] = (tmp_path / "x").iterdir()
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    start = readme.index("  head -1 records.ndjson | jq -j")
    commands = readme[start:readme.index("印章原文", start)].replace("\\\n", "")
    done = subprocess.run(["bash", "-c", "set -e\n" + commands], cwd=folder, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done
