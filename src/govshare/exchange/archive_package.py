"""The archive package (归档移交包, GZ-15, GD-9): one uncompressed POSIX tar that the archive keeps
and checks without the platform.

    govshare-archive-2025-<credit code>-1/
        manifest.json     RFC 8785 JSON: year, agency, created_at, counts, every part's SM3
        manifest.sig      the platform key's signature over manifest.json (SM2-SM3 DER, or Ed25519)
        platform-key.pem  the platform's public key (its id = SM3 of its DER form, in the manifest)
        records.ndjson    one record version a line, RFC 8785 JSON, in id order, with its
                          electronic seal (GZ-23) when it has one (archive_seals.py)
        seal-keys/<key id>.pem   the provider agencies' seal public keys, every version
        files/<resource>/v<n>-<name>   the file versions
        README.txt        how to check it with openssl (not covered by the signature)

Uncompressed on purpose: a changed byte of a part is a changed byte of the tar, and `tar -xf`
followed by the openssl commands in docs/exchange.md checks it on any machine. `verify` does the
same checks in Python without extracting anything, and checks every record's seal against all
its values with the seal keys in the package."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from govshare.evidence.chain import canonical
from govshare.evidence.keystore import PublicKey
from govshare.evidence.signing import SM2_SM3, Signer, key_id_of, load_verifier
from govshare.exchange import archive_seals
from govshare.kit.errors import InvalidInput

TYPE = "govshare.archive.v1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "platform-key.pem"
RECORDS, README = "records.ndjson", "README.txt"
CHUNK = 1 << 20
Progress = Callable[[int], None]  # records written so far

README_TEXT = """政务信息资源共享平台 · 电子文件归档移交包（GZ-15、GD-9）

manifest.json 列出本包每个文件的 SM3 摘要和条数，manifest.sig 是平台签名密钥对它的签名，
platform-key.pem 是平台公钥（其标识 = 公钥 DER 的 SM3，应与平台公布的公钥列表一致）。

核验签名（SM2-SM3；Ed25519 密钥去掉 -digest 和 -pkeyopt 两项）：
  openssl pkeyutl -verify -pubin -inkey platform-key.pem -rawin -in manifest.json \\
      -sigfile manifest.sig -digest sm3 -pkeyopt distid:1234567812345678
