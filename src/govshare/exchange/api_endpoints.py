"""API of provider APIs (接口, GD-16): the provider's administrator registers its endpoint; a
consumer's system or clerk asks through the platform, which forwards the query under the agency's
grant and answers only what the grant allows (exchange.proxy). A failing provider is a 502, a
slow one a 504, both problem details naming the provider (`provider`, `resource_code`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from govshare.db import unit_of_work
from govshare.exchange import endpoint_service, proxy
from govshare.exchange.api_query import CASE, DUTY
from govshare.exchange.endpoint_models import Endpoint
from govshare.exchange.endpoint_service import EndpointDraft
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute, current_actor, problem

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 交换·接口"], route_class=TransactionalRoute)

FAILURES = {502: {"description": "提供机关接口出错、无法连接或答复不是 JSON 记录（code: provider_error、"
                                 "provider_unreachable、provider_bad_answer），provider 字段为提供机关名称"},
            504: {"description": "提供机关接口未在登记的超时时间内答复（code: provider_timeout）"},
            403: {"description": "本机关没有该资源的有效授权（code: no_grant 或 agreement_required）"},
            404: {"description": "提供机关尚未登记接口（code: endpoint_not_registered）"},
            422: {"description": "缺少职责（duty）或办件号（case_number），或主体标识不符合规则"}}


class EndpointWrite(BaseModel):
    base_url: str = Field(description="提供机关接口地址，平台以 GET 调用，不带查询参数",
                          examples=["https://mz.gz.gov.cn/api/marriage"])
    subject_param: str = Field(description="携带主体标识（规范化后）的查询参数名", examples=["id"])
    fields: dict[str, str] = Field(description="目录信息项名称 → 接口返回 JSON 中的字段名；须含主体信息项。"
                                               "平台只请求授权的信息项（以 fields 参数列出其字段名）",
                                   examples=[{"男方公民身份号码": "man_id", "婚姻状况": "status"}])
    auth_header: str = Field("", description="平台调用时发送的认证请求头名称，如 X-Api-Key；空为不发送")
    secret: str | None = Field(None, description="认证请求头的值；不填则保留已设置的密钥。设置后不再显示")
    timeout_seconds: float = Field(5.0, description="超时（秒），0.1–30；超时答 504")
    division_field: str = Field("", description="接口返回中记录所属行政区划代码的字段名（可选）；填写后，"
                                                "不在授权区划内的记录由平台剔除（GZ-21）")


class EndpointRead(BaseModel):
    resource_code: str = Field(description="资源代码")
    provider_agency_id: int = Field(description="提供机关")
    base_url: str = Field(description="接口地址")
    subject_param: str = Field(description="主体参数名")
    fields: dict[str, str] = Field(description="信息项 → 字段名")
    auth_header: str = Field(description="认证请求头名称")
    secret_set: bool = Field(description="是否已设置密钥（密钥本身不显示）")
    timeout_seconds: float = Field(description="超时（秒）")
    division_field: str = Field(description="行政区划字段名")
    updated_by: str = Field(description="最近修改者")
    updated_at: datetime = Field(description="最近修改时间")

    @classmethod
    def of(cls, e: Endpoint) -> EndpointRead:
        return cls(secret_set=bool(e.secret), **{k: getattr(e, k) for k in cls.model_fields
                                                 if k != "secret_set"})


@router.get("/endpoints/{resource_code:path}", response_model=EndpointRead,
            responses={404: {"description": "尚未登记接口（code: endpoint_not_registered）"}})
def read_endpoint(resource_code: str, db: DbSession, actor: CurrentActor) -> EndpointRead:
    """The provider's endpoint settings for a 共享平台·接口 resource (the secret is not shown)."""
    endpoint = endpoint_service.endpoint_of(db, actor, resource_code)
    if endpoint is None:
        return problem(404, "endpoint_not_registered", "未找到", f"资源 {resource_code} 尚未登记接口")
    return EndpointRead.of(endpoint)


@router.put("/endpoints/{resource_code:path}", response_model=EndpointRead,
            responses={403: {"description": "只有提供机关的机关管理员可以登记（code: not_provider_admin）"},
                       422: {"description": "设置不符合规则，field 指明哪一项"}})
