"""Who may read data snapshots (GZ-23, GD-31). A snapshot holds what another agency's grant
showed, so it is its requesting agency's and oversight's alone; anyone else is told it does not
exist (404), so that its existence is not disclosed either."""

from __future__ import annotations

from govshare.evidence import policy as evidence_policy
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden, NotFound


def sees_every_agency(actor: Actor) -> bool:
    """Auditors, supervision and the city IT authority read every agency's snapshots."""
    return evidence_policy.sees_all_agencies(actor)


def can_read_snapshot(actor: Actor, snapshot_id: int, agency_id: int | None) -> None:
    """The requesting agency's users and systems, and oversight; 404 for everyone else."""
    if agency_id is not None and (sees_every_agency(actor) or actor.agency_id == agency_id):
        return
    raise NotFound(f"没有编号为 {snapshot_id} 的数据快照。", field="snapshot_id", rule="snapshot_exists")


def may_search(actor: Actor) -> bool:
    """Oversight searches every agency; an agency administrator only its own agency."""
    return sees_every_agency(actor) or (actor.has(Role.AGENCY_ADMIN) and actor.agency_id is not None)


def can_search(actor: Actor) -> None:
    if may_search(actor):
        return
    raise Forbidden("只有审计、监察、市信息化主管部门或机关管理员可以检索数据快照与审计记录")

