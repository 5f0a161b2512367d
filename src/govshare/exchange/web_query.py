"""Console pages of the consumer: 共享查询 (enter identifiers, pick the grant, state duty and case
number, see what the grant shows with masking), 电子核验 (GZ-24: a yes/no instead of a paper
certificate) and 查询日志 (the agency's own queries, and queries of its data by others)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request

from govshare.directory import service as directory_service
from govshare.exchange import holdings, query_log, query_policy, query_service, verify_service
from govshare.kit.actor import Actor
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
SIDES = {"mine": "本机关的查询", "provided": "其他机关查询本机关的数据", "all": "所有机关"}
# Every kind of line the query log holds: (the name in the table, what it records).
KINDS = {
    "query": ("查询", "按主体查询平台托管的库表：返回授权的信息项（未授权的敏感项脱敏），"
                      "结果列为返回的记录数，并列出记录版本"),
    "verify": ("核验", "电子核验（GZ-24）：只答“是”或“否”；托管库表列出据以核验的记录版本，"
                       "以接口方式共享的资源（如婚姻登记信息）经提供机关接口核验，平台不留存记录"),
    "api": ("接口查询", "经平台转发到提供机关接口的查询：只请求授权的信息项，返回时剔除未授权的字段；"
                        "结果列为提供机关返回并经平台筛选后的记录数"),
    "file": ("文件下载", "下载共享文件的某一版本：版本标识列在结果中"),
    "feed": ("变更读取", "按授权读取库表的变更（增量）：结果列为本次读取的变更条数及其记录版本"),
    "push": ("变更推送", "平台按订阅向查询机关推送的变更：查询者为平台（system），结果列为推送的变更条数"),
}


def _errors(exc: DomainError) -> dict[str, str]:
    field = exc.field or "form"
    return {field.split(".")[0]: exc.message}


def _query_page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    return render(request, "exchange/query.html", status_code=status, held=holdings.held_grants(db, actor),
                  **{"values": {}, "errors": {}, "answer": None, "error": None, **context})


@router.get("/exchange/query")
def query_page(request: Request, db: DbSession, actor: PageActor, resource: str = ""):
    """The query form: the grants the agency can query under."""
    return _query_page(request, db, actor, values={"resource_code": resource})


@router.post("/exchange/query")
def run_query(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Run the query and show what the grant shows (masked where it must be); logged."""
    values = {k: str(form.get(k, "")) for k in ("resource_code", "subjects", "duty", "case_number")}
    subjects = [s for s in re.split(r"[\s,，、;；]+", values["subjects"]) if s]
    try:
        answer = query_service.query_records(db, actor, values["resource_code"], subjects,
                                             values["duty"], values["case_number"])
    except DomainError as exc:
        db.rollback()
        return _query_page(request, db, actor, status=exc.status, values=values,
                           errors=_errors(exc), error=exc)
    return _query_page(request, db, actor, values=values, answer=answer)


def _verify_page(request: Request, db, actor: Actor, status: int = 200, **context: Any):
    held = holdings.held_grants(db, actor, api=True)
    questions = {h.resource_code: verify_service.QUESTIONS[h.resource_name] for h in held
                 if h.resource_name in verify_service.QUESTIONS
                 and verify_service.QUESTIONS[h.resource_name][1] in h.items}
    return render(request, "exchange/verify.html", status_code=status, held=held, questions=questions,
                  **{"values": {}, "errors": {}, "verdict": None, "error": None, **context})


@router.get("/exchange/verify")
def verify_page(request: Request, db: DbSession, actor: PageActor, resource: str = ""):
    """The verification form (GZ-24)."""
    return _verify_page(request, db, actor, values={"resource_code": resource, "use_question": "1"})


@router.post("/exchange/verify")
def run_verify(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Verify and show yes or no, with the deciding version and when it was recorded."""
    keys = ("resource_code", "subject", "duty", "case_number", "use_question", "item", "value")
    values = {k: str(form.get(k, "")).strip() for k in keys}
    conditions: dict[str, list[str]] = {}
    held = {h.resource_code: h for h in holdings.held_grants(db, actor, api=True)}
    question = verify_service.QUESTIONS.get(getattr(held.get(values["resource_code"]), "resource_name", ""))
    if values["use_question"] and question and question[1] in held[values["resource_code"]].items:
        conditions[question[1]] = list(question[2])
    if values["item"]:
        conditions.setdefault(values["item"], []).extend(
            v for v in re.split(r"[,，、;；]+", values["value"]) if v.strip())
    try:
        if values["item"] and not conditions[values["item"]]:
            raise InvalidInput("请填写核验条件的值", field="value", rule="required")
        verdict = verify_service.verify(db, actor, values["resource_code"], values["subject"],
                                        values["duty"], values["case_number"], conditions)
    except DomainError as exc:
        db.rollback()
        return _verify_page(request, db, actor, status=exc.status, values=values,
                            errors=_errors(exc), error=exc)
    return _verify_page(request, db, actor, values=values, verdict=verdict)


@router.get("/exchange/query-log")
def log_page(request: Request, db: DbSession, actor: PageActor, side: str = "",
             since: date | None = None, until: date | None = None, case_number: str = "",
             subject: str = "", before: int | None = None):
    """The query log of the agency: its own queries, or the queries of its data by others."""
    error, page = None, None
    clerk = actor.agency_id is not None and actor.has(*query_policy.AGENCY_ROLES)
    side = side or ("mine" if clerk or not _may_see_all(actor) else "all")
    try:
        page = query_log.entries(db, actor, side=side, since=since, until=until,
                                 case_number=case_number, subject=subject, before=before)
    except DomainError as exc:
        error = exc
    ids = {i for e in (page.entries if page else []) for i in (e.agency_id, e.provider_agency_id)}
    names = directory_service.agency_names(db, actor, ids)
    return render(request, "exchange/query_log.html", status_code=error.status if error else 200,
                  page=page, error=error, names=names, side=side, sides=SIDES, kinds=KINDS,
                  case_number=case_number,
                  subject=subject, may_see_all=_may_see_all(actor))


def _may_see_all(actor: Actor) -> bool:
    try:
        query_policy.can_read_query_log(actor, "all")
        return True
    except DomainError:
        return False

