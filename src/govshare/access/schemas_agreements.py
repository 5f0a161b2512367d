"""API shapes of confidentiality agreements (GD-34). Filing is a multipart form (the signed
document is uploaded with it), so only what the API answers and the termination are models."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from govshare.access import agreement_checks as checks
from govshare.access.models import Agreement, Grant
from govshare.access.rules import GrantStatus

KINDS = "、".join(f"{k}（{v}）" for k, v in checks.KIND_LABELS.items())
STATUSES = "、".join(f"{k}（{v}）" for k, v in checks.STATUS_LABELS.items())


class AgreementRead(BaseModel):
    id: int = Field(description="协议编号")
    provider_agency_id: int = Field(description="提供信息的机关编号")
    consumer_agency_id: int = Field(description="需求（使用）信息的机关编号")
    resource_codes: list[str] = Field(description="协议范围内的资源代码；空表示提供机关的全部资源")
    scope: str = Field(description="保密范围（文字说明）")
    sensitivities: list[str] = Field(description=f"协议涉及的秘密类型：{KINDS}")
    signed_date: date = Field(description="签署日期")
    valid_from: date = Field(description="协议期限开始日期")
    valid_until: date = Field(description="协议期限结束日期（含）")
    status: str = Field(description=f"状态：{STATUSES}")
    status_label: str = Field(description="状态的中文名称")
    in_term_today: bool = Field(description="今天是否在协议期限内且协议有效")
    document_name: str = Field(description="已签署协议文本的文件名")
    document_sm3: str = Field(description="协议文本的 SM3 摘要（十六进制），下载时在 X-Content-SM3 头中给出")
    document_url: str = Field(description="下载协议文本的地址")
    secrecy_filing_number: str = Field(
        description="保密行政管理部门备案编号（涉及国家秘密时必填），未备案为空")
    secrecy_filing_date: date | None = Field(description="保密行政管理部门备案日期")
    filed_by: str = Field(description="备案人")
    filed_at: datetime = Field(description="备案时间（UTC）")


class CoveredGrantRead(BaseModel):
    grant_id: int = Field(description="授权编号")
    resource_code: str | None = Field(description="资源代码")
    resource_name: str = Field(description="资源名称")
    sensitive_items: list[str] = Field(description="授权中涉及秘密的信息项")
    status: str = Field(description="授权状态：" + "、".join(f"{s.value}（{s.label}）" for s in GrantStatus))
    covered_today: bool = Field(
        description="今天是否由本协议覆盖（协议有效、在期限内、涉及国家秘密的已备案）")


class AgreementDetailRead(AgreementRead):
    grants: list[CoveredGrantRead] = Field(description="本协议范围内的授权")


class TerminateWrite(BaseModel):
    reasons: str = Field(min_length=1, max_length=2000, description="终止协议的理由（必填）")


def agreement_read(agreement: Agreement, today: date) -> AgreementRead:
    number, filed_on = checks.filing_parts(agreement.secrecy_filing)
    return AgreementRead(
        id=agreement.id, provider_agency_id=agreement.provider_agency_id,
        consumer_agency_id=agreement.consumer_agency_id,
        resource_codes=list(agreement.resource_codes), scope=agreement.scope,
        sensitivities=list(agreement.sensitivities), signed_date=agreement.signed_date,
        valid_from=agreement.valid_from, valid_until=agreement.valid_until,
        status=agreement.status, status_label=checks.STATUS_LABELS[agreement.status],
        in_term_today=(agreement.status == "in_force"
                       and agreement.valid_from <= today <= agreement.valid_until),
        document_name=agreement.document_name, document_sm3=agreement.document_sm3,
        document_url=f"/api/v1/access/agreements/{agreement.id}/document",
        secrecy_filing_number=number, secrecy_filing_date=filed_on, filed_by=agreement.filed_by,
        filed_at=agreement.filed_at)


def covered_read(grant: Grant, covered: bool) -> CoveredGrantRead:
    return CoveredGrantRead(grant_id=grant.id, resource_code=grant.resource_code,
                            resource_name=grant.resource_name,
                            sensitive_items=list(grant.sensitive_items), status=grant.status,
                            covered_today=covered)
