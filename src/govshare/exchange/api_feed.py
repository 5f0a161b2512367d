"""API of the change feed and its push subscriptions (库表 synchronisation: GD-16, GZ-18, GZ-21,
GD-24). An agency's system reads the changes of a hosted resource under its agency's grant, page
by page, keeping the cursor; or subscribes a webhook to have them pushed, signed with HMAC-SM3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from govshare.exchange import feed_service, subscription_service
from govshare.exchange.feed_models import Subscription
from govshare.exchange.subscription_service import Draft
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.outbox import DELIVERY_HEADER, SIGNATURE_HEADER

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 交换·变更订阅"],
                   route_class=TransactionalRoute)

FEED_ERRORS = {403: {"description": "本机关没有该资源的有效授权（no_grant），或授权待备案保密协议"
                                    "（agreement_required）；授权撤销或到期后立即拒绝"},
               404: {"description": "该资源尚未在平台托管记录（not_hosted）"},
               422: {"description": "缺少职责（duty）或办件号（case_number）；游标无法识别或属于另一授权"
                                    "（field: cursor）；每页条数超出范围（field: limit）"}}
SIGNATURE = (f"推送请求头 `{SIGNATURE_HEADER}: sm3-hmac=<hex>` 为以签名密钥对请求体原文计算的 HMAC-SM3"
             f"（GB/T 32905）；`{DELIVERY_HEADER}` 为投递编号，重试时不变，可据以去重（至少投递一次）。")


class ChangeRead(BaseModel):
    version_id: int = Field(description="记录版本标识（记录行编号），按此递增排列")
    subject: str = Field(description="主体标识（规范化后）")
    change: str = Field(description="upsert：该主体的新版本（以此替换本地副本）；left_scope：该主体已移出"
                                    "授权的行政区划或数据范围，不再提供，应从本地副本删除（GZ-21）")
    data: dict[str, Any] | None = Field(description="与共享查询相同：授权信息项明文，未授权的敏感信息项"
                                                    "脱敏；left_scope 时为空")
    masked: list[str] = Field(description="本条中脱敏显示的信息项")
    produced_at: datetime = Field(description="提供机关产生该版本数据的时间")
    valid_from: datetime = Field(description="提供机关声明的生效时间")
    loaded_at: datetime = Field(description="平台记录该版本的时间")


class FeedRead(BaseModel):
    query_id: int = Field(description="查询日志编号（kind=feed）")
    read_at: datetime = Field(description="读取时间")
    grant_id: int = Field(description="所依据的授权")
    resource_code: str = Field(description="资源代码")
    resource_name: str = Field(description="资源名称")
    duty: str = Field(description="职责（GD-24）")
    case_number: str = Field(description="办件号（GD-24）")
    items: list[str] = Field(description="授权明文提供的信息项")
    masked_items: list[str] = Field(description="未授权、脱敏提供的敏感信息项")
    division_code: str | None = Field(description="授权限定的行政区划（GZ-21）；空为不限")
    changes: list[ChangeRead] = Field(description="游标之后的变更，按 version_id 递增")
    next_cursor: str = Field(description="下次读取时原样传回的游标（不透明字符串，绑定本授权）；"
                                         "由使用方保存")
    more: bool = Field(description="为真时其后可能还有变更，应立即继续读取；为假时已读到末尾")


@router.get("/feed/{resource_code:path}", response_model=FeedRead, responses=FEED_ERRORS)
def read_feed(resource_code: str, db: DbSession, actor: CurrentActor,
              cursor: str = Query("", description="上次读取返回的 next_cursor；留空从头读取"),
              limit: int = Query(feed_service.DEFAULT_PAGE, description=f"每页最多变更条数，1–"
                                                                         f"{feed_service.MAX_PAGE}"),
              duty: str = Query("", description="本次读取所依据的职责（GD-24），必填"),
              case_number: str = Query("", description="办件号，必填")) -> dict[str, Any]:
    """The changes of a hosted resource after the cursor, in version order, as the agency's grant
    shows them (masked and division-limited as queries are); logged with its purpose."""
    page = feed_service.read_feed(db, actor, resource_code, cursor, limit, duty, case_number)
    use = page.use
    return {"query_id": page.query_id, "read_at": page.read_at, "grant_id": use.grant_id,
            "resource_code": use.resource_code, "resource_name": use.resource_name,
            "duty": page.purpose.duty, "case_number": page.purpose.case_number,
            "items": list(use.clear), "masked_items": list(use.masked),
            "division_code": use.division_code,
            "changes": [feed_service.change_json(c) for c in page.changes],
            "next_cursor": page.next_cursor, "more": page.more}


class SubscriptionCreate(BaseModel):
    resource_code: str = Field(description="资源代码（共享平台·库表）；须有本机关的有效授权")
    url: str = Field(description="推送地址（http:// 或 https://），平台以 POST 推送 JSON")
    duty: str = Field("", description="订阅所服务的职责（GD-24），必填")
    case_number: str = Field("", description="办件号，必填（如库表同步的立项编号）")
    start: str = Field("beginning", description="beginning：从头推送全部版本；now：只推送此后的变更")
    cursor: str = Field("", description="可选：从拉取接口读到的 next_cursor 之后开始（优先于 start）")
    batch_size: int = Field(feed_service.DEFAULT_PAGE, description=f"每次推送最多变更条数，1–"
                                                                   f"{feed_service.MAX_PAGE}")


class SubscriptionRead(BaseModel):
    id: int
    agency_id: int = Field(description="订阅机关")
    grant_id: int = Field(description="所依据的授权；授权撤销或到期时订阅自动停止")
    resource_code: str
    url: str = Field(description="推送地址")
    duty: str
    case_number: str
    batch_size: int
    cursor: str = Field(description="已交付推送的位置（与拉取接口的 next_cursor 同义）")
    active: bool = Field(description="是否正在推送")
    stopped_reason: str = Field(description="未推送的原因（本机关暂停、授权撤销或到期、接收方持续拒收）")
    pending_message_id: int | None = Field(description="尚未送达的一批（其后的变更等待它送达）")
    failures: int = Field(description="该批已失败的次数")
    last_error: str = Field(description="最近一次失败的原因")
    pushed_changes: int = Field(description="累计交付推送的变更条数")
    last_pushed_at: datetime | None = Field(description="最近一批交付推送的时间")
    last_delivered_at: datetime | None = Field(description="最近一批送达（接收方答 2xx）的时间")
    created_by: str
    created_at: datetime
    updated_at: datetime


class SubscriptionIssued(SubscriptionRead):
    secret: str = Field(description="签名密钥，仅此一次返回，请妥善保存。" + SIGNATURE)


def _read(sub: Subscription) -> dict[str, Any]:
    fields = {k: getattr(sub, k) for k in SubscriptionRead.model_fields if k != "cursor"}
    return {**fields, "cursor": feed_service.encode_cursor(sub.grant_id, sub.cursor)}


@router.get("/subscriptions", response_model=list[SubscriptionRead])
def list_subscriptions(db: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """The agency's push subscriptions, newest first."""
    return [_read(s) for s in subscription_service.list_subscriptions(db, actor)]


