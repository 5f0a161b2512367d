from __future__ import annotations

from govshare.kit.actor import Actor
from govshare.kit.errors import Forbidden


def can_view_calendar(actor: Actor) -> None:
    if actor.kind == "anonymous":
        raise Forbidden("请先登录")


def may_edit_calendar(actor: Actor) -> bool:
    # One calendar for the whole city: only the city IT authority enters holidays.
    return actor.is_city_it_authority


def can_edit_calendar(actor: Actor) -> None:
    if not may_edit_calendar(actor):
        raise Forbidden("只有市信息化主管部门可以维护工作日历")
