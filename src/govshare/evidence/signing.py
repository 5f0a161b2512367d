"""Signatures for seals, tree heads and checkpoints: SM2 with SM3 (GB/T 32918, GB/T 32905) by
default, Ed25519 as the configurable alternative.

SM2 goes through `tongsuopy` (Tongsuo, the maintained OpenSSL fork with the GM algorithms
compiled in); measured here it signs ~2,500 times a second, against ~970 for gmssl-fast, ~370 for
gmssl-pyx and ~140 for pure-Python gmssl (docs/evidence.md). Ed25519 goes through `cryptography`.

Everything a verifier needs is standard: SM2 signatures are DER `SEQUENCE {r, s}` over the
message with signer id `1234567812345678` (GB/T 35276), public keys are SubjectPublicKeyInfo
PEM, so `openssl pkeyutl -verify ... -digest sm3 -pkeyopt distid:1234567812345678` checks them
without this code. A key's id is the SM3 of its DER public key, in hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from functools import cached_property

from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as CryptographyUnsupported
from cryptography.hazmat.primitives import serialization as c_ser
from cryptography.hazmat.primitives.asymmetric import ed25519
from tongsuopy.crypto import hashes as t_hashes
from tongsuopy.crypto import serialization as t_ser
from tongsuopy.crypto.asymciphers import ec as t_ec
from tongsuopy.crypto.exceptions import InternalError as TongsuoInternalError
from tongsuopy.crypto.exceptions import InvalidSignature as TongsuoInvalidSignature
from tongsuopy.crypto.exceptions import UnsupportedAlgorithm as TongsuoUnsupported

from govshare.kit.errors import InvalidInput

SM2_SM3 = "SM2-SM3"
ED25519 = "Ed25519"
ALGORITHMS = (SM2_SM3, ED25519)
# GB/T 35276-2017 §5.1 / GM/T 0009: the default signer id. Tongsuo uses it when none is set;
# tests pin that with the real openssl and an explicit `distid`.
SM2_SIGNER_ID = b"1234567812345678"

_SM2_ALG = t_ec.ECDSA(t_hashes.SM3())  # tongsuopy's name for "sign with this EC key and SM3"
_TONGSUO_BAD = (TongsuoInvalidSignature, TongsuoInternalError, ValueError)
# OIDs in a SubjectPublicKeyInfo, to tell the two kinds of key apart before parsing.
_OID_ED25519 = bytes.fromhex("06032b6570")
_OID_SM2_CURVE = bytes.fromhex("06082a811ccf5501822d")


def key_id_of(public_der: bytes) -> str:
    """SM3 of the DER SubjectPublicKeyInfo, hex: names a key in evidence files and the key list."""
    return hashlib.new("sm3", public_der).hexdigest()


_NAMES = {"sm2": SM2_SM3, "sm2-sm3": SM2_SM3, "ed25519": ED25519}


def algorithm_named(name: str) -> str:
    """`sm2` / `SM2-SM3` / `ed25519` (settings, command line) → SM2_SM3 or ED25519."""
    algorithm = _NAMES.get(name.strip().lower()) if isinstance(name, str) else None
    if algorithm is None:
        raise InvalidInput(f"不支持的签名算法：{name}；可选 sm2（SM2-SM3）或 ed25519。",
                           field="algorithm", rule="signature_algorithm")
    return algorithm


def check_algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise InvalidInput(f"不支持的签名算法：{algorithm}；可选 {', '.join(ALGORITHMS)}。",
                           field="algorithm", rule="signature_algorithm")
    return algorithm


class Verifier:
    """A public key that checks signatures; `verify` answers True or False, never raises."""

    def __init__(self, algorithm: str, key) -> None:
        self.algorithm = check_algorithm(algorithm)
        self._key = key

    @cached_property
    def public_der(self) -> bytes:
        if self.algorithm == SM2_SM3:
            return self._key.public_bytes(t_ser.Encoding.DER, t_ser.PublicFormat.SubjectPublicKeyInfo)
        return self._key.public_bytes(c_ser.Encoding.DER, c_ser.PublicFormat.SubjectPublicKeyInfo)

    @cached_property
    def public_pem(self) -> bytes:
        if self.algorithm == SM2_SM3:
            return self._key.public_bytes(t_ser.Encoding.PEM, t_ser.PublicFormat.SubjectPublicKeyInfo)
        return self._key.public_bytes(c_ser.Encoding.PEM, c_ser.PublicFormat.SubjectPublicKeyInfo)

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.public_der)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True when `signature` is this key's signature over `data`."""
        if self.algorithm == SM2_SM3:
            try:
                self._key.verify(signature, data, _SM2_ALG)
            except _TONGSUO_BAD:  # a malformed DER signature is a failed check, not a crash
                return False
            return True
        try:
            self._key.verify(signature, data)
        except CryptographyInvalidSignature:
            return False
        return True


