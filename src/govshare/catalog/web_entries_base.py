"""Console pages of the base-information catalog (基准信息目录, GZ-14: the city IT authority names
the agency responsible for each base item) and of agencies' sharing needs (共享需求, GD-12)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govshare.catalog import base_service
from govshare.catalog.terms import LibraryGroup
from govshare.catalog.web_entries_form import Posted, agency_names, errors_of
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, InvalidInput
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
FIXABLE = (InvalidInput, Conflict)
BASE_FIELDS = ("code", "name", "library_group", "responsible_agency_id", "description")
NEED_FIELDS = ("title", "provider_agency_id", "resource_code", "items_wanted", "duty")
NOTICES = {"defined": "基准信息项已保存。", "recorded": "共享需求已记录。"}


@router.get("/catalog/base-items")
def base_items(request: Request, db: DbSession, actor: PageActor, notice: str = ""):
    return _base_page(request, db, actor, {"library_group": "natural_person"},
                      notice=NOTICES.get(notice))


@router.post("/catalog/base-items")
def define_base_item(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")).strip() for k in BASE_FIELDS}
    try:
        base_service.define_base_item(db, actor, values["code"], values["name"],
                                      values["library_group"],
                                      _agency_id(values["responsible_agency_id"],
                                                 "responsible_agency_id", "责任机关"),
                                      values["description"])
    except FIXABLE as exc:
        return _base_page(request, db, actor, values, errors_of(exc), exc.status)
    return RedirectResponse("/catalog/base-items?notice=defined", status_code=303)


def _base_page(request: Request, db: Session, actor: Actor, form: dict,
               errors: dict | None = None, status: int = 200, notice: str | None = None):
    return render(request, "catalog/base_items.html", status_code=status,
                  items=base_service.list_base_items(db, actor), agencies=agency_names(db, actor),
                  groups=LibraryGroup.choices(), labels=dict(LibraryGroup.choices()),
                  maintains=actor.is_city_it_authority, form=form, errors=errors or {},
                  notice=notice)


@router.get("/catalog/needs")
def needs(request: Request, db: DbSession, actor: PageActor, mine: bool = False,
          notice: str = ""):
    return _needs_page(request, db, actor, {}, mine=mine, notice=NOTICES.get(notice))


@router.post("/catalog/needs")
def record_need(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = {k: str(form.get(k, "")).strip() for k in NEED_FIELDS}
    try:
        provider = values["provider_agency_id"]
        base_service.record_need(
            db, actor, actor.agency_id or 0, values["title"], values["duty"],
            _agency_id(provider, "provider_agency_id", "提供机关") if provider else None,
            values["resource_code"] or None, values["items_wanted"])
    except FIXABLE as exc:
        return _needs_page(request, db, actor, values, errors_of(exc), exc.status)
    return RedirectResponse("/catalog/needs?mine=true&notice=recorded", status_code=303)


def _needs_page(request: Request, db: Session, actor: Actor, form: dict,
                errors: dict | None = None, status: int = 200, *, mine: bool = False,
                notice: str | None = None):
    agency_id = actor.agency_id if mine else None
    return render(request, "catalog/needs_list.html", status_code=status,
                  needs=base_service.list_needs(db, actor, agency_id),
                  agencies=agency_names(db, actor), mine=mine, form=form, errors=errors or {},
                  records=actor.has(Role.AGENCY_STAFF, Role.AGENCY_ADMIN), notice=notice)


def _agency_id(value: str, field: str, label: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"请选择{label}", field=field, rule="required")
    return int(value)