核验各文件摘要（与 manifest.json 中 parts 的 sm3 比对）：
  openssl dgst -sm3 records.ndjson files/*/* seal-keys/*
核验一条记录的电子印章（records.ndjson 每行的 seal：sealed 是机关印章密钥所签的原文，
signature 是 base64 签名，key_id 对应 seal-keys/<key_id>.pem；以第 1 行为例，需要 jq）：
  head -1 records.ndjson | jq -j .seal.sealed > sealed.json
  head -1 records.ndjson | jq -r .seal.signature | base64 -d > seal.sig
  openssl pkeyutl -verify -pubin -inkey seal-keys/$(head -1 records.ndjson | jq -r .seal.key_id).pem \
      -rawin -in sealed.json -sigfile seal.sig -digest sm3 -pkeyopt distid:1234567812345678
印章原文中每个信息项只有加盐摘要 SM3(JSON[盐, 信息项, 值])，盐在 seal.salts 中；
govshare exchange archive verify 逐条核对印章与记录的每个值。
公钥标识：
  openssl pkey -pubin -in platform-key.pem -outform DER | openssl dgst -sm3
或在平台外运行：govshare exchange archive verify 本包.tar
"""


@dataclass(frozen=True)
class FilePart:
    resource_code: str
    version: int
    filename: str
    media_type: str
    uploaded_at: datetime
    content: bytes


@dataclass(frozen=True)
class Built:
    path: Path
    manifest: bytes
    manifest_sm3: str
    package_sm3: str
    records: int
    files: int
    sealed: int = 0


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def package_name(year: int, credit_code: str, attempt: int) -> str:
    return f"govshare-archive-{year}-{credit_code}-{attempt}"


def build(out_dir: Path, name: str, header: dict, records: Iterable[dict], files: Iterable[FilePart],
          signer: Signer, progress: Progress | None = None,
          seal_keys: Callable[[], Iterable[PublicKey]] | None = None) -> Built:
    """Write `<out_dir>/<name>.tar`: the parts, the manifest over them, its signature.
    `seal_keys` is asked after the records are written: the keys of the seals they carried."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / f".{name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        parts = [_write_records(work, records, progress)]
        parts += [_write_file(work, f) for f in files]
        counts = {"records": parts[0]["count"], "files": len(parts) - 1, "sealed": parts[0]["sealed"],
                  "resources": header.get("counts", {}).get("resources", 0)}
        parts += [_write_seal_key(work, k) for k in (seal_keys() if seal_keys else ())]
        manifest = canonical({**header, "type": TYPE, "counts": counts, "parts": parts,
                              "key": {"key_id": signer.key_id, "algorithm": signer.algorithm}})
        (work / MANIFEST).write_bytes(manifest)
        (work / SIGNATURE).write_bytes(signer.sign(manifest))
        (work / PUBLIC_KEY).write_bytes(signer.verifier.public_pem)
        (work / README).write_text(README_TEXT, encoding="utf-8")
        path = _tar(work, out_dir, name, header.get("created_at", ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Built(path, manifest, sm3(manifest), _file_sm3(path), counts["records"], counts["files"],
                 counts["sealed"])


def _write_records(work: Path, records: Iterable[dict], progress: Progress | None) -> dict:
    digest, size, count, sealed = hashlib.new("sm3"), 0, 0, 0
    with open(work / RECORDS, "wb") as out:
        for record in records:
            line = canonical(record) + b"\n"
            out.write(line)
            digest.update(line)
            size, count, sealed = size + len(line), count + 1, sealed + (record.get("seal") is not None)
            if progress and count % 1000 == 0:
                progress(count)
    if progress:
        progress(count)
    return {"path": RECORDS, "kind": "records", "count": count, "sealed": sealed, "size": size,
            "sm3": digest.hexdigest()}


def _write_file(work: Path, part: FilePart) -> dict:
    folder = part.resource_code.replace("/", "_")
    rel = f"files/{folder}/v{part.version}-{part.filename}"
    target = work / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(part.content)
    return {"path": rel, "kind": "file", "resource_code": part.resource_code, "version": part.version,
            "filename": part.filename, "media_type": part.media_type,
            "uploaded_at": part.uploaded_at.isoformat(), "size": len(part.content),
            "sm3": sm3(part.content)}


def _write_seal_key(work: Path, key: PublicKey) -> dict:
    rel = archive_seals.key_path(key.key_id)
    pem = key.public_key_pem.encode("ascii")
    (work / rel).parent.mkdir(exist_ok=True)
    (work / rel).write_bytes(pem)
    agency = key.name.removeprefix("agency-")
    return {"path": rel, "kind": "seal_key", "key_name": key.name,
            "agency_id": int(agency) if agency.isdigit() else None, "key_id": key.key_id,
            "algorithm": key.algorithm, "valid_from": key.valid_from.isoformat(),
            "valid_until": key.valid_until.isoformat() if key.valid_until else None,
            "size": len(pem), "sm3": sm3(pem)}


def _tar(work: Path, out_dir: Path, name: str, created_at: str) -> Path:
    """Members in a fixed order with fixed owners, modes and times: the same content, the same tar."""
    mtime = int(datetime.fromisoformat(created_at).timestamp()) if created_at else 0

    def normal(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = mtime
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    partial = out_dir / f"{name}.tar.partial"
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(work, arcname=name, recursive=False, filter=normal)
        for path in sorted(work.rglob("*")):
            tar.add(path, arcname=f"{name}/{path.relative_to(work).as_posix()}", recursive=False,
                    filter=normal)
    final = out_dir / f"{name}.tar"
    os.replace(partial, final)
    return final


def _file_sm3(path: Path) -> str:
    digest = hashlib.new("sm3")
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- checking a package, offline ------------------------------------------------------------------

@dataclass
class Report:
    path: str
    manifest: dict | None = None
    key_id: str | None = None
    problems: list[str] = field(default_factory=list)
    checked_parts: int = 0
    seals: archive_seals.SealCheck | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(path: Path, expected_key_id: str | None = None) -> Report:
    """Check a package (the .tar or its extracted folder) without the platform: the signature
    over the manifest, the key's id, every part's size and SM3, the counts, nothing added, and
    every record's seal against its values (GZ-23)."""
    report = Report(str(path))
    try:
        reader = _reader(Path(path))
    except (OSError, tarfile.TarError) as exc:
        report.problems.append(f"无法读取归档包：{exc}")
        return report
    with reader:
        _check_signature(reader, report, expected_key_id)
        if report.manifest is not None:
            _check_parts(reader, report)
            _check_seals(reader, report)
    return report


def _check_signature(reader: _Reader, report: Report, expected_key_id: str | None) -> None:
    manifest, signature, pem = reader.read(MANIFEST), reader.read(SIGNATURE), reader.read(PUBLIC_KEY)
    missing = [n for n, v in ((MANIFEST, manifest), (SIGNATURE, signature), (PUBLIC_KEY, pem)) if v is None]
    if missing:
        report.problems.append(f"归档包缺少 {'、'.join(missing)}")
        return
    try:
        verifier = load_verifier(pem)
        doc = json.loads(manifest)
    except (InvalidInput, ValueError) as exc:
        report.problems.append(f"清单或公钥无法读取：{getattr(exc, 'message', exc)}")
        return
    report.key_id = key_id_of(verifier.public_der)
    if not isinstance(doc, dict) or doc.get("type") != TYPE:
        report.problems.append(f"{MANIFEST} 不是归档移交清单（type 应为 {TYPE}）")
        return
    report.manifest = doc
    if not verifier.verify(manifest, signature):
        report.problems.append(f"{SIGNATURE} 与 {MANIFEST} 不符：清单被改动，或不是该公钥签的")
    if doc.get("key", {}).get("key_id") != report.key_id:
        report.problems.append("清单所记的签名密钥标识与包内公钥不符")
    if expected_key_id and report.key_id != expected_key_id:
        report.problems.append(f"包内公钥（标识 {report.key_id}）不是指定的平台公钥 {expected_key_id}")


def _check_parts(reader: _Reader, report: Report) -> None:
    doc = report.manifest or {}
    listed = {MANIFEST, SIGNATURE, PUBLIC_KEY, README}
    for part in doc.get("parts", []):
        rel = str(part.get("path", ""))
        listed.add(rel)
        got = reader.digest(rel)
        if got is None:
            report.problems.append(f"清单列出的 {rel} 不在包中")
            continue
        digest, size, lines = got
        if digest != part.get("sm3") or size != part.get("size"):
            report.problems.append(f"{rel} 的 SM3 摘要或大小与清单不符：内容被改动")
        elif part.get("kind") == "records" and lines != part.get("count"):
            report.problems.append(f"{rel} 有 {lines} 行，清单记为 {part.get('count')} 条")
        report.checked_parts += 1
    counts = doc.get("counts", {})
    files = sum(1 for p in doc.get("parts", []) if p.get("kind") == "file")
    if counts.get("files") != files:
        report.problems.append(f"清单记文件 {counts.get('files')} 个，列出 {files} 个")
    extra = sorted(set(reader.names()) - listed)
    if extra:
        report.problems.append(f"包中有清单未列出的文件：{'、'.join(extra[:5])}")


def _check_seals(reader: _Reader, report: Report) -> None:
    """Each record's seal, with the package's own seal keys (their ids recomputed)."""
    doc = report.manifest or {}
    pems, problems = archive_seals.check_keys(doc.get("parts", []), reader.read)
    report.problems += problems
    records = reader.stream(RECORDS)
    if records is None:
        return
    with records:
        report.seals = archive_seals.check_lines(records, pems)
    report.problems += report.seals.problems
    stated = doc.get("counts", {}).get("sealed")
    if stated is not None and stated != report.seals.checked:
        report.problems.append(f"{RECORDS} 中有 {report.seals.checked} 条记录带电子印章，"
                               f"清单记为 {stated} 条")


def _reader(path: Path) -> _Reader:
    if path.is_dir():
        inner = [p for p in path.iterdir() if p.is_dir()]
        root = path if (path / MANIFEST).exists() or len(inner) != 1 else inner[0]
        return _DirReader(root)
    return _TarReader(tarfile.open(path, "r:"))


class _Reader:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def names(self) -> list[str]:
        raise NotImplementedError

    def stream(self, rel: str) -> io.BufferedIOBase | None:
        raise NotImplementedError

    def read(self, rel: str) -> bytes | None:
        f = self.stream(rel)
        if f is None:
            return None
        with f:
            return f.read()

    def digest(self, rel: str) -> tuple[str, int, int] | None:
        """(SM3, size, newline count) of a member, read in chunks."""
        f = self.stream(rel)
        if f is None:
            return None
        digest, size, lines = hashlib.new("sm3"), 0, 0
        with f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size, lines = size + len(chunk), lines + chunk.count(b"\n")
        return digest.hexdigest(), size, lines


class _DirReader(_Reader):
    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self) -> list[str]:
        return [p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()]

    def stream(self, rel: str):
        path = self.root / PurePosixPath(rel)
        if ".." in PurePosixPath(rel).parts or not path.is_file():
            return None
        return open(path, "rb")


class _TarReader(_Reader):
    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.members = {}
        for m in tar.getmembers():
            if m.isfile():
                parts = PurePosixPath(m.name).parts
                self.members["/".join(parts[1:]) if len(parts) > 1 else m.name] = m

    def close(self) -> None:
        self.tar.close()

    def names(self) -> list[str]:
        return list(self.members)

    def stream(self, rel: str):
        member = self.members.get(rel)
        return self.tar.extractfile(member) if member is not None else None


def openssl_command(algorithm: str = SM2_SM3) -> str:
    """The openssl command that checks the manifest's signature in an extracted package."""
    cmd = (f"openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin -in {MANIFEST} "
           f"-sigfile {SIGNATURE}")
    return cmd + (" -digest sm3 -pkeyopt distid:1234567812345678" if algorithm == SM2_SM3 else "")
