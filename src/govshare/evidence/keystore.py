"""Signing keys at rest: the platform's key and one seal key per agency, encrypted with the
passphrase in GOVSHARE_KEY_PASSPHRASE, rotatable, and every public key ever used still listed
with the period it was valid, so evidence signed years ago still verifies (GZ-24).

Layout under `<data_dir>/keys/` (folder 0700, every file 0600):

    platform.json                       the key's versions: key id, algorithm, public key PEM,
                                        valid_from, valid_until (null for the current one)
    platform.<key id>.key.pem           the current private key: encrypted PKCS#8 (pkcs8.py)

A rotation makes a new key current, closes the old one's validity and deletes the old private
key: a retired key can sign nothing more, and its public half stays in the JSON.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from govshare.config import Settings
from govshare.evidence import pkcs8, signing
from govshare.evidence.signing import SM2_SM3, Signer, Verifier
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, DomainError, InvalidInput, NotFound

PASSPHRASE_ENV = "GOVSHARE_KEY_PASSPHRASE"
MIN_PASSPHRASE_LENGTH = 12
PLATFORM = "platform"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_CIPHER = {signing.SM2_SM3: "sm4-cbc", signing.ED25519: "aes-256-cbc"}


def agency_key_name(agency_id: int) -> str:
    """The name of an agency's seal key."""
    return f"agency-{agency_id}"


class KeyUnavailable(DomainError):
    """The private keys cannot be opened: the passphrase is missing or wrong."""

    status = 503
    code = "key_unavailable"


