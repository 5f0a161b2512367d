"""Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo, PBES2 of RFC 8018) with a KDF cost we
choose: the libraries' own writers fix PBKDF2 at 2,048 rounds, too few for a passphrase.

SM2 keys are wrapped with SM4-CBC (GB/T 32907), Ed25519 keys with AES-256-CBC (`cryptography`
reads no SM4-wrapped key); both with PBKDF2-HMAC-SHA256. Stock `openssl pkey -in FILE` opens
either, and so do tongsuopy and cryptography, which this module leaves the reading to.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DEFAULT_ROUNDS = 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256; ~0.2 s here per key opened

_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
_OID_PBKDF2 = bytes.fromhex("06092a864886f70d01050c")
_OID_HMAC_SHA256 = bytes.fromhex("06082a864886f70d0209")
_CIPHERS = {
    # name: (DER OID, key length, cryptography algorithm)
    "sm4-cbc": (bytes.fromhex("06082a811ccf55016802"), 16, algorithms.SM4),
    "aes-256-cbc": (bytes.fromhex("060960864801650304012a"), 32, algorithms.AES),
}
_NULL = b"\x05\x00"


def encrypt(private_der: bytes, passphrase: bytes, cipher: str,
            rounds: int = DEFAULT_ROUNDS) -> bytes:
    """PEM "ENCRYPTED PRIVATE KEY" holding `private_der` (unencrypted PKCS#8 DER)."""
    oid, key_len, algorithm = _CIPHERS[cipher]
    salt, iv = os.urandom(16), os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", passphrase, salt, rounds, key_len)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(private_der) + padder.finalize()
    encryptor = Cipher(algorithm(key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padded) + encryptor.finalize()
    kdf = _seq(_OID_PBKDF2 + _seq(_tlv(0x04, salt) + _integer(rounds) + _seq(_OID_HMAC_SHA256 + _NULL)))
    scheme = _seq(oid + _tlv(0x04, iv))
    der = _seq(_seq(_OID_PBES2 + _seq(kdf + scheme)) + _tlv(0x04, sealed))
    return _pem("ENCRYPTED PRIVATE KEY", der)


def _pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([f"-----BEGIN {label}-----".encode(), *lines,
                       f"-----END {label}-----".encode(), b""])


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _seq(body: bytes) -> bytes:
    return _tlv(0x30, body)


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))
