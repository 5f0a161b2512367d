"""Console pages of confidentiality agreements (保密协议, GD-34): the agreements of the agency (or
all of them for the IT authority) with status and term, the filing form with the signed document
uploaded, and one agreement with its document, the grants it covers and the termination form.
The document itself is downloaded from the API (the console's session is accepted there)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govshare.access import agreement_checks as checks
from govshare.access import agreement_service
from govshare.access.agreement_checks import DOCUMENT_MAX_BYTES, AgreementDraft
from govshare.access.rules import GrantStatus
from govshare.directory import service as directory_service
from govshare.kit import clock
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, Forbidden, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import MAX_LIMIT, PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

FIXABLE = (InvalidInput, Conflict)
PAGE_SIZE = 50
NOTICES = {"filed": "保密协议已备案。",
           "terminated": "保密协议已终止；依据它生效、又无其他协议覆盖的授权已恢复为待签订保密协议。"}
FIELDS = ("provider_agency_id", "consumer_agency_id", "resource_codes", "scope", "signed_date",
          "valid_from", "valid_until", "secrecy_filing_number", "secrecy_filing_date")


async def _posted(request: Request, _checked: CheckedForm) -> FormData:
    """The posted form with repeated fields (the kinds of secret) kept, after the CSRF check."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def can_file(actor: Actor) -> bool:
    return actor.has(Role.IT_AUTHORITY) or (bool(actor.agency_id) and actor.has(Role.AGENCY_ADMIN))


def _agencies(session: Session, actor: Actor) -> dict[int, str]:
    page = directory_service.list_agencies(session, actor, PageRequest(MAX_LIMIT, 0))
    return {a.id: a.name for a in page.items}


def _display_state(agreement, today: date) -> tuple[str, str]:
    """The words and badge class of an agreement's state today."""
    if agreement.status == "terminated":
        return checks.STATUS_LABELS["terminated"], "revoked"
    if agreement.status != "in_force":
        return checks.STATUS_LABELS[agreement.status], "expired"
    if agreement.valid_from > today:
        return "尚未生效", "expired"
    if agreement.valid_until < today:
        return "期限已届满", "expired"
    return "有效", "active"


# --- the list --------------------------------------------------------------------------------

@router.get("/access/agreements")
def agreements_list(request: Request, db: DbSession, actor: PageActor, status: str = "",
                    page: int = 1, notice: str = ""):
    number = max(page, 1)
    found = agreement_service.list_agreements(db, actor, PageRequest(PAGE_SIZE, (number - 1) * PAGE_SIZE),
                                              status=status or None)
    today = clock.today()
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "access/agreements_list.html", agreements=found.items,
                  total=found.total, status=status, statuses=checks.STATUS_LABELS,
                  kinds=checks.KIND_LABELS, agencies=_agencies(db, actor), today=today,
                  state_of=lambda a: _display_state(a, today), can_file=can_file(actor),
                  number=number, pages=pages, notice=NOTICES.get(notice),
                  page_url=lambda n: "/access/agreements?" + urlencode(
                      {k: v for k, v in {"status": status, "page": n}.items() if v}))


# --- filing ----------------------------------------------------------------------------------

@router.get("/access/agreements/new")
def new_agreement_form(request: Request, db: DbSession, actor: PageActor,
                       provider_agency_id: str = "", consumer_agency_id: str = "",
                       resource_code: str = ""):
    """The filing form; a grant waiting for an agreement links here with its parties filled in."""
    form: dict[str, Any] = {"provider_agency_id": provider_agency_id,
                            "consumer_agency_id": consumer_agency_id,
                            "resource_codes": resource_code, "sensitivities": []}
    if not provider_agency_id and not consumer_agency_id and actor.agency_id:
        form["consumer_agency_id"] = str(actor.agency_id)
    return _form_page(request, db, actor, form)


