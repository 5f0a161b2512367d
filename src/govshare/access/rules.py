"""The pure rules of what may be asked and granted: items against the catalog, validity periods,
narrowing, administrative divisions (GZ-21) and the secrets that need an agreement (GD-34).
No database: the services pass in the catalog's frozen entry document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from govshare.access.workflow import Route
from govshare.catalog.terms import Sensitivity, ShareType
from govshare.kit.errors import InvalidInput

# How long a grant may run when the catalog entry sets no limit of its own (share_scope
# "max_validity_days"): an unconditional resource three years, anything decided case by case one
# year, so that a conditional grant is looked at again at least yearly.
DEFAULT_MAX_VALIDITY_DAYS = {Route.UNCONDITIONAL: 3 * 365, Route.CONDITIONAL: 366,
                             Route.OUTSIDE_CATALOG: 366, Route.NOT_SHARED: 0}

SECRETS = (Sensitivity.PERSONAL_PRIVACY, Sensitivity.TRADE_SECRET, Sensitivity.STATE_SECRET)


class GrantStatus(StrEnum):
    ACTIVE = "active"
    PENDING_AGREEMENT = "pending_agreement"  # waits for a confidentiality agreement (GD-34)
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return GRANT_STATUS_LABELS[self]


GRANT_STATUS_LABELS = {GrantStatus.ACTIVE: "有效", GrantStatus.PENDING_AGREEMENT: "待签订保密协议",
                       GrantStatus.REVOKED: "已撤销", GrantStatus.EXPIRED: "已到期"}

_STRICTNESS = [ShareType.UNCONDITIONAL, ShareType.CONDITIONAL, ShareType.NOT_SHARED]


def route_for(document: Mapping[str, Any], items: Sequence[str]) -> Route:
    """The route of a request in the catalog: the strictest share type among the items asked
    (an unconditional entry may hold a conditional item, 2017 guide §5.3)."""
    by_name = {i["name"]: i for i in document["items"]}
    types = [ShareType(by_name[name].get("share_type") or document["share_type"]) for name in items]
    return Route(max(types, key=_STRICTNESS.index).value)


def check_items(document: Mapping[str, Any], items: Sequence[str]) -> list[str]:
    """The items asked, each an item of the catalog entry, none twice, at least one."""
    names = [i["name"] for i in document["items"]]
    asked = [str(n).strip() for n in items if str(n).strip()]
    if not asked:
        raise InvalidInput("请至少选择一个信息项", field="items", rule="required")
    unknown = [n for n in asked if n not in names]
    if unknown:
        raise InvalidInput(f"目录中“{document['name']}”没有信息项：{'、'.join(unknown)}",
                           field="items", rule="in_catalog")
    if len(set(asked)) != len(asked):
        raise InvalidInput("信息项重复", field="items", rule="unique")
    return [n for n in names if n in asked]  # the catalog's order


def max_validity_days(document: Mapping[str, Any] | None, route: Route) -> int:
    scope = (document or {}).get("share_scope") or {}
    limit = scope.get("max_validity_days")
    return int(limit) if limit else DEFAULT_MAX_VALIDITY_DAYS[route]


def check_validity(valid_from: date, valid_until: date, today: date, max_days: int) -> None:
    """A validity period that starts no earlier than today and is no longer than allowed."""
    if valid_from < today:
        raise InvalidInput(f"有效期开始日期 {valid_from.isoformat()} 已过，应不早于今天 "
                           f"{today.isoformat()}", field="valid_from", rule="not_past")
    if valid_until < valid_from:
        raise InvalidInput("有效期结束日期不能早于开始日期", field="valid_until", rule="range")
    if (valid_until - valid_from).days + 1 > max_days:
        latest = valid_from + timedelta(days=max_days - 1)
        raise InvalidInput(f"有效期最长 {max_days} 天（目录所允许），结束日期最晚为 "
                           f"{latest.isoformat()}", field="valid_until", rule="max_validity")


def check_row_scope(scope: Mapping[str, Any] | None) -> dict[str, Any]:
    """A row scope: the divisions whose records are wanted and a condition in words."""
    scope = dict(scope or {})
    unknown = set(scope) - {"division_codes", "condition"}
    if unknown:
        raise InvalidInput(f"数据范围不支持：{'、'.join(sorted(unknown))}", field="row_scope",
                           rule="keys")
    codes = [str(c).strip() for c in scope.get("division_codes") or [] if str(c).strip()]
    bad = [c for c in codes if not (len(c) == 6 and c.isdigit())]
    if bad:
        raise InvalidInput(f"行政区划代码应为 6 位数字：{'、'.join(bad)}",
                           field="row_scope.division_codes", rule="format")
    return {"division_codes": sorted(set(codes)), "condition": str(scope.get("condition") or "").strip()}


def check_narrowing(asked_items: Sequence[str], asked_until: date, asked_scope: Mapping[str, Any],
                    items: Sequence[str] | None, valid_until: date | None,
                    row_scope: Mapping[str, Any] | None) -> tuple[list[str], date, dict[str, Any]]:
    """A narrower grant gives part of what was asked, never more: fewer items, an earlier end,
    fewer divisions or an added condition; at least one of them narrower."""
    new_items = list(items) if items else list(asked_items)
    extra = [n for n in new_items if n not in asked_items]
    if extra:
        raise InvalidInput(f"缩小范围不能增加未申请的信息项：{'、'.join(extra)}", field="items",
                           rule="subset")
    if not new_items:
        raise InvalidInput("缩小范围后至少保留一个信息项", field="items", rule="required")
    new_until = valid_until or asked_until
    if new_until > asked_until:
        raise InvalidInput("缩小范围不能延长有效期", field="valid_until", rule="not_longer")
    new_scope = check_row_scope(row_scope) if row_scope is not None else dict(asked_scope)
    asked_codes = set(asked_scope.get("division_codes") or [])
    if asked_codes and not set(new_scope["division_codes"]) <= asked_codes:
        raise InvalidInput("缩小范围不能增加未申请的行政区划", field="row_scope.division_codes",
                           rule="subset")
    narrower = (len(new_items) < len(asked_items) or new_until < asked_until
                or _scope_narrower(asked_scope, new_scope))
    if not narrower:
        raise InvalidInput("缩小范围授权须至少减少信息项、缩短有效期或收窄数据范围之一；"
                           "全部同意请选择“授权共享”", field="narrowing", rule="narrower")
    return [n for n in asked_items if n in new_items], new_until, new_scope


def _scope_narrower(asked: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    asked_codes, new_codes = set(asked.get("division_codes") or []), set(new["division_codes"])
    fewer = bool(new_codes) and (not asked_codes or new_codes < asked_codes)
    return fewer or new["condition"] != (asked.get("condition") or "")


def division_limit(requester_level: str, requester_division: str, provider_level: str,
                   whole_city: bool) -> str | None:
    """GZ-21: a district agency obtains a city agency's information by its administrative
    division: its own district's records, unless the decision says otherwise."""
    if requester_level == "district" and provider_level == "city" and not whole_city:
        return requester_division
    return None


def sensitive_items(document: Mapping[str, Any] | None, items: Iterable[str]) -> dict[str, str]:
    """The granted items that are personal privacy, trade or state secrets, with their kind:
    these need a confidentiality agreement before the grant is active (GD-34)."""
    if not document:
        return {}
    wanted = set(items)
    return {i["name"]: i["sensitivity"] for i in document["items"]
            if i["name"] in wanted and i.get("sensitivity") in SECRETS}
