"""API shapes of requests, their steps, grants and consents (`XCreate` in, `XRead` out). Every
field is described in Chinese and English so that the OpenAPI document explains itself; the
rules themselves are the services' (422 naming the field and the rule, as on the console)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govshare.access.request_service import RequestDraft
from govshare.access.rules import GrantStatus
from govshare.access.workflow import ACTION_LABELS, TRANSITIONS, RequestStatus


def _labels(mapping: dict) -> str:
    return "、".join(f"{k}（{v}）" for k, v in mapping.items())


STATUSES = _labels({s.value: s.label for s in RequestStatus})
ACTIONS = _labels(ACTION_LABELS)
GRANT_STATUSES = _labels({s.value: s.label for s in GrantStatus})


class RowScope(BaseModel):
    division_codes: list[str] = Field(
        default_factory=list, description="所需记录的行政区划代码（6 位，GB/T 2260），空为不限 "
                                          "Division codes (6 digits) of the records wanted; empty: any")
    condition: str = Field("", description="数据范围条件（文字） The row condition, in words")


class RequestCreate(BaseModel):
    resource_code: str | None = Field(
        None, description="政府信息共享目录（现行版本）中的资源代码；目录外的申请不填 "
                          "Resource code in the published shared catalog; omit for a request "
                          "outside the catalog", examples=["G01001/000001"])
    provider_agency_id: int | None = Field(
        None, description="提供机关编号，仅目录外的申请填写（目录内以目录为准） Provider agency id, "
                          "only for a request outside the catalog")
    resource_name: str = Field("", description="所需信息的名称，仅目录外的申请填写 Name of the "
                                               "information wanted, only outside the catalog")
    items: list[str] = Field(description="所需信息项名称（目录内须为该条目的信息项） Item names wanted "
                                         "(items of the catalog entry when in the catalog)")
    duty: str = Field(description="所履行的职责及其依据（GD-24：共享信息只用于本机关履行职责） "
                                  "The duty the information serves, with its basis (GD-24)")
    purpose: str = Field(description="用途 Purpose the information is used for")
    legal_basis: str = Field("", description="申请所依据的法律法规 Legal basis of the request")
    row_scope: RowScope = Field(default_factory=RowScope,
                                description="数据范围：行政区划与条件 Row scope: divisions and condition")
    valid_from: date = Field(description="授权有效期开始日期（不早于今天） First day of the validity "
                                         "asked (not before today)")
    valid_until: date = Field(description="授权有效期结束日期（不超过目录允许的最长期限） Last day of "
                                          "the validity asked (within the catalog's maximum)")

    def draft(self) -> RequestDraft:
        return RequestDraft(items=tuple(self.items), duty=self.duty, purpose=self.purpose,
                            valid_from=self.valid_from, valid_until=self.valid_until,
                            resource_code=self.resource_code or None,
                            provider_agency_id=self.provider_agency_id,
                            resource_name=self.resource_name, legal_basis=self.legal_basis,
                            row_scope=self.row_scope.model_dump())


class ActionCreate(BaseModel):
    """The inputs of a step; which are required depends on the action (see `required_inputs`)."""

    reasons: str | None = Field(None, description="书面理由（拒绝、缩小范围、异议、政府不予共享时必填） "
                                                  "Written reasons (refusal, narrowing, dispute)")
    legal_basis: str | None = Field(None, description="法律依据（拒绝、缩小范围时必填，GD-11） "
                                                      "Legal basis (refusal, narrowing; GD-11)")
    narrowing: str | None = Field(None, description="缩小的范围（缩小范围授权时必填） What the "
                                                    "narrower grant withholds (grant_narrower)")
    outcome: str | None = Field(None, description="协调结果（记录协调结果时必填） Outcome of the "
                                                  "coordination (record_coordination)")
    decision: str | None = Field(None, description="领导小组的决定（记录领导小组决定时必填） The "
                                                   "leading group's decision")
    items: list[str] | None = Field(None, description="缩小范围授权的信息项（所申请信息项的子集） Items "
                                                      "of a narrower grant (a subset of those asked)")
    valid_until: date | None = Field(None, description="缩小范围授权的有效期结束日期（不晚于所申请的） "
                                                       "End of a narrower grant (not later than asked)")
    row_scope: RowScope | None = Field(None, description="缩小范围授权的数据范围 Row scope of a "
                                                         "narrower grant")
    whole_city: bool = Field(False, description="区级机关申请市级资源时，决定开放全市数据（GZ-21 例外） "
                                                "Decision opens the whole city to a district agency")
    share: bool | None = Field(None, description="协调结果或领导小组决定是否共享（true 签发授权，false "
                                                 "撤销授权） Whether the settlement shares")

    def inputs(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        if not data.get("whole_city"):
            data.pop("whole_city", None)
        return data


class ActionRead(BaseModel):
    action: str = Field(description=f"操作 Action: {ACTIONS}")
    label: str = Field(description="操作的中文名称 Label of the action")
    required_inputs: list[str] = Field(description="该操作必须填写的字段 Inputs the action requires")


def actions_read(status: str, actions: list[str]) -> list[ActionRead]:
    return [ActionRead(action=a, label=ACTION_LABELS[a],
                       required_inputs=list(TRANSITIONS[(RequestStatus(status), a)].required))
            for a in actions]


class RequestStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int = Field(description="步骤序号 Step number, from 1")
    action: str = Field(description="操作（submit 为提交） Action taken ('submit' for submission)")
    from_status: str | None = Field(description="步骤前的状态 Status before the step")
    to_status: str = Field(description="步骤后的状态 Status after the step")
    actor_name: str = Field(description="办理人 Who took the step")
    actor_agency_id: int | None = Field(description="办理人所属机关 Agency of who took it")
    taken_date: date = Field(description="办理日期（中国时间） Date taken (China)")
    taken_at: datetime = Field(description="办理时间（UTC） Time taken (UTC)")
    late: bool = Field(description="是否超过期限（超期提供即违约） Taken after the deadline")
    inputs: dict[str, Any] = Field(description="理由、法律依据等输入 Reasons, legal basis and other "
                                               "inputs of the step")


class RequestRowRead(BaseModel):
    id: int = Field(description="申请编号 Request id")
    requester_agency_id: int = Field(description="申请机关 Requesting agency")
    requested_by: str = Field(description="申请人 Clerk who submitted it")
    provider_agency_id: int = Field(description="提供机关 Providing agency")
    route: str = Field(description="办理路径：unconditional（无条件共享）、conditional（有条件共享）、"
                                   "not_shared（不予共享）、outside_catalog（目录外） Route by share type")
    status: str = Field(description=f"状态 Status: {STATUSES}")
    status_label: str = Field(description="状态的中文名称 Label of the status")
    since_date: date = Field(description="进入当前状态的日期，期限自此起算 Date the status began")
    due_date: date | None = Field(description="当前环节的期限（15 个工作日决定、5 个工作日提供），按现行"
                                              "工作日历计算；无期限为空 Deadline of the current stage "
                                              "by today's calendar, if a clock runs")
    provisional: bool = Field(description="期限是否暂定（所跨年份的节假日尚未公布） Whether the "
                                          "deadline rests on a year whose holidays are unknown")
    working_days_left: int | None = Field(description="距期限的工作日数：当天为 0，逾期为负 Working "
                                                      "days to the deadline: 0 on the day, negative after")
    overdue: bool = Field(description="是否已逾期 Whether the deadline has passed")
    actions: list[ActionRead] = Field(description="调用者现在可以办理的操作 Actions open to the caller")
    resource_code: str | None = Field(description="资源代码（目录外为空） Resource code")
    resource_name: str = Field(description="资源名称 Resource name")
    items: list[str] = Field(description="所申请的信息项 Items asked")
    valid_from: date = Field(description="申请的有效期开始 Validity asked: first day")
    valid_until: date = Field(description="申请的有效期结束 Validity asked: last day")
    created_at: datetime = Field(description="提交时间（UTC） Submitted at (UTC)")


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description="授权编号 Grant id")
    request_id: int = Field(description="签发授权的申请 Request that issued it")
    grantee_agency_id: int = Field(description="被授权机关（授权不得转让，GZ-25） Grantee agency "
                                               "(non-transferable, GZ-25)")
    provider_agency_id: int = Field(description="提供机关 Providing agency")
    resource_code: str | None = Field(description="资源代码 Resource code")
    resource_name: str = Field(description="资源名称 Resource name")
    catalog_version_id: int | None = Field(description="所依据的目录版本 Catalog version")
    items: list[str] = Field(description="授权的信息项 Items granted")
    sensitive_items: list[str] = Field(description="须签订保密协议的信息项（GD-34） Items needing a "
                                                   "confidentiality agreement")
    row_scope: dict[str, Any] = Field(description="数据范围 Row scope")
    division_code: str | None = Field(description="限于本行政区划的记录（GZ-21）；空为不限 Records "
                                                  "limited to this division (GZ-21); null: none")
    duty: str = Field(description="所履行的职责（GD-24） Duty served")
    purpose: str = Field(description="用途 Purpose")
    valid_from: date = Field(description="有效期开始 Valid from")
    valid_until: date = Field(description="有效期结束 Valid until")
    status: str = Field(description=f"授权状态 Status: {GRANT_STATUSES}")
    status_label: str = Field(description="授权状态的中文名称 Label of the status")
    basis: str = Field(description="签发依据（签发授权的事件） Event that issued it")
    issued_by: str = Field(description="签发人 Issued by")
    issued_at: datetime = Field(description="签发时间（UTC） Issued at (UTC)")
    revoked_by: str | None = Field(description="撤销人 Revoked by")
    revoked_at: datetime | None = Field(description="撤销时间（UTC） Revoked at (UTC)")
    revoke_reasons: str = Field(description="撤销理由 Reasons for the revocation")


def grant_read(grant) -> GrantRead:
    data = {n: getattr(grant, n) for n in GrantRead.model_fields if n != "status_label"}
    return GrantRead(**data, status_label=GrantStatus(grant.status).label)


class RequestRead(RequestRowRead):
    duty: str = Field(description="所履行的职责（GD-24） Duty served")
    purpose: str = Field(description="用途 Purpose")
    legal_basis: str = Field(description="申请所依据的法律法规 Legal basis of the request")
    row_scope: dict[str, Any] = Field(description="数据范围 Row scope")
    catalog_version_id: int | None = Field(description="申请时现行的目录版本 Catalog version")
    steps: list[RequestStepRead] = Field(description="办理步骤，按顺序 The steps taken, in order")
    grant_id: int | None = Field(description="签发的授权编号；无授权为空 Grant issued, if any")
    grant: GrantRead | None = Field(description="签发的授权 The grant issued, if any")


class RevokeCreate(BaseModel):
    reasons: str = Field(description="撤销理由（必填） Reasons for revoking (required)")


class ConsentCreate(BaseModel):
    kind: str = Field(description="同意类型：pass_on（转授其他机关）、publish（向社会公开） Kind: "
                                  "pass on to another agency, or publish")
    recipient: str = Field("", description="接收机关（转授时必填） Recipient (required to pass on)")
    purpose: str = Field(description="同意的用途 Purpose consented to")


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description="同意记录编号 Consent id")
    grant_id: int = Field(description="所涉授权 Grant concerned")
    kind: str = Field(description="同意类型：pass_on、publish Kind")
    recipient: str = Field(description="接收机关 Recipient")
    purpose: str = Field(description="同意的用途 Purpose")
    given_by: str = Field(description="同意人（提供机关） Given by (provider)")
    given_at: datetime = Field(description="同意时间（UTC） Given at (UTC)")


def row_read(row, cls: type[RequestRowRead] = RequestRowRead, **extra: Any) -> RequestRowRead:
    """A queue row (queue_service.RequestRow) as the API shows it."""
    r = row.request
    fields = {n: getattr(r, n) for n in cls.model_fields
              if n not in extra and n not in _COMPUTED and hasattr(r, n)}
    return cls(**fields, status_label=row.status_label, due_date=row.due_date,
               provisional=row.provisional,
               working_days_left=row.days_left, overdue=row.overdue,
               actions=actions_read(r.status, row.actions), **extra)


_COMPUTED = {"status_label", "due_date", "provisional", "working_days_left", "overdue", "actions"}
