"""What an agency can query on the exchange: its grants in force whose resource is hosted on the
platform, or (for verification) served through a registered provider API — one per resource, for
the query, verification and feed pages to offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.access import grant_service
from govshare.exchange.endpoint_models import Endpoint
from govshare.exchange.models import Library
from govshare.kit.actor import Actor
from govshare.kit.pagination import PageRequest
from govshare.kit.system import system_use


@dataclass(frozen=True)
class Held:
    grant_id: int
    resource_code: str
    resource_name: str
    items: list[str]
    division_code: str | None
    valid_until: date


@system_use("lists through access.grant_service.list_grants, which checks the actor's policy")
def held_grants(session: Session, actor: Actor, api: bool = False) -> list[Held]:
    """The agency's grants in force whose resource is hosted on the platform (the ones a query
    can use) — with `api`, also those served through a registered provider API (verification) —
    one per resource."""
    if actor.agency_id is None:
        return []
    grants = grant_service.list_grants(session, actor, PageRequest(limit=200), side="held",
                                       status="active").items
    codes = {g.resource_code for g in grants}
    hosted = set(session.scalars(select(Library.resource_code).where(Library.resource_code.in_(codes))))
    if api:
        hosted |= set(session.scalars(select(Endpoint.resource_code).where(
            Endpoint.resource_code.in_(codes))))
    seen: dict[str, Held] = {}
    for g in grants:
        if g.resource_code in hosted and g.resource_code not in seen:
            seen[g.resource_code] = Held(g.id, g.resource_code, g.resource_name, list(g.items),
                                         g.division_code, g.valid_until)
    return sorted(seen.values(), key=lambda h: h.resource_name)