def put_endpoint(resource_code: str, body: EndpointWrite, db: DbSession, actor: CurrentActor) -> EndpointRead:
    """Register or change the provider API the platform forwards queries of this resource to."""
    draft = EndpointDraft(**body.model_dump())
    return EndpointRead.of(endpoint_service.register_endpoint(db, actor, resource_code, draft))


class ApiQueryCreate(BaseModel):
    resource_code: str = Field(description="资源代码（共享方式为共享平台·接口）")
    subjects: list[Any] = Field(description=f"主体标识，1–{proxy.MAX_SUBJECTS} 个。按主体信息项查找，"
                                             "也按授权明文的同类号码项查找（如婚姻登记信息的"
                                             "女方公民身份号码，平台以 match 参数请求）")
    duty: str = DUTY
    case_number: str = CASE


class ApiResultRead(BaseModel):
    subject: str = Field(description="主体标识（规范化后）")
    found: bool = Field(description="提供机关在授权范围内是否有记录（记录中相应字段确为该号码才算）")
    records: list[dict[str, Any]] = Field(description="记录：信息项名称 → 值；授权的明文，未授权的敏感信息项"
                                                      "（若提供机关仍返回）脱敏，其余一概剔除")
    masked: list[str] = Field(description="脱敏显示的信息项")
    removed: list[str] = Field(description="提供机关返回而未获授权、被平台剔除的字段")


class ApiQueryRead(BaseModel):
    query_id: int = Field(description="查询日志编号")
    queried_at: datetime = Field(description="查询时间")
    grant_id: int = Field(description="所依据的授权")
    resource_code: str = Field(description="资源代码")
    resource_name: str = Field(description="资源名称")
    provider: str = Field(description="提供机关")
    duty: str = Field(description="职责（GD-24）")
    case_number: str = Field(description="办件号（GD-24）")
    items: list[str] = Field(description="授权明文提供的信息项（只向提供机关请求这些）")
    masked_items: list[str] = Field(description="未授权的敏感信息项：不请求，若返回则脱敏")
    division_code: str | None = Field(description="授权限定的行政区划（GZ-21），已随请求传给提供机关")
    results: list[ApiResultRead] = Field(description="按请求顺序，每个主体一项")
    snapshot_id: int | None = Field(None, description="证照、文书类资源（如婚姻登记信息）：本次答复的数据快照"
                                                      "编号（GZ-23）；其他资源为空")


def answer_json(a: proxy.Answer) -> dict[str, Any]:
    return {"query_id": a.query_id, "queried_at": a.queried_at.isoformat(), "grant_id": a.grant_id,
            "resource_code": a.resource_code, "resource_name": a.resource_name, "provider": a.provider_name,
            "duty": a.purpose.duty, "case_number": a.purpose.case_number, "items": list(a.items),
            "masked_items": list(a.masked_items), "division_code": a.division_code,
            "results": [{"subject": r.subject, "found": r.found, "records": r.records,
                         "masked": list(r.masked), "removed": list(r.removed)} for r in a.results],
            "snapshot_id": a.snapshot_id}


def _forward(request: Request, body: ApiQueryCreate) -> Response:
    # No transaction is open while the provider answers: read, call, then write the log line.
    with unit_of_work(request.app.state.read_sessionmaker) as session:
        actor = current_actor(request, session)
        fwd = proxy.prepare(session, actor, body.resource_code, body.subjects, body.duty, body.case_number)
    try:
        raw = proxy.call(fwd)
    except proxy.ProviderFailed as exc:
        return problem(exc.status, exc.code, {502: "提供机关接口出错", 504: "提供机关接口超时"}[exc.status],
                       exc.message, provider=exc.provider, resource_code=exc.resource_code)
    with unit_of_work(request.app.state.sessionmaker) as session:
        answer = proxy.finish(session, actor, fwd, raw)
    data = json.dumps(answer_json(answer), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, media_type="application/json")


async def forward_query(body: ApiQueryCreate, request: Request) -> Response:
    """Query a 共享平台·接口 resource: the platform forwards the query to the provider's API under
    the caller's agency's grant — only granted items asked, the division passed — and removes
    whatever the grant does not allow from the answer; logged (kind `api`)."""
    return await run_in_threadpool(_forward, request, body)


# Owns its transactions (none is open while the provider answers): a plain route.
router.add_api_route("/api-queries", forward_query, methods=["POST"], response_model=ApiQueryRead,
                     responses=FAILURES, route_class_override=APIRoute)
