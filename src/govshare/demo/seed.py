"""Writes the demo city through the ordinary service functions, so the demo is audited like
real use and exercises the same rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.demo import generator
from govshare.directory import account_service, service
from govshare.directory.models import Agency, User
from govshare.kit.actor import SYSTEM, Actor


@dataclass(frozen=True)
class SeedResult:
    agencies: dict[str, int]  # demo key -> agency id
    users: list[generator.DemoUser]
    clerks: int


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
    return SeedResult(ids, generator.users(), size)


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
