"""API of consumer queries, verification and the query log (GZ-18, GZ-21, GZ-24, GZ-25, GD-24).

An agency's system calls with its own bearer token and so under its own agency's grants; a clerk
calls from the console session (with the page's CSRF token). Every query and verification states
its duty and case number and is written to the query log in the same transaction as the answer."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from govshare.db import unit_of_work
from govshare.exchange import (
    proxy,
    query_log,
    query_pg,
    query_service,
    snapshot_service,
    verify_proxy,
    verify_service,
)
from govshare.kit.actor import Actor
from govshare.kit.clock import CHINA
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute, current_actor, problem

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 交换·查询与核验"],
                   route_class=TransactionalRoute)

DUTY = Field("", description="本次查询所依据的职责（GD-24），必填，最长 200 字", examples=[
    "办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）"])
CASE = Field("", description="办理的案件或事项编号（办件号），必填，最长 64 个字符",
             examples=["HY-2026-000123"])
ERRORS = {403: {"description": "本机关没有该资源的有效授权（code: no_grant），或授权涉及的保密协议尚未备案"
                               "（code: agreement_required）"},
          404: {"description": "该资源尚未在平台托管记录（code: not_hosted）"},
          422: {"description": "缺少职责（field: duty）或办件号（field: case_number），或主体标识不符合规则"
                               "（field: subjects.N）"}}

FAILURES = {502: {"description": "经接口核验时，提供机关接口出错、无法连接或答复不是 JSON 记录"
                                 "（code: provider_error 等），provider 字段为提供机关名称"},
            504: {"description": "经接口核验时，提供机关接口未在登记的超时时间内答复"
                                 "（code: provider_timeout）"}}

ACTOR_SECONDS = 30.0
ACTOR_CACHE_SIZE = 10_000
_actors: dict[tuple[str, str], tuple[float, Actor]] = {}


def _china(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=CHINA) if moment is not None and moment.tzinfo is None else moment


class QueryCreate(BaseModel):
    resource_code: str = Field(description="资源代码（共享目录）")
    subjects: list[Any] = Field(description="主体标识（公民身份号码、统一社会信用代码等），1–100 个，"
                                            "按入库时的规则校验并规范化")
    duty: str = DUTY
    case_number: str = CASE
    as_of: datetime | None = Field(None, description="查询该时刻平台上的版本；不带时区按北京时间；"
                                                     "不填为当前版本")


class ResultRead(BaseModel):
    subject: str = Field(description="主体标识（规范化后）")
    found: bool = Field(description="授权范围内是否有记录；不在授权区划或数据范围内的记录同样答“无”")
    version_id: int | None = Field(description="返回的记录版本标识（记录行编号）")
    data: dict[str, Any] | None = Field(description="信息项名称 → 值：授权的信息项为明文，"
                                                    "未授权的敏感信息项为脱敏值")
    masked: list[str] = Field(description="本条中脱敏显示的信息项")
    produced_at: datetime | None = Field(description="提供机关产生该版本数据的时间")
    valid_from: datetime | None = Field(description="提供机关声明的生效时间")
    loaded_at: datetime | None = Field(description="平台记录该版本的时间")


class QueryRead(BaseModel):
    query_id: int = Field(description="查询日志编号，引用本次查询时使用")
    queried_at: datetime = Field(description="查询时间")
    grant_id: int = Field(description="所依据的授权")
    resource_code: str = Field(description="资源代码")
    resource_name: str = Field(description="资源名称")
    duty: str = Field(description="职责（GD-24）")
    case_number: str = Field(description="办件号（GD-24）")
    as_of: datetime | None = Field(description="按哪个时刻查询；空为当前版本")
    items: list[str] = Field(description="授权明文提供的信息项")
    masked_items: list[str] = Field(description="未授权、脱敏提供的敏感信息项（个人隐私、商业秘密）")
    division_code: str | None = Field(description="授权限定的行政区划（GZ-21）；空为不限")
    version_ids: list[int] = Field(description="本次返回的全部记录版本标识")
    results: list[ResultRead] = Field(description="按请求顺序，每个主体一项（重复的主体只答一次）")
    snapshot_id: int | None = Field(None, description="证照、文书类资源：本次答复的数据快照编号（GZ-23），"
                                                      "凭此取快照及其证据文件（/api/v1/evidence/snapshots/{id}）；"
                                                      "其他资源为空")


def answer_json(answer: query_service.Answer) -> dict[str, Any]:
    """The answer as QueryRead describes it, built without validating it again."""
    return {
        "query_id": answer.query_id, "queried_at": answer.queried_at.isoformat(),
        "grant_id": answer.grant_id, "resource_code": answer.resource_code,
        "resource_name": answer.resource_name, "duty": answer.purpose.duty,
        "case_number": answer.purpose.case_number,
        "as_of": answer.as_of.isoformat() if answer.as_of else None, "items": list(answer.items),
        "masked_items": list(answer.masked_items), "division_code": answer.division_code,
        "version_ids": answer.version_ids,
        "results": snapshot_service.results_json(answer.results),
        "snapshot_id": answer.snapshot_id,
    }


def _token_key(request: Request, database: str) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    return database, hashlib.sha256(header.encode()).hexdigest()


def _cached_actor(request: Request, database: str) -> Actor | None:
    key = _token_key(request, database)
    hit = _actors.get(key) if key else None
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _actor(request: Request, session: Session) -> Actor:
    """The caller. A bearer token's actor is kept for ACTOR_SECONDS (its revocation still stops
    queries at once: the lookup re-checks the client, query_service.client_of); console users
    are resolved every time."""
    database = query_log.database_of(session.get_bind().url)
    actor = _cached_actor(request, database)
    if actor is not None:
        return actor
    key = _token_key(request, database)
    if key is not None:
        _actors.pop(key, None)
    actor = current_actor(request, session)
    if key is not None:
        if len(_actors) > ACTOR_CACHE_SIZE:
            _actors.clear()
        _actors[key] = (time.monotonic() + ACTOR_SECONDS, actor)
    return actor


def _query(request: Request, body: QueryCreate) -> query_service.Answer:
    # The whole unit of work in one worker thread: one hand-off per request instead of five.
    with unit_of_work(request.app.state.sessionmaker) as session:
        return query_service.query_records(session, _actor(request, session), body.resource_code,
                                           body.subjects, body.duty, body.case_number, _china(body.as_of))


async def query_records(body: QueryCreate, request: Request) -> Response:
    """Query a hosted library by subject under the caller's agency's grant: granted items in
    clear, sensitive items not granted masked, rows limited to the grant's division; logged in
    the same transaction."""
    answer = await _hot(request, body)
    if answer is None:
        answer = await run_in_threadpool(_query, request, body)
    return Response(json.dumps(answer_json(answer), ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json")


async def _hot(request: Request, body: QueryCreate) -> query_service.Answer | None:
    """On PostgreSQL, with the caller's token and grant both cached: the event-loop path."""
    engine = request.app.state.engine
    if engine.dialect.name != "postgresql":
        return None
    database = query_log.database_of(engine.url)
    actor = _cached_actor(request, database)
    use = actor and query_service.cached_use(database, actor.agency_id, body.resource_code)
    # A licence or document query takes its data snapshot, in a Session: the ordinary path.
    if not use or snapshot_service.needs_snapshot(use.resource_kind):
        return None
    purpose = query_service.check_purpose(body.duty, body.case_number)
    try:
        return await query_pg.query(engine, actor, use, body.subjects, purpose, _china(body.as_of))
    except query_pg.Fallback:
        query_service.forget(database, actor.agency_id, body.resource_code)
        _actors.pop(_token_key(request, database), None)
        return None


