"""Signing keys made and published (GZ-23, GZ-24): `govshare init` creates the platform key when
GOVSHARE_KEY_PASSPHRASE is set, `govshare keys create|rotate|list` manage the platform's and the
agencies' keys (audited), and every version ever used is published — at
/.well-known/govshare-keys.json, /api/v1/evidence/keys and the console page — with its owner and
validity, so that what an old key signed still verifies."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import keys_service, signing
from govshare.evidence.keystore import PASSPHRASE_ENV, KeyStore
from govshare.evidence.models import AuditEvent
from govshare.kit.errors import Forbidden
from tests.evidence.conftest import actor

runner = CliRunner()
PASSPHRASE = "广州政务-共享平台-2026"
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")


def env(db_url: str, tmp_path, **extra) -> dict:
    return {"GOVSHARE_DATABASE_URL": db_url, "GOVSHARE_DATA_DIR": str(tmp_path),
            PASSPHRASE_ENV: PASSPHRASE, "COLUMNS": "300", **extra}


def key_events(db) -> list[dict]:
    with db.session() as s:
        rows = s.execute(select(AuditEvent.event_type, AuditEvent.payload, AuditEvent.agency_id)
                         .where(AuditEvent.event_type.like("SigningKey%")).order_by(AuditEvent.seq))
        return [{"type": t, "agency_id": a, **json.loads(p)} for t, p, a in rows]


@pytest.fixture
def fast_keys(monkeypatch):
    """The CLI's key store with few KDF rounds: the tests do not measure PBKDF2."""
    original = KeyStore.__init__

    def init(self, folder, *, passphrase=None, kdf_rounds=1000, **rest):
        original(self, folder, passphrase=passphrase, kdf_rounds=kdf_rounds, **rest)

    monkeypatch.setattr(KeyStore, "__init__", init)


@pytest.mark.req("GZ-24")
def test_init_creates_the_platform_key_only_with_a_passphrase(blank_url, tmp_path, fast_keys):
    without = {"GOVSHARE_DATABASE_URL": blank_url, "GOVSHARE_DATA_DIR": str(tmp_path),
               "GOVSHARE_ADMIN_PASSWORD": "first-admin-pw", PASSPHRASE_ENV: ""}
    result = runner.invoke(app, ["init"], env=without)
    assert result.exit_code == 0, result.output
    assert f"未设置 {PASSPHRASE_ENV}：暂不创建平台签名密钥" in result.output
    assert KeyStore(tmp_path / "keys").names() == []

    result = runner.invoke(app, ["init"], env={**without, PASSPHRASE_ENV: PASSPHRASE})
    assert result.exit_code == 0, result.output
    key = KeyStore(tmp_path / "keys").current("platform")
    assert key.algorithm == signing.SM2_SM3
    assert f"已创建平台签名密钥：SM2-SM3，标识 {key.key_id}" in result.output
    again = runner.invoke(app, ["init"], env={**without, PASSPHRASE_ENV: PASSPHRASE})
    assert f"已有平台签名密钥：SM2-SM3，标识 {key.key_id}" in again.output
    assert KeyStore(tmp_path / "keys").versions("platform") == [key]


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_keys_are_created_rotated_listed_and_audited_from_the_command_line(db, tmp_path, fast_keys):
    police = db.agency_id("police")
    e = env(db.url, tmp_path)
    created = runner.invoke(app, ["keys", "create"], env=e)
    assert created.exit_code == 0 and "已创建平台密钥：SM2-SM3" in created.output, created.output
    seal = runner.invoke(app, ["keys", "create", "--agency", str(police), "--algorithm", "ed25519"], env=e)
    assert seal.exit_code == 0, seal.output
    assert "印章密钥：Ed25519" in seal.output and "公安局" in seal.output
    twice = runner.invoke(app, ["keys", "create"], env=e)
    assert twice.exit_code == 2 and "已经存在" in twice.output
    store = KeyStore(tmp_path / "keys")
    old = store.current("platform")
    rotated = runner.invoke(app, ["keys", "rotate"], env=e)
    assert rotated.exit_code == 0, rotated.output
    new = store.current("platform")
    assert new.key_id != old.key_id and new.key_id in rotated.output
    assert store.versions("platform")[0].valid_until == new.valid_from

    listing = runner.invoke(app, ["keys", "list"], env=e)
    assert listing.exit_code == 0, listing.output
    for key_id in (old.key_id, new.key_id, store.current(f"agency-{police}").key_id):
        assert key_id in listing.output
    assert "已停用（仅供核验）" in listing.output and "电子印章" in listing.output

    events = key_events(db)
    assert [(ev["type"], ev["key_name"], ev["agency_id"]) for ev in events] == [
        ("SigningKeyCreated", "platform", None), ("SigningKeyCreated", f"agency-{police}", police),
        ("SigningKeyRotated", "platform", None)]
    assert (events[2]["old_key_id"], events[2]["key_id"]) == (old.key_id, new.key_id)


