"""The one place that limits rows to what an actor may see in the directory."""

from __future__ import annotations

from sqlalchemy import Select, false, true

from govshare.directory.models import Agency
from govshare.kit.actor import Actor, Role


def governed_agencies(actor: Actor):
    """A WHERE clause for the agencies the actor administers."""
    if actor.has(Role.IT_AUTHORITY):
        if actor.agency_level == "city":
            return true()
        return Agency.division_code == actor.division_code
    if actor.has(Role.AGENCY_ADMIN) and actor.agency_id is not None:
        return Agency.id == actor.agency_id
    return false()


def restrict_to_governed(stmt: Select, actor: Actor) -> Select:
    return stmt.where(governed_agencies(actor))