# The hot path owns its transaction itself (db.unit_of_work around everything, in one thread),
# so it is a plain route rather than a TransactionalRoute.
router.add_api_route("/queries", query_records, methods=["POST"], response_model=QueryRead,
                     responses=ERRORS, route_class_override=APIRoute)


class VerificationCreate(BaseModel):
    resource_code: str = Field(description="资源代码（共享目录），如营业执照信息")
    subject: str = Field(description="主体标识：公民身份号码、统一社会信用代码等")
    duty: str = DUTY
    case_number: str = CASE
    conditions: dict[str, list[str] | str] = Field(
        default_factory=dict, description="可选的核验条件：信息项 → 符合的值（一个或多个）；"
                                          "只能用授权明文可见的信息项",
        examples=[{"登记状态": ["存续", "在业"]}])


class VerdictRead(BaseModel):
    holds: bool = Field(description="核验结论：是 / 否")
    reason: str = Field(description="holds、no_record、not_yet_valid、expired、condition_not_met")
    explanation: str = Field(description="结论的中文说明")
    subject: str = Field(description="主体标识（规范化后）")
    resource_code: str = Field(description="资源代码")
    resource_name: str = Field(description="资源名称")
    grant_id: int = Field(description="所依据的授权")
    version_id: int | None = Field(description="据以得出结论的记录版本；授权范围内无记录时为空")
    valid_from: datetime | None = Field(description="该版本声明的生效时间")
    loaded_at: datetime | None = Field(description="平台记录该版本的时间")
    checked_items: list[str] = Field(description="核验时比对的信息项")
    unmet: list[str] = Field(description="不符合的核验条件（信息项）")
    query_id: int = Field(description="查询日志编号")
    verified_at: datetime = Field(description="核验时间")
    snapshot_id: int | None = Field(None, description="证照、文书类资源：本次核验的数据快照编号（GZ-23）；"
                                                      "其他资源为空")
    source: str = Field(description="library：平台托管的库表；api：经提供机关接口核验")
    record_version: str | None = Field(description="经接口核验时，提供机关所述据以核验的记录版本（_version）")
    matched_item: str | None = Field(description="经接口核验时，号码所在的当事人信息项（如女方公民身份号码）")


