"""Verification (核验, GZ-24) of a resource its provider serves through its own API (共享平台·接口,
e.g. 婚姻登记信息): "does this person hold a valid marriage registration?" answered yes or no
through the provider's API, under the agency's grant, disclosing nothing beyond it.

Either party, exactly as a forwarded query (exchange.proxy, exchange.parties): 婚姻登记信息 is
keyed by 男方公民身份号码 and also holds 女方公民身份号码; the number asked is matched against the
key item and each other party item the grant shows in clear (a withheld one is not used, else a
yes/no would confirm a value the grant hides). `proxy.call` asks the provider once per party item
(another than the key with `match=<its field>`); `proxy.counts` keeps only records whose field for
that item holds the number (so a provider that ignores `match` can never produce a false yes),
within the grant's division.

Asked of the provider: only the party items, the conditions' items and the granted expiry items,
plus the record's `_version` and `_valid_from` if it states them — not the other granted items:
a yes/no needs nothing else. When several records match, the one in force with the latest
`_valid_from` decides (only future ones: the newest of them, not yet valid; without
`_valid_from`, the first the provider lists). The verdict is judged exactly as a hosted
record's (verify_service), logged the same way (kind `verify`, with its purpose) and, for a
licence or document such as 婚姻登记信息, leaves its data snapshot (exchange.snapshot_service).

Three steps, like exchange.proxy, so that the API holds no transaction while the provider
answers: `prepare` (reads), `call` (no database), `finish` (judges, one INSERT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from govshare.exchange import (
    endpoint_service,
    proxy,
    query_log,
    query_service,
    snapshot_service,
    verify_service,
)
from govshare.exchange import query_policy as policy
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput, NotFound

META = ("_version", "_valid_from")  # asked besides the items: which version, in force since when


@dataclass(frozen=True)
class Ask:
    """A verification checked and ready to be sent to the provider."""

    fwd: proxy.Forward  # its `clear`: the items the judgement needs; its `parties`, the items
    # the number is matched against (the subject item first)
    wanted: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Match:
    item: str  # the party item the number was found in
    data: dict[str, Any]  # the asked items only
    version: str | None
    valid_from: datetime | None


def served_by_api(session: Session, actor: Actor, resource_code: str) -> bool:
    """Whether the published catalog shares this resource through its provider's API."""
    policy.can_verify(actor)
    try:
        endpoint_service.api_entry(session, actor, resource_code)
    except (InvalidInput, NotFound):
        return False
    return True


def prepare(session: Session, actor: Actor, resource_code: str, subject: str, duty: str | None,
            case_number: str | None, conditions: Mapping[str, Sequence[str] | str] | None) -> Ask:
    """Grant, purpose, endpoint and conditions checked (403/404/422 here, nothing sent)."""
    policy.can_verify(actor)
    fwd = proxy.prepare(session, actor, resource_code, [subject], duty, case_number)
    wanted = verify_service._conditions(fwd, conditions or {})  # only items shown in clear
    expiry = [n for n in fwd.clear if any(w in n for w in verify_service.EXPIRY_WORDS)]
    needed = {*fwd.parties, *wanted, *expiry}
    asked = tuple(n for n in fwd.clear if n in needed)
    return Ask(replace(fwd, clear=asked, masked={}), wanted)


def call(ask: Ask) -> list[proxy.Sent]:
    """Ask the provider by each party item (proxy.call); (party item, record) for every record it sent."""
    return [sent for records in proxy.call(ask.fwd, also=META).values() for sent in records]


def finish(session: Session, actor: Actor, ask: Ask, sent: list[proxy.Sent]) -> verify_service.Verdict:
    """Judge the deciding record and write the log line (kind `verify`)."""
    policy.can_verify(actor)
    fwd, now = ask.fwd, clock.now()
    subject = fwd.subjects[0]
    matches = [m for item, record in sent if (m := _matched(fwd, subject, item, record)) is not None]
    deciding = _deciding(matches, now)
    row = None if deciding is None else query_service.Row(
        0, subject, deciding.data, now, deciding.valid_from or now, now, None)
    reason, unmet, expiry = verify_service._judge(row, ask.wanted, now, clock.today())
    checked = tuple(ask.wanted) + expiry
    query_id = query_log.write(session, query_log.LogLine(
        queried_at=now, kind="verify", agency_id=fwd.agency_id,
        provider_agency_id=fwd.provider_agency_id, actor_kind=query_service.actor_kind(actor),
        actor=query_service.actor_name(actor), grant_id=fwd.grant_id, resource_code=fwd.resource_code,
        division_code=fwd.division_code, duty=fwd.purpose.duty, case_number=fwd.purpose.case_number,
        as_of=None, subjects=(subject,), items=checked, row_count=0 if deciding is None else 1,
        record_ids=(), outcome="yes" if reason == "holds" else "no"))
    # A document or licence (婚姻登记信息 is a document) leaves its data snapshot (GZ-23).
    return snapshot_service.after_verdict(session, actor, verify_service.Verdict(
        holds=reason == "holds", reason=reason, subject=subject, resource_code=fwd.resource_code,
        resource_name=fwd.resource_name, grant_id=fwd.grant_id, version_id=None,
        valid_from=deciding.valid_from if deciding else None, loaded_at=None, checked_items=checked,
        unmet=unmet, query_id=query_id, verified_at=now,
        record_version=deciding.version if deciding else None, source="api",
        matched_item=deciding.item if deciding else None), fwd.purpose)


def verify(session: Session, actor: Actor, resource_code: str, subject: str, duty: str | None,
           case_number: str | None, conditions: Mapping[str, Sequence[str] | str] | None = None
           ) -> verify_service.Verdict:
    """All three steps in one session (the console and verify_service; the API splits them)."""
    ask = prepare(session, actor, resource_code, subject, duty, case_number, conditions)
    return finish(session, actor, ask, call(ask))


def _matched(fwd: proxy.Forward, subject: str, item: str, record: dict[str, Any]) -> Match | None:
    """The record reduced to the asked items, if it holds the number in that party's field and
    lies within the grant's division; None otherwise (not disclosed, not even that it exists)."""
    if not proxy.counts(fwd, subject, item, record):
        return None
    data = {n: record[fwd.fields[n]] for n in fwd.clear if fwd.fields.get(n) in record}
    version = record.get("_version")
    version = None if version is None else str(version)[:64]
    return Match(item, data, version, _moment(record.get("_valid_from")))


def _deciding(matches: list[Match], now: datetime) -> Match | None:
    """The newest in force by `_valid_from` (only future ones: the newest of them, not yet valid);
    without `_valid_from`, the first the provider listed."""
    dated = [m for m in matches if m.valid_from is not None]
    if not dated:
        return matches[0] if matches else None
    in_force = [m for m in dated if m.valid_from <= now]
    return max(in_force or dated, key=lambda m: m.valid_from)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=clock.CHINA) if moment.tzinfo is None else moment
