from __future__ import annotations

from dataclasses import dataclass

from govshare.evidence.events import Event


@dataclass(frozen=True)
class DivisionsLoaded(Event):
    count: int


@dataclass(frozen=True)
class AgencyRegistered(Event):
    agency_id: int
    name: str
    credit_code: str
    level: str
    division_code: str
    platform_division_code: str


@dataclass(frozen=True)
class ResponsiblePersonAppointed(Event):
    agency_id: int
    name: str
    position: str
    phone: str


@dataclass(frozen=True)
class UserCreated(Event):
    user_id: int
    username: str
    agency_id: int
    roles: tuple[str, ...]


@dataclass(frozen=True)
class UserRolesChanged(Event):
    user_id: int
    agency_id: int
    roles: tuple[str, ...]


@dataclass(frozen=True)
class UserDeactivated(Event):
    user_id: int
    agency_id: int


@dataclass(frozen=True)
class PasswordChanged(Event):
    user_id: int
    agency_id: int


@dataclass(frozen=True)
class UserSignedIn(Event):
    user_id: int
    agency_id: int


@dataclass(frozen=True)
class SignInFailed(Event):
    username: str


@dataclass(frozen=True)
class ApiClientIssued(Event):
    client_id: int
    agency_id: int
    name: str
    roles: tuple[str, ...]
    token_prefix: str


@dataclass(frozen=True)
class ApiClientRevoked(Event):
    client_id: int
    agency_id: int
    reason: str