def verdict_json(v: verify_service.Verdict) -> dict[str, Any]:
    """The verdict as VerdictRead describes it (the API and `govshare exchange verify --json`)."""
    return VerdictRead(explanation=v.explanation, **{k: getattr(v, k) for k in VerdictRead.model_fields
                                                      if k != "explanation"}).model_dump(mode="json")


def _verify(request: Request, body: VerificationCreate) -> Response:
    # A resource served through its provider's API: read, call with no transaction open, then
    # write the log line (as /api-queries does); a hosted one: one unit of work.
    with unit_of_work(request.app.state.read_sessionmaker) as session:
        actor = current_actor(request, session)
        by_api = verify_proxy.served_by_api(session, actor, body.resource_code)
        ask = by_api and verify_proxy.prepare(session, actor, body.resource_code, body.subject, body.duty,
                                              body.case_number, body.conditions)
    if not ask:
        with unit_of_work(request.app.state.sessionmaker) as session:
            verdict = verify_service.verify(session, actor, body.resource_code, body.subject, body.duty,
                                            body.case_number, body.conditions)
        return JSONResponse(verdict_json(verdict))
    try:
        sent = verify_proxy.call(ask)
    except proxy.ProviderFailed as exc:
        return problem(exc.status, exc.code, {502: "提供机关接口出错", 504: "提供机关接口超时"}[exc.status],
                       exc.message, provider=exc.provider, resource_code=exc.resource_code)
    with unit_of_work(request.app.state.sessionmaker) as session:
        return JSONResponse(verdict_json(verify_proxy.finish(session, actor, ask, sent)))


