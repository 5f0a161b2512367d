"""Forwarding a consumer's query to the provider's own API (接口, GD-16, GZ-18, GD-20, GD-24).

Three steps, so that no database transaction is held open while the provider answers (on SQLite
a writing transaction holds the write lock):

1. `prepare` (reads): the caller's purpose (duty and case number, GD-24), the agency's grant in
   force (access.grant_service.usable_grant), the registered endpoint, the subjects normalised.
2. `call` (no database): one GET per subject and party item (exchange.parties: by the key item,
   and by each other granted party item such as 女方公民身份号码 with `match=<its field>`), all
   within one overall deadline (the endpoint's timeout). On the way OUT only the granted items are
   asked (`fields`), with the grant's division and row scope (`division_code`, `divisions`) and
   the purpose in headers.
3. `finish` (one INSERT): on the way BACK a record counts only if its field for the party item it
   was asked by holds the number asked and (when the endpoint names the division field) it lies
   within the grant's division (GZ-21) — `counts`, which verification shares; then every field
   that is not a granted item is removed, whatever the provider sent, and a sensitive item the
   grant does not list, if the provider sent it anyway, is masked exactly as a hosted-library
   query masks it (exchange.masking). The forwarded query is written to the query log (kind `api`).

A provider that cannot be reached or answers with an error or something that is not JSON
records is a 502 naming the provider; one that does not answer in time, a 504."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.access import grant_service
from govshare.directory.models import Agency
from govshare.exchange import endpoint_policy as policy
from govshare.exchange import (
    endpoint_service,
    masking,
    parties,
    query_log,
    query_service,
    snapshot_service,
    subjects,
)
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import DomainError, InvalidInput

MAX_SUBJECTS = 20
MAX_ANSWER_BYTES = 1_000_000
_client = httpx.Client(follow_redirects=False, trust_env=False)

Sent = tuple[str, dict[str, Any]]  # (the party item the number was asked by, a record the provider sent)


class ProviderFailed(DomainError):
    """The provider's API failed or answered something that is not records (502)."""

    status = 502
    code = "provider_error"

    def __init__(self, message: str, provider: str, resource_code: str, *, code: str | None = None):
        super().__init__(message, code=code)
        self.provider, self.resource_code = provider, resource_code


class ProviderTimedOut(ProviderFailed):
    status = 504
    code = "provider_timeout"


@dataclass(frozen=True)
class Forward:
    """What one forwarded query may ask and show, decided before the provider is called."""

    grant_id: int
    agency_id: int
    provider_agency_id: int
    provider_name: str
    resource_code: str
    resource_name: str
    purpose: query_service.Purpose
    subjects: list[str]  # normalised
    subject_item: str | None
    normalise: Any
    division_code: str | None
    divisions: frozenset[str]
    clear: tuple[str, ...]  # granted items: asked, shown in clear
    masked: dict[str, Any]  # sensitive items not granted: never asked, masked if sent anyway
    # the endpoint
    url: str
    subject_param: str
    fields: dict[str, str]  # catalog item → provider field
    auth_header: str
    secret: str
    timeout: float
    division_field: str
    # the items the number is looked up in, the subject item first (exchange.parties)
    parties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    subject: str
    found: bool
    records: list[dict[str, Any]]
    masked: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # provider fields removed from the answer (not granted)


@dataclass(frozen=True)
class Answer:
    query_id: int
    queried_at: datetime
    grant_id: int
    resource_code: str
    resource_name: str
    provider_name: str
    purpose: query_service.Purpose
    items: tuple[str, ...]
    masked_items: tuple[str, ...]
    division_code: str | None
    results: list[Result]
    snapshot_id: int | None = None  # licences and documents: the data snapshot (GZ-23)


