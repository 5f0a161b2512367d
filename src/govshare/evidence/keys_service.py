"""Signing keys as the platform manages and publishes them (GZ-23, GZ-24): the platform's key
(tree heads, checkpoints) and one seal key per agency. Created and rotated by the city IT
authority, every change audited; every version ever used published with its validity, so
evidence signed years ago still verifies.

Evidence may not ask the directory about agencies (it sits below it); the audit chain itself
names every agency with its registration event, which is where agency names and credit codes
are read from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.evidence import chain, policy, signing
from govshare.evidence.events import SigningKeyCreated, SigningKeyRotated
from govshare.evidence.keystore import PLATFORM, KeyStore, PublicKey, agency_key_name
from govshare.evidence.models import AuditEvent
from govshare.kit.actor import Actor
from govshare.kit.errors import NotFound
from govshare.kit.system import system_use

AGENCY_REGISTERED = "AgencyRegistered"


@dataclass(frozen=True)
class Agency:
    id: int
    name: str
    credit_code: str


@dataclass(frozen=True)
class PublishedKey:
    """A key version with its owner: the platform, or an agency (its seal)."""

    key: PublicKey
    owner: str  # "platform" or "agency"
    agency_id: int | None
    agency_name: str | None

    @property
    def owner_label(self) -> str:
        if self.owner == PLATFORM:
            return "平台（树头与审计链检查点）"
        return f"{self.agency_name or f'机关 {self.agency_id}'}（电子印章）"

    def to_dict(self) -> dict:
        key = self.key
        return {"key_id": key.key_id, "name": key.name, "owner": self.owner, "agency_id": self.agency_id,
                "agency_name": self.agency_name, "algorithm": key.algorithm,
                "public_key_pem": key.public_key_pem, "valid_from": key.valid_from.isoformat(),
                "valid_until": key.valid_until.isoformat() if key.valid_until else None,
                "current": key.current}


def _owner(name: str) -> tuple[str, int | None]:
    if name == PLATFORM:
        return PLATFORM, None
    prefix = agency_key_name(0)[:-1]
    if name.startswith(prefix) and name[len(prefix):].isdigit():
        return "agency", int(name[len(prefix):])
    return name, None


def _agencies(session: Session) -> dict[int, Agency]:
    payloads = session.scalars(select(AuditEvent.payload)
                               .where(AuditEvent.event_type == AGENCY_REGISTERED).order_by(AuditEvent.seq))
    found = {}
    for payload in payloads:
        body = json.loads(payload)
        found[body["agency_id"]] = Agency(body["agency_id"], body.get("name", ""),
                                          body.get("credit_code", ""))
    return found


@system_use("public keys are published to everyone: whoever holds evidence needs them to verify it")
def published_keys(session: Session, keys: KeyStore) -> list[PublishedKey]:
    """Every version of every key, the platform's first, then the agencies' by id."""
    agencies = _agencies(session)
    result = []
    for version in keys.public_keys():
        owner, agency_id = _owner(version.name)
        agency = agencies.get(agency_id) if agency_id is not None else None
        result.append(PublishedKey(version, owner, agency_id, agency.name if agency else None))
    result.sort(key=lambda k: (k.owner != PLATFORM, k.agency_id or 0, k.key.valid_from))
    return result


def find_agency(session: Session, actor: Actor, text: str) -> Agency:
    """The registered agency with this id or unified social credit code."""
    policy.can_manage_keys(actor)
    wanted = text.strip().upper()
    for agency in _agencies(session).values():
        if wanted in (str(agency.id), agency.credit_code.upper()):
            return agency
    raise NotFound(f"没有编号或统一社会信用代码为“{text}”的机关。", field="agency", rule="agency_exists")


def create_key(session: Session, actor: Actor, keys: KeyStore, agency: Agency | None,
               algorithm: str) -> PublicKey:
    """Create the platform key (agency None) or an agency's seal key; refused if it exists."""
    policy.can_manage_keys(actor)
    name = PLATFORM if agency is None else agency_key_name(agency.id)
    version = keys.create(name, signing.check_algorithm(algorithm))
    chain.record(session, SigningKeyCreated(agency.id if agency else None, name, version.key_id,
                                            version.algorithm), actor)
    return version


def ensure_platform_key(session: Session, actor: Actor, keys: KeyStore,
                        algorithm: str) -> tuple[PublicKey, bool]:
    """The platform's current key, created first if there is none (`govshare init`)."""
    policy.can_manage_keys(actor)
    if PLATFORM in keys.names():
        return keys.current(PLATFORM), False
    return create_key(session, actor, keys, None, algorithm), True


def rotate_key(session: Session, actor: Actor, keys: KeyStore, agency: Agency | None,
               algorithm: str | None = None) -> PublicKey:
    """A new current key; the old one stays published, valid until now, its private key gone."""
    policy.can_manage_keys(actor)
    name = PLATFORM if agency is None else agency_key_name(agency.id)
    old = keys.current(name)
    version = keys.rotate(name, signing.check_algorithm(algorithm) if algorithm else None)
    chain.record(session, SigningKeyRotated(agency.id if agency else None, name, old.key_id,
                                            version.key_id, version.algorithm), actor)
    return version
