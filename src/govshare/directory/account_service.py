"""Users, roles, passwords and API clients (GD-31: identity authentication, authorisation)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.directory import policy, scope
from govshare.directory.events import (
    ApiClientIssued,
    ApiClientRevoked,
    PasswordChanged,
    SignInFailed,
    UserCreated,
    UserDeactivated,
    UserSignedIn,
)
from govshare.directory.models import Agency, ApiClient, User, UserRole
from govshare.kit.actor import SYSTEM, Actor, Role
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from govshare.kit.http import keep_on_failure
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("govshare-timing-equaliser")
MIN_PASSWORD = 10
TOKEN_PREFIX = "gs"


@system_use("builds the actor that policies are then asked about")
def actor_for_user(user: User) -> Actor:
    return Actor(kind="user", id=user.id, name=user.display_name, agency_id=user.agency_id,
                 agency_level=user.agency.level, division_code=user.agency.division_code,
                 roles=frozenset(Role(r) for r in user.roles))


@system_use("builds the actor that policies are then asked about")
def actor_for_client(client: ApiClient) -> Actor:
    return Actor(kind="api_client", id=client.id, name=client.name, agency_id=client.agency_id,
                 agency_level=client.agency.level, division_code=client.agency.division_code,
                 roles=frozenset(Role(r) for r in client.role_list))


def _parse_roles(values: list[str] | set[str]) -> set[Role]:
    try:
        roles = {Role(v) for v in values}
    except ValueError:
        allowed = "、".join(r.value for r in Role)
        raise InvalidInput(f"未知角色；可选：{allowed}", field="roles", rule="one_of") from None
    if not roles:
        raise InvalidInput("至少需要一个角色", field="roles", rule="required")
    return roles


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", field="password", rule="min_length")


def _check_length(value: str, limit: int, field: str, label: str) -> None:
    # The column's width, checked before PostgreSQL refuses the value with an error (a 500)
    # and SQLite silently stores it: both engines must answer the same 422.
    if len(value) > limit:
        raise InvalidInput(f"{label}最多 {limit} 个字符", field=field, rule="max_length")


@dataclass(frozen=True)
class UserDraft:
    username: str
    display_name: str
    password: str
    agency_id: int
    roles: tuple[str, ...]


def create_user(session: Session, actor: Actor, draft: UserDraft) -> User:
    """Create a user of an agency with the given roles."""
    agency = _agency(session, draft.agency_id)
    roles = _parse_roles(set(draft.roles))
    policy.can_grant_roles(actor, agency, roles)
    if Role.IT_AUTHORITY in roles and not agency.is_it_authority:
        raise InvalidInput("“信息化主管部门”角色只能授予信息化主管部门的用户", field="roles",
                           rule="it_authority_agency")
    username = (draft.username or "").strip().lower()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise InvalidInput("用户名只能包含字母、数字、点和下划线", field="username", rule="format")
    _check_length(username, 64, "username", "用户名")
    _check_length(draft.display_name.strip(), 64, "display_name", "姓名")
    _check_password(draft.password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名“{username}”已被使用", field="username", code="user_exists")
    user = User(username=username, display_name=draft.display_name.strip() or username,
                password_hash=_hasher.hash(draft.password), agency_id=agency.id,
                role_rows=[UserRole(role=r.value) for r in sorted(roles)])
    session.add(user)
    session.flush()
    evidence.record(session, UserCreated(user_id=user.id, username=username, agency_id=agency.id,
                                         roles=tuple(sorted(r.value for r in roles))), actor)
    return user


def _agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise InvalidInput(f"机关 {agency_id} 不存在", field="agency_id", rule="exists")
    return agency


def list_users(session: Session, actor: Actor, page: PageRequest,
               agency_id: int | None = None) -> Page[User]:
    """Users of the agencies the actor administers."""
    if agency_id is not None:
        policy.can_manage_users(actor, _agency(session, agency_id))
    stmt = scope.restrict_to_governed(select(User).join(User.agency), actor).order_by(User.id)
    if agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    return paginate(session, stmt, page)


@dataclass(frozen=True)
class UserAdministration:
    agencies: list[Agency]  # where the actor may create users
    roles: list[Role]  # the roles it may grant there


def user_administration(session: Session, actor: Actor) -> UserAdministration:
    """What the actor may do on the users page; someone who administers no agency is refused."""
    policy.can_administer_users(actor)
    stmt = scope.restrict_to_governed(select(Agency), actor).order_by(
        Agency.level.desc(), Agency.division_code, Agency.id)
    return UserAdministration(list(session.scalars(stmt)), policy.grantable_roles(actor))


def deactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    """Stop a user from signing in; open sessions end."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    policy.can_manage_users(actor, user.agency)
    user.active = False
    user.session_version += 1
    session.flush()
    evidence.record(session, UserDeactivated(user_id=user.id, agency_id=user.agency_id), actor)
    return user