def prepare(session: Session, actor: Actor, resource_code: str, subject_ids: list[Any],
            duty: str | None, case_number: str | None) -> Forward:
    """Everything the forwarded query needs from the database; refused (403/404/422) here."""
    policy.can_query(actor)
    purpose = query_service.check_purpose(duty, case_number)
    entry = endpoint_service.api_entry(session, actor, resource_code)
    grant = grant_service.usable_grant(session, actor.agency_id, resource_code, clock.today())
    endpoint = endpoint_service.registered(session, actor, resource_code)
    if isinstance(subject_ids, str | bytes) or not subject_ids:
        raise InvalidInput(f"请至少提供一个{entry.subject_item or '主体标识'}", field="subjects",
                           rule="required")
    if len(subject_ids) > MAX_SUBJECTS:
        raise InvalidInput(f"通过提供机关接口一次最多查询{MAX_SUBJECTS}个主体，实为{len(subject_ids)}个",
                           field="subjects", rule="max_items")
    length = next((i.get("length") for i in entry.items if i["name"] == entry.subject_item), None)
    normalise = subjects.normaliser(entry.subject_key or "other", length)
    keys = list(dict.fromkeys(normalise(s, f"subjects.{i}") for i, s in enumerate(subject_ids)))
    clear, masked = masking.plan(entry.items, list(grant.items))
    provider = session.scalar(select(Agency.name).where(Agency.id == entry.provider_agency_id)) or ""
    return Forward(
        grant.id, grant.grantee_agency_id, entry.provider_agency_id, provider, resource_code,
        entry.name, purpose, keys, entry.subject_item, normalise, grant.division_code,
        frozenset((grant.row_scope or {}).get("division_codes") or ()), clear, masked,
        endpoint.base_url, endpoint.subject_param, dict(endpoint.fields), endpoint.auth_header,
        endpoint.secret, endpoint.timeout_seconds, endpoint.division_field,
        parties.party_items(entry.subject_item, clear, endpoint.fields))


def call(fwd: Forward, also: tuple[str, ...] = ()) -> dict[str, list[Sent]]:
    """Ask the provider for each subject by each party item: by the subject item as is, by another
    with `match=<its field>` (the provider looks the number up there). No database is touched.
    `also`: fields asked besides the items (verification's `_version`, `_valid_from`)."""
    asked = [fwd.fields[n] for n in fwd.clear if n in fwd.fields]
    if fwd.subject_item in fwd.fields and fwd.fields[fwd.subject_item] not in asked:
        asked.append(fwd.fields[fwd.subject_item])  # to check each record is the one asked for
    if fwd.division_field:
        asked.append(fwd.division_field)
    asked += also
    headers = {"Accept": "application/json", "X-Govshare-Grant": str(fwd.grant_id),
               "X-Govshare-Agency": str(fwd.agency_id),
               "X-Govshare-Duty": quote(fwd.purpose.duty, safe=""),
               "X-Govshare-Case": quote(fwd.purpose.case_number, safe="")}
    if fwd.auth_header:
        headers[fwd.auth_header] = fwd.secret
    deadline = time.monotonic() + fwd.timeout
    out: dict[str, list[Sent]] = {}
    for subject in fwd.subjects:
        out[subject] = []
        for item in fwd.parties or ("",):
            params = {fwd.subject_param: subject, "fields": ",".join(asked)}
            if item and item != fwd.subject_item:
                params["match"] = fwd.fields[item]
            if fwd.division_code:
                params["division_code"] = fwd.division_code
            if fwd.divisions:
                params["divisions"] = ",".join(sorted(fwd.divisions))
            out[subject] += [(item, r) for r in _get(fwd, params, headers, deadline) or ()]
    return out


def _get(fwd: Forward, params: dict[str, str], headers: dict[str, str],
         deadline: float) -> list[dict[str, Any]] | None:
    left = deadline - time.monotonic()
    who = f"提供机关“{fwd.provider_name}”的接口（资源 {fwd.resource_code}）"
    if left <= 0:
        raise ProviderTimedOut(f"{who}未在 {fwd.timeout:g} 秒内答复", fwd.provider_name, fwd.resource_code)
    try:
        r = _client.get(fwd.url, params=params, headers=headers, timeout=left)
    except httpx.TimeoutException:
        raise ProviderTimedOut(f"{who}未在 {fwd.timeout:g} 秒内答复", fwd.provider_name,
                               fwd.resource_code) from None
    except httpx.HTTPError as exc:
        raise ProviderFailed(f"{who}无法连接（{type(exc).__name__}）", fwd.provider_name,
                             fwd.resource_code, code="provider_unreachable") from None
    if r.status_code == 404:
        return None
    if r.status_code != 200:
        raise ProviderFailed(f"{who}返回错误（HTTP {r.status_code}）", fwd.provider_name, fwd.resource_code)
    if len(r.content) > MAX_ANSWER_BYTES:
        raise ProviderFailed(f"{who}的答复超过 {MAX_ANSWER_BYTES} 字节", fwd.provider_name,
                             fwd.resource_code, code="provider_bad_answer")
    try:
        data = r.json()
    except ValueError:
        data = None
    records = [data] if isinstance(data, dict) else data
    if not isinstance(records, list) or not all(isinstance(x, dict) for x in records):
        raise ProviderFailed(f"{who}的答复不是 JSON 记录（对象或对象数组）", fwd.provider_name,
                             fwd.resource_code, code="provider_bad_answer")
    return records