def test_the_command_line_names_a_missing_passphrase_an_unknown_agency_and_a_bad_algorithm(db, tmp_path):
    e = env(db.url, tmp_path)
    missing = runner.invoke(app, ["keys", "create"], env={**e, PASSPHRASE_ENV: ""})
    assert missing.exit_code == 2 and f"未设置环境变量 {PASSPHRASE_ENV}" in missing.output
    unknown = runner.invoke(app, ["keys", "create", "--agency", "91440101MA00000000"], env=e)
    assert unknown.exit_code == 2
    assert "没有编号或统一社会信用代码为“91440101MA00000000”的机关" in unknown.output
    bad = runner.invoke(app, ["keys", "create", "--algorithm", "rsa"], env=e)
    assert bad.exit_code == 2 and "不支持的签名算法：rsa" in bad.output
    assert key_events(db) == []


def test_the_default_algorithm_comes_from_the_settings(db, tmp_path, fast_keys):
    result = runner.invoke(app, ["keys", "create"], env=env(db.url, tmp_path,
                                                            GOVSHARE_SIGNING_ALGORITHM="ed25519"))
    assert result.exit_code == 0, result.output
    assert KeyStore(tmp_path / "keys").current("platform").algorithm == signing.ED25519


@pytest.mark.req("GD-31")
def test_only_the_city_it_authority_manages_keys(db, tmp_path):
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    clerk = actor("公安局管理员", agency_id=db.agency_id("police"))
    with db.session() as s, pytest.raises(Forbidden, match="市信息化主管部门"):
        keys_service.create_key(s, clerk, store, None, signing.SM2_SM3)
    assert store.names() == []


@pytest.fixture
def published(db, tmp_path):
    """The platform key rotated once, and the police's seal key."""
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform")
    store.rotate("platform")
    store.create(f"agency-{db.agency_id('police')}", signing.ED25519)
    return store


@pytest.mark.req("GZ-24")
def test_every_key_version_is_published_without_signing_in(db, published, app_client):
    police = db.agency_id("police")
    for path in ("/.well-known/govshare-keys.json", "/api/v1/evidence/keys"):
        r = app_client.get(path)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["hash_algorithm"], body["sm2_signer_id"]) == ("SM3", "1234567812345678")
        keys = body["keys"]
        assert [(k["owner"], k["agency_id"], k["current"]) for k in keys] == [
            ("platform", None, False), ("platform", None, True), ("agency", police, True)]
        assert keys[2]["agency_name"] == "广州市公安局" and keys[2]["algorithm"] == "Ed25519"
        assert keys[0]["valid_until"] is not None and keys[1]["valid_until"] is None
        for k in keys:
            verifier = signing.load_verifier(k["public_key_pem"].encode())
            assert verifier.key_id == k["key_id"] == signing.key_id_of(verifier.public_der)


@needs_openssl
@pytest.mark.req("GZ-24")
def test_a_published_key_id_is_the_sm3_openssl_computes_from_the_pem(db, published, app_client, tmp_path):
    key = app_client.get("/.well-known/govshare-keys.json").json()["keys"][1]
    pem = tmp_path / "pub.pem"
    pem.write_text(key["public_key_pem"])
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pem), "-outform", "DER"],
                         capture_output=True, check=True).stdout
    digest = subprocess.run(["openssl", "dgst", "-sm3", "-r"], input=der, capture_output=True,
                            check=True).stdout.decode().split()[0]
    assert digest == key["key_id"]


@pytest.mark.req("GZ-24")
def test_the_console_lists_the_keys_in_chinese(db, published, signed_in):
    page = signed_in("police_clerk").get("/evidence/keys")
    assert page.status_code == 200
    html = page.text
    assert "签名密钥" in html and "下载公钥清单" in html and "distid:1234567812345678" in html
    for version in published.public_keys():
        assert f'data-key-id="{version.key_id}"' in html
    assert html.count("已停用（仅供核验）") == 1 and html.count("当前使用") == 2
    assert "平台（树头与审计链检查点）" in html and "广州市公安局（电子印章）" in html
    assert "尚未签发树头" in html