async def verify(body: VerificationCreate, request: Request) -> Response:
    """Does this subject hold a valid record of the resource today (meeting the conditions)?
    Yes or no with the deciding version and when it was recorded, nothing beyond the grant (GZ-24).
    A resource served through its provider's API (共享平台·接口, e.g. 婚姻登记信息) is verified
    through that API, by either party's number where the entry names two (exchange.verify_proxy)."""
    return await run_in_threadpool(_verify, request, body)


# Owns its transactions (none is open while a provider answers): a plain route.
router.add_api_route("/verifications", verify, methods=["POST"], response_model=VerdictRead,
                     responses={**ERRORS, **FAILURES}, route_class_override=APIRoute)


class LogLineRead(BaseModel):
    id: int = Field(description="查询日志编号")
    queried_at: datetime = Field(description="查询时间")
    kind: str = Field(description="query（查询库表）、verify（核验）、api（经提供机关接口查询）、"
                                  "file（下载共享文件）、feed（读取变更）、push（按订阅推送变更）")
    agency_id: int = Field(description="查询机关")
    provider_agency_id: int = Field(description="提供机关")
    actor_kind: str = Field(description="user（工作人员）、client（接口客户端）或 system"
                                        "（平台自身：按订阅推送变更的 push 行）")
    actor: str = Field(description="查询者")
    grant_id: int = Field(description="所依据的授权")
    resource_code: str = Field(description="资源代码")
    division_code: str | None = Field(description="授权限定的行政区划")
    duty: str = Field(description="职责（GD-24）")
    case_number: str = Field(description="办件号（GD-24）")
    as_of: datetime | None = Field(description="按哪个时刻查询")
    subject_count: int = Field(description="查询的主体数")
    subjects: list[str] = Field(description="主体标识的 SM3 摘要（十六进制）；日志不存明文")
    items: list[str] = Field(description="提供的信息项；脱敏提供的注明（脱敏）")
    row_count: int = Field(description="返回的记录数")
    record_ids: list[int] = Field(description="返回（或核验所依据）的记录版本")
    outcome: str = Field(description="rows（查询、接口查询、变更）、yes / no（核验结论）、file（文件下载）")


class LogPageRead(BaseModel):
    entries: list[LogLineRead]
    since: date = Field(description="时间范围起（北京时间）")
    until: date = Field(description="时间范围止（含）")
    next_before: int | None = Field(description="下一页（更早）时作为 before 传入；空表示没有更多")


@router.get("/query-log", response_model=LogPageRead)
def read_query_log(db: DbSession, actor: CurrentActor,
                   side: str = Query("mine", description="mine：本机关的查询；provided：其他机关查询"
                                                         "本机关的数据；all：所有机关（市信息化主管部门、"
                                                         "监察、审计）"),
                   since: date | None = Query(None, description="起始日期，默认为截止日期前 30 天"),
                   until: date | None = Query(None, description="截止日期（含），默认为今天"),
                   resource_code: str = Query("", description="只看该资源"),
                   case_number: str = Query("", description="只看该办件号"),
                   subject: str = Query("", description="只看查询过该主体的（按其 SM3 摘要查找）"),
                   before: int | None = Query(None, description="上一页返回的 next_before"),
                   limit: int = Query(50, ge=1, le=200, description="每页条数")) -> LogPageRead:
    """The query log, newest first: who queried what, under which grant, for which duty and case."""
    page = query_log.entries(db, actor, side=side, since=since, until=until, resource_code=resource_code,
                             case_number=case_number, subject=subject, before=before, limit=limit)
    return LogPageRead(entries=[_line(e) for e in page.entries], since=page.since, until=page.until,
                       next_before=page.next_before)


LISTS = ("subjects", "items", "record_ids")


def _line(e) -> LogLineRead:
    return LogLineRead(
        **{k: getattr(e, k) for k in LogLineRead.model_fields if k not in LISTS},
        subjects=e.subjects.split(), items=[i for i in e.items.split("、") if i],
        record_ids=[int(i) for i in e.record_ids.split()])