def finish(session: Session, actor: Actor, fwd: Forward, raw: dict[str, list[Sent]]) -> Answer:
    """The provider's answer cut to the grant, and its query-log line."""
    policy.can_query(actor)
    by_field = {f: n for n, f in fwd.fields.items()}
    results = []
    for subject in fwd.subjects:
        shown, masked, removed = [], set(), set()
        for item, record in raw.get(subject) or []:
            if not counts(fwd, subject, item, record):
                continue  # another subject's, or another division's: not disclosed, not even that it exists
            kept = _cut(fwd, record, by_field, masked, removed)
            if kept not in shown:  # one record found by two party items is shown once
                shown.append(kept)
        results.append(Result(subject, bool(shown), shown, tuple(sorted(masked)), tuple(sorted(removed))))
    queried_at = clock.now()
    query_id = query_log.write(session, query_log.LogLine(
        queried_at=queried_at, kind="api", agency_id=fwd.agency_id,
        provider_agency_id=fwd.provider_agency_id, actor_kind=query_service.actor_kind(actor),
        actor=query_service.actor_name(actor), grant_id=fwd.grant_id, resource_code=fwd.resource_code,
        division_code=fwd.division_code, duty=fwd.purpose.duty, case_number=fwd.purpose.case_number,
        as_of=None, subjects=tuple(fwd.subjects),
        items=fwd.clear + tuple(f"{n}（脱敏）" for n in fwd.masked),
        row_count=sum(len(r.records) for r in results), record_ids=(), outcome="rows"))
    return snapshot_service.after_forward(session, actor, fwd, Answer(
        query_id, queried_at, fwd.grant_id, fwd.resource_code, fwd.resource_name, fwd.provider_name,
        fwd.purpose, fwd.clear, tuple(fwd.masked), fwd.division_code, results))


def counts(fwd: Forward, subject: str, item: str, record: dict[str, Any]) -> bool:
    """Whether a record the provider sent when asked by party `item` is the subject's: its field
    for that item holds the number asked, and it lies within the grant's division (GZ-21). Without
    a subject item (no party to check) only the division is."""
    if not in_scope(fwd, record):
        return False
    return not item or parties.holds_number(fwd.normalise, record, fwd.fields.get(item), subject)


def _cut(fwd: Forward, record: dict[str, Any], by_field: dict[str, str],
         masked: set[str], removed: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in record.items():
        item = by_field.get(name)
        if item in fwd.clear:
            out[item] = value
        elif item in fwd.masked:
            out[item] = fwd.masked[item](value)
            masked.add(item)
        elif name != fwd.division_field:
            removed.add(name)
    return {n: out[n] for n in (*fwd.clear, *fwd.masked) if n in out}


def in_scope(fwd: Forward, record: dict[str, Any]) -> bool:
    """Whether a record the provider sent lies within the grant's division and row scope
    (always, when the endpoint names no division field: the provider was told the scope)."""
    if not fwd.division_field:
        return True
    division = record.get(fwd.division_field)
    division = None if division is None else str(division)
    return not ((fwd.division_code and division != fwd.division_code)
                or (fwd.divisions and division not in fwd.divisions))


def forward_query(session: Session, actor: Actor, resource_code: str, subject_ids: list[Any],
                  duty: str | None, case_number: str | None) -> Answer:
    """All three steps in one session (the console; the API splits them)."""
    policy.can_query(actor)
    fwd = prepare(session, actor, resource_code, subject_ids, duty, case_number)
    return finish(session, actor, fwd, call(fwd))
