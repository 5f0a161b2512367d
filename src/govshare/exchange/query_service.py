"""Consumer queries of hosted libraries (库表, GZ-18, GZ-21, GZ-25, GD-20, GD-24): by one or many
subject identifiers, under the grant in force of the caller's own agency (an API client of the
agency uses the agency's grant, never another's), every query with its purpose (duty and case
number) and recorded in the query log in the same transaction.

What a grant shows: the granted items in clear; sensitive items it does not grant, masked
(exchange.masking); nothing else. Rows: a record whose division is not the grant's (GZ-21) or
outside the grant's row scope is answered as not found, so its existence is not disclosed either.
The answer names the record version (row id) of every subject it returns.

The hot path: the grant, the library and the masking plan are cached per (database, agency,
resource) for at most CACHE_SECONDS, and re-checked on every query inside the lookup itself —
the one SELECT that reads the records also asks whether the grant is still active and which
catalog version is published — so a revoked grant stops working at once and a re-classified
item is masked from the next query on. Then one INSERT for the log. No ORM objects are loaded."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, TextClause, bindparam, select, text
from sqlalchemy.orm import Session

from govshare.access import grant_service
from govshare.catalog.models import Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.exchange import masking, query_log, snapshot_service, subjects
from govshare.exchange import query_policy as policy
from govshare.exchange.models import Library
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput, NotFound, Unauthenticated
from govshare.kit.system import system_use
from govshare.kit.types import UtcDateTime

CACHE_SECONDS = 30.0
MAX_SUBJECTS = 100
DUTY_MAX, CASE_MAX = 200, 64


@dataclass(frozen=True)
class Purpose:
    """Why this query is made (GD-24): the duty it serves and the case it is made for."""

    duty: str
    case_number: str


@system_use("a pure check of what the caller typed; the calling service checked its policy")
def check_purpose(duty: str | None, case_number: str | None) -> Purpose:
    """The purpose, trimmed; a query without a duty or a case number is refused naming it."""
    d, c = (duty or "").strip(), (case_number or "").strip()
    if not d:
        raise InvalidInput("每次查询须写明所依据的职责（如“办理婚姻登记时核验当事人户籍”），"
                           "共享信息只能用于本机关履行职责（GD-24）", field="duty", rule="required")
    if not c:
        raise InvalidInput("每次查询须写明办理的案件或事项编号（办件号），以便事后核查用途（GD-24）",
                           field="case_number", rule="required")
    if len(d) > DUTY_MAX:
        raise InvalidInput(f"职责最长{DUTY_MAX}个字，实为{len(d)}个", field="duty", rule="length")
    if len(c) > CASE_MAX:
        raise InvalidInput(f"办件号最长{CASE_MAX}个字符，实为{len(c)}个", field="case_number",
                           rule="length")
    if not c.isprintable():
        raise InvalidInput("办件号不能含换行等控制字符", field="case_number", rule="format")
    return Purpose(d, c)


@dataclass(frozen=True)
class GrantUse:
    """What one grant lets its agency see of one hosted resource, ready for the hot path."""

    grant_id: int
    agency_id: int
    provider_agency_id: int
    resource_code: str
    resource_name: str
    valid_from: date
    valid_until: date
    division_code: str | None  # GZ-21: only this division's records
    divisions: frozenset[str]  # the row scope's divisions; empty: no limit
    library_id: int
    subject_item: str
    normalise: Callable[..., str]
    catalog_version_id: int | None  # the published version the plan was made from
    clear: tuple[str, ...]  # items shown in clear
    masked: dict[str, Callable[[Any], str | None]]  # items shown masked
    resource_kind: str = ""  # licence and document queries leave a data snapshot (GZ-23)

    def in_scope(self, division_code: str | None) -> bool:
        if self.division_code is not None and division_code != self.division_code:
            return False
        return not self.divisions or division_code in self.divisions

    def show(self, data: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        shown = {n: data[n] for n in self.clear if n in data}
        hidden = tuple(n for n in self.masked if n in data)
        for n in hidden:
            shown[n] = self.masked[n](data[n])
        return shown, hidden


@dataclass(frozen=True)
class Result:
    subject: str  # normalised
    found: bool
    version_id: int | None = None  # the record row: what the answer cites
    data: dict[str, Any] | None = None
    masked: tuple[str, ...] = ()
    produced_at: datetime | None = None
    valid_from: datetime | None = None
    loaded_at: datetime | None = None


@dataclass(frozen=True)
class Answer:
    query_id: int  # the query log line
    queried_at: datetime
    grant_id: int
    resource_code: str
    resource_name: str
    purpose: Purpose
    as_of: datetime | None
    items: tuple[str, ...]
    masked_items: tuple[str, ...]
    division_code: str | None
    results: list[Result]
    snapshot_id: int | None = None  # licences and documents: the data snapshot (GZ-23)

    @property
    def version_ids(self) -> list[int]:
        return [r.version_id for r in self.results if r.version_id is not None]


_cache: dict[tuple[str, int | None, str], tuple[float, GrantUse]] = {}

_COLUMNS = dict(id=Integer, subject=String, data=JSON, produced_at=UtcDateTime,
                valid_from=UtcDateTime, loaded_at=UtcDateTime, division_code=String,
                catalog_version_id=Integer)
_SELECT = ("SELECT r.id, r.subject, r.data, r.produced_at, r.valid_from, r.loaded_at, r.division_code, "
           "(SELECT v.id FROM catalog_version v WHERE v.status = 'published' LIMIT 1) AS catalog_version_id "
           "FROM exchange_record r WHERE ")
_LIVE = ("AND EXISTS (SELECT 1 FROM access_grant g WHERE g.id = :grant_id "
         "AND g.status = 'active')")
# An API client's token revoked or expired stops its queries at once, however its caller cached it.
_CLIENT_LIVE = (" AND EXISTS (SELECT 1 FROM directory_api_client c WHERE c.id = :client_id "
                "AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :now))")
_statements: dict[tuple[bool, bool, bool], TextClause] = {}


def _statement(many: bool, as_of: bool, client: bool) -> TextClause:
    """The lookup: the version in force (or at `as_of`) of one subject or many, read only if the
    grant (and the calling API client) are still live — all in one statement."""
    key = (many, as_of, client)
    if key not in _statements:
        at = "AND {}.loaded_at <= :as_of " if as_of else ""
        live = _LIVE + (_CLIENT_LIVE if client else "")
        if many:
            sql = (_SELECT + "r.id IN (SELECT max(x.id) FROM exchange_record x WHERE x.library_id = "
                   ":library_id AND x.subject IN :subjects " + at.format("x") + "GROUP BY x.subject) "
                   + live)
            stmt = text(sql).bindparams(bindparam("subjects", expanding=True))
        else:
            stmt = text(_SELECT + "r.library_id = :library_id AND r.subject = :subject "
                        + at.format("r") + live + " ORDER BY r.id DESC LIMIT 1")
        # Typed, so that SQLite compares them as stored: UTC text (UtcDateTime).
        typed = [bindparam(n, type_=UtcDateTime()) for n, used in (("as_of", as_of), ("now", client)) if used]
        _statements[key] = stmt.bindparams(*typed).columns(**_COLUMNS)
    return _statements[key]


_CLIENT_STATUS = text("SELECT 1 FROM directory_api_client c WHERE c.id = :client_id "
                      "AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :now)"
                      ).bindparams(bindparam("now", type_=UtcDateTime()))
_GRANT_STATUS = text("SELECT status FROM access_grant WHERE id = :grant_id")


def query_records(session: Session, actor: Actor, resource_code: str, subject_ids: Sequence[Any],
                  duty: str | None, case_number: str | None, as_of: datetime | None = None) -> Answer:
    """The records of these subjects as the agency's grant shows them, now or as of a moment,
    recorded in the query log; a licence or document query also leaves a data snapshot of the
    answer, in the same transaction (GZ-23)."""
    policy.can_query(actor)
    purpose = check_purpose(duty, case_number)
    asked = ask(actor, grant_use(session, actor.agency_id, resource_code), subject_ids, purpose, as_of)
    rows, use = lookup(session, asked.use, asked.keys, as_of, client_of(actor))
    answer, line = finish(replace(asked, use=use), rows)
    answer = replace(answer, query_id=query_log.write(session, line))
    if snapshot_service.needs_snapshot(use.resource_kind):
        answer = replace(answer, snapshot_id=snapshot_service.of_query(session, actor, answer))
    return answer


@dataclass(frozen=True)
class Asked:
    """A query checked and normalised, ready for the lookup (either path: query_pg on the event
    loop, or `lookup` through a Session)."""

    actor: Actor
    use: GrantUse
    keys: list[str]
    purpose: Purpose
    as_of: datetime | None


def ask(actor: Actor, use: GrantUse, subject_ids: Sequence[Any], purpose: Purpose,
        as_of: datetime | None) -> Asked:
    """Check who asks and normalise what is asked, under a grant already obtained."""
    policy.can_query(actor)
    return Asked(actor, use, normalised(use, subject_ids), purpose, as_of)


@system_use("builds the answer and its log line from rows read under the grant; reads nothing")
def finish(asked: Asked, rows: dict[str, Row],
           queried_at: datetime | None = None) -> tuple[Answer, query_log.LogLine]:
    """The answer (without its log id yet) and the log line: rows limited to the grant's
    division and row scope, items projected and masked."""
    use, results = asked.use, []
    for key in asked.keys:
        row = rows.get(key)
        if row is None or not use.in_scope(row.division_code):
            results.append(Result(key, False))
            continue
        shown, hidden = use.show(row.data)
        results.append(Result(key, True, row.id, shown, hidden, row.produced_at, row.valid_from,
                              row.loaded_at))
    queried_at = queried_at or clock.now()
    line = log_line(asked, queried_at, tuple(r.version_id for r in results if r.version_id is not None))
    return Answer(0, queried_at, use.grant_id, use.resource_code, use.resource_name, asked.purpose,
                  asked.as_of, use.clear, tuple(use.masked), use.division_code, results), line


@system_use("formats the log line of a query; reads nothing")
def log_line(asked: Asked, queried_at: datetime, found: tuple[int, ...]) -> query_log.LogLine:
    use = asked.use
    return query_log.LogLine(
        queried_at=queried_at, kind="query", agency_id=use.agency_id,
        provider_agency_id=use.provider_agency_id, actor_kind=actor_kind(asked.actor),
        actor=actor_name(asked.actor), grant_id=use.grant_id, resource_code=use.resource_code,
        division_code=use.division_code, duty=asked.purpose.duty, case_number=asked.purpose.case_number,
        as_of=asked.as_of, subjects=tuple(asked.keys),
        items=use.clear + tuple(f"{n}（脱敏）" for n in use.masked), row_count=len(found),
        record_ids=found, outcome="rows")


@system_use("names the kind of actor for the log line; no data is read")
def actor_kind(actor: Actor) -> str:
    return "client" if actor.kind == "api_client" else "user"


@system_use("names the actor for the log line: `user:7 钱办事`, `api_client:3 婚姻登记系统`")
def actor_name(actor: Actor) -> str:
    return f"{actor.label} {actor.name}"[:64]


@system_use("normalises what the caller typed under a grant the calling service obtained")
def normalised(use: GrantUse, subject_ids: Sequence[Any]) -> list[str]:
    """The asked identifiers normalised like ingest does (GZ-16), duplicates dropped."""
    if isinstance(subject_ids, str | bytes) or not subject_ids:
        raise InvalidInput(f"请至少提供一个{use.subject_item}", field="subjects", rule="required")
    if len(subject_ids) > MAX_SUBJECTS:
        raise InvalidInput(f"一次最多查询{MAX_SUBJECTS}个主体，实为{len(subject_ids)}个",
                           field="subjects", rule="max_items")
    keys = [use.normalise(s, f"subjects.{i}") for i, s in enumerate(subject_ids)]
    return list(dict.fromkeys(keys))


@dataclass(frozen=True)
class Row:
    id: int
    subject: str
    data: dict[str, Any]
    produced_at: datetime
    valid_from: datetime
    loaded_at: datetime
    division_code: str | None


@system_use("names the API client whose token the lookup re-checks; reads nothing")
def client_of(actor: Actor) -> int | None:
    return actor.id if actor.kind == "api_client" else None


@system_use("reads under a GrantUse, which only grant_use makes; it re-checks the grant itself")
def lookup(session: Session, use: GrantUse, keys: list[str], as_of: datetime | None,
           client_id: int | None = None) -> tuple[dict[str, Row], GrantUse]:
    """The version in force (or at `as_of`) of each subject, in one statement that also checks
    the grant (and the API client) are still live; the masking plan is remade if another catalog
    version has been published since it was cached."""
    for _attempt in (1, 2):
        params: dict[str, Any] = {"library_id": use.library_id, "grant_id": use.grant_id}
        if as_of is not None:
            params["as_of"] = as_of
        if client_id is not None:
            params["client_id"], params["now"] = client_id, clock.now()
        if len(keys) == 1:
            params["subject"] = keys[0]
        else:
            params["subjects"] = keys
        stmt = _statement(len(keys) > 1, as_of is not None, client_id is not None)
        fetched = session.execute(stmt, params).all()
        if fetched:
            break
        if client_id is not None and session.execute(_CLIENT_STATUS, {
                "client_id": client_id, "now": params["now"]}).first() is None:
            raise Unauthenticated("接口令牌已被吊销或已过期", code="token_revoked")
        if _grant_active(session, use):
            break
        # Revoked or expired since it was cached: ask again (403 if there is none now).
        use = _reload(session, use)
    if fetched and fetched[0].catalog_version_id != use.catalog_version_id:
        use = _reload(session, use)
    return {r.subject: Row(*r[:7]) for r in fetched}, use


def _grant_active(session: Session, use: GrantUse) -> bool:
    return session.execute(_GRANT_STATUS, {"grant_id": use.grant_id}).scalar() == "active"


def _reload(session: Session, use: GrantUse) -> GrantUse:
    _cache.pop(_key(session, use.agency_id, use.resource_code), None)
    return grant_use(session, use.agency_id, use.resource_code)


def _key(session: Session, agency_id: int | None, resource_code: str) -> tuple[str, int | None, str]:
    return (query_log.database_of(session.get_bind().url), agency_id, resource_code)


@system_use("hands out a grant use cached by grant_use, which checked the grant; reads nothing")
def cached_use(database: str, agency_id: int | None, resource_code: str) -> GrantUse | None:
    """The grant use cached for this database, agency and resource, if still fresh (the hot
    path on PostgreSQL asks this first and goes through `grant_use` only when it is not)."""
    hit = _cache.get((database, agency_id, resource_code))
    if hit is None or hit[0] <= time.monotonic():
        return None
    return hit[1] if hit[1].valid_from <= clock.today() <= hit[1].valid_until else None


@system_use("forgets a grant use whose grant the hot path found revoked; reads nothing")
def forget(database: str, agency_id: int | None, resource_code: str) -> None:
    _cache.pop((database, agency_id, resource_code), None)


@system_use("the grant is the permission: access.grant_service.usable_grant decides")
def grant_use(session: Session, agency_id: int | None, resource_code: str) -> GrantUse:
    """The agency's grant in force for this resource, with what it shows (cached briefly)."""
    today = clock.today()
    key = _key(session, agency_id, resource_code)
    hit = cached_use(*key)
    if hit is not None:
        return hit
    grant = grant_service.usable_grant(session, agency_id, resource_code, today)
    library = session.execute(select(Library.id, Library.subject_key, Library.subject_item).where(
        Library.resource_code == resource_code)).first()
    if library is None:
        raise NotFound(f"资源“{grant.resource_name}”（{resource_code}）在共享平台上还没有托管记录；"
                       "以接口或文件方式共享的资源请用相应方式获取", code="not_hosted")
    version_id, doc = _entry_document(session, resource_code, grant.catalog_version_id)
    clear, masked = masking.plan(doc["items"] if doc else [], list(grant.items))
    items = (doc or {}).get("items", [])
    length = next((i.get("length") for i in items if i["name"] == library.subject_item), None)
    use = GrantUse(
        grant_id=grant.id, agency_id=grant.grantee_agency_id, provider_agency_id=grant.provider_agency_id,
        resource_code=resource_code, resource_name=grant.resource_name, valid_from=grant.valid_from,
        valid_until=grant.valid_until, division_code=grant.division_code,
        divisions=frozenset((grant.row_scope or {}).get("division_codes") or ()),
        library_id=library.id, subject_item=library.subject_item,
        normalise=subjects.normaliser(library.subject_key, length), catalog_version_id=version_id,
        clear=clear, masked=masked, resource_kind=(doc or {}).get("resource_kind") or "")
    _cache[key] = (time.monotonic() + CACHE_SECONDS, use)
    return use


def _entry_document(session: Session, resource_code: str,
                    fallback_version_id: int | None) -> tuple[int | None, dict | None]:
    """The entry as the published catalog states it now (its sensitivities decide masking); if
    the resource left the catalog, as the grant's own catalog version stated it."""
    published = session.execute(select(Version.id, VersionEntry.content).join(
        VersionEntry, VersionEntry.version_id == Version.id).where(
        Version.status == VersionStatus.PUBLISHED.value,
        VersionEntry.resource_code == resource_code)).first()
    current = session.scalar(select(Version.id).where(Version.status == VersionStatus.PUBLISHED.value)
                             .limit(1))
    if published is not None:
        return current, thaw(published.content)
    content = session.scalar(select(VersionEntry.content).where(
        VersionEntry.version_id == fallback_version_id, VersionEntry.resource_code == resource_code))
    return current, thaw(content) if content else None


@system_use("drops the process's cache; reads and changes nothing")
def forget_cached_grants() -> None:
    """Drop every cached grant (tests; an operator after changing grants by hand)."""
    _cache.clear()
