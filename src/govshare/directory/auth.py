"""Who is calling: an API client by its bearer token, or a signed-in user by the session cookie
(GD-31: identity authentication). Installed into the application as `resolve_actor`."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from govshare.directory import account_service
from govshare.directory.models import User
from govshare.kit.actor import Actor
from govshare.kit.errors import Forbidden

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def resolve_actor(request: Request, session: Session) -> Actor | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        client = account_service.client_for_token(session, header[7:].strip())
        return account_service.actor_for_client(client)
    user = signed_in_user(request, session)
    if user is None:
        return None
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        # A browser session calling the API must prove it is our page, not another site's.
        check_csrf(request, request.headers.get("x-csrf-token", ""))
    return account_service.actor_for_user(user)


def signed_in_user(request: Request, session: Session) -> User | None:
    data = request.session
    if "user_id" not in data:
        return None
    return account_service.user_for_session(session, data["user_id"], data.get("v", 0))


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update({"user_id": user.id, "v": user.session_version,
                            "csrf": secrets.token_urlsafe(24)})


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return request.session["csrf"]


def check_csrf(request: Request, presented: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(expected, presented or ""):
        raise Forbidden("页面已过期或请求来源不可信（CSRF 校验失败），请刷新后重试",
                        code="csrf_failed")
