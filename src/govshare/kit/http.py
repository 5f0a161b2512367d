"""HTTP plumbing shared by every domain's API and pages, with no domain knowledge.

- `TransactionalRoute`: the request owns the transaction. The session is committed after the
  endpoint returns and before the response leaves; any error rolls everything back, so a failed
  request writes nothing.
- Problem details (RFC 9457) for every error, with a stable `code`.
- `current_actor`: resolved by the function the application installs (directory's), so that
  lower domains need not import the directory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from govshare.kit.actor import Actor
from govshare.kit.errors import DomainError, InvalidInput, Unauthenticated
from govshare.kit.pages import render
from govshare.kit.validation import chinese_message

log = logging.getLogger("govshare.http")


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            # Safe methods read; on SQLite they begin DEFERRED and never queue behind a writer.
            factory = (request.app.state.read_sessionmaker if request.method in ("GET", "HEAD")
                       else request.app.state.sessionmaker)
            session: Session = factory()
            request.state.db = session
            try:
                response = await handler(request)
                if response.status_code < 400:
                    await run_in_threadpool(session.commit)
                else:
                    await run_in_threadpool(_roll_back, session)
                return response
            except BaseException:
                await run_in_threadpool(_roll_back, session)
                raise
            finally:
                await run_in_threadpool(session.close)

        return run


# A write that must outlast the request's failure: a refused sign-in answers 401, so the
# request rolls back, yet the attempt is evidence (GD-31). The service writes it as usual (a
# caller that commits keeps it) and also registers it here; after a rollback, TransactionalRoute
# writes it again in a transaction of its own. Only these writes survive, nothing else.
KEEP_ON_FAILURE = "govshare.keep_on_failure"


def keep_on_failure(session: Session, write: Callable[[Session], Any]) -> None:
    """Have `write(session)` committed on its own should the request roll back."""
    session.info.setdefault(KEEP_ON_FAILURE, []).append(write)


def _roll_back(session: Session) -> None:
    session.rollback()
    kept = session.info.pop(KEEP_ON_FAILURE, [])
    if not kept:
        return
    try:
        for write in kept:
            write(session)
        session.commit()
    except Exception:  # noqa: BLE001 - the request's own error is the one to report
        session.rollback()
        log.exception("could not keep %d write(s) of a failed request", len(kept))


def get_session(request: Request) -> Session:
    return request.state.db


def current_actor(request: Request, session: Annotated[Session, Depends(get_session)]) -> Actor:
    actor = request.app.state.resolve_actor(request, session)
    if actor is None:
        raise Unauthenticated("需要登录或提供有效的接口令牌", code="unauthenticated")
    return actor


DbSession = Annotated[Session, Depends(get_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:govshare:problem:{code}", "title": title, "status": status,
            "detail": detail, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
                        headers=headers)


TITLES = {400: "请求有误", 401: "未认证", 403: "无权操作", 404: "未找到", 409: "冲突",
          422: "输入不符合规则", 503: "服务暂不可用"}


def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    return problem(exc.status, exc.code, TITLES.get(exc.status, "错误"), exc.message,
                   field=exc.field, rule=exc.rule)


REQUEST_PARTS = {"body", "query", "path", "header", "cookie"}


def _field_name(loc) -> str:
    """`("query", "start")` → `start`: callers name fields, not where FastAPI found them."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in REQUEST_PARTS:
        parts = parts[1:]
    return ".".join(parts)


def validation_errors(exc: RequestValidationError) -> list[dict]:
    """Each error Pydantic found, as field, rule (Pydantic's type) and a Chinese message."""
    found = []
    for e in exc.errors():
        field = _field_name(e["loc"])
        found.append({"field": field, "rule": e["type"], "message": chinese_message(e, field)})
    return found


def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    """Problem details for programs; for people in the console, the same sentence on a page."""
    errors = validation_errors(exc) or [{"field": None, "rule": None, "message": "输入不符合规则"}]
    first = errors[0]
    detail = first["message"] + (f"（另有 {len(errors) - 1} 处不符合规则）" if len(errors) > 1 else "")
    if not request.url.path.startswith("/api/") and hasattr(request.app.state, "templates"):
        error = InvalidInput(detail, field=first["field"], rule=first["rule"])
        return render(request, "error.html", status_code=422, error=error)
    return problem(422, "invalid_input", TITLES[422], detail,
                   field=first["field"], rule=first["rule"], errors=errors)


def http_error_handler(request: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, TITLES.get(exc.status_code, "错误"), str(exc.detail))


def database_error_handler(request: Request, exc: DBAPIError) -> JSONResponse:
    log.error("database unavailable: %s", exc)
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        return problem(503, "database_unavailable", TITLES[503],
                       "数据库暂时无法访问，本次请求未写入任何数据，请稍后重试")
    if isinstance(exc, IntegrityError):
        # Two requests raced past the service's own check; the database's constraint decided.
        return problem(409, "conflict", TITLES[409],
                       "与刚刚写入的另一条记录冲突，本次请求未写入任何数据，请刷新后重试")
    return problem(500, "database_error", "内部错误", "数据库操作失败，本次请求未写入任何数据")


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """A bug: API callers still get problem details (the server logs the traceback)."""
    if not request.url.path.startswith("/api/"):
        return PlainTextResponse("服务器内部错误 Internal Server Error", status_code=500)
    return problem(500, "internal_error", "内部错误",
                   "服务器内部错误，本次请求未写入任何数据；请稍后重试或联系平台管理员")


def install_problem_handlers(app) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(DBAPIError, database_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)


def page_actor(request: Request, session: Annotated[Session, Depends(get_session)]) -> Actor:
    """For console pages: the signed-in actor, kept on the request for the layout."""
    actor = current_actor(request, session)
    request.state.actor = actor
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


async def csrf_form(request: Request) -> dict:
    """The posted form, after checking its CSRF token against the session's."""
    form = await request.form()
    request.app.state.check_csrf(request, str(form.get("csrf_token", "")))
    return dict(form)


CheckedForm = Annotated[dict, Depends(csrf_form)]
