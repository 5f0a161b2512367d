"""A data snapshot as evidence (GZ-24) and who may see it (GD-31): the worker appends stored
snapshots to the receipt log and signs a tree head; the snapshot's evidence file then verifies
offline with `govshare verify` and its tree head signature with the real openssl; a snapshot
altered in the database afterwards is caught; another agency cannot fetch it (404, its existence
not disclosed); auditors find it by agency, subject, user and date."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from govshare.cli import app
from govshare.config import Settings
from govshare.evidence import evidence_service, tasks, verifier
from govshare.evidence.snapshot_models import Snapshot
from govshare.kit import clock
from govshare.worker import JOBS
from tests.exchange.helpers import ENTERPRISES
from tests.exchange.test_snapshots import keys, licences, query, snapshots  # noqa: F401 - fixtures

runner = CliRunner()
OFFLINE = {"GOVSHARE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "COLUMNS": "300"}


def seal(db, tmp_path) -> str | None:
    """One round of the worker's job, as `govshare worker` runs it every second."""
    settings = Settings(database_url=db.url, data_dir=tmp_path, secret_key="test-secret")
    return tasks.seal_snapshots(db.sessions, settings, clock.today())


@pytest.fixture
def taken(db, licences):  # noqa: F811
    """A licence query's snapshot id, and the subject it named."""
    code = ENTERPRISES[1].credit_code
    return query(db, "civil_clerk", licences, [code]).snapshot_id, code


def test_the_worker_runs_the_snapshot_job_every_second():
    [job] = [j for j in JOBS if j.name == "evidence.snapshots"]
    assert job.run is tasks.seal_snapshots and job.every == 1.0


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_a_snapshots_evidence_file_verifies_offline_and_with_openssl(db, tmp_path, signed_in, keys,  # noqa: F811
                                                                     taken):
    snapshot_id, _ = taken
    clerk = signed_in("civil_clerk")
    pending = clerk.get(f"/api/v1/evidence/snapshots/{snapshot_id}/evidence")
    assert pending.status_code == 409 and pending.json()["rule"] == "tree_head_pending"
    assert clerk.get(f"/api/v1/evidence/snapshots/{snapshot_id}").json()["status"] == "pending"
    assert "尚待写入收据日志" in clerk.get(f"/evidence/snapshots/{snapshot_id}").text
    assert seal(db, tmp_path) is not None and seal(db, tmp_path) is None  # nothing new the second time
    [row] = snapshots(db)
    assert row.leaf_index is not None
    read = clerk.get(f"/api/v1/evidence/snapshots/{snapshot_id}").json()
    assert read["status"] == "covered" and read["tree_size"] > row.leaf_index
    assert read["snapshot"]["snapshot_id"] == snapshot_id and read["leaf_data"] == row.data
    r = clerk.get(f"/api/v1/evidence/snapshots/{snapshot_id}/evidence")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    document = r.json()
    assert document["leaf_index"] == row.leaf_index and document["leaf_data"] == row.data
    page = clerk.get(f"/evidence/snapshots/{snapshot_id}").text
    assert f'href="/api/v1/evidence/snapshots/{snapshot_id}/evidence"' in page and "下载证据文件" in page

    path, listed = tmp_path / "snapshot.json", tmp_path / "govshare-keys.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    listed.write_text(clerk.get("/.well-known/govshare-keys.json").text, encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--keys", str(listed)], env=OFFLINE)
    assert result.exit_code == 0, result.output
    for line in ("✔ 成立 签名：树头签名有效", "类别：数据快照", "结论：证据文件各项核对均成立。",
                 "✔ 成立 电子印章：1 条记录的电子印章均成立：由广州市市场监督管理局的印章密钥签署",
                 f"✔ 成立 包含证明：包含证明成立：这份记录是收据日志第 {row.leaf_index} 条"):
        assert line in result.output
    if shutil.which("openssl"):
        _openssl_verifies_the_tree_head(document, tmp_path)

    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "COLUMNS": "300"}
    out = tmp_path / "cli.json"
    cli = runner.invoke(app, ["audit", "snapshot", str(snapshot_id), "--out", str(out)], env=env)
    assert cli.exit_code == 0, cli.output
    assert json.loads(out.read_text(encoding="utf-8")) == document


