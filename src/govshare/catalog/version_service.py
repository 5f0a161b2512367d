"""The shared catalog (政府信息共享目录, GZ-8, GZ-9, GD-13, GD-14): the city IT authority compiles a
version from the filed entries and the recorded needs, the government approves or rejects it, the
IT authority publishes it. A published version never changes and can be read as of any date.

Changes are found by comparing content hashes with the published version; how entries are frozen
fast enough for 100,000 of them is in `version_freeze`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from govshare import evidence
from govshare.catalog import policy, search
from govshare.catalog.models import Need, Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.catalog.version_events import (
    VersionApproved,
    VersionCompiled,
    VersionPublished,
    VersionRejected,
)
from govshare.catalog.version_freeze import batches, insert_filed
from govshare.kit.actor import Actor
from govshare.kit.clock import CHINA, now
from govshare.kit.errors import Conflict, InvalidInput, NotFound
from govshare.kit.pagination import Page, PageRequest, paginate

PENDING = (VersionStatus.COMPILED.value, VersionStatus.APPROVED.value)
IN_FORCE = (VersionStatus.PUBLISHED.value, VersionStatus.SUPERSEDED.value)


# --- compiling ---------------------------------------------------------------------------

def compile_version(session: Session, actor: Actor) -> Version:
    """Compile a new version of the shared catalog from the filed entries and the needs (GZ-8)."""
    policy.can_compile_version(actor)
    if session.scalar(select(Version.id).where(Version.status.in_(PENDING)).limit(1)):
        raise Conflict("已有一个版本等待审批或发布，请先处理该版本再编制新版本",
                       code="version_pending")
    base = _published(session)
    version = _new_version(session, actor, base)
    base_hashes = _hashes(session, base.id) if base else {}
    hashes = insert_filed(session, version.id)
    summary = _summary(session, version, base, base_hashes, hashes)
    if base is not None and not (summary["added"] or summary["changed"] or summary["removed"]):
        raise Conflict(f"目录与现行第 {base.number} 版相同，无需编制新版本", code="version_unchanged")
    version.entry_count, version.diff_summary = len(hashes), summary
    version.removes_content = bool(summary["removed"] or summary["items_removed"])
    session.flush()
    evidence.record(session, VersionCompiled(
        version_id=version.id, number=version.number, base_version_id=version.base_version_id,
        entry_count=version.entry_count, added=summary["added"], changed=summary["changed"],
        removed=summary["removed"], items_removed=summary["items_removed"],
        removes_content=version.removes_content,
        needs_considered=summary["needs"]["considered"]), actor)
    return version


def _published(session: Session) -> Version | None:
    return session.scalar(select(Version).where(
        Version.status == VersionStatus.PUBLISHED.value).limit(1))


def _new_version(session: Session, actor: Actor, base: Version | None) -> Version:
    number = (session.scalar(select(func.max(Version.number))) or 0) + 1
    version = Version(number=number, status=VersionStatus.COMPILED.value, compiled_at=now(),
                      base_version_id=base.id if base else None, compiled_by=actor.name,
                      diff_summary={})
    try:
        # Two compilations at once take the same number: the second one waits, then loses.
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        raise Conflict("另一个版本正在同时编制，请刷新后查看", code="version_pending") from None
    return version


def _hashes(session: Session, version_id: int) -> dict[str, str]:
    rows = session.execute(select(VersionEntry.resource_code, VersionEntry.content_hash)
                           .where(VersionEntry.version_id == version_id))
    return dict(rows.all())


def _summary(session: Session, version: Version, base: Version | None,
             base_hashes: dict[str, str], hashes: dict[str, str]) -> dict[str, Any]:
    added, changed, removed = _sets(base_hashes, hashes)
    counts = {"items_added": 0, "items_changed": 0, "items_removed": 0}
    if base is not None:
        for change in _changes(session, version.id, base.id, sorted(changed)):
            counts["items_added"] += len(change.items_added)
            counts["items_changed"] += len(change.items_changed)
            counts["items_removed"] += len(change.items_removed)
    return {"base_number": base.number if base else None, "added": len(added),
            "changed": len(changed), "removed": len(removed), **counts,
            "needs": _needs(session, hashes)}


def _sets(before: dict[str, str], after: dict[str, str]) -> tuple[set, set, set]:
    common = before.keys() & after.keys()
    changed = {code for code in common if before[code] != after[code]}
    return after.keys() - before.keys(), changed, before.keys() - after.keys()


def _needs(session: Session, hashes: dict[str, str]) -> dict[str, Any]:
    """The recorded needs the compilation answered to (GZ-8): which are met by a resource in the
    version, which are not yet (the IT authority follows those up with the providers)."""
    needs = session.execute(select(Need.id, Need.title, Need.agency_id, Need.resource_code)
                            .where(Need.status == "open").order_by(Need.id)).all()
    unmet = [{"id": n.id, "title": n.title, "agency_id": n.agency_id}
             for n in needs if not (n.resource_code and n.resource_code in hashes)]
    return {"considered": len(needs), "met": len(needs) - len(unmet), "unmet": unmet}


# --- the diff ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    name: str
    fields: list[FieldChange]


@dataclass(frozen=True)
class EntryRef:
    resource_code: str
    name: str
    provider: str


@dataclass(frozen=True)
class EntryChange:
    resource_code: str
    name: str
    provider: str
    fields: list[FieldChange] = field(default_factory=list)
    items_added: list[dict] = field(default_factory=list)
    items_removed: list[dict] = field(default_factory=list)
    items_changed: list[ItemChange] = field(default_factory=list)


@dataclass(frozen=True)
class VersionDiff:
    version: Version
    base_number: int | None
    totals: dict[str, int]  # added, changed, removed: always the whole version
    added: list[EntryRef]  # these three: one page (offset, limit) of each, by resource code
    changed: list[EntryChange]
    removed: list[EntryRef]
    offset: int
    limit: int


def version_diff(session: Session, actor: Actor, version_id: int, offset: int = 0,
                 limit: int = 1000) -> VersionDiff:
    """What the version adds, changes and removes against the version it was compiled on."""
    policy.can_read_catalog(actor)
    version = _version(session, version_id)
    base = session.get(Version, version.base_version_id) if version.base_version_id else None
    added, changed, removed = _diff_codes(session, version.id, base.id if base else None)

    def page(codes: list[str]) -> list[str]:
        return codes[offset:offset + limit]

    return VersionDiff(
        version=version, base_number=base.number if base else None,
        totals={"added": len(added), "changed": len(changed), "removed": len(removed)},
        added=_refs(session, version.id, page(added)),
        changed=_changes(session, version.id, base.id, page(changed)) if base else [],
        removed=_refs(session, base.id, page(removed)) if base else [],
        offset=offset, limit=limit)


def _diff_codes(session: Session, version_id: int,
                base_id: int | None) -> tuple[list[str], list[str], list[str]]:
    """Added, changed and removed resource codes, found by the database on the (version,
    code) index: only the differences travel, not two versions' worth of hashes."""
    new, old = aliased(VersionEntry), aliased(VersionEntry)

    def only_in(a, a_id, b, b_id):
        missing = ~exists().where(b.version_id == b_id, b.resource_code == a.resource_code)
        return list(session.scalars(select(a.resource_code).where(a.version_id == a_id, missing)
                                    .order_by(a.resource_code)))

    if base_id is None:
        return only_in(new, version_id, old, -1), [], []
    changed = list(session.scalars(
        select(new.resource_code)
        .join(old, and_(old.version_id == base_id, old.resource_code == new.resource_code))
        .where(new.version_id == version_id, old.content_hash != new.content_hash)
        .order_by(new.resource_code)))
    return (only_in(new, version_id, old, base_id), changed,
            only_in(old, base_id, new, version_id))


