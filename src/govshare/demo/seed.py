"""Writes the demo city through the ordinary service functions, so the demo is audited like
real use and exercises the same rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog import base_service, entry_service, version_service
from govshare.catalog.models import Entry, Version
from govshare.demo import catalog_data, generator
from govshare.directory import account_service, service
from govshare.directory.models import Agency, User
from govshare.kit.actor import SYSTEM, Actor, Role


@dataclass(frozen=True)
class SeedResult:
    agencies: dict[str, int]  # demo key -> agency id
    users: list[generator.DemoUser]
    clerks: int
    entries: dict[str, int]  # entry name -> id


def seed(session: Session, size: int = 0, actor: Actor = SYSTEM,
         progress: Callable[[int], None] | None = None) -> SeedResult:
    """The directory of the demo city, its users of every role, and `size` extra clerks."""
    service.load_divisions(session, actor)
    ids = _agencies(session, actor)
    for u in generator.users():
        _user(session, actor, u.username, u.display_name, ids[u.agency_key], u.roles)
    keys = sorted(k for k in ids if not k.startswith("it"))
    for i in range(size):
        key = keys[i % len(keys)]
        _user(session, actor, f"clerk{i + 1:05d}", f"办事员{i + 1}", ids[key], ("agency_staff",))
        if progress:
            progress(1)
    entries = _catalog(session, ids)
    return SeedResult(ids, generator.users(), size, entries)


def _agencies(session: Session, actor: Actor) -> dict[str, int]:
    ids: dict[str, int] = {}
    existing = {a.name: a.id for a in session.scalars(select(Agency))}
    for a in generator.agencies():
        if a.name in existing:
            ids[a.key] = existing[a.name]
            continue
        draft = service.AgencyDraft(
            name=a.name, credit_code=a.credit_code, level=a.level, division_code=a.division_code,
            responsible_name=a.responsible, responsible_position="共享工作负责人",
            parent_id=ids.get(a.parent_key) if a.parent_key else None,
            is_it_authority=a.is_it_authority)
        ids[a.key] = service.register_agency(session, actor, draft).id
    return ids


def _user(session: Session, actor: Actor, username: str, name: str, agency_id: int,
          roles: tuple[str, ...]) -> None:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        return
    account_service.create_user(session, actor, account_service.UserDraft(
        username=username, display_name=name, password=generator.DEMO_PASSWORD,
        agency_id=agency_id, roles=roles))


def _agency_actor(session: Session, agency_id: int, *roles: Role) -> Actor:
    agency = session.get(Agency, agency_id)
    return Actor(kind="system", id=None, name=f"演示数据（{agency.name}）", agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset(roles))


def _catalog(session: Session, ids: dict[str, int]) -> dict[str, int]:
    """The base-information catalog and one filed entry per demo resource (GZ-7, GZ-11, GZ-14)."""
    if session.scalar(select(Entry.id).limit(1)) is not None:
        return {e.name: e.id for e in session.scalars(select(Entry))}
    city_it = _agency_actor(session, ids["it"], Role.IT_AUTHORITY)
    for code, name, group, owner in catalog_data.BASE_ITEMS:
        base_service.define_base_item(session, city_it, code, name, group, ids[owner])
    filed = {}
    for owner, draft in catalog_data.ENTRIES:
        staff = _agency_actor(session, ids[owner], Role.AGENCY_STAFF, Role.AGENCY_ADMIN)
        entry = entry_service.draft_entry(session, staff, ids[owner], draft)
        entry_service.record_review(session, staff, entry.id, "passed", "不含国家秘密")
        entry_service.submit_entry(session, staff, entry.id)
        entry_service.file_entry(session, city_it, entry.id)
        filed[entry.name] = entry.id
    _first_shared_catalog(session, ids, city_it)
    return filed


def _first_shared_catalog(session: Session, ids: dict[str, int], city_it: Actor) -> None:
    """Version 1 of the shared catalog, compiled, approved by the government and published, so the
    demo starts with a catalog in force (GZ-8). Skipped when any version exists already."""
    if session.scalar(select(Version.id).limit(1)) is not None:
        return
    version = version_service.compile_version(session, city_it)
    government = _agency_actor(session, ids["gov"], Role.GOVERNMENT)
    version_service.decide_version(session, government, version.id, approve=True,
                                   reason="同意发布第一版政府信息共享目录")
    version_service.publish_version(session, city_it, version.id)
