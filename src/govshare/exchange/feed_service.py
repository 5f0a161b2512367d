"""The change feed of hosted libraries (库表 synchronisation, GD-16, GZ-18, GZ-21, GD-24): under the
caller agency's grant in force, the record versions loaded after a cursor, in id order, a page at
a time, each shown exactly as a consumer query shows it (query_service.GrantUse: granted items in
clear, sensitive items not granted masked, rows limited to the grant's division and row scope).

Ordering: `exchange_record` is append-only and a library's loads are serial (its row is the load
lock), so within a library ids grow in commit order — a version committed later never gets a
smaller id than one a reader has already passed. The cursor is the last id read; nothing after
it can appear behind it.

A subject whose new version falls outside the grant's division or row scope, while its previous
version was inside, appears once as `left_scope` (no data): a synchronised copy must drop it, as a
query would now answer "no record" (GZ-21).

The cursor is opaque to the consumer: the grant and the record id with a check digest, so that a
cursor of another grant (a previous one, or another agency's) is refused, naming `cursor`.
Every read states its purpose and is written to the query log (kind `feed`) with the versions
it returned."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from govshare.exchange import feed_policy as policy
from govshare.exchange import query_log, query_service
from govshare.exchange.models import Record
from govshare.exchange.query_service import GrantUse, Purpose
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput
from govshare.kit.system import system_use

MAX_PAGE, DEFAULT_PAGE = 500, 100
SCAN_FACTOR = 4  # a division-limited grant examines at most this many versions per change asked
UPSERT, LEFT_SCOPE = "upsert", "left_scope"


@dataclass(frozen=True)
class Change:
    """One record version as the grant shows it; `left_scope` carries no data."""

    version_id: int
    subject: str
    change: str  # upsert, left_scope
    data: dict[str, Any] | None
    masked: tuple[str, ...]
    produced_at: datetime
    valid_from: datetime
    loaded_at: datetime


@dataclass(frozen=True)
class Batch:
    changes: list[Change]
    last_id: int  # the last version examined: where the next read starts
    more: bool  # versions after last_id may be waiting


@dataclass(frozen=True)
class FeedPage:
    query_id: int
    read_at: datetime
    use: GrantUse
    purpose: Purpose
    changes: list[Change]
    cursor: str  # the one given (normalised), or "" from the beginning
    next_cursor: str
    more: bool


# --- the cursor ----------------------------------------------------------------------------

def _check(grant_id: int, record_id: int) -> str:
    return hashlib.new("sm3", f"govshare-feed:{grant_id}:{record_id}".encode()).hexdigest()[:8]


@system_use("formats a position of the feed; reads nothing")
def encode_cursor(grant_id: int, record_id: int) -> str:
    """The opaque cursor after `record_id` under this grant."""
    raw = f"{grant_id}.{record_id}.{_check(grant_id, record_id)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@system_use("reads a cursor the caller sent against the grant the calling service obtained")
def decode_cursor(cursor: str | None, grant_id: int) -> int:
    """The record id a cursor stands for; 0 when there is none (from the beginning)."""
    cursor = (cursor or "").strip()
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        granted, record, check = raw.split(".")
        granted_id, record_id = int(granted), int(record)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("游标无法识别：请原样传回上次读取返回的 next_cursor，或留空从头读取",
                           field="cursor", rule="format") from None
    if check != _check(granted_id, record_id) or record_id < 0:
        raise InvalidInput("游标已被改动：请原样传回上次读取返回的 next_cursor", field="cursor",
                           rule="format")
    if granted_id != grant_id:
        raise InvalidInput(f"该游标属于授权 #{granted_id}，而本机关现用的授权是 #{grant_id}；"
                           "授权不同，可见的信息项和范围也可能不同，请留空游标在现授权下从头同步",
                           field="cursor", rule="other_grant")
    return record_id


# --- reading -------------------------------------------------------------------------------

@system_use("the grant is the permission: query_service.grant_use asks access.usable_grant")
def fresh_use(session: Session, agency_id: int | None, resource_code: str) -> GrantUse:
    """The agency's grant use read afresh (not from the query cache): a revoked or expired grant
    stops the feed at once, and masking follows the catalog published now."""
    query_service.forget(query_log.database_of(session.get_bind().url), agency_id, resource_code)
    return query_service.grant_use(session, agency_id, resource_code)


_PAGE_COLUMNS = (Record.id, Record.subject, Record.data, Record.produced_at, Record.valid_from,
                 Record.loaded_at, Record.division_code)


@system_use("reads under a GrantUse, which only grant_use makes after usable_grant decided")
def changes_after(session: Session, use: GrantUse, after: int, limit: int) -> Batch:
    """Up to `limit` changes after record `after`, in id order, as the grant shows them."""
    # Unlimited grants take every version: reading more than `limit` would decode JSON for nothing.
    scoped = use.division_code is not None or bool(use.divisions)
    scan = limit * SCAN_FACTOR if scoped else limit
    rows = session.execute(select(*_PAGE_COLUMNS).where(
        Record.library_id == use.library_id, Record.id > after).order_by(Record.id).limit(scan)).all()
    left = _left_scope(session, use, rows)
    changes: list[Change] = []
    for row in rows:
        change = _change(use, row, row.id in left)
        if change is not None:
            changes.append(change)
            if len(changes) == limit:
                return Batch(changes, row.id, True)
    return Batch(changes, rows[-1].id if rows else after, len(rows) == scan)


def _change(use: GrantUse, row: Any, left: bool) -> Change | None:
    if use.in_scope(row.division_code):
        shown, hidden = use.show(row.data)
        return Change(row.id, row.subject, UPSERT, shown, hidden, row.produced_at, row.valid_from,
                      row.loaded_at)
    if left:
        return Change(row.id, row.subject, LEFT_SCOPE, None, (), row.produced_at, row.valid_from,
                      row.loaded_at)
    return None


def _left_scope(session: Session, use: GrantUse, rows: list[Any]) -> set[int]:
    """The out-of-scope versions whose subject's previous version was in scope (one statement:
    each previous version is one descent of the (library, subject, id) index)."""
    if use.division_code is None and not use.divisions:
        return set()
    outside = [r.id for r in rows if not use.in_scope(r.division_code)]
    if not outside:
        return set()
    prev = aliased(Record)
    previous = (select(prev.division_code).where(
        prev.library_id == Record.library_id, prev.subject == Record.subject, prev.id < Record.id)
        .order_by(prev.id.desc()).limit(1).scalar_subquery())
    found = session.execute(select(Record.id, previous).where(Record.id.in_(outside))).all()
    return {rid for rid, division in found if division is not None and use.in_scope(division)}


@system_use("the latest version of a library, where a subscription from now starts; no data read")
def latest_id(session: Session, use: GrantUse) -> int:
    """The highest record id of the grant's library (0 when empty)."""
    return session.scalar(select(func.max(Record.id)).where(Record.library_id == use.library_id)) or 0


