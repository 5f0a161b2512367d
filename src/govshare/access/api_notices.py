"""API of the notice inbox (提醒): an agency's notices — deadlines near, due today or passed,
decisions taken — the unread count, marking them read, and the webhook the agency's own system
receives them at (signed with HMAC-SM3, sent after commit by the worker)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from govshare.access import notice_service
from govshare.access.models import Notice
from govshare.kit.errors import InvalidInput
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.outbox import DELIVERY_HEADER, SIGNATURE_HEADER
from govshare.kit.pagination import PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1/access", tags=["access 获取与授权"], route_class=TransactionalRoute)


class NoticeRead(BaseModel):
    id: int = Field(description="提醒标识 Notice id")
    kind: str = Field(description="类型：due_soon（3 个工作日内到期）、due_today（今日到期）、"
                                  "overdue_escalated（逾期未决定，已提请协调）、supply_overdue（逾期未提供）、"
                                  "request_received、step_<办理操作>、grant_revoked、agreement_needed 等"
                                  " Kind")
    kind_label: str = Field(description="类型的中文名称 Kind, in Chinese")
    request_id: int | None = Field(description="相关共享申请 The request concerned")
    due_date: date | None = Field(description="所提醒的期限（期限类提醒） The deadline reminded of")
    message: str = Field(description="提醒内容 What the notice says")
    created_at: datetime = Field(description="提醒时间（UTC） When")
    read_at: datetime | None = Field(description="标记已读的时间（UTC），未读为 null When marked read")


def notice_read(notice: Notice) -> NoticeRead:
    return NoticeRead(id=notice.id, kind=notice.kind, kind_label=notice_service.kind_label(notice.kind),
                      request_id=notice.request_id, due_date=notice.due_date, message=notice.message,
                      created_at=notice.created_at, read_at=notice.read_at)


class UnreadRead(BaseModel):
    unread: int = Field(description="本机关未读提醒数 Unread notices of the caller's agency")


class MarkRead(BaseModel):
    ids: list[int] | None = Field(None, description="要标记已读的提醒；与 all 二选一 Notices to mark")
    all: bool = Field(False, description="true：本机关全部未读提醒标记已读 Mark every unread notice")


class MarkedRead(BaseModel):
    marked: int = Field(description="本次由未读变为已读的提醒数 Notices now read")
    unread: int = Field(description="剩余未读提醒数 Still unread")


class HookSet(BaseModel):
    url: str = Field(description="接收提醒的地址（http:// 或 https://） Where notices are POSTed",
                     max_length=notice_service.URL_MAX)
    active: bool = Field(True, description="是否推送 Whether to push")


class HookRead(BaseModel):
    url: str = Field(description="接收提醒的地址 Where notices are POSTed")
    active: bool = Field(description="是否推送 Whether notices are pushed")


class HookIssued(HookRead):
    secret: str = Field(
        description=f"签名密钥，只在设置时返回一次。每次推送的请求头 {SIGNATURE_HEADER}: sm3-hmac=<hex> "
                    "是以此密钥对请求体原文计算的 HMAC-SM3；"
                    f"{DELIVERY_HEADER} 是投递编号，重试时不变，可用于去重 "
                    "The signing secret, shown once")


@router.get("/notices", response_model=PageRead[NoticeRead])
def list_notices(db: DbSession, actor: CurrentActor,
                 unread: bool = Query(False, description="只列未读 Only unread ones"),
                 limit: int = 50, offset: int = 0):
    """The caller's agency's notices, unread first, newest first."""
    page = notice_service.list_notices(db, actor, PageRequest(limit, offset), unread_only=unread)
    return PageRead[NoticeRead](items=[notice_read(n) for n in page.items], total=page.total,
                                limit=page.limit, offset=page.offset)


@router.get("/notices/unread-count", response_model=UnreadRead)
def unread_count(db: DbSession, actor: CurrentActor):
    """How many of the caller's agency's notices are unread."""
    return UnreadRead(unread=notice_service.unread_count(db, actor))


@router.post("/notices/read", response_model=MarkedRead)
def mark_read(body: MarkRead, db: DbSession, actor: CurrentActor):
    """Mark notices of the caller's agency read: the ones named, or all. Others' are untouched."""
    if body.all == (body.ids is not None):
        raise InvalidInput("请给出 ids（要标记的提醒）或 all=true（全部标记），二者选一",
                           field="ids", rule="one_of")
    marked = notice_service.mark_read(db, actor, None if body.all else body.ids)
    return MarkedRead(marked=marked, unread=notice_service.unread_count(db, actor))


@router.post("/notices/{notice_id}/read", response_model=NoticeRead)
def mark_one_read(db: DbSession, actor: CurrentActor,
                  notice_id: int = Path(description="提醒标识 Notice id")):
    """Mark one notice read (already read: unchanged)."""
    notice = notice_service.get_notice(db, actor, notice_id)
    notice_service.mark_read(db, actor, [notice.id])
    return notice_read(notice_service.get_notice(db, actor, notice_id))


@router.get("/notice-hook", response_model=HookRead | None)
def get_hook(db: DbSession, actor: CurrentActor):
    """The caller's agency's webhook (null when none is set); the secret is never shown again."""
    hook = notice_service.get_hook(db, actor)
    return HookRead(url=hook.url, active=hook.active) if hook else None


@router.put("/notice-hook", response_model=HookIssued)
def set_hook(body: HookSet, db: DbSession, actor: CurrentActor):
    """Set the webhook of the caller's agency (its administrator only); a new signing secret
    is issued every time and returned this once."""
    hook, secret = notice_service.set_hook(db, actor, body.url, body.active)
    return HookIssued(url=hook.url, active=hook.active, secret=secret)
