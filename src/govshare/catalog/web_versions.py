"""Console pages of the shared catalog (政府信息共享目录, GZ-8, GZ-9): the list of versions, a
version with its diff and — for the government approver — the approval form, and the catalog in
force on any date."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.catalog import version_service
from govshare.catalog.published_labels import ENTRY_VOCABULARY, ITEM_VOCABULARY, label
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.kit.actor import Actor, Role
from govshare.kit.clock import today
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.kit.pagination import PageRequest

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 50
DIFF_LIMIT = 500
NOTICES = {"compiled": "新版本已编制，等待人民政府审批。", "approved": "已批准本版本。",
           "rejected": "已不予批准本版本，理由已记录。", "published": "本版本已发布，即日起为现行版本。"}
# What a person reads for each key of the frozen document.
FIELD_LABELS = {
    "resource_code": "资源代码", "agency_id": "提供单位标识", "category": "类", "subcategory": "项",
    "subject": "目", "detail": "细目", "name": "资源名称", "abstract": "资源摘要",
    "format_class": "信息资源格式", "format_type": "格式类型", "share_type": "共享类型",
    "share_condition": "共享条件", "legal_basis": "不予共享依据", "share_mode": "共享方式",
    "open_to_public": "是否向社会开放", "open_condition": "开放条件", "update_cycle": "更新周期",
    "related_codes": "关联资源代码", "share_scope": "共享范围", "update_frequency": "共享频率",
    "timeliness": "时效要求", "deadline_class": "更新时限", "is_base_information": "基础信息",
    "resource_kind": "资源类别", "library_group": "所属信息库", "used_in_licensing": "用于行政许可",
    "revision": "修订版次", "publish_date": "发布日期", "provider": "提供单位",
    "item_order": "信息项顺序", "data_type": "数据类型", "length": "长度",
    "sensitivity": "敏感程度", "subject_key": "主体标识", "base_item_code": "基准信息项",
}
VOCABULARY = {**ENTRY_VOCABULARY, **ITEM_VOCABULARY}  # share_type means the same in both


def shown(field: str, value: Any) -> str:
    """A frozen value as a person reads it: vocabulary labels, 是/否, names of providers."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in VOCABULARY:
        return label(VOCABULARY[field], value)
    if field == "provider" and isinstance(value, dict):
        return f"{value.get('name', '')}（{value.get('credit_code', '')}）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@router.get("/catalog/versions")
def versions_page(request: Request, db: DbSession, actor: PageActor, page: int = 1,
                  notice: str = ""):
    """Every version of the shared catalog, newest first."""
    return _list(request, db, actor, page, notice=NOTICES.get(notice))


def _list(request: Request, db, actor: Actor, page: int = 1, error: DomainError | None = None,
          **context: Any):
    page_no = max(page, 1)
    result = version_service.list_versions(db, actor, PageRequest(PAGE_SIZE,
                                                                  (page_no - 1) * PAGE_SIZE))
    return render(request, "catalog/versions_list.html", status_code=error.status if error else 200,
                  page=result, page_no=page_no, error=error, labels=_status_labels(),
                  can_compile=actor.is_city_it_authority, today=today(),
                  **{"notice": None, **context})


def _status_labels() -> dict[str, str]:
    return {s.value: s.label for s in VersionStatus}


@router.post("/catalog/versions")
def compile_version(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Compile a new version (city IT authority)."""
    try:
        version = version_service.compile_version(db, actor)
    except DomainError as exc:
        # A refused compilation may already have written rows: drop them before listing again.
        db.rollback()
        return _list(request, db, actor, error=exc)
    return _done(version.id, "compiled")


@router.get("/catalog/versions/{version_id}")
def version_page(request: Request, version_id: int, db: DbSession, actor: PageActor,
                 notice: str = ""):
    """A version, its diff against the version it was compiled on, and what may be done now."""
    return _detail(request, db, actor, version_id, notice=NOTICES.get(notice))


def _detail(request: Request, db, actor: Actor, version_id: int,
            error: DomainError | None = None, **context: Any):
    # An error re-renders the page with its status, so the request's transaction rolls back.
    version = version_service.get_version(db, actor, version_id)
    diff = version_service.version_diff(db, actor, version_id, 0, DIFF_LIMIT)
    compiled = version.status == VersionStatus.COMPILED
    return render(request, "catalog/versions_detail.html",
                  status_code=error.status if error else 200, version=version, diff=diff,
                  labels=_status_labels(), field_labels=FIELD_LABELS, shown=shown, error=error,
                  can_decide=compiled and actor.has(Role.GOVERNMENT),
                  can_publish=version.status == VersionStatus.APPROVED
                  and actor.is_city_it_authority,
                  **{"notice": None, "form": {}, **context})


@router.post("/catalog/versions/{version_id}/decision")
def decide_version(request: Request, version_id: int, db: DbSession, actor: PageActor,
                   form: CheckedForm):
    """The government approver's decision: approve (confirming any removal) or reject."""
    decision = _text(form, "decision")
    try:
        if decision not in ("approve", "reject"):
            raise InvalidInput("请选择批准或不予批准", field="decision", rule="one_of")
        version_service.decide_version(db, actor, version_id, decision == "approve",
                                       _text(form, "reason"),
                                       removal_approved=bool(form.get("removal_approved")))
    except DomainError as exc:
        return _detail(request, db, actor, version_id, error=exc, form=form)
    return _done(version_id, "approved" if decision == "approve" else "rejected")


@router.post("/catalog/versions/{version_id}/publish")
def publish_version(request: Request, version_id: int, db: DbSession, actor: PageActor,
                    form: CheckedForm):
    """Publish an approved version (city IT authority)."""
    try:
        version_service.publish_version(db, actor, version_id)
    except DomainError as exc:
        return _detail(request, db, actor, version_id, error=exc)
    return _done(version_id, "published")


@router.get("/catalog/versions/{version_id}/entries")
def entries_page(request: Request, version_id: int, db: DbSession, actor: PageActor,
                 page: int = 1):
    """The entries of one version, exactly as frozen."""
    version = version_service.get_version(db, actor, version_id)
    return _entries(request, db, actor, version, page)


@router.get("/catalog/published")
def published_page(request: Request, db: DbSession, actor: PageActor, as_of: str = "",
                   page: int = 1):
    """The shared catalog in force on a date (default: today)."""
    try:
        day = _day(as_of) if as_of else today()
        version = version_service.published_as_of(db, actor, day)
    except DomainError as exc:
        return render(request, "catalog/versions_entries.html", status_code=exc.status,
                      version=None, error=exc, as_of=as_of, labels=_status_labels(),
                      today=today())
    return _entries(request, db, actor, version, page, as_of=day.isoformat())


def _entries(request: Request, db, actor: Actor, version, page: int, as_of: str = ""):
    page_no = max(page, 1)
    result = version_service.version_entries(db, actor, version.id,
                                             PageRequest(PAGE_SIZE, (page_no - 1) * PAGE_SIZE))
    rows = [thaw(e.content) for e in result.items]
    return render(request, "catalog/versions_entries.html", version=version, rows=rows,
                  page=result, page_no=page_no, pages=max(-(-result.total // PAGE_SIZE), 1),
                  as_of=as_of, error=None, labels=_status_labels(), shown=shown, today=today())


def _done(version_id: int, notice: str) -> RedirectResponse:
    # 303 after a change, so reloading the page does not post the form again.
    return RedirectResponse(f"/catalog/versions/{version_id}?notice={notice}", status_code=303)


def _text(form: dict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("日期格式应为 年-月-日，例如 2026-11-23", field="as_of",
                           rule="date") from None
