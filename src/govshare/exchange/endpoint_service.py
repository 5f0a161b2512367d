"""Provider APIs (接口, GD-16): the provider agency's administrator registers the API the platform
forwards authorised queries of a 共享平台·接口 resource to — its address, the header and secret
the platform sends, the timeout, which JSON field of the answer holds which catalog item, the
query parameter carrying the subject, and optionally the field naming a record's division.

Forwarding itself is in `exchange.proxy`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog import published_service
from govshare.catalog.models import Entry
from govshare.catalog.terms import ShareMode
from govshare.exchange import endpoint_policy as policy
from govshare.exchange.endpoint_events import EndpointRegistered
from govshare.exchange.endpoint_models import Endpoint
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import Forbidden, InvalidInput, NotFound
from govshare.kit.system import system_use

MIN_TIMEOUT, MAX_TIMEOUT, DEFAULT_TIMEOUT = 0.1, 30.0, 5.0
_TOKEN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")  # header names and query parameters
_FIELD = re.compile(r"^[^\s\"']{1,64}$")


@dataclass(frozen=True)
class EndpointDraft:
    base_url: str
    subject_param: str
    fields: dict[str, str]  # catalog item → provider's JSON field; the subject item included
    auth_header: str = ""
    secret: str | None = None  # None: keep the secret already set
    timeout_seconds: float = DEFAULT_TIMEOUT
    division_field: str = ""


@dataclass(frozen=True)
class ApiEntry:
    """A 共享平台·接口 resource of the published catalog, with what forwarding needs."""

    resource_code: str
    name: str
    provider_agency_id: int
    items: list[dict[str, Any]]
    subject_item: str | None
    subject_key: str | None


@system_use("reads the published catalog through published_service, which checks can_read_catalog")
def api_entry(session: Session, actor: Actor, resource_code: str) -> ApiEntry:
    """The published entry of a resource shared through its provider's API (404/422 otherwise)."""
    entry = published_service.published_entry(session, actor, resource_code)
    doc = entry.document
    if doc.get("share_mode") != ShareMode.PLATFORM_API.value:
        raise InvalidInput(f"资源“{doc['name']}”的共享方式不是“共享平台·接口”，不能登记或调用接口",
                           field="resource_code", rule="share_mode")
    key = next((i for i in doc["items"] if i.get("subject_key")), None)
    return ApiEntry(resource_code, doc["name"], doc["agency_id"], doc["items"],
                    key["name"] if key else None, key["subject_key"] if key else None)


def endpoint_of(session: Session, actor: Actor, resource_code: str) -> Endpoint | None:
    """The provider's view of its endpoint for a resource (None: not registered yet)."""
    entry = api_entry(session, actor, resource_code)
    policy.can_read_endpoint(actor, entry.provider_agency_id)
    return session.scalar(select(Endpoint).where(Endpoint.resource_code == resource_code))


@system_use("the caller's own agency's entries; endpoints are read only under can_read_endpoint")
def own_api_resources(session: Session, actor: Actor) -> tuple[list[Any], dict[str, Endpoint | None]]:
    """The agency's 共享平台·接口 entries, and the endpoint registered for each (None: not yet),
    in two queries."""
    if actor.agency_id is None:
        return [], {}
    entries = list(session.execute(select(Entry.resource_code, Entry.name).where(
        Entry.agency_id == actor.agency_id, Entry.share_mode == ShareMode.PLATFORM_API.value,
        Entry.resource_code.is_not(None)).order_by(Entry.name)).all())
    registered: dict[str, Endpoint | None] = dict.fromkeys(e.resource_code for e in entries)
    try:
        policy.can_read_endpoint(actor, actor.agency_id)
    except Forbidden:
        return entries, registered
    for endpoint in session.scalars(select(Endpoint).where(Endpoint.resource_code.in_(registered))):
        registered[endpoint.resource_code] = endpoint
    return entries, registered


