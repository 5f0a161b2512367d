"""API of agencies' catalogs (机关政务信息目录, GZ-7): draft, revise, confidentiality review (GZ-16),
submit, file or return, withdraw; the IT authority's filing queue; the base-information catalog
(GZ-14) and agencies' sharing needs (GD-12)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from govshare.catalog import base_service, entry_service
from govshare.catalog.models import Entry
from govshare.catalog.schemas import (
    BaseItemRead,
    BaseItemWrite,
    EntryRead,
    EntryWrite,
    ItemRead,
    NeedCreate,
    NeedRead,
    ReasonCreate,
    ReviewCreate,
    ReviewRead,
    StepRead,
)
from govshare.catalog.terms import EntryStatus, ReviewResult, ShareType
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import Page, PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)

PLAIN = [name for name in EntryRead.model_fields
         if name not in {"share_type_label", "status_label", "review", "items"}]


def entry_read(entry: Entry) -> EntryRead:
    """The answer for one entry: its fields, items, status and review in Chinese too."""
    result = entry.review_result
    review = ReviewRead(result=result, result_label=ReviewResult(result).label if result else None,
                        reviewed_by=entry.reviewed_by, reviewed_at=entry.reviewed_at,
                        note=entry.review_note or "")
    return EntryRead(**{name: getattr(entry, name) for name in PLAIN},
                     share_type_label=ShareType(entry.share_type).label,
                     status_label=EntryStatus(entry.status).label, review=review,
                     items=[ItemRead.model_validate(i) for i in entry.items])


def _page(page: Page[Entry]) -> PageRead[EntryRead]:
    return PageRead[EntryRead](items=[entry_read(e) for e in page.items], total=page.total,
                               limit=page.limit, offset=page.offset)


@router.post("/agencies/{agency_id}/entries", response_model=EntryRead, status_code=201)
def draft_entry(agency_id: int, body: EntryWrite, db: DbSession, actor: CurrentActor):
    """Draft an entry of the agency's catalog; it gets a new resource code (分类码/顺序码)."""
    return entry_read(entry_service.draft_entry(db, actor, agency_id, body.draft()))


@router.get("/agencies/{agency_id}/entries", response_model=PageRead[EntryRead])
def list_agency_entries(agency_id: int, db: DbSession, actor: CurrentActor,
                        status: str | None = Query(None, description="按状态筛选"),
                        limit: int = 50, offset: int = 0):
    """The agency's working catalog (its own staff, its IT authority, auditors)."""
    return _page(entry_service.list_agency_entries(db, actor, agency_id,
                                                   PageRequest(limit, offset), status))


@router.get("/entries/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: int, db: DbSession, actor: CurrentActor):
    """One entry with its items, status, review and return reason."""
    return entry_read(entry_service.get_entry(db, actor, entry_id))


@router.get("/entries/{entry_id}/history", response_model=list[StepRead])
def entry_history(entry_id: int, db: DbSession, actor: CurrentActor):
    """The entry's audited steps, oldest first."""
    return entry_service.entry_history(db, actor, entry_id)


@router.put("/entries/{entry_id}", response_model=EntryRead)
def revise_entry(entry_id: int, body: EntryWrite, db: DbSession, actor: CurrentActor):
    """Revise an entry; it becomes a draft again and needs a new confidentiality review."""
    return entry_read(entry_service.revise_entry(db, actor, entry_id, body.draft()))


@router.post("/entries/{entry_id}/review", response_model=EntryRead)
def record_review(entry_id: int, body: ReviewCreate, db: DbSession, actor: CurrentActor):
    """Record the confidentiality review (保密审查, GZ-16) — the agency's administrator."""
    return entry_read(entry_service.record_review(db, actor, entry_id, body.result, body.note))


@router.post("/entries/{entry_id}/submit", response_model=EntryRead)
def submit_entry(entry_id: int, db: DbSession, actor: CurrentActor):
    """Submit the entry for filing (报送) with the IT authority of the agency's level."""
    return entry_read(entry_service.submit_entry(db, actor, entry_id))


@router.post("/entries/{entry_id}/file", response_model=EntryRead)
def file_entry(entry_id: int, db: DbSession, actor: CurrentActor):
    """File (备案) a submitted entry — the IT authority of the agency's level."""
    return entry_read(entry_service.file_entry(db, actor, entry_id))


@router.post("/entries/{entry_id}/return", response_model=EntryRead)
def return_entry(entry_id: int, body: ReasonCreate, db: DbSession, actor: CurrentActor):
    """Return a submitted entry to its agency with written reasons."""
    return entry_read(entry_service.return_entry(db, actor, entry_id, body.reason))


@router.post("/entries/{entry_id}/withdraw", response_model=EntryRead)
def withdraw_entry(entry_id: int, body: ReasonCreate, db: DbSession, actor: CurrentActor):
    """Withdraw (撤销) an entry the agency no longer offers; its code is never given out again."""
    return entry_read(entry_service.withdraw_entry(db, actor, entry_id, body.reason))


@router.get("/filing-queue", response_model=PageRead[EntryRead])
def filing_queue(db: DbSession, actor: CurrentActor, limit: int = 50, offset: int = 0):
    """Entries waiting for the caller's filing decision (备案审核), oldest first."""
    return _page(entry_service.filing_queue(db, actor, PageRequest(limit, offset)))


@router.get("/base-items", response_model=list[BaseItemRead])
def list_base_items(db: DbSession, actor: CurrentActor):
    """The base-information catalog (基准信息目录, GZ-14)."""
    return base_service.list_base_items(db, actor)


@router.put("/base-items/{code}", response_model=BaseItemRead)
def define_base_item(code: str, body: BaseItemWrite, db: DbSession, actor: CurrentActor):
    """Define or change a base information item and its responsible agency (city IT authority)."""
    return base_service.define_base_item(db, actor, code, body.name, body.library_group,
                                         body.responsible_agency_id, body.description)


@router.get("/needs", response_model=list[NeedRead])
def list_needs(db: DbSession, actor: CurrentActor,
               agency_id: int | None = Query(None, description="只看该机关提出的需求")):
    """Recorded sharing needs (共享需求, GD-12)."""
    return base_service.list_needs(db, actor, agency_id)


@router.post("/needs", response_model=NeedRead, status_code=201)
def record_need(body: NeedCreate, db: DbSession, actor: CurrentActor):
    """Record what the agency needs from others, and for which duty (GD-12)."""
    return base_service.record_need(db, actor, body.agency_id, body.title, body.duty,
                                    body.provider_agency_id, body.resource_code,
                                    body.items_wanted)
