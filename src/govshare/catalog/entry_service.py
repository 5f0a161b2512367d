"""An agency's catalog (机关政务信息目录, GZ-7): entries drafted, reviewed for confidentiality
(GZ-16), submitted, and filed with — or returned by — the IT authority of the agency's level."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog import entry_drafting, policy, rules, snapshot
from govshare.catalog.events import (
    ConfidentialityReviewed,
    EntryFiled,
    EntryReturned,
    EntryRevised,
    EntrySubmitted,
    EntryWithdrawn,
)
from govshare.catalog.models import Entry
from govshare.catalog.terms import EntryStatus, ReviewResult
from govshare.directory.models import Agency
from govshare.directory.scope import governed_agencies
from govshare.evidence.models import AuditEvent
from govshare.kit.actor import Actor
from govshare.kit.clock import now
from govshare.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from govshare.kit.pagination import Page, PageRequest, paginate


@dataclass(frozen=True)
class EntryRights:
    """What an actor may do with one entry, so a page offers only that."""

    edit: bool
    review: bool
    file: bool
    working: bool  # sees the working catalog: review record, return reason, history


def entry_rights(session: Session, actor: Actor, entry: Entry) -> EntryRights:
    """The actor's rights on an entry, from the same policy functions the actions check."""
    policy.can_read_catalog(actor)
    agency = _agency(session, entry.agency_id)
    return EntryRights(edit=_allowed(policy.can_edit_catalog, actor, agency),
                       review=_allowed(policy.can_review_confidentiality, actor, agency),
                       file=_allowed(policy.can_file, actor, agency),
                       working=_allowed(policy.can_read_agency_catalog, actor, agency))


def _allowed(check, *args) -> bool:
    try:
        check(*args)
    except (Forbidden, NotFound):
        return False
    return True


def _agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise InvalidInput(f"机关 {agency_id} 不存在", field="agency_id", rule="exists")
    return agency


def _validate(session: Session, agency_id: int, draft: rules.EntryDraft) -> None:
    entry_drafting.validate_all(session, agency_id, [draft])


def draft_entry(session: Session, actor: Actor, agency_id: int, draft: rules.EntryDraft) -> Entry:
    """Describe a resource the agency holds; it starts as a draft with a new resource code."""
    agency = _agency(session, agency_id)
    policy.can_edit_catalog(actor, agency)
    return entry_drafting.draft_all(session, actor, agency.id, [draft])[0]


def draft_entries(session: Session, actor: Actor, agency_id: int,
                  drafts: Sequence[rules.EntryDraft]) -> list[Entry]:
    """Draft many entries at once (an import), all or none: the same rules, codes and audit
    events as `draft_entry` for each, in order, with the database work batched."""
    agency = _agency(session, agency_id)
    policy.can_edit_catalog(actor, agency)
    return entry_drafting.draft_all(session, actor, agency.id, drafts)


def get_entry(session: Session, actor: Actor, entry_id: int) -> Entry:
    """An entry: a working one for its agency and IT authority; a filed one for every agency."""
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(f"目录条目 {entry_id} 不存在")
    filed = entry.status == EntryStatus.FILED and not entry.withdrawn
    policy.can_read_entry(actor, _agency(session, entry.agency_id), filed)
    return entry


def _working_entry(session: Session, actor: Actor, entry_id: int) -> Entry:
    entry = get_entry(session, actor, entry_id)
    policy.can_read_agency_catalog(actor, _agency(session, entry.agency_id))
    return entry


def revise_entry(session: Session, actor: Actor, entry_id: int, draft: rules.EntryDraft) -> Entry:
    """Change an entry (GZ-9). A filed entry goes back to draft and must be filed again; its
    classification and resource code stay."""
    entry = _working_entry(session, actor, entry_id)
    policy.can_edit_catalog(actor, _agency(session, entry.agency_id))
    if entry.status == EntryStatus.SUBMITTED:
        raise Conflict("条目已报送，正在备案审核，不能修改；如需修改请等待退回", code="entry_submitted")
    if entry.withdrawn:
        raise Conflict("条目已撤销", code="entry_withdrawn")
    if (draft.category, draft.subcategory, draft.subject, draft.detail) != (
            entry.category, entry.subcategory, entry.subject, entry.detail):
        raise InvalidInput("分类决定资源代码，不能修改；请新建条目", field="category",
                           rule="classification_fixed")
    _validate(session, entry.agency_id, draft)
    # The unit of work inserts new rows before it deletes orphans: without this flush an item
    # that keeps its name would break the (entry_id, name) unique constraint.
    entry.items.clear()
    session.flush()
    entry_drafting.apply_draft(entry, draft)
    entry.status, entry.revision = EntryStatus.DRAFT.value, entry.revision + 1
    _clear_review(entry)
    session.flush()
    evidence.record(session, EntryRevised(entry_id=entry.id, agency_id=entry.agency_id,
                                          resource_code=entry.resource_code,
                                          revision=entry.revision), actor)
    return entry