def change_password(session: Session, actor: Actor, user_id: int, old: str, new: str) -> User:
    """A user changes their own password; other sessions of the user end."""
    policy.can_change_own_password(actor, user_id)
    user = session.get(User, user_id)
    if user is None or not _verify(user.password_hash, old):
        raise InvalidInput("原密码不正确", field="old_password", rule="matches")
    _check_password(new)
    user.password_hash = _hasher.hash(new)
    user.session_version += 1
    session.flush()
    evidence.record(session, PasswordChanged(user_id=user.id, agency_id=user.agency_id), actor)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@system_use("sign-in happens before there is an actor")
def authenticate(session: Session, username: str, password: str) -> User | None:
    """Check a username and password. A failure returns None and is audited (the caller keeps
    the transaction, so the record stays); the caller never says which half was wrong."""
    user = session.scalars(select(User).where(
        User.username == (username or "").strip().lower())).first()
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password or "")
    if not ok or user is None or not user.active or not user.agency.active:
        failed = SignInFailed(username=(username or "")[:64])
        evidence.record(session, failed, SYSTEM)
        # The sign-in page answers 401 and so rolls back; the attempt must stay on record.
        keep_on_failure(session, lambda s: evidence.record(s, failed, SYSTEM))
        return None
    user.last_login_at = now()
    evidence.record(session, UserSignedIn(user_id=user.id, agency_id=user.agency_id),
                    actor_for_user(user))
    return user


@system_use("resolving the signed-in user of a web session")
def user_for_session(session: Session, user_id: int, version: int) -> User | None:
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    token: str  # shown once; only its hash is stored


def issue_api_client(session: Session, actor: Actor, agency_id: int, name: str,
                     roles: tuple[str, ...] = ("agency_staff",),
                     expires_at: datetime | None = None) -> IssuedClient:
    """Issue a token for a system of an agency; the token is returned once."""
    agency = _agency(session, agency_id)
    policy.can_issue_api_client(actor, agency)
    parsed = _parse_roles(set(roles))
    policy.can_grant_roles(actor, agency, parsed)
    if not (name or "").strip():
        raise InvalidInput("客户端名称不能为空", field="name", rule="required")
    _check_length(name.strip(), 64, "name", "客户端名称")
    if expires_at is not None and expires_at <= now():
        raise InvalidInput("有效期已过", field="expires_at", rule="in_future")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    client = ApiClient(agency_id=agency.id, name=name.strip(), token_prefix=prefix,
                       token_hash=_token_hash(secret), roles=",".join(sorted(parsed)),
                       created_by_id=actor.id if actor.kind == "user" else None,
                       expires_at=expires_at)
    session.add(client)
    session.flush()
    evidence.record(session, ApiClientIssued(
        client_id=client.id, agency_id=agency.id, name=client.name,
        roles=tuple(client.role_list), token_prefix=prefix), actor)
    return IssuedClient(client, f"{TOKEN_PREFIX}_{prefix}_{secret}")


def list_api_clients(session: Session, actor: Actor, agency_id: int) -> list[ApiClient]:
    """The API clients of one agency."""
    policy.can_view_api_clients(actor, _agency(session, agency_id))
    return list(session.scalars(
        select(ApiClient).where(ApiClient.agency_id == agency_id).order_by(ApiClient.id)))


def revoke_api_client(session: Session, actor: Actor, client_id: int, reason: str) -> ApiClient:
    """Revoke a client's token at once."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"接口客户端 {client_id} 不存在")
    policy.can_issue_api_client(actor, client.agency)
    if client.revoked_at is not None:
        raise Conflict("该客户端已被吊销", code="already_revoked")
    if not (reason or "").strip():
        raise InvalidInput("吊销须说明理由", field="reason", rule="required")
    _check_length(reason.strip(), 255, "reason", "吊销理由")
    client.revoked_at, client.revoked_reason = now(), reason.strip()
    session.flush()
    evidence.record(session, ApiClientRevoked(client_id=client.id, agency_id=client.agency_id,
                                              reason=client.revoked_reason), actor)
    return client


@system_use("authenticating an API call happens before there is an actor")
def client_for_token(session: Session, token: str) -> ApiClient:
    """The active client a bearer token belongs to; revoked, expired or unknown → 401."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise Unauthenticated("令牌格式无效", code="bad_token")
    client = session.scalars(select(ApiClient).where(ApiClient.token_prefix == parts[1])).first()
    if client is None or not hmac.compare_digest(client.token_hash, _token_hash(parts[2])):
        raise Unauthenticated("令牌无效", code="bad_token")
    if client.revoked_at is not None:
        raise Unauthenticated("令牌已被吊销", code="token_revoked")
    if client.expires_at is not None and client.expires_at <= now():
        raise Unauthenticated("令牌已过期", code="token_expired")
    _note_use(client)
    return client


LAST_USED_GRANULARITY = timedelta(minutes=5)


def _note_use(client: ApiClient) -> None:
    """Operators see when a token was last used (to retire idle ones); recorded at most every
    five minutes, so a busy client does not turn every read into a write."""
    moment = now()
    if client.last_used_at is None or moment - client.last_used_at >= LAST_USED_GRANULARITY:
        client.last_used_at = moment