@router.post("/access/agreements/new")
def file_agreement(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in FIELDS}
    values["sensitivities"] = [str(v) for v in form.getlist("sensitivities")]
    upload = form.get("document")
    try:
        data = upload.file.read(DOCUMENT_MAX_BYTES + 1) if hasattr(upload, "file") else b""
        agreement = agreement_service.file_agreement(db, actor, AgreementDraft(
            provider_agency_id=_int(values, "provider_agency_id"),
            consumer_agency_id=_int(values, "consumer_agency_id"), scope=values["scope"],
            sensitivities=tuple(values["sensitivities"]),
            signed_date=_date(values, "signed_date"), valid_from=_date(values, "valid_from"),
            valid_until=_date(values, "valid_until"), document=data,
            document_name=getattr(upload, "filename", "") or "",
            resource_codes=(values["resource_codes"],),
            secrecy_filing_number=values["secrecy_filing_number"],
            secrecy_filing_date=_date(values, "secrecy_filing_date", required=False)))
    except (*FIXABLE, Forbidden) as exc:
        if isinstance(exc, Forbidden) and exc.code != "other_division":
            raise
        db.rollback()  # another division's parties: say so on the form, keeping what was typed
        return _form_page(request, db, actor, values, {exc.field or "_form": exc.message}, exc.status)
    return RedirectResponse(f"/access/agreements/{agreement.id}?notice=filed", status_code=303)


def _form_page(request: Request, db: Session, actor: Actor, form: dict, errors: dict | None = None,
               status: int = 200):
    return render(request, "access/agreements_form.html", status_code=status, form=form,
                  errors=errors or {}, agencies=_agencies(db, actor), kinds=checks.KIND_LABELS,
                  can_file=can_file(actor), max_mb=DOCUMENT_MAX_BYTES // (1024 * 1024))


def _int(values: dict, name: str) -> int:
    try:
        return int(values[name])
    except ValueError:
        raise InvalidInput("请选择机关", field=name, rule="required") from None


def _date(values: dict, name: str, required: bool = True) -> date | None:
    text = values[name]
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("请填写日期（年-月-日）", field=name, rule="format") from None


# --- one agreement ---------------------------------------------------------------------------

@router.get("/access/agreements/{agreement_id}")
def agreement_page(request: Request, agreement_id: int, db: DbSession, actor: PageActor,
                   notice: str = ""):
    return _detail(request, db, actor, agreement_id, notice=NOTICES.get(notice))


@router.post("/access/agreements/{agreement_id}/terminate")
def terminate_agreement(request: Request, agreement_id: int, db: DbSession, actor: PageActor,
                        form: Posted):
    reasons = str(form.get("reasons") or "")
    try:
        agreement_service.terminate_agreement(db, actor, agreement_id, reasons)
    except FIXABLE as exc:
        db.rollback()
        return _detail(request, db, actor, agreement_id, errors={exc.field or "_form": exc.message},
                       reasons=reasons, status=exc.status)
    return RedirectResponse(f"/access/agreements/{agreement_id}?notice=terminated", status_code=303)


def _detail(request: Request, db: Session, actor: Actor, agreement_id: int, *,
            errors: dict | None = None, reasons: str = "", status: int = 200,
            notice: str | None = None):
    agreement = agreement_service.get_agreement(db, actor, agreement_id)
    today = clock.today()
    number, filed_on = checks.filing_parts(agreement.secrecy_filing)
    parties = (agreement.provider_agency_id, agreement.consumer_agency_id)
    may_terminate = agreement.status == "in_force" and (
        actor.has(Role.IT_AUTHORITY) or (actor.agency_id in parties and actor.has(Role.AGENCY_ADMIN)))
    return render(request, "access/agreements_detail.html", status_code=status,
                  agreement=agreement, state=_display_state(agreement, today),
                  kinds=checks.KIND_LABELS, agencies=_agencies(db, actor),
                  filing_number=number, filing_date=filed_on,
                  size=agreement_service.document_size(db, actor, agreement_id),
                  grants=agreement_service.grants_covered(db, actor, agreement, today),
                  grant_labels={s.value: s.label for s in GrantStatus},
                  termination=agreement_service.termination_of(db, actor, agreement),
                  may_terminate=may_terminate, errors=errors or {}, reasons=reasons,
                  notice=notice)