def _clear_review(entry: Entry) -> None:
    # A review covers the content it saw: any change needs a new one.
    entry.review_result = entry.reviewed_by = entry.reviewed_at = None
    entry.review_note = ""


def record_review(session: Session, actor: Actor, entry_id: int, result: str,
                  note: str = "") -> Entry:
    """Record the confidentiality review (保密审查, GZ-16): who, when, and its result."""
    entry = _working_entry(session, actor, entry_id)
    policy.can_review_confidentiality(actor, _agency(session, entry.agency_id))
    _not_withdrawn(entry)
    if result not in {r.value for r in ReviewResult}:
        raise InvalidInput("审查结果只能是 passed（通过）或 state_secret（含国家秘密）",
                           field="result", rule="one_of")
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.RETURNED):
        raise Conflict("只有草稿或退回的条目需要保密审查", code="entry_not_draft")
    entry.review_result, entry.reviewed_by, entry.reviewed_at = result, actor.name, now()
    entry.review_note = note.strip()
    session.flush()
    evidence.record(session, ConfidentialityReviewed(
        entry_id=entry.id, agency_id=entry.agency_id, result=result, note=entry.review_note), actor)
    return entry


def submit_entry(session: Session, actor: Actor, entry_id: int) -> Entry:
    """Submit an entry for filing; it must have passed its confidentiality review."""
    entry = _working_entry(session, actor, entry_id)
    policy.can_edit_catalog(actor, _agency(session, entry.agency_id))
    _not_withdrawn(entry)
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.RETURNED):
        raise Conflict(f"条目状态为“{EntryStatus(entry.status).label}”，不能报送",
                       code="entry_not_draft")
    _require_clearance(entry)
    entry.status, entry.submitted_at = EntryStatus.SUBMITTED.value, now()
    session.flush()
    evidence.record(session, EntrySubmitted(entry_id=entry.id, agency_id=entry.agency_id,
                                            revision=entry.revision), actor)
    return entry


def _not_withdrawn(entry: Entry) -> None:
    # A withdrawn entry is no longer offered: it must not be reviewed, submitted or filed again.
    if entry.withdrawn:
        raise Conflict("条目已撤销，不能再审查、报送或备案", code="entry_withdrawn")


def _require_clearance(entry: Entry) -> None:
    secret = [i.name for i in entry.items if i.sensitivity == "state_secret"]
    if secret or entry.review_result == ReviewResult.STATE_SECRET:
        names = "、".join(secret) or "条目内容"
        raise InvalidInput(f"{names} 涉及国家秘密，不得接入共享平台（GZ-16）",
                           field="items", rule="no_state_secret")
    if entry.review_result != ReviewResult.PASSED:
        raise InvalidInput("报送前须完成保密审查并记录结果（GZ-16）", field="review_result",
                           rule="review_required")


def file_entry(session: Session, actor: Actor, entry_id: int) -> Entry:
    """File (备案) a submitted entry: the IT authority of the agency's level accepts it."""
    entry = _submitted(session, entry_id)
    agency = _agency(session, entry.agency_id)
    policy.can_file(actor, agency)
    entry.status, entry.filed_at, entry.return_reason = EntryStatus.FILED.value, now(), ""
    # Freeze what was filed now, once: compiling a version then only copies these rows.
    document = snapshot.entry_document(entry, agency.name, agency.credit_code)
    entry.filed_content, entry.filed_hash = snapshot.freeze(document)
    session.flush()
    evidence.record(session, EntryFiled(entry_id=entry.id, agency_id=entry.agency_id,
                                        revision=entry.revision, content_hash=entry.filed_hash),
                    actor)
    return entry


