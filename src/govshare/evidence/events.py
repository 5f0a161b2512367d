"""The base of every audited event: a frozen dataclass named in the past tense."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any


@dataclasses.dataclass(frozen=True)
class Event:
    """Subclass per state change (`AgencyRegistered`, `GrantIssued`); fields become the payload."""

    @property
    def event_type(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def concerned_agency(self) -> int | None:
        """Events about one agency carry an `agency_id` field; auditors search by it."""
        return getattr(self, "agency_id", None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        # RFC 8785 numbers are IEEE doubles; keep decimals exact as strings.
        return repr(value)
    return value


@dataclasses.dataclass(frozen=True)
class SigningKeyCreated(Event):
    """The platform's signing key (agency_id None) or an agency's seal key was created."""

    agency_id: int | None
    key_name: str
    key_id: str
    algorithm: str


@dataclasses.dataclass(frozen=True)
class SigningKeyRotated(Event):
    """A new key became current; the old one's validity ended and its private key was deleted."""

    agency_id: int | None
    key_name: str
    old_key_id: str
    key_id: str
    algorithm: str
