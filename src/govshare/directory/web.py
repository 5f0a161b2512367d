"""Console pages of the directory: sign-in, home, agencies, users, API clients, own password.

Every page calls the same service functions as the API and the CLI. A form whose input breaks a
rule (InvalidInput, Conflict) is shown again with the message next to its field and the entered
values kept; the request answers 4xx, so TransactionalRoute writes nothing."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govshare.directory import account_service, auth, service
from govshare.kit.actor import Actor
from govshare.kit.clock import CHINA, now
from govshare.kit.errors import Conflict, DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import MAX_LIMIT, Page, PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 30
FIXABLE = (InvalidInput, Conflict)  # the person can correct these in the form


async def _posted(request: Request, _checked: CheckedForm) -> FormData:
    """The posted form with repeated fields (checkboxes) kept, after the CSRF check."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


# --- sign-in, home --------------------------------------------------------------------------

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


# --- the agency directory and registration --------------------------------------------------

@router.get("/agencies")
def agencies(request: Request, db: DbSession, actor: PageActor, q: str = "", division: str = "",
             page: int = 1):
    number = max(page, 1)
    result = service.list_agencies(db, actor, PageRequest(PAGE_SIZE, (number - 1) * PAGE_SIZE),
                                   q=q.strip(), division_code=division or None)
    divisions = [d for d in service.list_divisions(db, actor) if d.level in service.LEVELS]
    return render(request, "directory/agencies.html", page=result, q=q, division=division,
                  divisions=divisions, levels=service.LEVELS,
                  pager=_pager("/agencies", result, number, q=q, division=division))


AGENCY_FIELDS = ("name", "credit_code", "level", "division_code", "responsible_name",
                 "responsible_position", "responsible_phone", "parent_id", "is_it_authority")


@router.get("/agencies/new")
def agency_form(request: Request, db: DbSession, actor: PageActor):
    form = {"level": actor.agency_level or "city", "division_code": actor.division_code or ""}
    return _agency_form(request, db, actor, form)


