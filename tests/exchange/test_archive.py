"""The yearly archive transfer (GZ-15, GD-9) on SQLite and PostgreSQL: 行政机关……在每年6月30日前将上一
年度的电子文件移交同级国家档案馆. What is transferred for 2025 (licence and document records and
files of 2025, China time — not other business information), the deadline 30 June 2026 (on time
that day, late on 1 July), the refusals, and a package the archive checks without the platform:
with our verifier and with the real openssl, a changed byte caught by both."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from govshare.catalog.models import Entry, Version
from govshare.evidence.keystore import KeyStore, KeyUnavailable
from govshare.evidence.models import AuditEvent
from govshare.exchange import archive_package, archive_service, file_service
from govshare.exchange.archive_models import TRANSFERRED
from govshare.kit import clock
from govshare.kit.errors import Conflict, InvalidInput
from tests.catalog.test_search import publish
from tests.exchange.archive_helpers import PASSPHRASE, households, licences, moment, platform_keys, today_is
from tests.exchange.helpers import actor, code_of

pytestmark = [pytest.mark.req("GZ-15"), pytest.mark.req("GD-9")]


def transfer(db, tmp_path, keys, agency: str = "market", year: int = 2025, username: str = "admin"):
    with db.session() as s:
        row = archive_service.transfer(s, actor(s, username), keys, db.agency_id(agency), year,
                                       tmp_path / "out")
        s.expunge(row)
    return row


def members(path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


@pytest.fixture
def keys(tmp_path) -> KeyStore:
    return platform_keys(tmp_path)


def test_the_deadline_is_30_june_of_the_next_year(db):
    assert archive_service.deadline_date(2025) == date(2026, 6, 30)
    with db.session() as s:
        due = archive_service.countdown(s, 2025, date(2026, 6, 1))
        assert (due.deadline, due.calendar_days) == (date(2026, 6, 30), 29)
        # June 2026: 22 working days, less 19 June (端午节), less 1 June itself (not counted).
        assert due.working_days == 20 and not due.provisional
        assert archive_service.countdown(s, 2025, date(2026, 7, 1)).calendar_days == -1


@pytest.mark.req("GZ-11")
def test_licence_records_of_2025_are_transferred_and_business_records_are_not(db, tmp_path, keys,
                                                                               monkeypatch):
    kept = licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 3)
    kept += licences(db, monkeypatch, keys, moment(2025, 12, 31, 23, 30), 3, 2)  # last evening of 2025
    licences(db, monkeypatch, keys, moment(2026, 1, 1, 0, 10), 5, 2)  # 16:10 UTC of 2025, but 2026 here
    licences(db, monkeypatch, keys, moment(2024, 12, 31, 23, 59), 7, 1)
    households(db, monkeypatch, keys, moment(2025, 5, 5, 9), 4)  # 其他业务信息: not an electronic document
    today_is(monkeypatch, date(2026, 3, 2))

    row = transfer(db, tmp_path, keys)

    assert (row.status, row.record_count, row.file_count, row.late) == (TRANSFERRED, 5, 0, False)
    parts = members(row.package_path)
    lines = [json.loads(line) for line in parts["records.ndjson"].splitlines()]
    assert [r["record_id"] for r in lines] == kept
    assert {r["resource_kind"] for r in lines} == {"licence"}
    assert lines[0]["data"]["企业名称"] and lines[0]["loaded_at"].startswith("2025-03-01T02:00")
    manifest = json.loads(parts["manifest.json"])
    assert (manifest["year"], manifest["agency"]["id"], manifest["counts"]["records"]) == (
        2025, db.agency_id("market"), 5)
    assert manifest["deadline_date"] == "2026-06-30"
    assert manifest["parts"][0]["sm3"] == archive_package.sm3(parts["records.ndjson"])
    with pytest.raises(InvalidInput) as refused:  # 公安局 holds only business records for 2025
        transfer(db, tmp_path, keys, agency="police")
    assert (refused.value.field, refused.value.rule) == ("year", "nothing_to_transfer")
    with db.session() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.event_type == "ArchiveTransferred"))
        payload = json.loads(event.payload)
        assert payload["records"] == 5 and payload["manifest_sm3"] == row.manifest_sm3


def test_on_time_on_30_june_late_on_1_july_and_again_only_after_a_failure(db, tmp_path, keys, monkeypatch):
    licences(db, monkeypatch, keys, moment(2025, 8, 8, 8), 0, 2)
    today_is(monkeypatch, date(2026, 6, 30))
    first = transfer(db, tmp_path, keys, username="admin")
    assert (first.attempt, first.late, first.deadline_date) == (1, False, date(2026, 6, 30))

    today_is(monkeypatch, date(2026, 7, 1))
    with pytest.raises(Conflict) as again:
        transfer(db, tmp_path, keys)
    assert again.value.rule == "already_transferred" and "失败" in again.value.message
    with db.session() as s:
        archive_service.mark_failed(s, actor(s, "admin"), first.id, "档案馆退回：介质损坏")
    second = transfer(db, tmp_path, keys)
    assert (second.attempt, second.late) == (2, True)  # 逾期移交
    with db.session() as s:
        done = archive_service.record_receipt(s, actor(s, "admin"), second.id, "市档案馆 周收",
                                              "签收单 2026-031")
        assert done.status == "received"
        with pytest.raises(Conflict):
            archive_service.mark_failed(s, actor(s, "admin"), second.id, "晚了")


def test_a_year_not_ended_is_refused_naming_year(db, tmp_path, keys, monkeypatch):
    licences(db, monkeypatch, keys, moment(2026, 3, 1, 10), 0, 1)
    today_is(monkeypatch, date(2026, 11, 27))
    with pytest.raises(InvalidInput) as refused:
        transfer(db, tmp_path, keys, year=2026)
    assert (refused.value.field, refused.value.rule) == ("year", "year_not_ended")
    assert "2026 年尚未结束" in refused.value.message


def test_without_the_platform_key_the_transfer_is_refused(db, tmp_path, keys, monkeypatch):
    licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 1)
    today_is(monkeypatch, date(2026, 3, 2))
    with pytest.raises(KeyUnavailable) as missing:
        transfer(db, tmp_path, KeyStore(tmp_path / "none", passphrase=PASSPHRASE))
    assert missing.value.rule == "platform_key_missing" and "govshare keys create" in missing.value.message
    monkeypatch.delenv("GOVSHARE_KEY_PASSPHRASE", raising=False)
    with pytest.raises(KeyUnavailable) as locked:
        transfer(db, tmp_path, KeyStore(tmp_path / "keys"))
    assert "归档移交清单" in locked.value.message and locked.value.status == 503
    assert not (tmp_path / "out").exists()


def test_document_files_of_2025_are_transferred(db, tmp_path, keys, monkeypatch):
    """企业年度报告信息 is a file resource; reclassified 文书 from May 2025, only what was uploaded
    after that (and in 2025) is an electronic document of 2025."""
    with db.session() as s:
        code = code_of(s, "企业年度报告信息")
        s.execute(update(Version).values(published_at=moment(2025, 1, 1)))
        s.execute(update(Entry).where(Entry.resource_code == code).values(resource_kind="document"))
        publish(s).published_at = moment(2025, 5, 1)
    sent = []
    uploads = ((moment(2025, 4, 1), b"april"), (moment(2025, 6, 1), b"june"), (moment(2026, 1, 2), b"jan"))
    for at, data in uploads:
        with monkeypatch.context() as patch, db.session() as s:
            patch.setattr(clock, "now", lambda at=at: at)
            sent.append(file_service.upload(s, actor(s, "market_clerk"), code, "年报.csv", data).version)
    today_is(monkeypatch, date(2026, 2, 1))
    row = transfer(db, tmp_path, keys)
    assert (row.record_count, row.file_count) == (0, 1)
    parts = members(row.package_path)
    [name] = [n for n in parts if n.startswith("files/")]
    assert parts[name] == b"june" and name.endswith(f"v{sent[1]}-年报.csv")
    assert archive_package.verify(row.package_path).ok


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_the_package_verifies_offline_and_a_changed_byte_is_caught(db, tmp_path, keys, monkeypatch):
    licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 3)
    today_is(monkeypatch, date(2026, 3, 2))
    row = transfer(db, tmp_path, keys)
    report = archive_package.verify(row.package_path, keys.current("platform").key_id)
    assert report.ok, report.problems
    assert report.key_id == row.key_id and report.checked_parts == 2  # records and the seal key

    tar = Path(row.package_path).read_bytes()
    at = tar.index(b'"subject":') + 12  # a byte of a record, inside records.ndjson
    changed = tmp_path / "changed.tar"
    changed.write_bytes(flip(tar, at))
    problems = archive_package.verify(changed).problems
    # The SM3 says a part changed; the provider's seal (GZ-23) says which record and what.
    assert problems[0] == "records.ndjson 的 SM3 摘要或大小与清单不符：内容被改动"
    assert len(problems) == 2 and "记录的主体标识与印章不符" in problems[1]
    assert archive_package.verify(row.package_path, "0" * 64).problems[0].startswith("包内公钥")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
def test_openssl_checks_the_manifest_as_the_docs_say(db, tmp_path, keys, monkeypatch):
    licences(db, monkeypatch, keys, moment(2025, 3, 1, 10), 0, 2)
    today_is(monkeypatch, date(2026, 3, 2))
    row = transfer(db, tmp_path, keys)
    with tarfile.open(row.package_path) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    [folder] = (tmp_path / "x").iterdir()
    command = archive_package.openssl_command(keys.current("platform").algorithm)
    assert "distid:1234567812345678" in command and "-digest sm3" in command  # SM2-SM3 by default
    assert "distid:1234567812345678" in (folder / "README.txt").read_text(encoding="utf-8")

    def openssl_ok() -> bool:
        done = subprocess.run(command.split(), cwd=folder, capture_output=True, text=True, timeout=30)
        return done.returncode == 0 and "Signature Verified Successfully" in done.stdout

    assert openssl_ok()
    digest = subprocess.run(["openssl", "dgst", "-sm3", "-r", "records.ndjson"], cwd=folder,
                            capture_output=True, text=True, timeout=30).stdout.split()[0]
    assert digest == json.loads((folder / "manifest.json").read_bytes())["parts"][0]["sm3"]
    manifest = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").write_bytes(manifest.replace(b'"records":2', b'"records":3'))
    assert not openssl_ok()
    assert not archive_package.verify(folder).ok
