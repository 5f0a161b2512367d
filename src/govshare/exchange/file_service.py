"""File resources (文件, GD-16): a 共享平台·文件 resource is published as versioned files. The
provider uploads a file (console, API, `govshare exchange file upload`); each upload is a new
version, kept, with its SM3 digest, size, media type, who uploaded it and when. A consumer with
a grant in force (access.grant_service.usable_grant) lists the versions and downloads one, the
digest sent along (X-Content-SM3) so that it can check what it received; every download states
its purpose (GD-24) and is written to the query log (kind `file`).

Storage: the bytes are kept in the database row (LargeBinary, at most MAX_BYTES), so that a
version and its bytes are written in one transaction — an interrupted upload leaves nothing —
and are backed up, replicated and restored with everything else. See docs/exchange.md."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.access import grant_service
from govshare.access.models import Grant
from govshare.catalog import published_service
from govshare.catalog.models import Entry
from govshare.catalog.terms import ShareMode
from govshare.exchange import endpoint_policy as policy
from govshare.exchange import query_log, query_service
from govshare.exchange.endpoint_events import FileVersionUploaded
from govshare.exchange.endpoint_models import FileVersion
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput, NotFound
from govshare.kit.system import system_use

MAX_BYTES = 50 * 1024 * 1024
NOTE_MAX = 500


@dataclass(frozen=True)
class FileEntry:
    resource_code: str
    name: str
    provider_agency_id: int
    items: list[str]


@system_use("a pure digest of bytes; reads nothing")
def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


@system_use("reads the published catalog through published_service, which checks can_read_catalog")
def file_entry(session: Session, actor: Actor, resource_code: str) -> FileEntry:
    """The published entry of a resource shared as files (404/422 otherwise)."""
    entry = published_service.published_entry(session, actor, resource_code)
    doc = entry.document
    if doc.get("share_mode") != ShareMode.PLATFORM_FILE.value:
        raise InvalidInput(f"资源“{doc['name']}”的共享方式不是“共享平台·文件”", field="resource_code",
                           rule="share_mode")
    return FileEntry(resource_code, doc["name"], doc["agency_id"], [i["name"] for i in doc["items"]])


def upload(session: Session, actor: Actor, resource_code: str, filename: str, data: bytes,
           media_type: str | None = None, note: str = "") -> FileVersion:
    """A new version of the file resource; audited with its digest."""
    entry = file_entry(session, actor, resource_code)
    policy.can_upload_file(actor, entry.provider_agency_id)
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not name or len(name) > 255 or not name.isprintable():
        raise InvalidInput("请给出文件名（最长 255 个字符）", field="file", rule="filename")
    if not data:
        raise InvalidInput("文件是空的", field="file", rule="empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"文件最大 {MAX_BYTES // (1024 * 1024)} MB，实为 {len(data) / 1048576:.1f} MB",
                           field="file", rule="max_size")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"说明最长 {NOTE_MAX} 个字", field="note", rule="length")
    media = (media_type or "").split(";")[0].strip()
    if not media or media == "application/octet-stream":
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    number = (session.scalar(select(func.max(FileVersion.version)).where(
        FileVersion.resource_code == resource_code)) or 0) + 1
    version = FileVersion(resource_code=resource_code, provider_agency_id=entry.provider_agency_id,
                          version=number, filename=name, media_type=media[:127], size=len(data),
                          sm3=sm3(data), note=note.strip(), uploaded_by=actor.name[:64],
                          uploaded_at=clock.now(), content=data)
    session.add(version)
    session.flush()
    evidence.record(session, FileVersionUploaded(
        agency_id=entry.provider_agency_id, resource_code=resource_code, file_version_id=version.id,
        version=number, filename=name, size=len(data), sm3=version.sm3), actor)
    return version


@dataclass(frozen=True)
class Listing:
    entry: FileEntry
    versions: list[FileVersion]
    provider: bool  # the caller is the provider
    grant: Grant | None  # the consumer's grant in force


def versions(session: Session, actor: Actor, resource_code: str) -> Listing:
    """The versions, newest first: for the provider, or a consumer with a grant in force (403
    naming why otherwise)."""
    entry = file_entry(session, actor, resource_code)
    grant = None
    if not policy.is_provider(actor, entry.provider_agency_id):
        policy.can_query(actor)
        grant = grant_service.usable_grant(session, actor.agency_id, resource_code, clock.today())
    rows = list(session.scalars(select(FileVersion).where(FileVersion.resource_code == resource_code)
                                .order_by(FileVersion.version.desc())))
    return Listing(entry, rows, grant is None, grant)


@dataclass(frozen=True)
class Download:
    version: FileVersion
    content: bytes
    query_id: int | None  # the query-log line (None: the provider's own download)


def download(session: Session, actor: Actor, resource_code: str, version: int,
             duty: str | None = None, case_number: str | None = None) -> Download:
    """One version's bytes. A consumer needs a grant in force and states its purpose (GD-24);
    the download is written to the query log. The provider downloads its own without either."""
    entry = file_entry(session, actor, resource_code)
    grant, purpose = None, None
    if not policy.is_provider(actor, entry.provider_agency_id):
        policy.can_query(actor)
        purpose = query_service.check_purpose(duty, case_number)
        grant = grant_service.usable_grant(session, actor.agency_id, resource_code, clock.today())
    row = session.scalar(select(FileVersion).where(FileVersion.resource_code == resource_code,
                                                   FileVersion.version == version))
    if row is None:
        raise NotFound(f"资源 {resource_code} 没有第 {version} 版文件", code="no_such_version")
    query_id = None
    if grant is not None and purpose is not None:
        query_id = query_log.write(session, query_log.LogLine(
            queried_at=clock.now(), kind="file", agency_id=grant.grantee_agency_id,
            provider_agency_id=entry.provider_agency_id, actor_kind=query_service.actor_kind(actor),
            actor=query_service.actor_name(actor), grant_id=grant.id, resource_code=resource_code,
            division_code=grant.division_code, duty=purpose.duty, case_number=purpose.case_number,
            as_of=None, subjects=(), items=(f"第{row.version}版 {row.filename}（SM3 {row.sm3}）",),
            row_count=1, record_ids=(row.id,), outcome="file"))
    return Download(row, row.content, query_id)


@system_use("the caller's own agency's file resources and those it holds an active grant for")
def listed_resources(session: Session, actor: Actor) -> list[Any]:
    """The 共享平台·文件 resources the agency provides or holds an active grant for, by name."""
    if actor.agency_id is None:
        return []
    held = select(Grant.resource_code).where(Grant.grantee_agency_id == actor.agency_id,
                                             Grant.status == "active")
    return list(session.execute(select(Entry.resource_code, Entry.name, Entry.agency_id).where(
        Entry.share_mode == ShareMode.PLATFORM_FILE.value, Entry.resource_code.is_not(None),
        or_(Entry.agency_id == actor.agency_id, Entry.resource_code.in_(held)))
        .order_by(Entry.name)).all())
