"""Trusted time (RFC 3161): a time-stamping authority (TSA) signs that a tree head existed at a
moment, so the platform's own clock is not the only witness.

`request_token(data, url)` sends a TimeStampReq (SHA-256 imprint of `data`, a nonce, the TSA's
certificate asked for) and returns the TimeStampToken (DER CMS SignedData) after checking the
reply: granted, over our imprint, with our nonce, signature holding. `read_token` takes a token
apart for the offline verifier. The ASN.1 needed is small and fixed, so it is read here with a
minimal DER reader; signatures are checked with `cryptography` (RSA, ECDSA). Whether the TSA's
certificate is trusted is a question for its root certificate: `openssl ts -verify -CAfile`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from govshare.kit.errors import DomainError

SHA256 = "2.16.840.1.101.3.4.2.1"
DIGESTS = {"1.3.14.3.2.26": ("sha1", hashes.SHA1), SHA256: ("sha256", hashes.SHA256),
           "2.16.840.1.101.3.4.2.2": ("sha384", hashes.SHA384),
           "2.16.840.1.101.3.4.2.3": ("sha512", hashes.SHA512)}
SIGNED_DATA = "1.2.840.113549.1.7.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
CONTENT_TYPE = "1.2.840.113549.1.9.3"


class TimestampUnavailable(DomainError):
    status = 503
    code = "timestamp_unavailable"


# -- a minimal DER reader and writer -----------------------------------------------------------

@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    raw: bytes  # the whole element, tag and length included

    def children(self) -> list[Tlv]:
        return read_all(self.value)


def read(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    if pos + 2 > len(data):
        raise ValueError("DER: truncated")
    tag, length, at = data[pos], data[pos + 1], pos + 2
    if tag & 0x1F == 0x1F:
        raise ValueError("DER: multi-byte tags are not used here")
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise ValueError("DER: bad length")
        length, at = int.from_bytes(data[at:at + count], "big"), at + count
    if at + length > len(data):
        raise ValueError("DER: truncated value")
    return Tlv(tag, data[at:at + length], data[pos:at + length]), at + length


def read_all(data: bytes) -> list[Tlv]:
    items, pos = [], 0
    while pos < len(data):
        item, pos = read(data, pos)
        items.append(item)
    return items


def oid(value: bytes) -> str:
    first, rest, n = value[0], [], 0
    for b in value[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            rest.append(n)
            n = 0
    return ".".join(str(x) for x in [min(first // 40, 2), first - 40 * min(first // 40, 2), *rest])


def _enc(tag: int, value: bytes) -> bytes:
    n = len(value)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + value


def _int(n: int) -> bytes:
    return _enc(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


_SHA256_ALGORITHM = _enc(0x30, bytes.fromhex("0609608648016503040201") + b"\x05\x00")


# -- request -----------------------------------------------------------------------------------

def timestamp_request(data: bytes, nonce: int) -> bytes:
    """DER TimeStampReq: v1, SHA-256 imprint of `data`, nonce, certReq TRUE."""
    imprint = _enc(0x30, _SHA256_ALGORITHM + _enc(0x04, hashlib.sha256(data).digest()))
    return _enc(0x30, _int(1) + imprint + _int(nonce) + b"\x01\x01\xff")


def request_token(data: bytes, url: str, timeout: float = 10.0) -> bytes:
    """Ask the TSA at `url` to time-stamp `data`; the checked TimeStampToken (DER)."""
    nonce = secrets.randbits(63)
    try:
        reply = httpx.post(url, content=timestamp_request(data, nonce), timeout=timeout,
                           headers={"Content-Type": "application/timestamp-query"})
        reply.raise_for_status()
    except httpx.HTTPError as exc:
        raise TimestampUnavailable(f"时间戳服务 {url} 无法访问：{exc}", field="tsa_url",
                                   rule="tsa_reachable") from None
    try:
        token = token_of_reply(reply.content)
        stamp = read_token(token)
    except ValueError as exc:
        raise TimestampUnavailable(f"时间戳服务 {url} 的答复无效：{exc}", field="tsa_url",
                                   rule="tsa_reply") from None
    if not stamp.covers(data) or stamp.nonce != nonce or not stamp.signature_holds():
        raise TimestampUnavailable(f"时间戳服务 {url} 的答复与请求不符或签名无效。", field="tsa_url",
                                   rule="tsa_reply")
    return token


def token_of_reply(reply: bytes) -> bytes:
    """The TimeStampToken inside a TimeStampResp whose status is granted (0) or with mods (1)."""
    resp, _ = read(reply)
    parts = resp.children()
    status = int.from_bytes(parts[0].children()[0].value, "big")
    if status not in (0, 1) or len(parts) < 2:
        raise ValueError(f"status {status}: the TSA refused")
    return parts[1].raw


# -- token -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stamp:
    gen_time: datetime
    digest_oid: str
    digest: bytes
    nonce: int | None
    signer: str
    _check: tuple  # (certificate, signer digest oid, signed attributes DER, signature, econtent)

    def covers(self, data: bytes) -> bool:
        name = DIGESTS.get(self.digest_oid, (None,))[0]
        return name is not None and hashlib.new(name, data).digest() == self.digest

    def signature_holds(self) -> bool:
        cert, digest_oid, attrs, signature, econtent = self._check
        name, algorithm = DIGESTS.get(digest_oid, (None, None))
        if name is None or _attribute(attrs, MESSAGE_DIGEST) != hashlib.new(name, econtent).digest():
            return False
        signed = b"\x31" + attrs[1:]  # signed over as an explicit SET OF (RFC 5652 §5.4)
        key = cert.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, signed, padding.PKCS1v15(), algorithm())
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, signed, ec.ECDSA(algorithm()))
            else:
                return False
        except InvalidSignature:
            return False
        return True


def read_token(token: bytes) -> Stamp:
    """Take a TimeStampToken apart: TSTInfo, the signer's certificate and signed attributes."""
    content_info, _ = read(token)
    ci = content_info.children()
    if oid(ci[0].value) != SIGNED_DATA:
        raise ValueError("not CMS SignedData")
    signed_data = ci[1].children()[0].children()
    encap = signed_data[2].children()
    if oid(encap[0].value) != TST_INFO:
        raise ValueError("not a time-stamp token")
    econtent = encap[1].children()[0].value
    tst = read(econtent)[0].children()
    imprint = tst[2].children()
    gen_time = _generalized_time(tst[4].value.decode("ascii"))
    nonce = next((int.from_bytes(t.value, "big") for t in tst[5:] if t.tag == 0x02), None)
    certs = [x509.load_der_x509_certificate(c.raw) for c in next(
        (t for t in signed_data[3:] if t.tag == 0xA0), Tlv(0, b"", b"")).children()]
    signer_info = signed_data[-1].children()[0].children()
    cert = _signer_cert(signer_info[1], certs)
    attrs = next((t.raw for t in signer_info if t.tag == 0xA0), None)
    if attrs is None:
        raise ValueError("no signed attributes")
    signature = next(t.value for t in signer_info[4:] if t.tag == 0x04)
    digest_oid = oid(signer_info[2].children()[0].value)
    return Stamp(gen_time, oid(imprint[0].children()[0].value), imprint[1].value, nonce,
                 cert.subject.rfc4514_string(), (cert, digest_oid, attrs, signature, econtent))


def _signer_cert(sid: Tlv, certs: list[x509.Certificate]) -> x509.Certificate:
    if sid.tag == 0x30:  # IssuerAndSerialNumber
        issuer, serial = sid.children()
        number = int.from_bytes(serial.value, "big")
        for cert in certs:
            if cert.serial_number == number and cert.issuer.public_bytes() == issuer.raw:
                return cert
    elif sid.tag == 0x80:  # [0] SubjectKeyIdentifier
        for cert in certs:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.value:
                return cert
    raise ValueError("the TSA's certificate is not in the token")


def _attribute(attrs: bytes, wanted: str) -> bytes | None:
    for attribute in read(attrs)[0].children():
        kind, values = attribute.children()
        if oid(kind.value) == wanted:
            return values.children()[0].value
    return None


def _generalized_time(text: str) -> datetime:
    main = text.rstrip("Z").split(".")[0]
    fraction = text.rstrip("Z").split(".")[1] if "." in text else ""
    moment = datetime.strptime(main, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return moment.replace(microsecond=int((fraction + "000000")[:6])) if fraction else moment