def _contents(session: Session, version_id: int, codes: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for batch in batches(codes):
        rows = session.execute(select(VersionEntry.resource_code, VersionEntry.content).where(
            VersionEntry.version_id == version_id, VersionEntry.resource_code.in_(batch)))
        out.update((code, thaw(content)) for code, content in rows)
    return out


def _refs(session: Session, version_id: int, codes: list[str]) -> list[EntryRef]:
    docs = _contents(session, version_id, codes)
    return [EntryRef(code, docs[code]["name"], docs[code]["provider"]["name"]) for code in codes]


def _changes(session: Session, version_id: int, base_id: int,
             codes: list[str]) -> list[EntryChange]:
    before, after = _contents(session, base_id, codes), _contents(session, version_id, codes)
    return [_diff_documents(before[code], after[code]) for code in codes]


def _diff_documents(before: dict, after: dict) -> EntryChange:
    """Field by field and item by item (items are matched by name, unique within an entry)."""
    fields = [FieldChange(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after)
              if k != "items" and before.get(k) != after.get(k)]
    old = {i["name"]: i for i in before.get("items", [])}
    new = {i["name"]: i for i in after.get("items", [])}
    kept_order = [n for n in old if n in new], [n for n in new if n in old]
    if kept_order[0] != kept_order[1]:
        fields.append(FieldChange("item_order", kept_order[0], kept_order[1]))
    changed = [ItemChange(n, [FieldChange(k, old[n].get(k), new[n].get(k))
                              for k in sorted(old[n].keys() | new[n]) if old[n].get(k) != new[n].get(k)])
               for n in new if n in old and old[n] != new[n]]
    return EntryChange(after["resource_code"], after["name"], after["provider"]["name"], fields,
                       items_added=[i for n, i in new.items() if n not in old],
                       items_removed=[i for n, i in old.items() if n not in new],
                       items_changed=changed)


# --- deciding and publishing --------------------------------------------------------------

def decide_version(session: Session, actor: Actor, version_id: int, approve: bool,
                   reason: str = "", removal_approved: bool = False) -> Version:
    """The government approves or rejects a compiled version (GZ-8); a version that removes
    entries or items needs the removal itself approved explicitly (GZ-9, GD-14)."""
    policy.can_decide_version(actor)
    version = _version(session, version_id, lock=True)
    if version.status != VersionStatus.COMPILED:
        raise Conflict(f"版本状态为“{VersionStatus(version.status).label}”，不能再作审批决定",
                       code="version_not_compiled")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InvalidInput("不予批准须写明理由", field="reason", rule="required")
    if approve and version.removes_content and not removal_approved:
        raise InvalidInput("本版本删减了目录内容，批准时须明确确认批准删减（GZ-9）",
                           field="removal_approved", rule="removal_confirmation_required")
    version.status = (VersionStatus.APPROVED if approve else VersionStatus.REJECTED).value
    version.decided_by, version.decided_at, version.decision_note = actor.name, now(), reason
    version.removal_approved = bool(approve and version.removes_content and removal_approved)
    session.flush()
    event = VersionApproved(version_id=version.id, number=version.number, note=reason,
                            removes_content=version.removes_content,
                            removal_approved=version.removal_approved) if approve else \
        VersionRejected(version_id=version.id, number=version.number, reason=reason)
    evidence.record(session, event, actor)
    return version


def publish_version(session: Session, actor: Actor, version_id: int) -> Version:
    """Publish an approved version; the version in force until now is superseded (GZ-8)."""
    policy.can_compile_version(actor)
    version = _version(session, version_id, lock=True)
    if version.status != VersionStatus.APPROVED:
        raise Conflict(f"版本状态为“{VersionStatus(version.status).label}”，只有政府已批准的版本"
                       "可以发布", code="version_not_approved")
    if version.removes_content and not version.removal_approved:
        raise Conflict("本版本删减了目录内容，但删减未经政府明确批准，不能发布（GZ-9）",
                       code="removal_not_approved")
    previous = _published(session)
    if (previous.id if previous else None) != version.base_version_id:
        raise Conflict("本版本不是在现行版本基础上编制的，请重新编制", code="version_stale")
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED.value
    version.status, version.published_by = VersionStatus.PUBLISHED.value, actor.name
    version.published_at = now()
    session.flush()
    search.reindex_published(session, version.id)
    evidence.record(session, VersionPublished(
        version_id=version.id, number=version.number, entry_count=version.entry_count,
        superseded_version_id=previous.id if previous else None), actor)
    return version


# --- reading ------------------------------------------------------------------------------

def _version(session: Session, version_id: int, lock: bool = False) -> Version:
    stmt = select(Version).where(Version.id == version_id)
    version = session.scalar(stmt.with_for_update() if lock else stmt)
    if version is None:
        raise NotFound(f"共享目录版本 {version_id} 不存在")
    return version


def get_version(session: Session, actor: Actor, version_id: int) -> Version:
    """One version of the shared catalog."""
    policy.can_read_catalog(actor)
    return _version(session, version_id)


def version_by_number(session: Session, actor: Actor, number: int) -> Version:
    """A version by its number (第 N 版), as people name it."""
    policy.can_read_catalog(actor)
    version = session.scalar(select(Version).where(Version.number == number))
    if version is None:
        raise NotFound(f"共享目录第 {number} 版不存在")
    return version


def list_versions(session: Session, actor: Actor, page: PageRequest) -> Page[Version]:
    """Every version, newest first: each one stays retrievable (GZ-9)."""
    policy.can_read_catalog(actor)
    return paginate(session, select(Version).order_by(Version.number.desc()), page)


def published_as_of(session: Session, actor: Actor, day: date) -> Version:
    """The version in force on `day` (China time): the last one published by the end of it."""
    policy.can_read_catalog(actor)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA)
    version = session.scalar(select(Version).where(
        Version.status.in_(IN_FORCE), Version.published_at < end)
        .order_by(Version.published_at.desc()).limit(1))
    if version is None:
        raise NotFound(f"{day.year}年{day.month}月{day.day}日尚无已发布的共享目录")
    return version


def version_entries(session: Session, actor: Actor, version_id: int, page: PageRequest,
                    agency_id: int | None = None) -> Page[VersionEntry]:
    """The entries of a version as frozen, by resource code."""
    policy.can_read_catalog(actor)
    _version(session, version_id)
    stmt = (select(VersionEntry).where(VersionEntry.version_id == version_id)
            .order_by(VersionEntry.resource_code))
    if agency_id is not None:
        stmt = stmt.where(VersionEntry.agency_id == agency_id)
    return paginate(session, stmt, page)
