"""Console pages of the directory: sign-in, home, agencies, users, API clients."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from govshare.directory import account_service, auth, service
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(request: Request, db: DbSession, username: str = Form(""), password: str = Form(""),
          csrf_token: str = Form(""), next: str = Form("/")):
    auth.check_csrf(request, csrf_token)
    user = account_service.authenticate(db, username, password)
    if user is None:
        # One message for both halves: never tell which of name or password was wrong.
        return render(request, "login.html", status_code=401, next=_safe_next(next),
                      error="用户名或密码错误", username=username)
    auth.sign_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    auth.sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, db: DbSession, actor: PageActor):
    agency = service.get_agency(db, actor, actor.agency_id) if actor.agency_id else None
    return render(request, "home.html", agency=agency)


@router.get("/agencies")
def agencies(request: Request, db: DbSession, actor: PageActor, q: str = "", page: int = 1):
    size = 50
    result = service.list_agencies(db, actor, PageRequest(size, (max(page, 1) - 1) * size), q=q)
    return render(request, "directory/agencies.html", page=result, q=q, page_no=max(page, 1))


@router.get("/agencies/{agency_id}")
def agency_detail(request: Request, agency_id: int, db: DbSession, actor: PageActor):
    agency = service.get_agency(db, actor, agency_id)
    return render(request, "directory/agency.html", agency=agency)


@router.get("/users")
def users(request: Request, db: DbSession, actor: PageActor, page: int = 1):
    size = 50
    result = account_service.list_users(db, actor, PageRequest(size, (max(page, 1) - 1) * size))
    return render(request, "directory/users.html", page=result, page_no=max(page, 1))


def _safe_next(target: str) -> str:
    # Only local paths: never bounce a signed-in user to another site.
    return target if target.startswith("/") and not target.startswith("//") else "/"
