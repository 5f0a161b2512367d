"""Writes the demo city's exchange data through the ordinary services, as its agencies would:
each provider loads its hosted libraries through the ingest service (the batch path, with
progress) and uploads its file versions; the demo clerks ask for grants through the request
service and the provider decides. So a visitor can query right after `govshare demo`, and
everything is audited and checked like real use.

Licence and document records are sealed as they load (GZ-23); without a usable seal key (no
GOVSHARE_KEY_PASSPHRASE) those libraries are left empty and the result says why.

Safe to run again (`govshare seed` is idempotent): a library that holds records, a file
resource that has versions and a grant a clerk's agency already holds are left as they are."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.access import request_service
from govshare.access.models import Grant
from govshare.access.request_service import RequestDraft
from govshare.catalog.models import Entry
from govshare.catalog.terms import ShareMode
from govshare.demo import exchange_data
from govshare.demo.exchange_data import GrantPlan
from govshare.directory import account_service
from govshare.directory.models import Agency, User
from govshare.evidence.keystore import KeyStore, KeyUnavailable
from govshare.exchange import file_service, ingest_service
from govshare.exchange.endpoint_models import FileVersion
from govshare.exchange.models import Library, Record
from govshare.kit import clock
from govshare.kit.actor import Actor, Role

Progress = Callable[[str, int, int], None]  # what is done (加载/盖章 + resource), records so far, total
GRANT_DAYS = 365


@dataclass(frozen=True)
class Access:
    """What one demo login can obtain, with something to type on the page."""

    username: str
    resource: str
    resource_code: str
    kind: str  # "records" (查询核验) or "file" (共享文件)
    division_code: str | None  # the grant's division limit (GZ-21)
    example: str | None  # a subject within the grant's scope
    outside: str | None  # a subject of the library outside the grant's division


@dataclass(frozen=True)
class ExchangeSeedResult:
    loaded: dict[str, int]  # resource name → records this run loaded (0: held already)
    files: int  # file versions this run uploaded
    access: list[Access]
    # Licences and documents not loaded because their seal keys could not be used (GZ-23: never
    # stored unsealed), with why — on a platform without GOVSHARE_KEY_PASSPHRASE.
    unsealed: dict[str, str] = field(default_factory=dict)


def seed_exchange(session: Session, size: int = 0, progress: Progress | None = None,
                  keys: KeyStore | None = None) -> ExchangeSeedResult:
    """Hosted records, file versions and the demo clerks' grants; `size` scales the records.
    `keys` holds the providers' seal keys: licence and document records are sealed (GZ-23)."""
    sizes = exchange_data.sizes(size)
    city = exchange_data.City.of(sizes)
    entries = {e.name: e for e in session.scalars(select(Entry))}
    loaded, unsealed = {}, {}
    for name, (total, records) in exchange_data.records(city, sizes).items():
        try:
            with session.begin_nested():  # a refused load leaves not even its library row
                loaded[name] = _load(session, entries[name], records, total, progress, keys)
        except KeyUnavailable as exc:
            loaded[name], unsealed[name] = 0, exc.message
    uploaded = sum(_upload(session, entries[f.resource], f) for f in exchange_data.files(city))
    access = [_access(session, plan, entries[plan.resource], _grant(session, entries[plan.resource], plan))
              for plan in exchange_data.GRANTS]
    return ExchangeSeedResult(loaded, uploaded, access, unsealed)


def provider_actor(session: Session, agency_id: int, *roles: Role) -> Actor:
    """The provider agency acting on its own data (the demo has no login for most providers)."""
    agency = session.get(Agency, agency_id)
    return Actor(kind="system", id=None, name=f"演示数据（{agency.name}）", agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset(roles or (Role.AGENCY_STAFF,)))


def _load(session: Session, entry: Entry, records: Iterator[dict], total: int,
          progress: Progress | None, keys: KeyStore | None) -> int:
    if session.scalar(select(Library.id).join(Record, Record.library_id == Library.id)
                      .where(Library.resource_code == entry.resource_code).limit(1)) is not None:
        if progress:
            progress(f"加载{entry.name}", total, total)
        return 0
    result = ingest_service.load_records(
        session, provider_actor(session, entry.agency_id), entry.resource_code, _ndjson(records),
        "ndjson", produced_at=clock.now() - timedelta(minutes=5),
        progress=(lambda done, n: progress(f"加载{entry.name}", done, n)) if progress else None, keys=keys,
        seal_progress=(lambda done, n: progress(f"盖章{entry.name}", done, n)) if progress else None)
    return result.records


def _ndjson(records: Iterable[dict]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")


def _upload(session: Session, entry: Entry, demo_file: exchange_data.DemoFile) -> int:
    held = session.scalar(select(FileVersion.id).where(
        FileVersion.resource_code == entry.resource_code, FileVersion.filename == demo_file.filename))
    if held is not None:
        return 0
    file_service.upload(session, provider_actor(session, entry.agency_id), entry.resource_code,
                        demo_file.filename, demo_file.content, demo_file.media_type, demo_file.note)
    return 1


def _user_actor(session: Session, username: str) -> Actor:
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


def _grant(session: Session, entry: Entry, plan: GrantPlan) -> Grant | None:
    """The clerk's agency's grant in force for the resource: requested (and decided) if none."""
    clerk = _user_actor(session, plan.username)
    held = _held(session, clerk.agency_id, entry.resource_code)
    if held is not None:
        return held
    today = clock.today()
    request = request_service.submit_request(session, clerk, RequestDraft(
        items=plan.items, duty=plan.duty, purpose=plan.purpose, legal_basis=plan.legal_basis,
        valid_from=today, valid_until=today + timedelta(days=GRANT_DAYS - 1),
        resource_code=entry.resource_code), today=today)
    if request.status == "submitted":  # conditional: the provider decides (GD-21)
        decider = (_user_actor(session, plan.decider) if plan.decider
                   else provider_actor(session, entry.agency_id, Role.AGENCY_ADMIN))
        request_service.act_on_request(session, decider, request.id, "grant", {}, today=today)
    return _held(session, clerk.agency_id, entry.resource_code)


def _held(session: Session, agency_id: int, resource_code: str) -> Grant | None:
    return session.scalar(select(Grant).where(
        Grant.grantee_agency_id == agency_id, Grant.resource_code == resource_code,
        Grant.status == "active").order_by(Grant.id.desc()).limit(1))


def _access(session: Session, plan: GrantPlan, entry: Entry, grant: Grant | None) -> Access:
    division = grant.division_code if grant else None
    kind = "file" if entry.share_mode == ShareMode.PLATFORM_FILE else "records"
    library = session.scalar(select(Library.id).where(Library.resource_code == entry.resource_code))
    if library is None:
        return Access(plan.username, plan.resource, entry.resource_code, kind, division, None, None)
    inside = select(Record.subject).where(Record.library_id == library).order_by(Record.id).limit(1)
    outside = None
    if division is not None:
        outside = session.scalar(inside.where(Record.division_code != division))
        inside = inside.where(Record.division_code == division)
    return Access(plan.username, plan.resource, entry.resource_code, kind, division,
                  session.scalar(inside), outside)