@router.post("/subscriptions", status_code=201, response_model=SubscriptionIssued,
             responses=FEED_ERRORS, description=SIGNATURE)
def create_subscription(body: SubscriptionCreate, db: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Subscribe a webhook to the changes of a resource under the agency's grant (administrator or
    API client); the signing secret is returned this once."""
    sub, secret = subscription_service.create(db, actor, Draft(**body.model_dump()))
    return {**_read(sub), "secret": secret}


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(subscription_id: int, db: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """One of the agency's subscriptions, with its delivery state."""
    return _read(subscription_service.get(db, actor, subscription_id))


@router.post("/subscriptions/{subscription_id}/pause", response_model=SubscriptionRead)
def pause_subscription(subscription_id: int, db: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Stop pushing until resumed; 409 when not active."""
    return _read(subscription_service.pause(db, actor, subscription_id))


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionRead)
def resume_subscription(subscription_id: int, db: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Push again from its cursor; 409 when its grant is no longer in force."""
    return _read(subscription_service.resume(db, actor, subscription_id))


@router.delete("/subscriptions/{subscription_id}", status_code=204, response_class=Response)
def delete_subscription(subscription_id: int, db: DbSession, actor: CurrentActor) -> Response:
    """Delete the subscription."""
    subscription_service.delete(db, actor, subscription_id)
    return Response(status_code=204)
