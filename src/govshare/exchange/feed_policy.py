"""Who may read the change feed and manage push subscriptions (GD-31). The grant itself is checked
by the feed service (access.grant_service.usable_grant): these rules say who may act for an agency."""

from __future__ import annotations

from govshare.exchange import query_policy
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden


def can_read_feed(actor: Actor) -> None:
    """Reading the feed is querying in bulk: the agency's clerks and its API clients (GZ-18)."""
    query_policy.can_query(actor)


def can_read_subscriptions(actor: Actor) -> None:
    """The agency's staff, administrators and API clients see its subscriptions."""
    query_policy.can_query(actor)


def can_manage_subscriptions(actor: Actor, agency_id: int | None = None) -> None:
    """Where the agency's data is pushed is a setting of its systems: its administrator, or one
    of its API clients (the integrating system itself), not a clerk — and only its own."""
    query_policy.can_query(actor)
    if agency_id is not None and actor.agency_id != agency_id:
        raise Forbidden("只能管理本机关的变更订阅", code="not_own_subscription")
    if actor.kind == "api_client" or actor.kind == "cli" or actor.has(Role.AGENCY_ADMIN):
        return
    raise Forbidden("变更订阅由本机关的机关管理员或本机关的接口客户端设置", code="not_agency_admin")
