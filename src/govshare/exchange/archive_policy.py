"""Who may see and make the yearly archive transfer (GZ-15, GD-9).

The regulation puts the duty on the agency (行政机关应当指定专人负责电子文件移交归档工作), so the
agency's administrator — the person it designates — transfers its own year. The city IT
authority, which runs the platform holding the documents, may transfer for any agency too (an
agency without an administrator must not miss the deadline) and sees every agency's status, as do
supervision and audit. Agency staff see their own agency's status."""

from __future__ import annotations

from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden

OVERSIGHT = (Role.SUPERVISION, Role.AUDITOR)


def sees_every_agency(actor: Actor) -> bool:
    return actor.is_city_it_authority or actor.has(*OVERSIGHT)


def can_view(actor: Actor, agency_id: int | None = None) -> None:
    """Status of a year: one's own agency, or every agency for the IT authority and oversight."""
    if sees_every_agency(actor):
        return
    if actor.agency_id is not None and actor.has(Role.AGENCY_STAFF, Role.AGENCY_ADMIN) and (
            agency_id is None or agency_id == actor.agency_id):
        return
    raise Forbidden("只有本机关工作人员、市信息化主管部门、监察和审计人员可以查看归档移交情况",
                    code="not_archive_viewer")


def may_transfer(actor: Actor, agency_id: int) -> bool:
    if actor.is_city_it_authority:
        return True
    return actor.agency_id == agency_id and actor.has(Role.AGENCY_ADMIN)


def can_transfer(actor: Actor, agency_id: int) -> None:
    """The agency's administrator (its designated person), or the city IT authority."""
    if not may_transfer(actor, agency_id):
        raise Forbidden("只有本机关的机关管理员（指定的归档移交专人）或市信息化主管部门可以办理归档移交",
                        code="not_archive_transferor")


def can_record_outcome(actor: Actor, agency_id: int) -> None:
    """The archive's receipt, or a failed hand-over, is recorded by whoever may transfer."""
    can_transfer(actor, agency_id)
