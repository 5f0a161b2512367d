"""Who may register a provider API or upload a file resource (GD-31). Consumers forward queries
and download files under their agency's grant, which the services check (usable_grant)."""

from __future__ import annotations

from govshare.exchange import query_policy
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden


def can_query(actor: Actor) -> None:
    """Forwarded queries and file downloads: the same people as hosted-library queries."""
    query_policy.can_query(actor)


def can_register_endpoint(actor: Actor, provider_agency_id: int) -> None:
    """The provider agency's administrator registers where its API is and which secret the
    platform sends: a setting of the agency's systems, not a clerk's."""
    if actor.agency_id == provider_agency_id and actor.has(Role.AGENCY_ADMIN):
        return
    raise Forbidden("只有该资源提供机关的机关管理员可以登记其接口", code="not_provider_admin")


def can_read_endpoint(actor: Actor, provider_agency_id: int) -> None:
    if actor.agency_id == provider_agency_id and actor.has(Role.AGENCY_ADMIN, Role.AGENCY_STAFF):
        return
    raise Forbidden("只有该资源的提供机关可以查看其接口设置", code="not_provider")


def can_upload_file(actor: Actor, provider_agency_id: int) -> None:
    """The provider — its staff, administrators or API clients — publishes new versions (GZ-13:
    谁采集、谁更新)."""
    if actor.agency_id == provider_agency_id and actor.has(Role.AGENCY_ADMIN, Role.AGENCY_STAFF):
        return
    raise Forbidden("只有该资源的提供机关可以上传文件的新版本", code="not_provider")


def is_provider(actor: Actor, provider_agency_id: int) -> bool:
    return actor.agency_id == provider_agency_id and actor.has(Role.AGENCY_ADMIN, Role.AGENCY_STAFF)
