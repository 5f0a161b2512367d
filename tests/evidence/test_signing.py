"""Signatures that a court can check with stock `openssl` (GZ-24) and that a changed byte breaks
(GZ-23): we sign and openssl verifies, openssl signs and we verify, for SM2-SM3 and Ed25519.

The commands are the ones in docs/evidence.md, run against this machine's openssl (3.0.x)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from govshare.evidence import pkcs8, signing
from govshare.kit.errors import InvalidInput

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")

MESSAGE = "国家机关公文：营业执照 91440101MA59XXXX0X 于 2026年11月22日 核验".encode()
DISTID = "distid:1234567812345678"


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def openssl_verify(cwd: Path, algorithm: str, message: bytes, signature: bytes,
                   distid: str = DISTID) -> bool:
    (cwd / "msg").write_bytes(message)
    (cwd / "sig").write_bytes(signature)
    args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg", "-sigfile", "sig"]
    if algorithm == signing.SM2_SM3:
        args += ["-digest", "sm3", "-pkeyopt", distid]
    done = openssl(*args, cwd=cwd)
    assert ("Signature Verified Successfully" in done.stdout) == (done.returncode == 0), done
    return done.returncode == 0


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.mark.req("GZ-24")
@pytest.mark.req("GZ-23")
@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_openssl_verifies_what_we_sign_and_a_flipped_byte_fails(tmp_path, algorithm):
    signer = signing.generate(algorithm)
    (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)
    signature = signer.sign(MESSAGE)

    assert openssl_verify(tmp_path, algorithm, MESSAGE, signature)
    assert not openssl_verify(tmp_path, algorithm, flip(MESSAGE, 5), signature)
    assert not openssl_verify(tmp_path, algorithm, MESSAGE, flip(signature, len(signature) - 3))
    assert signer.verifier.verify(MESSAGE, signature)
    assert not signer.verifier.verify(flip(MESSAGE, 5), signature)
    assert not signer.verifier.verify(MESSAGE, flip(signature, len(signature) - 3))


@pytest.mark.req("GZ-24")
def test_sm2_signatures_use_the_standard_signer_id(tmp_path):
    """openssl 3.0 defaults to an empty id; our signatures verify only with 1234567812345678."""
    signer = signing.generate(signing.SM2_SM3)
    (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)
    signature = signer.sign(MESSAGE)
    assert openssl_verify(tmp_path, signing.SM2_SM3, MESSAGE, signature)
    assert not openssl_verify(tmp_path, signing.SM2_SM3, MESSAGE, signature, distid="distid:8765432187654321")


def _openssl_keypair(tmp_path: Path, algorithm: str) -> None:
    genpkey = (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"] if algorithm == signing.SM2_SM3
               else ["-algorithm", "ed25519"])
    assert openssl("genpkey", *genpkey, "-out", "key.pem", cwd=tmp_path).returncode == 0
    assert openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path).returncode == 0


def _openssl_sign(tmp_path: Path, algorithm: str, message: bytes, *extra: str) -> bytes:
    (tmp_path / "msg").write_bytes(message)
    args = ["pkeyutl", "-sign", "-inkey", "key.pem", *extra, "-rawin", "-in", "msg", "-out", "sig"]
    if algorithm == signing.SM2_SM3:
        args += ["-digest", "sm3", "-pkeyopt", DISTID]
    done = openssl(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return (tmp_path / "sig").read_bytes()


@pytest.mark.req("GZ-24")
@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_we_verify_what_openssl_signs_and_a_flipped_byte_fails(tmp_path, algorithm):
    _openssl_keypair(tmp_path, algorithm)
    signature = _openssl_sign(tmp_path, algorithm, MESSAGE)
    verifier = signing.load_verifier((tmp_path / "pub.pem").read_bytes())

    assert verifier.algorithm == algorithm
    assert verifier.verify(MESSAGE, signature)
    assert not verifier.verify(flip(MESSAGE, 0), signature)
    assert not verifier.verify(MESSAGE, flip(signature, 10))


@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_openssl_opens_our_encrypted_key_and_signs_with_it(tmp_path, algorithm):
    signer = signing.generate(algorithm)
    cipher = "sm4-cbc" if algorithm == signing.SM2_SM3 else "aes-256-cbc"
    (tmp_path / "key.pem").write_bytes(pkcs8.encrypt(signer.private_der(), b"s3cret-pass", cipher, 1000))
    signature = _openssl_sign(tmp_path, algorithm, MESSAGE, "-passin", "pass:s3cret-pass")
    assert signer.verifier.verify(MESSAGE, signature)


@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_key_id_is_the_sm3_of_the_der_public_key_as_openssl_computes_it(tmp_path, algorithm):
    signer = signing.generate(algorithm)
    (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)
    der = openssl("pkey", "-pubin", "-in", "pub.pem", "-outform", "DER", "-out", "pub.der", cwd=tmp_path)
    assert der.returncode == 0
    digest = openssl("dgst", "-sm3", "-r", "pub.der", cwd=tmp_path).stdout.split()[0]
    assert signer.key_id == digest == hashlib.new("sm3", (tmp_path / "pub.der").read_bytes()).hexdigest()
    assert signing.load_verifier((tmp_path / "pub.der").read_bytes()).key_id == signer.key_id


@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_garbage_signatures_are_refused_not_raised(algorithm):
    verifier = signing.generate(algorithm).verifier
    other = signing.generate(algorithm).sign(MESSAGE)
    for bad in (b"", b"\x00", b"\x30\x02\x02\x00", b"\x30" * 80, bytes(64), bytes(72), other):
        assert verifier.verify(MESSAGE, bad) is False


def test_a_key_of_the_other_algorithm_does_not_verify():
    sm2, ed = signing.generate(signing.SM2_SM3), signing.generate(signing.ED25519)
    assert not ed.verifier.verify(MESSAGE, sm2.sign(MESSAGE))
    assert not sm2.verifier.verify(MESSAGE, ed.sign(MESSAGE))


def test_unreadable_or_foreign_public_keys_are_refused(tmp_path):
    assert openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem",
                   cwd=tmp_path).returncode == 0
    assert openssl("pkey", "-in", "k.pem", "-pubout", "-out", "p.pem", cwd=tmp_path).returncode == 0
    broken = b"-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----"
    for data in ((tmp_path / "p.pem").read_bytes(), b"", broken):
        with pytest.raises(InvalidInput) as caught:
            signing.load_verifier(data)
        assert caught.value.rule == "public_key_format"


def test_unknown_algorithm_is_refused_in_words():
    with pytest.raises(InvalidInput) as caught:
        signing.generate("RSA")
    assert caught.value.field == "algorithm" and "SM2-SM3" in caught.value.message


@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_a_private_key_loads_back_only_with_its_passphrase(algorithm):
    signer = signing.generate(algorithm)
    cipher = "sm4-cbc" if algorithm == signing.SM2_SM3 else "aes-256-cbc"
    pem = pkcs8.encrypt(signer.private_der(), "口令-passphrase".encode(), cipher, 1000)
    again = signing.load_signer(pem, "口令-passphrase".encode(), algorithm)
    assert again.key_id == signer.key_id and signer.verifier.verify(MESSAGE, again.sign(MESSAGE))
    with pytest.raises(ValueError):
        signing.load_signer(pem, b"wrong", algorithm)