@router.post("/agencies/new")
def register_agency(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")) for k in AGENCY_FIELDS}
    try:
        agency = service.register_agency(db, actor, _agency_draft(values))
    except FIXABLE as exc:
        return _agency_form(request, db, actor, values, _errors(db, exc, AGENCY_FIELDS),
                            exc.status)
    return RedirectResponse(f"/agencies/{agency.id}?notice=registered", status_code=303)


def _agency_draft(v: dict[str, str]) -> service.AgencyDraft:
    return service.AgencyDraft(
        name=v["name"], credit_code=v["credit_code"], level=v["level"],
        division_code=v["division_code"], responsible_name=v["responsible_name"],
        responsible_position=v["responsible_position"], responsible_phone=v["responsible_phone"],
        parent_id=_optional_id(v["parent_id"], "parent_id", "上级机关"),
        is_it_authority=v["is_it_authority"] == "on")


def _agency_form(request: Request, db: Session, actor: Actor, form: dict,
                 errors: dict | None = None, status: int = 200):
    divisions = service.registrable_divisions(db, actor)
    parents = service.list_agencies(db, actor, PageRequest(MAX_LIMIT, 0)).items
    return render(request, "directory/agency_new.html", status_code=status, form=form,
                  errors=errors or {}, divisions=divisions, parents=parents,
                  levels=service.LEVELS)


# --- one agency: its responsible person (GZ-29), its users, its API clients -----------------

@router.get("/agencies/{agency_id}")
def agency_detail(request: Request, agency_id: int, db: DbSession, actor: PageActor,
                  notice: str = ""):
    return _agency_page(request, db, actor, agency_id, notice=notice)


PERSON_FIELDS = ("responsible_name", "responsible_position", "responsible_phone")


@router.post("/agencies/{agency_id}/responsible-person")
def appoint_responsible_person(request: Request, agency_id: int, db: DbSession,
                               actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")) for k in PERSON_FIELDS}
    try:
        service.appoint_responsible_person(db, actor, agency_id, values["responsible_name"],
                                           values["responsible_position"],
                                           values["responsible_phone"])
    except FIXABLE as exc:
        return _agency_page(request, db, actor, agency_id, form=values,
                            errors=_errors(db, exc, PERSON_FIELDS), status=exc.status)
    return RedirectResponse(f"/agencies/{agency_id}?notice=appointed", status_code=303)


def _agency_page(request: Request, db: Session, actor: Actor, agency_id: int, *,
                 form: dict | None = None, errors: dict | None = None, status: int = 200,
                 notice: str = ""):
    agency = service.get_agency(db, actor, agency_id)
    rights = service.agency_rights(actor, agency)
    users = (account_service.list_users(db, actor, PageRequest(MAX_LIMIT, 0), agency.id)
             if rights.manage else None)
    parent = service.get_agency(db, actor, agency.parent_id) if agency.parent_id else None
    form = form or {k: getattr(agency, k) for k in PERSON_FIELDS}
    return render(request, "directory/agency.html", status_code=status, agency=agency,
                  parent=parent, rights=rights, users=users, form=form, errors=errors or {},
                  notice=notice, levels=service.LEVELS)


# --- users ----------------------------------------------------------------------------------

USER_FIELDS = ("username", "display_name", "password", "agency_id", "roles")


@router.get("/users")
def users(request: Request, db: DbSession, actor: PageActor, agency_id: str = "",
          page: int = 1, notice: str = "", who: str = ""):
    form = {"agency_id": agency_id or str(actor.agency_id or ""), "roles": ["agency_staff"]}
    return _users_page(request, db, actor, agency_id, page, form=form, notice=notice, who=who)


@router.post("/users")
def create_user(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")) for k in USER_FIELDS} | {"roles": form.getlist("roles")}
    try:
        draft = account_service.UserDraft(
            username=values["username"], display_name=values["display_name"],
            password=values["password"], roles=tuple(values["roles"]),
            agency_id=_required_id(values["agency_id"], "agency_id", "所属机关"))
        user = account_service.create_user(db, actor, draft)
    except FIXABLE as exc:
        values["password"] = ""  # never echo a password back into the page
        return _users_page(request, db, actor, "", 1, form=values,
                           errors=_errors(db, exc, USER_FIELDS), status=exc.status)
    return RedirectResponse(f"/users?{urlencode({'notice': 'created', 'who': user.username})}",
                            status_code=303)


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: int, db: DbSession, actor: PageActor, _form: Posted):
    user = account_service.deactivate_user(db, actor, user_id)
    return RedirectResponse(f"/users?{urlencode({'notice': 'deactivated', 'who': user.username})}",
                            status_code=303)


def _users_page(request: Request, db: Session, actor: Actor, agency_id: str, page: int, *,
                form: dict, errors: dict | None = None, status: int = 200, notice: str = "",
                who: str = ""):
    admin = account_service.user_administration(db, actor)  # 403 for those who manage no one
    number = max(page, 1)
    chosen = _optional_id(agency_id, "agency_id", "机关")
    result = account_service.list_users(
        db, actor, PageRequest(PAGE_SIZE, (number - 1) * PAGE_SIZE), chosen)
    return render(request, "directory/users.html", status_code=status, page=result, admin=admin,
                  form=form, errors=errors or {}, notice=notice, who=who,
                  pager=_pager("/users", result, number, agency_id=agency_id),
                  agency_filter=agency_id)


# --- API clients of one agency --------------------------------------------------------------

CLIENT_FIELDS = ("name", "roles", "expires_on")


# The token just issued waits in the signed session for the one page after the redirect, which
# takes it out: a reload (or the back button) re-posts nothing and shows no token again.
ISSUED_KEY = "issued_api_client"


@router.get("/agencies/{agency_id}/api-clients")
def api_clients(request: Request, agency_id: int, db: DbSession, actor: PageActor,
                notice: str = ""):
    issued = request.session.pop(ISSUED_KEY, None)
    if issued is not None and issued.get("agency_id") != agency_id:
        issued = None  # shown only on its own agency's page; taken out of the session either way
    response = _clients_page(request, db, actor, agency_id, form={"roles": ["agency_staff"]},
                             notice=notice, issued=issued)
    response.headers["Cache-Control"] = "no-store"  # the token must not linger in a cache
    return response


@router.post("/agencies/{agency_id}/api-clients")
def issue_api_client(request: Request, agency_id: int, db: DbSession, actor: PageActor,
                     form: Posted):
    values = {"name": str(form.get("name", "")), "roles": form.getlist("roles"),
              "expires_on": str(form.get("expires_on", ""))}
    try:
        issued = account_service.issue_api_client(
            db, actor, agency_id, values["name"], tuple(values["roles"]),
            _expiry(values["expires_on"]))
    except FIXABLE as exc:
        return _clients_page(request, db, actor, agency_id, form=values, status=exc.status,
                             errors=_errors(db, exc, CLIENT_FIELDS, {"expires_at": "expires_on"}))
    request.session[ISSUED_KEY] = {"agency_id": agency_id, "name": issued.client.name,
                                   "token": issued.token}
    # Post/redirect/get: reloading the page after this asks for the list, not another token.
    return RedirectResponse(f"/agencies/{agency_id}/api-clients?notice=issued", status_code=303)


@router.post("/agencies/{agency_id}/api-clients/{client_id}/revoke")
def revoke_api_client(request: Request, agency_id: int, client_id: int, db: DbSession,
                      actor: PageActor, form: Posted):
    _clients_of(db, actor, agency_id)  # 404 unless the actor may see this agency's clients
    try:
        client = account_service.revoke_api_client(db, actor, client_id,
                                                   str(form.get("reason", "")))
    except FIXABLE as exc:
        return _clients_page(request, db, actor, agency_id, form={"roles": ["agency_staff"]},
                             errors={f"reason-{client_id}": exc.message}, status=exc.status)
    return RedirectResponse(f"/agencies/{client.agency_id}/api-clients?notice=revoked",
                            status_code=303)


def _clients_of(db: Session, actor: Actor, agency_id: int):
    agency = service.get_agency(db, actor, agency_id)  # an unknown agency: 404 too
    return agency, account_service.list_api_clients(db, actor, agency.id)


def _clients_page(request: Request, db: Session, actor: Actor, agency_id: int, *, form: dict,
                  errors: dict | None = None, status: int = 200, notice: str = "",
                  issued: dict | None = None):
    agency, clients = _clients_of(db, actor, agency_id)
    at = now()
    states = {c.id: _client_state(c.revoked_at, c.expires_at, at) for c in clients}
    return render(request, "directory/api_clients.html", status_code=status, agency=agency,
                  clients=clients, states=states, form=form, errors=errors or {},
                  notice=notice, issued=issued,
                  roles=service.agency_rights(actor, agency).roles)


def _client_state(revoked_at: datetime | None, expires_at: datetime | None,
                  at: datetime) -> str:
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= at:
        return "expired"
    return "active"


def _expiry(value: str) -> datetime | None:
    """A token is valid through the chosen day, Beijing time."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("有效期须为日期，格式如 2027-01-31", field="expires_on",
                           rule="date") from None
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA)


# --- own password ---------------------------------------------------------------------------

PASSWORD_FIELDS = ("old_password", "new_password", "confirm_password")


@router.get("/account/password")
def password_page(request: Request, actor: PageActor, notice: str = ""):
    return render(request, "directory/password.html", errors={}, notice=notice,
                  min_length=account_service.MIN_PASSWORD)


@router.post("/account/password")
def change_password(request: Request, db: DbSession, actor: PageActor, form: Posted):
    old, new = str(form.get("old_password", "")), str(form.get("new_password", ""))
    try:
        if new != str(form.get("confirm_password", "")):
            raise InvalidInput("两次输入的新密码不一致", field="confirm_password", rule="matches")
        user = account_service.change_password(db, actor, actor.id, old, new)
    except FIXABLE as exc:
        errors = _errors(db, exc, PASSWORD_FIELDS, {"password": "new_password"})
        return render(request, "directory/password.html", status_code=exc.status, errors=errors,
                      notice="", min_length=account_service.MIN_PASSWORD)
    auth.sign_in(request, user)  # other sessions end; this one carries on
    return RedirectResponse("/account/password?notice=changed", status_code=303)


# --- helpers --------------------------------------------------------------------------------

def _errors(db: Session, exc: DomainError, fields: Iterable[str],
            rename: dict[str, str] | None = None) -> dict[str, str]:
    """The message keyed by the form field it belongs to ("_form" when none); the transaction
    is rolled back first so that the page is rendered from what is really stored."""
    db.rollback()
    field = (rename or {}).get(exc.field or "", exc.field)
    return {field if field in fields else "_form": exc.message}


def _optional_id(value: str, field: str, label: str) -> int | None:
    return _required_id(value, field, label) if value.strip() else None


def _required_id(value: str, field: str, label: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"请选择{label}", field=field, rule="required") from None


@dataclass(frozen=True)
class Pager:
    number: int
    count: int
    links: list[tuple[int, str]]  # (page number, URL): first, last and those near

    def url(self, number: int) -> str | None:
        return dict(self.links).get(number)


def _pager(path: str, page: Page, number: int, **params: str) -> Pager:
    count = max(1, math.ceil(page.total / page.limit))
    kept = {k: v for k, v in params.items() if v}
    shown = sorted({1, count} | {n for n in range(number - 3, number + 4) if 1 <= n <= count})
    links = [(n, f"{path}?{urlencode({**kept, 'page': n})}") for n in shown]
    return Pager(number, count, links)


def _safe_next(target: str) -> str:
    # Only local paths: never bounce a signed-in user to another site.
    return target if target.startswith("/") and not target.startswith("//") else "/"
