"""The web application: API under /api/v1, console pages, /healthz and /metrics."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from govshare import __version__
from govshare.access import api as access_api
from govshare.access import api_agreements, api_notices, web_agreements, web_notices
from govshare.access import web as access_web
from govshare.catalog import (
    api_entries,
    api_io,
    api_search,
    api_versions,
    web_entries,
    web_io,
    web_search,
    web_versions,
)
from govshare.config import Settings, get_settings
from govshare.db import make_engine, make_sessionmaker, reading
from govshare.directory import api as directory_api
from govshare.directory import auth
from govshare.directory import web as directory_web
from govshare.evidence import api as evidence_api
from govshare.evidence import web as evidence_web
from govshare.exchange import api as exchange_api
from govshare.exchange import api_archive as exchange_archive_api
from govshare.exchange import api_endpoints, api_files, api_query, web_endpoints, web_files, web_query
from govshare.exchange import api_feed as exchange_feed_api
from govshare.exchange import web as exchange_web
from govshare.exchange import web_archive as exchange_archive_web
from govshare.exchange import web_feed as exchange_feed_web
from govshare.kit import serving
from govshare.kit.errors import DomainError, Unauthenticated
from govshare.kit.http import domain_error_handler, http_error_handler, install_problem_handlers
from govshare.kit.pages import make_templates, render
from govshare.workdays import api as workdays_api
from govshare.workdays import web as workdays_web

STATIC = Path(__file__).parent / "static"
API_ROUTERS = [api_query.router, directory_api.router, workdays_api.router, evidence_api.router,
               api_entries.router, api_versions.router, api_search.router, api_io.router,
               access_api.router, api_agreements.router, api_notices.router, exchange_api.router,
               api_endpoints.router, api_files.router]
WEB_ROUTERS = [directory_web.router, workdays_web.router, evidence_web.router,
               web_entries.router, web_versions.router, web_search.router, web_io.router,
               access_web.router, web_agreements.router, web_notices.router, exchange_web.router,
               web_query.router, web_endpoints.router, web_files.router]
API_ROUTERS.append(exchange_archive_api.router); WEB_ROUTERS.append(exchange_archive_web.router)  # noqa: E702
API_ROUTERS.append(exchange_feed_api.router); WEB_ROUTERS.append(exchange_feed_web.router)  # noqa: E702


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # docs_url=None: FastAPI's own /docs loads Swagger UI from a CDN; the platform runs on a
    # closed network, so /docs is served from the swagger-ui-bundle package instead.
    app = FastAPI(title="govshare 政务信息资源共享平台 API", version=__version__,
                  description="广州市政务信息资源共享平台的接口。错误以 RFC 9457 problem details 返回，"
                              "含稳定的 `code` 字段。", docs_url=None, redoc_url=None)
    engine = make_engine(settings.effective_database_url,
                         sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.read_sessionmaker = make_sessionmaker(reading(engine))
    app.state.templates = make_templates()
    app.state.resolve_actor = auth.resolve_actor
    app.state.csrf_token = auth.csrf_token
    app.state.check_csrf = auth.check_csrf
    install_problem_handlers(app)
    app.add_exception_handler(DomainError, _error_for_people)
    app.add_exception_handler(StarletteHTTPException, _http_error_for_people)
    _install_metrics(app)
    app.add_middleware(SessionMiddleware, secret_key=settings.effective_secret_key,
                       session_cookie="govshare_session", max_age=settings.session_max_age_seconds,
                       same_site="lax", https_only=settings.cookie_secure)
    for router in API_ROUTERS + WEB_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/healthz", _healthz, methods=["GET"], tags=["ops"])
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
              name="docs-assets")
    app.add_api_route("/docs", _docs, methods=["GET"], include_in_schema=False)
    return app


def _error_for_people(request: Request, exc: DomainError) -> Response:
    """API callers get problem details; people in the console get a page in Chinese."""
    if request.url.path.startswith("/api/"):
        return domain_error_handler(request, exc)
    if isinstance(exc, Unauthenticated):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", status_code=exc.status, error=exc)


def _http_error_for_people(request: Request, exc: StarletteHTTPException) -> Response:
    """Unknown addresses and wrong methods: problem details for the API, a page for people."""
    if request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/metrics"):
        return http_error_handler(request, exc)
    message = {404: "页面不存在，请检查地址或从导航进入", 405: "不支持该操作方式"}.get(
        exc.status_code, str(exc.detail))
    error = DomainError(message)
    error.status = exc.status_code
    return render(request, "error.html", status_code=exc.status_code, error=error)


def _docs(request: Request) -> Response:
    return get_swagger_ui_html(openapi_url=request.app.openapi_url,
                               title=f"{request.app.title} — 接口文档",
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/docs-assets/favicon-32x32.png")


def _healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability."""
    try:
        # A raw DBAPI connection: no BEGIN (IMMEDIATE on SQLite), so a busy writer does not
        # make a healthy database look down.
        conn = request.app.state.engine.raw_connection()
        try:
            conn.cursor().execute("SELECT 1")
        finally:
            conn.close()
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up", "version": __version__})


def _install_metrics(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("govshare_http_requests_total", "HTTP requests",
                       ["method", "route", "status"], registry=registry)
    latency = Histogram("govshare_http_request_seconds", "HTTP request latency",
                        ["method", "route"], registry=registry)

    app.add_middleware(serving.RequestMetrics, requests=requests, latency=latency)  # plain ASGI: cheap
    app.router.on_startup.append(serving.freeze_after_startup)  # the built app out of the GC's walks

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
