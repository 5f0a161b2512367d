"""Console pages of agencies' catalogs (机关政务信息目录, GZ-7): the agency's catalog, the catalog
editor, an entry with its review record and history, the confidentiality review (GZ-16),
submission, withdrawal, and the IT authority's filing queue (备案审核).

Every page calls the same service functions as the API. A refused form (InvalidInput, Conflict)
is shown again with the message next to its field and the values kept; the request answers 4xx,
so TransactionalRoute writes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govshare.catalog import entry_service, web_entries_base
from govshare.catalog.terms import EntryStatus, ReviewResult
from govshare.catalog.web_entries_form import (
    CHOICES,
    LEVELS,
    Posted,
    agency_names,
    blank_form,
    draft_of,
    errors_of,
    form_of,
    posted_form,
)
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict, InvalidInput
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import MAX_LIMIT, PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
router.include_router(web_entries_base.router)

FIXABLE = (InvalidInput, Conflict)
OPEN = (EntryStatus.DRAFT, EntryStatus.RETURNED)
NOTICES = {"drafted": "条目已保存为草稿，已生成资源代码。", "revised": "条目已修改，需重新进行保密审查。",
           "reviewed": "保密审查结果已记录。", "submitted": "条目已报送，等待信息化主管部门备案审核。",
           "withdrawn": "条目已撤销，其资源代码不再使用。", "filed": "条目已备案。",
           "returned": "条目已退回，理由已通知报送机关。"}
EVENT_LABELS = {"EntryDrafted": "起草", "EntryRevised": "修订", "ConfidentialityReviewed": "保密审查",
                "EntrySubmitted": "报送", "EntryFiled": "备案", "EntryReturned": "退回",
                "EntryWithdrawn": "撤销"}


# --- 本机关目录 --------------------------------------------------------------------------------

@router.get("/catalog/entries")
def agency_catalog(request: Request, db: DbSession, actor: PageActor, agency_id: int | None = None,
                   status: str = "", notice: str = ""):
    agency_id = agency_id or actor.agency_id
    if agency_id is None:
        raise InvalidInput("请选择机关", field="agency_id", rule="required")
    page = entry_service.list_agency_entries(db, actor, agency_id, PageRequest(MAX_LIMIT, 0),
                                             status or None)
    names = agency_names(db, actor)
    return render(request, "catalog/entries_list.html", entries=page.items, total=page.total,
                  agency_id=agency_id, agency_name=names.get(agency_id, ""), status=status,
                  statuses=EntryStatus, notice=NOTICES.get(notice), choices=CHOICES,
                  own=agency_id == actor.agency_id)


# --- the editor -------------------------------------------------------------------------------

@router.get("/catalog/entries/new")
def new_entry_form(request: Request, db: DbSession, actor: PageActor):
    return _editor(request, db, actor, blank_form())


@router.post("/catalog/entries/new")
def draft_entry(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = posted_form(form)
    try:
        entry = entry_service.draft_entry(db, actor, actor.agency_id or 0, draft_of(values))
    except FIXABLE as exc:
        return _editor(request, db, actor, values, errors_of(exc), exc.status)
    return RedirectResponse(f"/catalog/entries/{entry.id}?notice=drafted", status_code=303)


@router.get("/catalog/entries/{entry_id}/edit")
def edit_entry_form(request: Request, entry_id: int, db: DbSession, actor: PageActor):
    entry = entry_service.get_entry(db, actor, entry_id)
    return _editor(request, db, actor, form_of(entry), entry=entry)


@router.post("/catalog/entries/{entry_id}/edit")
def revise_entry(request: Request, entry_id: int, db: DbSession, actor: PageActor, form: Posted):
    values = posted_form(form)
    try:
        entry_service.revise_entry(db, actor, entry_id, draft_of(values))
    except FIXABLE as exc:
        entry = entry_service.get_entry(db, actor, entry_id)
        return _editor(request, db, actor, values, errors_of(exc), exc.status, entry=entry)
    return RedirectResponse(f"/catalog/entries/{entry_id}?notice=revised", status_code=303)


def _editor(request: Request, db: Session, actor: Actor, form: dict, errors: dict | None = None,
            status: int = 200, entry=None):
    return render(request, "catalog/entries_form.html", status_code=status, form=form,
                  errors=errors or {}, entry=entry, choices=CHOICES, levels=LEVELS,
                  agencies=agency_names(db, actor))


# --- one entry --------------------------------------------------------------------------------

@router.get("/catalog/entries/{entry_id}")
def entry_page(request: Request, entry_id: int, db: DbSession, actor: PageActor,
               notice: str = ""):
    return _entry_page(request, db, actor, entry_id, notice=NOTICES.get(notice))


def _entry_page(request: Request, db: Session, actor: Actor, entry_id: int, *,
                errors: dict | None = None, form: dict | None = None, status: int = 200,
                notice: str | None = None):
    entry = entry_service.get_entry(db, actor, entry_id)
    rights = entry_service.entry_rights(db, actor, entry)
    steps = entry_service.entry_history(db, actor, entry_id) if rights.working else []
    return render(request, "catalog/entries_detail.html", status_code=status, entry=entry,
                  rights=rights, steps=steps, event_labels=EVENT_LABELS,
                  agencies=agency_names(db, actor), choices=CHOICES, levels=dict(LEVELS),
                  status_label=EntryStatus(entry.status).label, open=entry.status in OPEN,
                  review_results=ReviewResult.choices(), errors=errors or {}, form=form or {},
                  notice=notice)


@router.post("/catalog/entries/{entry_id}/review")
def record_review(request: Request, entry_id: int, db: DbSession, actor: PageActor,
                  form: Posted):
    values = {"result": str(form.get("result", "")), "note": str(form.get("note", ""))}
    return _act(request, db, actor, entry_id, "reviewed", values, lambda: (
        entry_service.record_review(db, actor, entry_id, values["result"], values["note"])))


@router.post("/catalog/entries/{entry_id}/submit")
def submit_entry(request: Request, entry_id: int, db: DbSession, actor: PageActor,
                 _form: Posted):
    return _act(request, db, actor, entry_id, "submitted", {},
                lambda: entry_service.submit_entry(db, actor, entry_id))


@router.post("/catalog/entries/{entry_id}/withdraw")
def withdraw_entry(request: Request, entry_id: int, db: DbSession, actor: PageActor,
                   form: Posted):
    values = {"reason": str(form.get("reason", ""))}
    return _act(request, db, actor, entry_id, "withdrawn", values,
                lambda: entry_service.withdraw_entry(db, actor, entry_id, values["reason"]))


def _act(request: Request, db: Session, actor: Actor, entry_id: int, notice: str, values: dict,
         action):
    """Run one step on the entry; a refusal shows the entry again with the message in place."""
    try:
        action()
    except FIXABLE as exc:
        return _entry_page(request, db, actor, entry_id, errors=errors_of(exc), form=values,
                           status=exc.status)
    return RedirectResponse(f"/catalog/entries/{entry_id}?notice={notice}", status_code=303)


# --- 备案审核: the IT authority's filing queue -----------------------------------------------

@router.get("/catalog/filing")
def filing_queue(request: Request, db: DbSession, actor: PageActor, notice: str = "",
                 code: str = ""):
    return _queue(request, db, actor, notice=NOTICES.get(notice), code=code)


@router.post("/catalog/entries/{entry_id}/file")
def file_entry(request: Request, entry_id: int, db: DbSession, actor: PageActor, _form: Posted):
    try:
        entry = entry_service.file_entry(db, actor, entry_id)
    except FIXABLE as exc:
        return _queue(request, db, actor, errors={entry_id: exc.message}, status=exc.status)
    return _back_to_queue("filed", entry.resource_code)


@router.post("/catalog/entries/{entry_id}/return")
def return_entry(request: Request, entry_id: int, db: DbSession, actor: PageActor,
                 form: Posted):
    reason = str(form.get("reason", ""))
    try:
        entry = entry_service.return_entry(db, actor, entry_id, reason)
    except FIXABLE as exc:
        return _queue(request, db, actor, errors={entry_id: exc.message},
                      reasons={entry_id: reason}, status=exc.status)
    return _back_to_queue("returned", entry.resource_code)


def _back_to_queue(notice: str, code: str) -> RedirectResponse:
    return RedirectResponse(f"/catalog/filing?{urlencode({'notice': notice, 'code': code})}",
                            status_code=303)


def _queue(request: Request, db: Session, actor: Actor, *, errors: dict | None = None,
           reasons: dict | None = None, status: int = 200, notice: str | None = None,
           code: str = ""):
    page = entry_service.filing_queue(db, actor, PageRequest(MAX_LIMIT, 0))
    return render(request, "catalog/entries_queue.html", status_code=status, entries=page.items,
                  total=page.total, agencies=agency_names(db, actor), errors=errors or {},
                  reasons=reasons or {}, notice=notice, code=code)