def return_entry(session: Session, actor: Actor, entry_id: int, reason: str) -> Entry:
    """Return a submitted entry to its agency with written reasons."""
    entry = _submitted(session, entry_id)
    policy.can_file(actor, _agency(session, entry.agency_id))
    if not (reason or "").strip():
        raise InvalidInput("退回须写明理由", field="reason", rule="required")
    entry.status, entry.return_reason = EntryStatus.RETURNED.value, reason.strip()
    session.flush()
    evidence.record(session, EntryReturned(entry_id=entry.id, agency_id=entry.agency_id,
                                           reason=entry.return_reason), actor)
    return entry


def _submitted(session: Session, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(f"目录条目 {entry_id} 不存在")
    _not_withdrawn(entry)
    if entry.status != EntryStatus.SUBMITTED:
        raise Conflict(f"条目状态为“{EntryStatus(entry.status).label}”，不在备案审核中",
                       code="entry_not_submitted")
    return entry


def withdraw_entry(session: Session, actor: Actor, entry_id: int, reason: str) -> Entry:
    """The agency no longer offers a resource (GZ-9); it leaves the shared catalog only through a
    version the government approves."""
    entry = _working_entry(session, actor, entry_id)
    policy.can_edit_catalog(actor, _agency(session, entry.agency_id))
    if entry.withdrawn:
        raise Conflict("条目已撤销", code="entry_withdrawn")
    if not (reason or "").strip():
        raise InvalidInput("撤销须写明理由", field="reason", rule="required")
    entry.withdrawn = True
    session.flush()
    evidence.record(session, EntryWithdrawn(entry_id=entry.id, agency_id=entry.agency_id,
                                            reason=reason.strip()), actor)
    return entry


def list_agency_entries(session: Session, actor: Actor, agency_id: int, page: PageRequest,
                        status: str | None = None) -> Page[Entry]:
    """An agency's working catalog."""
    policy.can_read_agency_catalog(actor, _agency(session, agency_id))
    stmt = select(Entry).where(Entry.agency_id == agency_id).order_by(Entry.resource_code)
    if status:
        stmt = stmt.where(Entry.status == status)
    return paginate(session, stmt, page)


def filing_queue(session: Session, actor: Actor, page: PageRequest) -> Page[Entry]:
    """Entries waiting for the actor's filing decision, oldest first."""
    policy.can_view_filing_queue(actor)
    level = Agency.level == ("city" if actor.agency_level == "city" else "district")
    stmt = (select(Entry).join(Agency, Agency.id == Entry.agency_id)
            .where(Entry.status == EntryStatus.SUBMITTED.value, level,
                   Entry.withdrawn.is_(False), governed_agencies(actor))
            .order_by(Entry.submitted_at))
    return paginate(session, stmt, page)


ENTRY_EVENTS = ("EntryDrafted", "EntryRevised", "ConfidentialityReviewed", "EntrySubmitted",
                "EntryFiled", "EntryReturned", "EntryWithdrawn")


@dataclass(frozen=True)
class Step:
    """One audited step of an entry's history."""

    seq: int
    recorded_at: datetime
    actor_name: str
    event_type: str
    payload: dict


def entry_history(session: Session, actor: Actor, entry_id: int) -> list[Step]:
    """The entry's audit events, oldest first: who did what, when (GZ-7, GZ-16)."""
    entry = get_entry(session, actor, entry_id)
    policy.can_read_agency_catalog(actor, _agency(session, entry.agency_id))
    # The payload is RFC 8785 JSON (sorted keys, no spaces): the id is followed by "," or "}".
    marker = f'"entry_id":{entry.id}'
    stmt = (select(AuditEvent).where(
        AuditEvent.agency_id == entry.agency_id, AuditEvent.event_type.in_(ENTRY_EVENTS),
        or_(AuditEvent.payload.contains(marker + ",", autoescape=True),
            AuditEvent.payload.contains(marker + "}", autoescape=True)))
        .order_by(AuditEvent.seq))
    return [Step(e.seq, e.recorded_at, e.actor_name, e.event_type, json.loads(e.payload))
            for e in session.scalars(stmt)]
