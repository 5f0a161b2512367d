"""The query log (GD-24, GZ-25): written by one INSERT in the same transaction as the answer,
read back a page at a time by the agency that asked, the provider whose data was asked for, and
oversight. See query_models for the table and why subjects are stored as SM3 digests.

Partitions (PostgreSQL): before the first write of a month, each process makes sure that month
and the two after it exist, by calling the migration's function on a connection of its own
(never inside the caller's transaction, with a lock timeout, so a busy log table delays it
rather than the query). The worker can call `ensure_partitions` daily so that the query path
normally finds them made already."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import psycopg
from sqlalchemy import URL, Connection, Engine, bindparam, select, text
from sqlalchemy.orm import Session

from govshare.exchange import query_policy as policy
from govshare.exchange.query_models import QueryLogEntry
from govshare.exchange.subjects import NORMALISERS
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput
from govshare.kit.types import UtcDateTime

log = logging.getLogger("govshare.exchange.query_log")
MONTHS_AHEAD = 3
MAX_PAGE = 200
DEFAULT_DAYS = 31


def subject_digest(normalised: str) -> str:
    """SM3 of a normalised subject identifier, as the log stores it (hex)."""
    return hashlib.new("sm3", normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LogLine:
    queried_at: datetime
    kind: str  # query, verify, api, file, feed, push (web_query.KINDS says what each records)
    agency_id: int
    provider_agency_id: int
    actor_kind: str  # user, client
    actor: str
    grant_id: int
    resource_code: str
    division_code: str | None
    duty: str
    case_number: str
    as_of: datetime | None
    subjects: tuple[str, ...]  # normalised; digested on the way in
    items: tuple[str, ...]
    row_count: int
    record_ids: tuple[int, ...]
    outcome: str  # rows, yes, no, file


INSERT_SQL = (
    "INSERT INTO exchange_query_log (queried_at, kind, agency_id, provider_agency_id, actor_kind, "
    "actor, grant_id, resource_code, division_code, duty, case_number, as_of, subject_count, "
    "subjects, items, row_count, record_ids, outcome) VALUES (:queried_at, :kind, :agency_id, "
    ":provider_agency_id, :actor_kind, :actor, :grant_id, :resource_code, :division_code, :duty, "
    ":case_number, :as_of, :subject_count, :subjects, :items, :row_count, :record_ids, :outcome) "
    "RETURNING id")
_INSERT = text(INSERT_SQL).bindparams(bindparam("queried_at", type_=UtcDateTime()),
                                      bindparam("as_of", type_=UtcDateTime()))
_ENSURE = text("SELECT exchange_query_log_ensure_partitions(:month, :count)")
_ensured: set[tuple[str, date]] = set()
_names: dict[int, tuple[URL, str]] = {}
_ensure_lock = threading.Lock()


def write(session: Session, line: LogLine) -> int:
    """Append one line (one INSERT, no ORM objects); returns its id, the query's reference."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        ensure_month(conn.engine, line.queried_at)
    return conn.execute(_INSERT, parameters(line)).scalar_one()


def parameters(line: LogLine) -> dict:
    """The INSERT's parameters: subjects digested, lists joined."""
    return {
        "queried_at": line.queried_at, "kind": line.kind, "agency_id": line.agency_id,
        "provider_agency_id": line.provider_agency_id, "actor_kind": line.actor_kind,
        "actor": line.actor[:64], "grant_id": line.grant_id, "resource_code": line.resource_code,
        "division_code": line.division_code, "duty": line.duty, "case_number": line.case_number,
        "as_of": line.as_of, "subject_count": len(line.subjects),
        "subjects": " ".join(subject_digest(s) for s in line.subjects),
        "items": "、".join(line.items), "row_count": line.row_count,
        "record_ids": " ".join(map(str, line.record_ids)), "outcome": line.outcome,
    }


