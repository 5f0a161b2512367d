"""Verification (核验, GZ-24): what can be confirmed electronically is not demanded from the
citizen on paper. An agency handling a case asks "does this subject hold a valid record of this
resource (whose item X is one of these values) today?" and gets yes or no, with the version of
the record that decided it and when that version was recorded — nothing else.

Disclosing nothing beyond the grant: verification runs under the agency's grant in force for
the resource (the same grant a query would use, GZ-25), conditions may name only items the grant
shows in clear (else a yes/no could be used to guess a masked or withheld value one question at
a time), and a record outside the grant's division or row scope (GZ-21) is answered like no
record at all. Every verification carries its purpose (GD-24) and is written to the query log.

Valid today means: the subject's current version exists within the grant's scope, its stated
valid-from is not in the future, every condition holds, and no expiry-date item of the record
(an item named …有效期至, …截止日期, …到期日期 or …有效期限) lies before today."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from govshare.exchange import query_log, query_service, snapshot_service
from govshare.exchange import query_policy as policy
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput, NotFound

EXPIRY_WORDS = ("有效期至", "截止日期", "到期日期", "有效期限")
MAX_CONDITIONS = 10

# Questions clerks ask most, offered on the page when the agency holds a grant of the resource:
# resource name → (question, item, values that mean "yes").
QUESTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "营业执照信息": ("营业执照是否有效（登记状态为存续、在业或开业）", "登记状态", ("存续", "在业", "开业")),
    "婚姻登记信息": ("是否持有有效的结婚登记（婚姻状况为已婚）", "婚姻状况", ("已婚",)),
}
REASONS = {
    "holds": "在授权范围内有有效记录，且符合全部核验条件",
    "no_record": "在授权范围内没有该主体的记录",
    "not_yet_valid": "该主体的记录尚未生效",
    "expired": "该主体的记录已过有效期",
    "condition_not_met": "该主体的记录不符合核验条件",
}


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str  # a key of REASONS
    subject: str  # normalised
    resource_code: str
    resource_name: str
    grant_id: int
    version_id: int | None  # the record version that decided it (none: no record in scope)
    valid_from: datetime | None
    loaded_at: datetime | None  # when the platform recorded that version
    checked_items: tuple[str, ...]
    unmet: tuple[str, ...]  # the conditions (item names) that did not hold
    query_id: int
    verified_at: datetime
    snapshot_id: int | None = None  # licences and documents: the data snapshot (GZ-23)
    # Through the provider's API (exchange.verify_proxy): the provider's own version of the
    # deciding record, and the party item the number was found in (男方/女方公民身份号码).
    record_version: str | None = None
    source: str = "library"  # library (hosted) or api
    matched_item: str | None = None

    @property
    def explanation(self) -> str:
        return REASONS[self.reason]


def verify(session, actor: Actor, resource_code: str, subject: str, duty: str | None,
           case_number: str | None, conditions: Mapping[str, Sequence[str] | str] | None = None) -> Verdict:
    """Does this subject hold a valid record of this resource today, meeting the conditions?"""
    policy.can_verify(actor)
    purpose = query_service.check_purpose(duty, case_number)
    try:
        use = query_service.grant_use(session, actor.agency_id, resource_code)
    except NotFound as exc:  # not hosted: served through the provider's API?
        from govshare.exchange import verify_proxy  # it builds on this module

        if exc.code != "not_hosted" or not verify_proxy.served_by_api(session, actor, resource_code):
            raise
        return verify_proxy.verify(session, actor, resource_code, subject, duty, case_number, conditions)
    wanted = _conditions(use, conditions or {})
    key = query_service.normalised(use, [subject])[0]
    rows, use = query_service.lookup(session, use, [key], None, query_service.client_of(actor))
    row = rows.get(key)
    if row is not None and not use.in_scope(row.division_code):
        row = None
    now = clock.now()
    reason, unmet, expiry = _judge(row, wanted, now, clock.today())
    verified = reason == "holds"
    checked = tuple(wanted) + expiry
    query_id = query_log.write(session, query_log.LogLine(
        queried_at=now, kind="verify", agency_id=use.agency_id,
        provider_agency_id=use.provider_agency_id, actor_kind=query_service.actor_kind(actor),
        actor=query_service.actor_name(actor), grant_id=use.grant_id, resource_code=use.resource_code,
        division_code=use.division_code, duty=purpose.duty, case_number=purpose.case_number,
        as_of=None, subjects=(key,), items=checked, row_count=0 if row is None else 1,
        record_ids=() if row is None else (row.id,), outcome="yes" if verified else "no"))
    return snapshot_service.after_verdict(session, actor, Verdict(
        holds=verified, reason=reason, subject=key, resource_code=use.resource_code,
        resource_name=use.resource_name, grant_id=use.grant_id,
        version_id=row.id if row else None, valid_from=row.valid_from if row else None,
        loaded_at=row.loaded_at if row else None, checked_items=checked, unmet=unmet,
        query_id=query_id, verified_at=now), purpose, use.resource_kind)


def _conditions(use: query_service.GrantUse,
                conditions: Mapping[str, Sequence[str] | str]) -> dict[str, frozenset[str]]:
    if len(conditions) > MAX_CONDITIONS:
        raise InvalidInput(f"核验条件最多{MAX_CONDITIONS}项", field="conditions", rule="max_items")
    wanted = {}
    for item, values in conditions.items():
        if item not in use.clear:
            raise InvalidInput(f"“{item}”不在本机关授权明文可见的信息项中，不能作为核验条件"
                               f"（可用：{'、'.join(use.clear) or '无'}）",
                               field=f"conditions.{item}", rule="not_granted")
        allowed = [values] if isinstance(values, str) else list(values)
        allowed = [str(v).strip() for v in allowed if str(v).strip()]
        if not allowed:
            raise InvalidInput(f"核验条件“{item}”须给出符合的值", field=f"conditions.{item}",
                               rule="required")
        wanted[item] = frozenset(allowed)
    return wanted


def _judge(row: query_service.Row | None, wanted: Mapping[str, frozenset[str]], now: datetime,
           today: date) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(reason, unmet conditions, expiry items looked at)."""
    if row is None:
        return "no_record", (), ()
    if row.valid_from > now:
        return "not_yet_valid", (), ()
    expiry = tuple(n for n in row.data if any(w in n for w in EXPIRY_WORDS))
    for name in expiry:
        until = _date(row.data[name])
        if until is not None and until < today:
            return "expired", (), expiry
    unmet = tuple(item for item, allowed in wanted.items()
                  if str(row.data.get(item, "")).strip() not in allowed)
    return ("condition_not_met" if unmet else "holds"), unmet, expiry


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