def _openssl_verifies_the_tree_head(document: dict, folder) -> None:
    head = document["tree_head"]
    signed = json.dumps({"root_hash": head["root_hash"], "timestamp": head["timestamp"],
                         "tree_size": head["tree_size"]}, separators=(",", ":")).encode()
    (folder / "sth.json").write_bytes(signed)
    (folder / "sth.sig").write_bytes(base64.b64decode(head["signature"]))
    (folder / "pub.pem").write_text(document["public_keys"][0]["public_key_pem"])
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "sth.json",
               "-sigfile", "sth.sig", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done
    (folder / "sth.json").write_bytes(signed.replace(b'"tree_size":', b'"tree_size":1'))
    assert subprocess.run(command, cwd=folder, capture_output=True).returncode == 1


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_snapshots_are_append_only_and_an_altered_one_is_caught(db, tmp_path, keys, taken):  # noqa: F811
    snapshot_id, _ = taken
    seal(db, tmp_path)
    with db.session() as s:
        from tests.exchange.helpers import actor

        genuine = evidence_service.evidence_for_leaf(s, keys, s.get(Snapshot, snapshot_id).leaf_index,
                                                     s.get(Snapshot, snapshot_id).data.encode())
        auditor = actor(s, "auditor")
    for statement in ("UPDATE evidence_snapshot SET data = replace(data, '存续', '注销')",
                      "UPDATE evidence_snapshot SET leaf_index = leaf_index + 1",
                      "DELETE FROM evidence_snapshot", "DELETE FROM evidence_snapshot_subject"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    # Someone with the database owner's rights switches the guard off and changes the licence.
    with db.engine.begin() as conn:
        if db.engine_name == "postgresql":
            conn.execute(text("ALTER TABLE evidence_snapshot DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER evidence_snapshot_no_update"))
        conn.execute(text("UPDATE evidence_snapshot SET data = replace(data, '存续', '注销')"))
    with db.session() as s:
        from govshare.evidence import snapshot_service
        from govshare.kit.errors import Conflict

        altered = s.get(Snapshot, snapshot_id).data
        with pytest.raises(Conflict) as refused:
            snapshot_service.snapshot_evidence(s, auditor, keys, snapshot_id)
    assert refused.value.rule == "leaf_matches_data" and "注销" in altered
    forged = copy.deepcopy(genuine)
    forged["leaf_data"] = altered  # the altered row, passed off with the genuine proof
    verdict = verifier.verify_document(forged, [k.to_dict() for k in keys.public_keys()])
    assert not verdict.ok and "包含证明不成立" in str(verdict.findings)
    assert verifier.verify_document(genuine, [k.to_dict() for k in keys.public_keys()]).ok


@pytest.mark.req("GD-31")
def test_another_agency_cannot_fetch_a_snapshot_oversight_can(db, tmp_path, signed_in, keys, taken):  # noqa: F811
    snapshot_id, _ = taken
    seal(db, tmp_path)
    for username in ("market_clerk", "police_admin"):  # the provider is another agency, too
        other = signed_in(username)
        for url in (f"/api/v1/evidence/snapshots/{snapshot_id}", f"/evidence/snapshots/{snapshot_id}",
                    f"/api/v1/evidence/snapshots/{snapshot_id}/evidence"):
            r = other.get(url)
            assert r.status_code == 404, (username, url)
        assert other.get(f"/api/v1/evidence/snapshots/{snapshot_id + 1000}").status_code == 404  # the same
    for username in ("civil_admin", "auditor", "supervisor", "admin"):
        r = signed_in(username).get(f"/api/v1/evidence/snapshots/{snapshot_id}/evidence")
        assert r.status_code == 200, username


@pytest.mark.req("GD-31")
def test_auditors_search_snapshots_and_events_by_agency_subject_user_and_date(db, signed_in, taken):
    snapshot_id, code = taken
    auditor = signed_in("auditor")
    today = clock.today().isoformat()
    civil = db.agency_id("civil")
    by_subject = auditor.get("/api/v1/evidence/search", params={"subject": f" {code.lower()} "}).json()
    assert [s["id"] for s in by_subject["snapshots"]] == [snapshot_id]
    assert by_subject["events_searched"] is False
    other_subject = auditor.get("/api/v1/evidence/search", params={"subject": ENTERPRISES[2].credit_code})
    assert other_subject.json()["snapshots"] == []
    mine = auditor.get("/api/v1/evidence/search", params={"agency": civil, "user": "钱办事", "since": today,
                                                         "until": today}).json()
    assert [s["id"] for s in mine["snapshots"]] == [snapshot_id]
    assert mine["events"] and {e["agency_id"] for e in mine["events"]} == {civil}
    yesterday = auditor.get("/api/v1/evidence/search", params={"until": "2026-01-01"}).json()
    assert yesterday["snapshots"] == []
    # An agency administrator sees only their own agency, whatever they ask for.
    market = db.agency_id("market")
    admin = signed_in("police_admin").get("/api/v1/evidence/search", params={"agency": civil}).json()
    assert admin["agency_id"] == db.agency_id("police") and admin["snapshots"] == []
    assert market not in {e["agency_id"] for e in admin["events"]}
    assert signed_in("civil_admin").get("/api/v1/evidence/search").json()["snapshots"][0]["id"] == snapshot_id
    assert signed_in("civil_clerk").get("/api/v1/evidence/search").status_code == 403
    page = auditor.get("/evidence/search", params={"subject": code})
    assert page.status_code == 200 and f'href="/evidence/snapshots/{snapshot_id}"' in page.text
    assert 'href="/evidence/search"' in page.text  # in the main navigation
    with db.session() as s:
        assert s.scalar(select(Snapshot.case_number).where(Snapshot.id == snapshot_id)) is not None
    cli = runner.invoke(app, ["audit", "search", "--subject", code], env={"GOVSHARE_DATABASE_URL": db.url,
                                                                          "COLUMNS": "300"})
    assert cli.exit_code == 0 and "数据快照（1 份）" in cli.output, cli.output