def _month(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def database_of(url: URL) -> str:
    """The database a URL names, as the caches of this package key it. Rendering a URL costs
    tens of microseconds (URL hashes by rendering itself), so it is done once per URL object."""
    hit = _names.get(id(url))
    if hit is not None and hit[0] is url:
        return hit[1]
    name = url.render_as_string(hide_password=True)
    _names[id(url)] = (url, name)  # holding the URL keeps its id from being reused
    return name


def partition_unchecked(database: str, moment: datetime) -> bool:
    """Whether this process has not yet made sure of the month's partition (PostgreSQL)."""
    return (database, _month(moment)) not in _ensured


def ensure_month(engine: Engine, moment: datetime) -> None:
    """Make sure, once per process and month, that the month's partition and the next two exist.
    On a connection of its own, outside the engine's pool: the callers each hold a pooled
    connection while they wait here, and a pool they have exhausted must not be needed to let
    them go on (it was, once: 32 first queries at once, a 20-connection pool, a 30 s stall)."""
    key = (database_of(engine.url), _month(moment))
    if key in _ensured:
        return
    with _ensure_lock:
        if key in _ensured:
            return
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            with psycopg.connect(conninfo, connect_timeout=10) as conn:  # commits as it closes
                conn.execute("SET LOCAL lock_timeout = '2s'")
                conn.execute("SELECT exchange_query_log_ensure_partitions(%s, %s)", (key[1], MONTHS_AHEAD))
            _ensured.add(key)
        except Exception:  # noqa: BLE001 - the INSERT then names the missing partition itself
            log.exception("could not create query-log partitions from %s", key[1])


def ensure_partitions(conn: Connection, month: date, count: int = MONTHS_AHEAD) -> int:
    """Create the missing monthly partitions among `count` months from `month` (PostgreSQL; on
    SQLite there is nothing to do). Returns how many were created. The caller commits."""
    if conn.dialect.name != "postgresql":
        return 0
    conn.execute(text("SET LOCAL lock_timeout = '2s'"))
    return conn.execute(_ENSURE, {"month": month, "count": count}).scalar_one()


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogPage:
    entries: list[QueryLogEntry]
    since: date
    until: date
    next_before: int | None  # pass as `before` for the next (older) page


def entries(session: Session, actor: Actor, *, side: str = "mine", since: date | None = None,
            until: date | None = None, resource_code: str = "", case_number: str = "",
            subject: str = "", before: int | None = None, limit: int = 50) -> LogPage:
    """A page of the log, newest first: the agency's own queries (`mine`), the queries of its
    data by others (`provided`), or every agency's (`all`, oversight). The time window (31 days
    by default) lets PostgreSQL read only the partitions of those months."""
    policy.can_read_query_log(actor, side)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"每页条数应在 1 到 {MAX_PAGE} 之间", field="limit", rule="range")
    until = until or clock.today()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise InvalidInput("开始日期不能晚于结束日期", field="since", rule="range")
    t = QueryLogEntry
    # Ids grow with time, so "newest first" is id order: the (agency, id) indexes of the pruned
    # partitions are read backwards and merged, never sorted.
    stmt = select(t).where(t.queried_at >= _china_midnight(since),
                           t.queried_at < _china_midnight(until + timedelta(days=1)))
    if side == "mine":
        stmt = stmt.where(t.agency_id == actor.agency_id)
    elif side == "provided":
        stmt = stmt.where(t.provider_agency_id == actor.agency_id)
    if resource_code.strip():
        stmt = stmt.where(t.resource_code == resource_code.strip())
    if case_number.strip():
        stmt = stmt.where(t.case_number == case_number.strip())
    if subject.strip():
        stmt = stmt.where(t.subjects.contains(subject_digest(_normalise_any(subject))))
    if before is not None:
        stmt = stmt.where(t.id < before)
    rows = list(session.scalars(stmt.order_by(t.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage(rows, since, until, rows[-1].id if more else None)


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.CHINA)


def _normalise_any(value: str) -> str:
    """The identifier as the query stored it, whatever its kind: tried as each kind in turn."""
    for kind in ("id_number", "credit_code", "org_code", "business_licence_no"):
        try:
            return NORMALISERS[kind](value)
        except InvalidInput:
            continue
    return NORMALISERS["other"](value)
