"""Signing keys at rest: encrypted with the passphrase from GOVSHARE_KEY_PASSPHRASE, files 0600,
rotatable with every old public key still listed so that old evidence still verifies (GZ-24)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from datetime import timedelta

import pytest

from govshare.config import Settings
from govshare.evidence import pkcs8, signing
from govshare.evidence.keystore import PASSPHRASE_ENV, KeyStore, KeyUnavailable, agency_key_name
from govshare.kit.errors import Conflict, InvalidInput, NotFound

PASSPHRASE = "广州政务-共享平台-2026"
MESSAGE = "出生医学证明 数据快照".encode()
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "keys"


@pytest.fixture
def store(folder, monkeypatch):
    """The passphrase comes from the environment, as in production; few KDF rounds keep it fast."""
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    return KeyStore(folder, kdf_rounds=1000)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_keys_are_encrypted_files_of_mode_0600(store, folder):
    platform = store.create("platform")
    seal = store.create(agency_key_name(3), signing.ED25519)

    assert (platform.algorithm, seal.algorithm, seal.name) == (signing.SM2_SM3, signing.ED25519, "agency-3")
    assert mode(folder) == 0o700
    files = sorted(p.name for p in folder.iterdir() if p.name != ".lock")
    assert files == sorted(["platform.json", f"platform.{platform.key_id}.key.pem",
                            "agency-3.json", f"agency-3.{seal.key_id}.key.pem"])
    for path in folder.iterdir():
        assert mode(path) == 0o600, path
    for key in (platform, seal):
        pem = (folder / f"{key.name}.{key.key_id}.key.pem").read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises((TypeError, ValueError)):  # "encrypted, and no password given"
            signing.load_signer(pem, None, key.algorithm)
    assert store.names() == ["agency-3", "platform"]


@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_a_key_opens_again_in_a_new_process_with_the_passphrase_from_the_environment(store, folder,
                                                                                     algorithm):
    created = store.create("platform", algorithm)
    fresh = KeyStore(folder)  # nothing cached: what a restarted server sees
    signer = fresh.signer("platform")
    assert signer.key_id == created.key_id and signer.algorithm == algorithm
    assert fresh.current("platform").verifier().verify(MESSAGE, signer.sign(MESSAGE))


def test_a_missing_passphrase_is_named_and_public_keys_still_list(store, folder, monkeypatch):
    store.create("platform")
    monkeypatch.delenv(PASSPHRASE_ENV)
    fresh = KeyStore(folder)
    for attempt in (lambda: fresh.signer("platform"), lambda: fresh.create("agency-1"),
                    lambda: fresh.rotate("platform")):
        with pytest.raises(KeyUnavailable) as caught:
            attempt()
        assert PASSPHRASE_ENV in caught.value.message and caught.value.field == PASSPHRASE_ENV
        assert caught.value.rule == "key_passphrase_missing" and caught.value.status == 503
    assert [k.name for k in fresh.public_keys()] == ["platform"]


def test_a_wrong_passphrase_is_refused_in_words(store, folder, monkeypatch):
    store.create("platform")
    monkeypatch.setenv(PASSPHRASE_ENV, "not-the-right-passphrase")
    with pytest.raises(KeyUnavailable) as caught:
        KeyStore(folder).signer("platform")
    assert caught.value.rule == "key_passphrase" and PASSPHRASE_ENV in caught.value.message


def test_a_short_passphrase_creates_no_key(folder):
    with pytest.raises(InvalidInput) as caught:
        KeyStore(folder, passphrase="short").create("platform")
    assert caught.value.rule == "key_passphrase_length"
    assert KeyStore(folder).names() == []


@pytest.mark.req("GZ-24")
def test_rotation_makes_a_new_key_current_and_old_evidence_still_verifies(store, folder):
    first = store.create("platform")
    old_signature = store.signer("platform").sign(MESSAGE)

    second = store.rotate("platform")
    third = store.rotate("platform", signing.ED25519)

    versions = store.versions("platform")
    assert [v.key_id for v in versions] == [first.key_id, second.key_id, third.key_id]
    assert [v.current for v in versions] == [False, False, True]
    assert versions[0].valid_until == versions[1].valid_from
    assert versions[1].valid_until == versions[2].valid_from
    assert versions[0].valid_at(versions[0].valid_from) and not versions[0].valid_at(versions[1].valid_from)
    assert versions[2].valid_at(versions[2].valid_from + timedelta(days=3650))
    assert store.signer("platform").key_id == third.key_id
    assert store.signer("platform").algorithm == signing.ED25519

    # the retired private keys are gone; their public halves still verify what they signed
    assert not (folder / f"platform.{first.key_id}.key.pem").exists()
    assert not (folder / f"platform.{second.key_id}.key.pem").exists()
    restarted = KeyStore(folder)
    assert restarted.find(first.key_id).verifier().verify(MESSAGE, old_signature)
    assert not restarted.find(third.key_id).verifier().verify(MESSAGE, old_signature)
    for path in folder.iterdir():
        assert mode(path) == 0o600, path


def test_a_rotation_in_another_process_is_noticed(store, folder):
    store.create("platform")
    before = store.signer("platform").key_id
    after = KeyStore(folder, kdf_rounds=1000).rotate("platform").key_id
    assert before != after and store.signer("platform").key_id == after


def test_names_are_unique_checked_and_known(store):
    store.create("platform")
    with pytest.raises(Conflict):
        store.create("platform")
    assert store.ensure("platform").key_id == store.current("platform").key_id
    assert store.ensure("agency-9").name == "agency-9"
    for bad in ("../platform", "Platform", "", "agency 1", "a" * 64, "x.y"):
        with pytest.raises(InvalidInput) as caught:
            store.create(bad)
        assert caught.value.rule == "key_name"
    for missing in (lambda: store.rotate("agency-404"), lambda: store.signer("agency-404"),
                    lambda: store.find("00" * 32)):
        with pytest.raises(NotFound):
            missing()
    with pytest.raises(InvalidInput):
        store.create("agency-5", "RSA")


def test_find_looks_across_every_key_and_version(store):
    a, b = store.create("agency-1"), store.create("agency-2", signing.ED25519)
    c = store.rotate("agency-1")
    assert {store.find(k.key_id).name for k in (a, b, c)} == {"agency-1", "agency-2"}
    assert len(store.public_keys()) == 3 and len(store.public_keys("agency-1")) == 2


def test_the_folder_is_under_the_settings_data_dir(tmp_path):
    assert KeyStore.for_settings(Settings(data_dir=tmp_path / "data")).folder == tmp_path / "data" / "keys"


@needs_openssl
def test_the_default_key_file_is_pbkdf2_600000_rounds_and_opens_with_openssl(folder, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    key = KeyStore(folder).create("platform")
    path = folder / f"platform.{key.key_id}.key.pem"
    parsed = subprocess.run(["openssl", "asn1parse", "-in", str(path)], capture_output=True, text=True)
    assert "PBKDF2" in parsed.stdout and "sm4-cbc" in parsed.stdout and "hmacWithSHA256" in parsed.stdout
    assert f":{pkcs8.DEFAULT_ROUNDS:06X}" in parsed.stdout  # INTEGER :0927C0
    public = subprocess.run(["openssl", "pkey", "-in", str(path), "-passin", f"env:{PASSPHRASE_ENV}",
                             "-pubout"], capture_output=True, text=True)
    assert public.returncode == 0, public.stderr
    assert signing.load_verifier(public.stdout.encode()).key_id == key.key_id
    wrong = subprocess.run(["openssl", "pkey", "-in", str(path), "-passin", "pass:wrong-passphrase",
                            "-noout"], capture_output=True, text=True)
    assert wrong.returncode != 0