def read_feed(session: Session, actor: Actor, resource_code: str, cursor: str | None,
              limit: int | None, duty: str | None, case_number: str | None) -> FeedPage:
    """The next page of changes after `cursor` under the agency's grant in force, with the next
    cursor; recorded in the query log (kind `feed`)."""
    policy.can_read_feed(actor)
    purpose = query_service.check_purpose(duty, case_number)
    limit = check_limit(limit)
    use = fresh_use(session, actor.agency_id, resource_code)
    after = decode_cursor(cursor, use.grant_id)
    batch = changes_after(session, use, after, limit)
    read_at = clock.now()
    line = log_line(use, purpose, batch.changes, read_at, "feed", query_service.actor_kind(actor),
                    query_service.actor_name(actor))
    query_id = query_log.write(session, line)
    return FeedPage(query_id, read_at, use, purpose, batch.changes, (cursor or "").strip(),
                    encode_cursor(use.grant_id, batch.last_id), batch.more)


@system_use("a pure check of what the caller typed; the calling service checked its policy")
def check_limit(limit: int | None, field: str = "limit") -> int:
    """The page size: 1 to MAX_PAGE, DEFAULT_PAGE when not given."""
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"每页变更条数应在 1 到 {MAX_PAGE} 之间，实为 {limit}", field=field,
                           rule="range")
    return limit


@system_use("formats the log line of a feed read or push; reads nothing")
def log_line(use: GrantUse, purpose: Purpose, changes: list[Change], at: datetime, kind: str,
             actor_kind: str, actor: str) -> query_log.LogLine:
    """The query-log line of a page read (`feed`) or pushed (`push`)."""
    ids = tuple(c.version_id for c in changes)
    return query_log.LogLine(
        queried_at=at, kind=kind, agency_id=use.agency_id, provider_agency_id=use.provider_agency_id,
        actor_kind=actor_kind, actor=actor, grant_id=use.grant_id, resource_code=use.resource_code,
        division_code=use.division_code, duty=purpose.duty, case_number=purpose.case_number,
        as_of=None, subjects=tuple(dict.fromkeys(c.subject for c in changes)),
        items=use.clear + tuple(f"{n}（脱敏）" for n in use.masked), row_count=len(ids),
        record_ids=ids, outcome="rows")


@system_use("formats changes for the API and the push body; reads nothing")
def change_json(change: Change) -> dict[str, Any]:
    """A change as the API answers it and a push carries it."""
    return {"version_id": change.version_id, "subject": change.subject, "change": change.change,
            "data": change.data, "masked": list(change.masked),
            "produced_at": change.produced_at.isoformat(), "valid_from": change.valid_from.isoformat(),
            "loaded_at": change.loaded_at.isoformat()}