def register_endpoint(session: Session, actor: Actor, resource_code: str, draft: EndpointDraft) -> Endpoint:
    """Register (or change) where the platform forwards queries of this resource; audited, the
    secret never recorded."""
    entry = api_entry(session, actor, resource_code)
    policy.can_register_endpoint(actor, entry.provider_agency_id)
    checked = _check(entry, draft)
    endpoint = session.scalar(select(Endpoint).where(Endpoint.resource_code == resource_code))
    if endpoint is None:
        endpoint = Endpoint(resource_code=resource_code, provider_agency_id=entry.provider_agency_id)
        session.add(endpoint)
    secret_changed = draft.secret is not None and draft.secret != (endpoint.secret or "")
    endpoint.base_url, endpoint.subject_param = checked.base_url, checked.subject_param
    endpoint.fields, endpoint.timeout_seconds = dict(checked.fields), checked.timeout_seconds
    endpoint.auth_header, endpoint.division_field = checked.auth_header, checked.division_field
    if draft.secret is not None:
        endpoint.secret = draft.secret
    if endpoint.auth_header and not endpoint.secret:
        raise InvalidInput("设置了认证请求头，须同时填写平台发送的密钥", field="secret", rule="required")
    endpoint.updated_by, endpoint.updated_at = actor.name[:64], clock.now()
    session.flush()
    evidence.record(session, EndpointRegistered(
        agency_id=entry.provider_agency_id, resource_code=resource_code, endpoint_id=endpoint.id,
        base_url=endpoint.base_url, subject_param=endpoint.subject_param, fields=dict(endpoint.fields),
        timeout_seconds=endpoint.timeout_seconds, secret_changed=secret_changed), actor)
    return endpoint


@system_use("a pure check of the draft against the entry; the calling service checked its policy")
def check_draft(entry: ApiEntry, draft: EndpointDraft) -> EndpointDraft:
    return _check(entry, draft)


def _check(entry: ApiEntry, draft: EndpointDraft) -> EndpointDraft:
    url = draft.base_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("接口地址须为 http:// 或 https:// 开头的完整地址", field="base_url", rule="url")
    if parts.query or parts.fragment:
        raise InvalidInput("接口地址不能带查询参数或锚点；主体和信息项由平台作为参数附加",
                           field="base_url", rule="url")
    param = draft.subject_param.strip()
    if not _TOKEN.match(param):
        raise InvalidInput("主体参数名只能由字母、数字、下划线、点和连字符组成，最长 64 个字符",
                           field="subject_param", rule="format")
    header = draft.auth_header.strip()
    if header and (not _TOKEN.match(header) or header.lower() in ("host", "content-length")):
        raise InvalidInput("认证请求头名称不合规则（如 X-Api-Key 或 Authorization）",
                           field="auth_header", rule="format")
    if draft.secret is not None and (len(draft.secret) > 500 or not draft.secret.isprintable()):
        raise InvalidInput("密钥最长 500 个字符，不能含换行等控制字符", field="secret", rule="format")
    if not MIN_TIMEOUT <= draft.timeout_seconds <= MAX_TIMEOUT:
        raise InvalidInput(f"超时时间应在 {MIN_TIMEOUT} 到 {MAX_TIMEOUT:g} 秒之间",
                           field="timeout_seconds", rule="range")
    names = {i["name"] for i in entry.items}
    fields = {k.strip(): str(v).strip() for k, v in draft.fields.items() if str(v).strip()}
    for item, name in fields.items():
        if item not in names:
            raise InvalidInput(f"“{item}”不是资源“{entry.name}”的信息项", field=f"fields.{item}",
                               rule="unknown_item")
        if not _FIELD.match(name):
            raise InvalidInput(f"信息项“{item}”对应的字段名不能含空白或引号，最长 64 个字符",
                               field=f"fields.{item}", rule="format")
    if len(set(fields.values())) != len(fields):
        raise InvalidInput("两个信息项不能对应同一个字段", field="fields", rule="unique")
    if entry.subject_item and entry.subject_item not in fields:
        raise InvalidInput(f"须写明主体信息项“{entry.subject_item}”在接口返回中的字段名",
                           field=f"fields.{entry.subject_item}", rule="required")
    division = draft.division_field.strip()
    if division and not _FIELD.match(division):
        raise InvalidInput("行政区划字段名不能含空白或引号", field="division_field", rule="format")
    return EndpointDraft(url.rstrip("/") if parts.path not in ("", "/") else url, param, fields, header,
                         draft.secret, float(draft.timeout_seconds), division)


def registered(session: Session, actor: Actor, resource_code: str) -> Endpoint:
    """The endpoint forwarding uses (404 naming the provider when none is registered)."""
    policy.can_query(actor)
    endpoint = session.scalar(select(Endpoint).where(Endpoint.resource_code == resource_code))
    if endpoint is None:
        raise NotFound(f"资源 {resource_code} 的提供机关尚未在平台登记接口，暂不能查询",
                       code="endpoint_not_registered")
    return endpoint