class Signer:
    """A private key that signs; `verifier` is its public half."""

    def __init__(self, algorithm: str, key) -> None:
        self.algorithm = check_algorithm(algorithm)
        self._key = key
        self.verifier = Verifier(algorithm, key.public_key())

    @property
    def key_id(self) -> str:
        return self.verifier.key_id

    def sign(self, data: bytes) -> bytes:
        """SM2: DER (r, s) over `data` with SM3 and the default signer id; Ed25519: 64 bytes."""
        if self.algorithm == SM2_SM3:
            return self._key.sign(data, _SM2_ALG)
        return self._key.sign(data)

    def private_der(self) -> bytes:
        """The unencrypted PKCS#8 DER: only for the key store, which encrypts it at once."""
        if self.algorithm == SM2_SM3:
            return self._key.private_bytes(t_ser.Encoding.DER, t_ser.PrivateFormat.PKCS8,
                                           t_ser.NoEncryption())
        return self._key.private_bytes(c_ser.Encoding.DER, c_ser.PrivateFormat.PKCS8,
                                       c_ser.NoEncryption())


def generate(algorithm: str = SM2_SM3) -> Signer:
    """A new random key pair."""
    if check_algorithm(algorithm) == SM2_SM3:
        return Signer(SM2_SM3, t_ec.generate_private_key(t_ec.SM2()))
    return Signer(ED25519, ed25519.Ed25519PrivateKey.generate())


def load_signer(pem: bytes, passphrase: bytes | None, algorithm: str) -> Signer:
    """A private key from (encrypted) PKCS#8 PEM. A wrong passphrase raises ValueError."""
    if check_algorithm(algorithm) == SM2_SM3:
        key = t_ser.load_pem_private_key(pem, passphrase)
        if not isinstance(getattr(key, "curve", None), t_ec.SM2):
            raise ValueError("not an SM2 private key")
        return Signer(SM2_SM3, key)
    key = c_ser.load_pem_private_key(pem, passphrase)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return Signer(ED25519, key)


def load_verifier(public_key: bytes) -> Verifier:
    """A public key from SubjectPublicKeyInfo PEM or DER; the algorithm is read from the key."""
    der = _spki_der(public_key)
    try:
        if _OID_SM2_CURVE in der[:40]:
            key = t_ser.load_der_public_key(der)
            if isinstance(getattr(key, "curve", None), t_ec.SM2):
                return Verifier(SM2_SM3, key)
        elif _OID_ED25519 in der[:16]:
            return Verifier(ED25519, c_ser.load_der_public_key(der))
    except (ValueError, TongsuoUnsupported, CryptographyUnsupported):
        pass
    raise InvalidInput("公钥无法读取：只接受 SM2 或 Ed25519 的 SubjectPublicKeyInfo（PEM 或 DER）。",
                       field="public_key", rule="public_key_format")


def _spki_der(data: bytes) -> bytes:
    """PEM's base64 body, or the bytes as given (DER)."""
    text = data.strip()
    if not text.startswith(b"-----BEGIN PUBLIC KEY-----"):
        return data
    lines = [ln.strip() for ln in text.splitlines()[1:-1]]
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except binascii.Error:
        return b""
