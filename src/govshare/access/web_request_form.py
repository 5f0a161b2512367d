"""The forms of the request pages: what a clerk types → RequestDraft or a step's inputs, and back.
Values stay strings as typed, so a refused form is shown again exactly as it was."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.datastructures import FormData

from govshare.access import rules
from govshare.access.request_service import RequestDraft
from govshare.access.web_shared import lines
from govshare.access.workflow import Route
from govshare.kit.errors import InvalidInput

DEFAULT_DAYS = 180  # the validity a new request asks for unless the clerk changes it
TEXTS = ("resource_code", "resource_name", "provider_agency_id", "items_text", "duty",
         "legal_basis", "purpose", "division_codes", "condition", "valid_from", "valid_until")
DECISION_TEXTS = ("reasons", "legal_basis", "narrowing", "outcome", "decision")
# Steps that settle a dispute say whether the information is shared (issue or revoke the grant).
SETTLING = ("record_coordination", "record_leading_group_decision")
# The fields each step's form shows; an error on another field goes on top of that form.
SHOWN = {"grant_narrower": {"items", "valid_until", "division_codes", "condition", "narrowing",
                            "reasons", "legal_basis"},
         "refuse": {"reasons", "legal_basis"}, "dispute": {"reasons"},
         "record_coordination": {"outcome", "share"},
         "record_leading_group_decision": {"decision", "share"},
         "decide_not_to_share": {"reasons"}, "withdraw": {"confirm"}}
DATE_LABELS = {"valid_from": "有效期开始日期", "valid_until": "有效期结束日期"}


def blank_request(document: dict | None, today: date) -> dict[str, Any]:
    """A new request: every item of the entry ticked, valid from today for 180 days (or as long
    as the catalog allows, if that is shorter)."""
    days = DEFAULT_DAYS
    if document and document.get("share_type") != Route.NOT_SHARED.value:
        days = min(days, rules.max_validity_days(document, Route(document["share_type"])) - 1)
    values = dict.fromkeys(TEXTS, "")
    values |= {"valid_from": today.isoformat(), "valid_until": (today + timedelta(days)).isoformat(),
               "items": [i["name"] for i in document["items"]] if document else [],
               "resource_code": document["resource_code"] if document else ""}
    return values


def posted_request(form: FormData) -> dict[str, Any]:
    values = {name: str(form.get(name, "")).strip() for name in TEXTS}
    values["items"] = [str(v) for v in form.getlist("items")]
    return values


def draft_of(values: dict[str, Any]) -> RequestDraft:
    """The RequestDraft the service checks; a date or an agency that is not even of its type is
    named here."""
    in_catalog = bool(values["resource_code"])
    provider = values["provider_agency_id"]
    return RequestDraft(
        resource_code=values["resource_code"] or None,
        items=tuple(values["items"] if in_catalog else lines(values["items_text"])),
        provider_agency_id=int(provider) if provider.isdigit() else None,
        resource_name=values["resource_name"], duty=values["duty"],
        legal_basis=values["legal_basis"], purpose=values["purpose"],
        row_scope={"division_codes": lines(values["division_codes"]),
                   "condition": values["condition"]},
        valid_from=_date(values, "valid_from"), valid_until=_date(values, "valid_until"))


def _date(values: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(values[name])
    except ValueError:
        raise InvalidInput(f"{DATE_LABELS[name]}应为“年-月-日”，如 2026-12-01", field=name,
                           rule="date") from None


def step_values(form: FormData) -> dict[str, Any]:
    """A step's form as posted, to show again if it is refused."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip()
                              for name in (*DECISION_TEXTS, "valid_until", "division_codes",
                                           "condition", "share")}
    values |= {"items": [str(v) for v in form.getlist("items")],
               "whole_city": form.get("whole_city") == "on", "confirm": form.get("confirm") == "on"}
    return values


def step_inputs(action: str, values: dict[str, Any]) -> dict[str, Any]:
    """What act_on_request takes for this step: the texts the workflow may require, and for a
    narrower grant the narrower terms."""
    inputs: dict[str, Any] = {name: values[name] for name in DECISION_TEXTS if values[name]}
    if values["whole_city"]:
        inputs["whole_city"] = True  # GZ-21: the decision opens the whole city's records
    if action == "grant_narrower":
        if not values["items"]:
            raise InvalidInput("缩小范围后至少保留一个信息项", field="items", rule="required")
        inputs |= {"items": values["items"], "valid_until": values["valid_until"] or None,
                   "row_scope": {"division_codes": lines(values["division_codes"]),
                                 "condition": values["condition"]}}
    if action in SETTLING:
        if values["share"] not in ("yes", "no"):
            raise InvalidInput("请选择是否共享：共享的签发授权，不予共享的撤销已有授权", field="share",
                               rule="required")
        inputs["share"] = values["share"] == "yes"
    if action == "withdraw" and not values["confirm"]:
        raise InvalidInput("撤回后申请即告终止，不能恢复；请勾选确认后再撤回", field="confirm",
                           rule="required")
    return inputs


def placed(action: str, errors: dict[str, str]) -> dict[str, str]:
    """Errors keyed by the field the step's form shows, or `_form`."""
    return {(k if k in SHOWN.get(action, ()) else "_form"): v for k, v in errors.items()}


def narrowing_defaults(request) -> dict[str, Any]:
    """The narrower-grant form starts from what was asked; the provider takes away from it."""
    scope = request.row_scope or {}
    return {"items": list(request.items), "valid_until": request.valid_until.isoformat(),
            "division_codes": "、".join(scope.get("division_codes") or []),
            "condition": scope.get("condition") or ""}
