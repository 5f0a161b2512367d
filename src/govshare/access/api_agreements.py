"""API of confidentiality agreements (保密协议, GD-34): file one with its signed document
(multipart), list and read them, download the document (its SM3 digest in `X-Content-SM3`), and
terminate one with reasons. Filing activates the grants waiting for it in the same transaction."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from govshare.access import agreement_service
from govshare.access.agreement_checks import DOCUMENT_MAX_BYTES, AgreementDraft
from govshare.access.schemas_agreements import (
    KINDS,
    STATUSES,
    AgreementDetailRead,
    AgreementRead,
    TerminateWrite,
    agreement_read,
    covered_read,
)
from govshare.kit import clock
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1/access", tags=["access 获取与授权"], route_class=TransactionalRoute)

SM3_HEADER = "X-Content-SM3"


@router.post("/agreements", status_code=201, response_model=AgreementRead,
             responses={403: {"description": "不是协议一方的机关管理员或信息化主管部门；区信息化主管部门"
                                              "备案的协议双方都不属于本区时 code 为 other_division（GZ-21）"},
                        422: {"description": "输入不符合规则，field 指明字段（如涉及国家秘密未填备案编号）"}})
def file_agreement(
    db: DbSession, actor: CurrentActor,
    provider_agency_id: int = Form(description="提供信息的机关编号"),
    consumer_agency_id: int = Form(description="需求（使用）信息的机关编号，不能与提供机关相同"),
    scope: str = Form(description="保密范围（文字说明）"),
    sensitivities: list[str] = Form(description=f"协议涉及的秘密类型，可重复填写：{KINDS}"),
    signed_date: date = Form(description="签署日期，不晚于今天"),
    valid_from: date = Form(description="协议期限开始日期"),
    valid_until: date = Form(description="协议期限结束日期（含），不早于开始日期且尚未届满"),
    document: UploadFile = File(description="已签署的协议文本：PDF 或 PNG、JPEG 扫描件，不超过 10 MB"),
    resource_codes: list[str] = Form(
        default=[], description="协议范围内的资源代码（须为现行共享目录中提供机关的资源），可重复；"
                                "不填表示提供机关的全部资源"),
    secrecy_filing_number: str = Form(
        default="", description="保密行政管理部门备案编号；涉及国家秘密（state_secret）时必填"),
    secrecy_filing_date: date | None = Form(
        default=None, description="保密行政管理部门备案日期；涉及国家秘密时必填"),
):
    """File a signed confidentiality agreement between two agencies. Every grant of the
    consumer waiting for an agreement that this one covers becomes active at once. A district IT
    authority files only for parties at least one of which is in its division (GZ-21)."""
    data = document.file.read(DOCUMENT_MAX_BYTES + 1)
    agreement = agreement_service.file_agreement(db, actor, AgreementDraft(
        provider_agency_id=provider_agency_id, consumer_agency_id=consumer_agency_id, scope=scope,
        sensitivities=tuple(sensitivities), signed_date=signed_date, valid_from=valid_from,
        valid_until=valid_until, document=data, document_name=document.filename or "",
        resource_codes=tuple(resource_codes), secrecy_filing_number=secrecy_filing_number,
        secrecy_filing_date=secrecy_filing_date))
    return agreement_read(agreement, clock.today())


@router.get("/agreements", response_model=PageRead[AgreementRead])
def list_agreements(db: DbSession, actor: CurrentActor,
                    status: str | None = Query(None, description=f"按状态筛选：{STATUSES}"),
                    agency_id: int | None = Query(None, description="只列出该机关为一方的协议"),
                    limit: int = Query(50, description="每页条数，1–200"),
                    offset: int = Query(0, description="跳过的条数")):
    """The agreements the caller's agency is party to (all of them for the city IT authority and
    oversight; for a district IT authority, those a party of which is in its division, GZ-21),
    newest first."""
    page = agreement_service.list_agreements(db, actor, PageRequest(limit, offset), status=status,
                                             agency_id=agency_id)
    today = clock.today()
    return PageRead[AgreementRead](items=[agreement_read(a, today) for a in page.items],
                                   total=page.total, limit=page.limit, offset=page.offset)


@router.get("/agreements/{agreement_id}", response_model=AgreementDetailRead)
def get_agreement(agreement_id: int, db: DbSession, actor: CurrentActor):
    """One agreement, with the grants in its scope and whether it covers each today."""
    agreement = agreement_service.get_agreement(db, actor, agreement_id)
    today = clock.today()
    grants = agreement_service.grants_covered(db, actor, agreement, today)
    return AgreementDetailRead(**agreement_read(agreement, today).model_dump(),
                               grants=[covered_read(g, c) for g, c in grants])


@router.get("/agreements/{agreement_id}/document", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
                             "description": f"协议文本；{SM3_HEADER} 头为其 SM3 摘要"}})
def agreement_document(agreement_id: int, db: DbSession, actor: CurrentActor):
    """The signed document as uploaded; compare its SM3 digest with `X-Content-SM3`."""
    doc = agreement_service.document_of(db, actor, agreement_id)
    return Response(doc.data, media_type=doc.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.name)}",
        SM3_HEADER: doc.sm3})


@router.post("/agreements/{agreement_id}/terminate", response_model=AgreementRead,
             responses={409: {"description": "协议已终止或已到期"}})
def terminate_agreement(agreement_id: int, body: TerminateWrite, db: DbSession,
                        actor: CurrentActor):
    """End an agreement with reasons; grants that relied on it wait for an agreement again
    unless another agreement covers them."""
    agreement = agreement_service.terminate_agreement(db, actor, agreement_id, body.reasons)
    return agreement_read(agreement, clock.today())
