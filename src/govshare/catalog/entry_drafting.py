"""Drafting entries in a batch (GZ-7): the rules, one datum one source (GZ-13), resource codes
and the audit of `entry_service.draft_entry`, with the database work done per batch instead of
per entry — one lock per classification counter, entries and items in batched INSERTs, the
EntryDrafted events appended together. The caller (entry_service) has checked the policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog import rules
from govshare.catalog.events import EntryDrafted
from govshare.catalog.models import BaseItem, CodeCounter, Entry, Item
from govshare.catalog.single_source import check_single_source
from govshare.catalog.terms import EntryStatus
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput

ENTRY_FIELDS = [f for f in rules.EntryDraft.__dataclass_fields__ if f != "items"]


def draft_all(session: Session, actor: Actor, agency_id: int,
              drafts: Sequence[rules.EntryDraft]) -> list[Entry]:
    """Draft every one of `drafts`, in order, or — if any breaks a rule — none."""
    if not drafts:
        return []
    validate_all(session, agency_id, drafts)
    codes = allocate_codes(session, [classification_of(d) for d in drafts])
    entries = [_new_entry(agency_id, code, d) for code, d in zip(codes, drafts, strict=True)]
    # Entries and items each go in batched INSERT … RETURNING (insertmanyvalues).
    session.add_all(entries)
    session.flush()
    evidence.record_many(session, [EntryDrafted(entry_id=e.id, agency_id=agency_id,
                                                resource_code=e.resource_code, name=e.name)
                                   for e in entries], actor)
    return entries


def classification_of(draft: rules.EntryDraft) -> str:
    return f"{draft.category}{draft.subcategory}{draft.subject}{draft.detail}"


def apply_draft(entry: Entry, draft: rules.EntryDraft) -> None:
    """Copy a draft's fields and items onto an entry (new, or being revised)."""
    values = asdict(draft)
    for name in ENTRY_FIELDS:
        value = values[name]
        setattr(entry, name, list(value) if isinstance(value, tuple) else value)
    entry.items = [Item(position=i, **asdict(item)) for i, item in enumerate(draft.items)]


def _new_entry(agency_id: int, code: str, draft: rules.EntryDraft) -> Entry:
    entry = Entry(agency_id=agency_id, resource_code=code, status=EntryStatus.DRAFT.value)
    apply_draft(entry, draft)
    return entry


# --- rules ---------------------------------------------------------------------------------

def validate_all(session: Session, agency_id: int, drafts: Sequence[rules.EntryDraft]) -> None:
    """Every draft through the same checks as a single one, before anything is written."""
    # Held here so the checks find the claimed base items in the session's identity map
    # (which keeps only referenced objects) instead of asking the database item by item.
    bases = _load_base_items(session, drafts)
    for n, draft in enumerate(drafts):
        try:
            rules.check_entry(draft)
            check_single_source(session, agency_id, draft.items)
        except InvalidInput as exc:
            raise _in_batch(exc, n, len(drafts)) from exc
    del bases  # held until here on purpose (see above)


def _load_base_items(session: Session, drafts: Sequence[rules.EntryDraft]) -> list[BaseItem]:
    codes = sorted({i.base_item_code for d in drafts for i in d.items if i.base_item_code})
    if not codes:
        return []
    return list(session.scalars(select(BaseItem).where(BaseItem.code.in_(codes))))


def _in_batch(exc: InvalidInput, n: int, total: int) -> InvalidInput:
    """A lone draft's error stays as it was; in a batch the field also says which draft."""
    if total == 1:
        return exc
    field = f"drafts[{n}].{exc.field}" if exc.field else f"drafts[{n}]"
    return InvalidInput(f"第 {n + 1} 个条目：{exc.message}", field=field, rule=exc.rule)


# --- resource codes ------------------------------------------------------------------------

def allocate_codes(session: Session, classifications: Sequence[str]) -> list[str]:
    """`{分类码}/{顺序码}` for each classification in turn: consecutive within the batch, and —
    the counters only grow — never given out twice."""
    wanted = Counter(classifications)
    counters = _lock_counters(session, sorted(wanted))
    next_seq = {}
    for classification, count in wanted.items():
        counter = counters[classification]
        next_seq[classification] = counter.last_sequence + 1
        counter.last_sequence += count
    codes = []
    for classification in classifications:
        codes.append(f"{classification}/{next_seq[classification]:06d}")
        next_seq[classification] += 1
    return codes


def _lock_counters(session: Session, classifications: list[str]) -> dict[str, CodeCounter]:
    """Lock the batch's counters in one statement, in classification order so two batches
    that share counters queue instead of deadlocking; create the ones not seen before."""
    counters = {}
    for chunk in _chunks(classifications, 1000):  # stay far below any bound-parameter limit
        stmt = (select(CodeCounter).where(CodeCounter.classification.in_(chunk))
                .order_by(CodeCounter.classification).with_for_update()
                .execution_options(populate_existing=True))
        counters.update((c.classification, c) for c in session.scalars(stmt))
    for classification in classifications:
        if classification not in counters:
            counters[classification] = CodeCounter(classification=classification, last_sequence=0)
            session.add(counters[classification])
    return counters


def _chunks(values: list[str], size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]