@dataclass(frozen=True)
class PublicKey:
    """One version of a named key, as published: enough to verify what it signed."""

    name: str
    key_id: str
    algorithm: str
    public_key_pem: str
    valid_from: datetime
    valid_until: datetime | None

    @property
    def current(self) -> bool:
        return self.valid_until is None

    def valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when and (self.valid_until is None or when < self.valid_until)

    def verifier(self) -> Verifier:
        return signing.load_verifier(self.public_key_pem.encode("ascii"))

    def to_dict(self) -> dict:
        return {"name": self.name, "key_id": self.key_id, "algorithm": self.algorithm,
                "public_key_pem": self.public_key_pem, "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None}

    @classmethod
    def from_dict(cls, data: dict) -> PublicKey:
        until = data.get("valid_until")
        return cls(name=data["name"], key_id=data["key_id"], algorithm=data["algorithm"],
                   public_key_pem=data["public_key_pem"],
                   valid_from=datetime.fromisoformat(data["valid_from"]),
                   valid_until=datetime.fromisoformat(until) if until else None)


class KeyStore:
    """Named signing keys in one folder. Listing public keys needs no passphrase; creating,
    rotating and signing do, read from GOVSHARE_KEY_PASSPHRASE unless one is passed in."""

    def __init__(self, folder: Path, *, passphrase: str | None = None,
                 kdf_rounds: int = pkcs8.DEFAULT_ROUNDS, algorithm: str = SM2_SM3) -> None:
        self.folder = Path(folder)
        self.algorithm = algorithm  # of keys created without naming one: the platform setting
        self._passphrase = passphrase
        self._kdf_rounds = kdf_rounds
        self._signers: dict[str, Signer] = {}  # name -> the current key, opened once
        self._manifests: dict[str, tuple[tuple[int, int], list[PublicKey]]] = {}  # name -> (stamp, versions)

    @classmethod
    def for_settings(cls, settings: Settings) -> KeyStore:
        """The platform's key store; keys it creates unasked (an agency's first sealed load) use
        GOVSHARE_SIGNING_ALGORITHM, checked when such a key is made."""
        return cls(settings.data_dir / "keys", algorithm=settings.signing_algorithm)

    # -- what anyone may see -------------------------------------------------------------------

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if _NAME.match(p.stem))

    def versions(self, name: str) -> list[PublicKey]:
        """Every version of `name`, oldest first; the last is current."""
        path = self._manifest_path(name)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise NotFound(f"没有名为 {name} 的签名密钥。", field="name", rule="key_exists") from None
        cached = self._manifests.get(name)
        stamp = (stat.st_ino, stat.st_mtime_ns)  # every write renames a new file over the old
        if cached and cached[0] == stamp:
            return list(cached[1])
        data = json.loads(path.read_text(encoding="utf-8"))
        versions = [PublicKey.from_dict({**v, "name": name}) for v in data["versions"]]
        self._manifests[name] = (stamp, versions)
        return list(versions)

    def current(self, name: str) -> PublicKey:
        return self.versions(name)[-1]

    def public_keys(self, name: str | None = None) -> list[PublicKey]:
        """All versions of one key, or of every key: what the well-known path publishes."""
        names = [name] if name is not None else self.names()
        return [version for n in names for version in self.versions(n)]

    def find(self, key_id: str) -> PublicKey:
        """The key version with this id, current or retired."""
        for version in self.public_keys():
            if version.key_id == key_id:
                return version
        raise NotFound(f"没有标识为 {key_id} 的公钥。", field="key_id", rule="key_exists")

    # -- what needs the passphrase -------------------------------------------------------------

    def create(self, name: str, algorithm: str | None = None) -> PublicKey:
        """A new key named `name` (by default of the store's algorithm); refused if it exists."""
        _check_name(name)
        algorithm = signing.algorithm_named(algorithm or self.algorithm)
        passphrase = self._passphrase_bytes(creating=True)
        with self._locked():
            if self._manifest_path(name).exists():
                raise Conflict(f"签名密钥 {name} 已经存在；要换新密钥请轮换。", field="name",
                               rule="key_unique")
            signer = signing.generate(algorithm)
            self._write_private(name, signer, passphrase)
            version = _version(name, signer, now())
            self._write_manifest(name, [version])
        self._signers[name] = signer
        return version

    def ensure(self, name: str, algorithm: str | None = None) -> PublicKey:
        """The current version of `name`, created first if there is none (for `govshare init`)."""
        if self._manifest_path(name).exists():
            return self.current(name)
        try:
            return self.create(name, algorithm)
        except Conflict:  # another process created it meanwhile
            return self.current(name)

    def rotate(self, name: str, algorithm: str | None = None) -> PublicKey:
        """Make a new key current; the old one's validity ends now and its private key goes."""
        passphrase = self._passphrase_bytes(creating=True)
        with self._locked():
            versions = list(self.versions(name))
            old = versions[-1]
            signer = signing.generate(signing.check_algorithm(algorithm or old.algorithm))
            self._write_private(name, signer, passphrase)
            at = max(now(), old.valid_from)
            versions[-1] = replace(old, valid_until=at)
            versions.append(_version(name, signer, at))
            self._write_manifest(name, versions)
            self._private_path(name, old.key_id).unlink(missing_ok=True)
        self._signers[name] = signer
        return versions[-1]

    def signer(self, name: str) -> Signer:
        """The current private key of `name`, opened with the passphrase (once per process)."""
        current = self.current(name)
        cached = self._signers.get(name)
        if cached is not None and cached.key_id == current.key_id:
            return cached
        passphrase = self._passphrase_bytes()
        try:
            pem = self._private_path(name, current.key_id).read_bytes()
        except FileNotFoundError:
            raise KeyUnavailable(f"签名密钥 {name} 的私钥文件不见了（{self.folder}）。", field="name",
                                 rule="private_key_file") from None
        try:
            signer = signing.load_signer(pem, passphrase, current.algorithm)
        except (ValueError, TypeError):  # TypeError: the file is not encrypted at all
            raise KeyUnavailable(
                f"无法打开签名密钥 {name}：环境变量 {PASSPHRASE_ENV} 中的口令不对，或密钥文件已损坏。",
                field=PASSPHRASE_ENV, rule="key_passphrase") from None
        if signer.key_id != current.key_id:
            raise KeyUnavailable(f"签名密钥 {name} 的私钥与登记的公钥不符。", field="name",
                                 rule="key_mismatch")
        self._signers[name] = signer
        return signer

    # -- files ---------------------------------------------------------------------------------

    def _passphrase_bytes(self, creating: bool = False) -> bytes:
        passphrase = self._passphrase if self._passphrase is not None else os.environ.get(PASSPHRASE_ENV)
        if not passphrase:
            raise KeyUnavailable(
                f"未设置环境变量 {PASSPHRASE_ENV}：签名密钥加密保存，创建、轮换或使用它们都需要这个口令。",
                field=PASSPHRASE_ENV, rule="key_passphrase_missing")
        if creating and len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise InvalidInput(
                f"环境变量 {PASSPHRASE_ENV} 中的口令太短：至少 {MIN_PASSPHRASE_LENGTH} 个字符。",
                field=PASSPHRASE_ENV, rule="key_passphrase_length")
        return passphrase.encode("utf-8")

    def _manifest_path(self, name: str) -> Path:
        return self.folder / f"{_check_name(name)}.json"

    def _private_path(self, name: str, key_id: str) -> Path:
        return self.folder / f"{name}.{key_id}.key.pem"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes (`govshare keys rotate` beside a server)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write_private(self, name: str, signer: Signer, passphrase: bytes) -> None:
        pem = pkcs8.encrypt(signer.private_der(), passphrase, _CIPHER[signer.algorithm], self._kdf_rounds)
        _write_new(self._private_path(name, signer.key_id), pem)

    def _write_manifest(self, name: str, versions: list[PublicKey]) -> None:
        """Written beside and renamed over the old one: readers see the old or the new file."""
        body = {"name": name, "versions": [{k: v for k, v in ver.to_dict().items() if k != "name"}
                                           for ver in versions]}
        path = self._manifest_path(name)
        temporary = path.with_suffix(".json.tmp")
        temporary.unlink(missing_ok=True)
        _write_new(temporary, json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))
        os.replace(temporary, path)
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)
        self._manifests.pop(name, None)


def _write_new(path: Path, data: bytes) -> None:
    """Created 0600 from the first byte (no moment with wider rights), and synced to disk."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _version(name: str, signer: Signer, valid_from: datetime) -> PublicKey:
    return PublicKey(name=name, key_id=signer.key_id, algorithm=signer.algorithm,
                     public_key_pem=signer.verifier.public_pem.decode("ascii"),
                     valid_from=valid_from, valid_until=None)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput("密钥名称只能用小写字母、数字和连字符，例如 platform 或 agency-12。",
                           field="name", rule="key_name")
    return name
