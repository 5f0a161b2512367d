"""What the access console pages share: the posted form with repeated fields, errors placed next
to the field a page shows, agency and division names, and the Chinese words of a request's
state and deadline."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govshare.access.workflow import RequestStatus
from govshare.directory import service as directory_service
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict, DomainError, InvalidInput
from govshare.kit.http import CheckedForm
from govshare.kit.pagination import MAX_LIMIT, PageRequest

FIXABLE = (InvalidInput, Conflict)
PAGE_SIZE = 50
S = RequestStatus

# The badge colour of each state: settled in the requester's favour, against it, or waiting.
STATE_CLASS = {S.GRANTED: "state-active", S.NARROWED: "state-active", S.SUPPLIED: "state-active",
               S.LEADING_GROUP_DECIDED: "state-active", S.COORDINATED: "state-active",
               S.REFUSED: "state-revoked", S.GOVERNMENT_REFUSED: "state-revoked",
               S.WITHDRAWN: "state-revoked"}

# The service names some fields by where they sit in its input; the pages by their input name.
PAGE_FIELDS = {"row_scope": "division_codes", "row_scope.division_codes": "division_codes",
               "today": "_form", "action": "_form", "resource_code": "_form"}


async def _posted(request: Request, _checked: CheckedForm) -> FormData:
    """The posted form with repeated fields (checkboxes) kept, after the CSRF check."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def errors_of(exc: DomainError, renames: dict[str, str] | None = None) -> dict[str, str]:
    """The message next to the field it names; one without a field goes on top of the form."""
    name = exc.field or "_form"
    name = (renames or {}).get(name, PAGE_FIELDS.get(name, name))
    return {name: exc.message}


def agency_names(session: Session, actor: Actor) -> dict[int, str]:
    """Every agency's name, for tables and the provider select."""
    agencies = directory_service.list_agencies(session, actor, PageRequest(MAX_LIMIT, 0))
    return {a.id: a.name for a in agencies.items}


def division_names(session: Session, actor: Actor) -> dict[str, str]:
    """The administrative divisions' names by code (天河区 for 440106)."""
    return {d.code: d.name for d in directory_service.list_divisions(session, actor)}


def state_class(status: str) -> str:
    return STATE_CLASS.get(S(status), "state-expired")


def lines(text: str) -> list[str]:
    """A textarea's lines, or a list typed with commas or 、, without blanks."""
    return [p.strip() for p in re.split(r"[\n,，、；;]+", text or "") if p.strip()]


def page_request(page: int) -> PageRequest:
    return PageRequest(PAGE_SIZE, max(page - 1, 0) * PAGE_SIZE)
