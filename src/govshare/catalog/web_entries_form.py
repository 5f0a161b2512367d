"""The catalog editor's form: posted fields → EntryDraft, an entry → form values, and the choices
its selects offer (Chinese labels from terms). Values stay strings so a refused form is shown
again exactly as it was typed."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govshare.catalog.models import Entry
from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.catalog.terms import (
    Category,
    DataType,
    DeadlineClass,
    FormatClass,
    LibraryGroup,
    ResourceKind,
    Sensitivity,
    ShareMode,
    ShareType,
    SubjectKey,
    UpdateCycle,
)
from govshare.directory import service as directory_service
from govshare.kit.actor import Actor
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm
from govshare.kit.pagination import MAX_LIMIT, PageRequest

TEXT = ("category", "subcategory", "subject", "detail", "name", "abstract", "format_class",
        "format_type", "share_type", "share_condition", "legal_basis", "share_mode",
        "open_condition", "update_cycle", "update_frequency", "timeliness", "deadline_class",
        "resource_kind", "library_group")
CHECKS = ("open_to_public", "is_base_information", "used_in_licensing")
ITEM = ("name", "data_type", "length", "share_type", "sensitivity", "subject_key",
        "base_item_code")
CHOICES = {
    "category": Category.choices(), "format_class": FormatClass.choices(),
    "share_type": ShareType.choices(), "share_mode": ShareMode.choices(),
    "update_cycle": UpdateCycle.choices(), "deadline_class": DeadlineClass.choices(),
    "resource_kind": ResourceKind.choices(), "library_group": LibraryGroup.choices(),
    "data_type": DataType.choices(), "sensitivity": Sensitivity.choices(),
    "subject_key": SubjectKey.choices(),
}
LEVELS = [("city", "市级机关"), ("district", "区级机关")]


async def _posted(request: Request, _checked: CheckedForm) -> FormData:
    """The posted form with repeated fields (item rows, checkboxes) kept, after the CSRF check."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]
BLANK_ITEM = {"name": "", "data_type": "C", "length": "", "share_type": "",
              "sensitivity": "none", "subject_key": "", "base_item_code": ""}


def blank_form() -> dict:
    """A new entry: the commonest choices preselected, one empty item row."""
    return {**dict.fromkeys(TEXT, ""), **dict.fromkeys(CHECKS, False), "category": "3",
            "format_class": "database", "share_type": "unconditional",
            "share_mode": "platform_api", "update_cycle": "daily",
            "deadline_class": "within_3_days", "resource_kind": "business",
            "library_group": "specialised", "publish_date": "", "related_codes": "",
            "scope_levels": ["city", "district"], "scope_agencies": [],
            "items": [dict(BLANK_ITEM)]}


def form_of(entry: Entry) -> dict:
    """The editor's values for an existing entry."""
    values = {name: getattr(entry, name) or "" for name in TEXT}
    values |= {name: bool(getattr(entry, name)) for name in CHECKS}
    scope = entry.share_scope or {}
    values |= {"publish_date": entry.publish_date.isoformat() if entry.publish_date else "",
               "related_codes": "\n".join(entry.related_codes or []),
               "scope_levels": list(scope.get("levels", [])),
               "scope_agencies": [str(a) for a in scope.get("agency_ids", [])],
               "items": [{k: "" if getattr(i, k) is None else str(getattr(i, k)) for k in ITEM}
                         for i in entry.items]}
    return values


def posted_form(form: FormData) -> dict:
    """What was posted, as the editor shows it again."""
    values = {name: str(form.get(name, "")).strip() for name in TEXT}
    values |= {name: form.get(name) == "on" for name in CHECKS}
    values |= {"publish_date": str(form.get("publish_date", "")).strip(),
               "related_codes": str(form.get("related_codes", "")),
               "scope_levels": form.getlist("scope_levels"),
               "scope_agencies": form.getlist("scope_agencies")}
    columns = {k: form.getlist(f"item_{k}") for k in ITEM}
    rows = len(columns["name"])
    values["items"] = [{k: str(columns[k][i]).strip() if i < len(columns[k]) else ""
                        for k in ITEM} for i in range(rows)]
    return values


def draft_of(values: dict) -> EntryDraft:
    """The EntryDraft the rules check; a value that is not even of its type is named here."""
    text = {name: values[name] for name in TEXT}
    return EntryDraft(**text, **{name: values[name] for name in CHECKS},
                      publish_date=_date(values["publish_date"]),
                      related_codes=tuple(c for c in re.split(r"[\s,，、；;]+",
                                                              values["related_codes"]) if c),
                      share_scope={"levels": values["scope_levels"],
                                   "agency_ids": [int(a) for a in values["scope_agencies"]
                                                  if a.isdigit()]},
                      items=tuple(_item(i, row) for i, row in enumerate(values["items"])))


def _item(i: int, row: dict) -> ItemDraft:
    return ItemDraft(name=row["name"], data_type=row["data_type"],
                     length=_length(i, row["length"]), share_type=row["share_type"] or None,
                     sensitivity=row["sensitivity"] or "none",
                     subject_key=row["subject_key"] or None,
                     base_item_code=row["base_item_code"].upper() or None)


def _length(i: int, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("长度应为正整数", field=f"items[{i}].length", rule="positive")
    return int(value)


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("发布日期应为“年-月-日”，如 2026-10-08", field="publish_date",
                           rule="date") from None


def errors_of(exc: DomainError) -> dict[str, str]:
    """The message next to the field it names; a message without a field goes on top."""
    return {exc.field or "_form": exc.message}


def agency_names(session: Session, actor: Actor) -> dict[int, str]:
    """Every agency's name, for selects and tables."""
    agencies = directory_service.list_agencies(session, actor, PageRequest(MAX_LIMIT, 0))
    return {a.id: a.name for a in agencies.items}
