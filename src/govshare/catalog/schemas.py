"""API shapes of agencies' catalogs (GZ-7), the base-information catalog (GZ-14) and needs (GD-12).

Vocabulary fields are plain strings: the catalog rules (rules.py) check them and answer 422 naming
the field and the rule, in the same words on the API, the console and the CLI."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from govshare.catalog.rules import EntryDraft, ItemDraft


def _choices(enum_name: str) -> str:
    from govshare.catalog import terms

    return "、".join(f"{m.value}（{m.label}）" for m in getattr(terms, enum_name))


class ItemWrite(BaseModel):
    name: str = Field(description="信息项名称")
    data_type: str = Field(description=f"数据类型：{_choices('DataType')}")
    length: int | None = Field(None, description="数据长度")
    share_type: str | None = Field(
        None, description=f"信息项共享类型，与条目不同时填写：{_choices('ShareType')}")
    sensitivity: str = Field("none", description=f"涉密与敏感类型：{_choices('Sensitivity')}")
    subject_key: str | None = Field(
        None, description=f"主体标识（GZ-16），标识记录主体的信息项填写：{_choices('SubjectKey')}")
    base_item_code: str | None = Field(
        None, description="对应的基准信息项代码（GZ-13、GZ-14），如 P0001 公民身份号码")

    def draft(self) -> ItemDraft:
        return ItemDraft(**self.model_dump())


class ShareScope(BaseModel):
    levels: list[str] = Field(default_factory=list,
                              description="共享范围（层级）：city（市级机关）、district（区级机关）")
    agency_ids: list[int] = Field(default_factory=list, description="共享范围（指定机关的编号）")


class EntryWrite(BaseModel):
    category: str = Field(description=f"类：{_choices('Category')}")
    subcategory: str = Field(description="项（2位数字）", examples=["01"])
    subject: str = Field(description="目（3位数字）", examples=["001"])
    detail: str = Field("", description="细目（数字，可空）")
    name: str = Field(description="信息资源名称")
    abstract: str = Field("", description="信息资源摘要")
    format_class: str = Field(description=f"信息资源格式分类：{_choices('FormatClass')}")
    format_type: str = Field("", description="信息资源格式类型，如 xlsx、JSON")
    share_type: str = Field(description=f"共享类型（GD-4）：{_choices('ShareType')}")
    share_condition: str = Field("", description="共享条件（有条件共享时必填）")
    legal_basis: str = Field("", description="不予共享的法律、行政法规或政策依据（不予共享时必填）")
    share_mode: str = Field(description=f"共享方式：{_choices('ShareMode')}")
    open_to_public: bool = Field(False, description="是否向社会开放")
    open_condition: str = Field("", description="开放条件（向社会开放时必填）")
    update_cycle: str = Field(description=f"更新周期：{_choices('UpdateCycle')}")
    publish_date: date | None = Field(None, description="发布日期")
    related_codes: list[str] = Field(default_factory=list, description="关联资源代码")
    share_scope: ShareScope = Field(default_factory=ShareScope, description="共享范围（广州市要求）")
    update_frequency: str = Field("", description="共享频率（广州市要求）")
    timeliness: str = Field("", description="时效要求（广州市要求）")
    deadline_class: str = Field(description=f"更新时限（GZ-17）：{_choices('DeadlineClass')}")
    is_base_information: bool = Field(False, description="是否为基准信息资源（GZ-3）")
    resource_kind: str = Field(description=f"资源类别：{_choices('ResourceKind')}")
    library_group: str = Field(description=f"所属信息库（GZ-11）：{_choices('LibraryGroup')}")
    used_in_licensing: bool = Field(
        False, description="是否用于行政许可或并联审批（GD-4：须无条件共享）")
    items: list[ItemWrite] = Field(description="信息项")

    def draft(self) -> EntryDraft:
        data = self.model_dump(exclude={"items", "related_codes", "share_scope"})
        return EntryDraft(**data, related_codes=tuple(self.related_codes),
                          share_scope=self.share_scope.model_dump(),
                          items=tuple(i.draft() for i in self.items))


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    position: int = Field(description="序号（从0起）")
    name: str = Field(description="信息项名称")
    data_type: str = Field(description="数据类型")
    length: int | None = Field(description="数据长度")
    share_type: str | None = Field(description="信息项共享类型；空为与条目相同")
    sensitivity: str = Field(description="涉密与敏感类型")
    subject_key: str | None = Field(description="主体标识")
    base_item_code: str | None = Field(description="对应的基准信息项代码")


class ReviewRead(BaseModel):
    result: str | None = Field(description="保密审查结果（GZ-16）：passed（通过）、"
                                           "state_secret（含国家秘密）；空为尚未审查")
    result_label: str | None = Field(description="审查结果的中文名称")
    reviewed_by: str | None = Field(description="审查人")
    reviewed_at: datetime | None = Field(description="审查时间（UTC）")
    note: str = Field(description="审查意见")


class EntryRead(BaseModel):
    id: int = Field(description="目录条目编号")
    agency_id: int = Field(description="提供单位（机关）编号")
    resource_code: str = Field(description="信息资源代码：分类码/6位顺序码，唯一且不重复使用")
    classification: str = Field(description="分类码（类+项+目+细目）")
    category: str = Field(description="类")
    subcategory: str = Field(description="项")
    subject: str = Field(description="目")
    detail: str = Field(description="细目")
    name: str = Field(description="信息资源名称")
    abstract: str = Field(description="信息资源摘要")
    format_class: str = Field(description="信息资源格式分类")
    format_type: str = Field(description="信息资源格式类型")
    share_type: str = Field(description="共享类型（GD-4）")
    share_type_label: str = Field(description="共享类型的中文名称")
    share_condition: str = Field(description="共享条件")
    legal_basis: str = Field(description="不予共享的依据")
    share_mode: str = Field(description="共享方式")
    open_to_public: bool = Field(description="是否向社会开放")
    open_condition: str = Field(description="开放条件")
    update_cycle: str = Field(description="更新周期")
    publish_date: date | None = Field(description="发布日期")
    related_codes: list[str] = Field(description="关联资源代码")
    share_scope: dict = Field(description="共享范围：levels（层级）、agency_ids（指定机关）")
    update_frequency: str = Field(description="共享频率")
    timeliness: str = Field(description="时效要求")
    deadline_class: str = Field(description="更新时限（GZ-17）")
    is_base_information: bool = Field(description="是否为基准信息资源（GZ-3）")
    resource_kind: str = Field(description="资源类别：证照、文书、其他业务信息")
    library_group: str = Field(description="所属信息库（GZ-11）")
    used_in_licensing: bool = Field(description="是否用于行政许可或并联审批")
    status: str = Field(description="状态（GZ-7）：draft、submitted、filed、returned")
    status_label: str = Field(description="状态的中文名称：草稿、已报送、已备案、已退回")
    withdrawn: bool = Field(description="是否已撤销（不再提供）")
    review: ReviewRead = Field(description="保密审查记录（GZ-16）：审查人、时间、结果")
    return_reason: str = Field(description="退回理由（被退回时）")
    revision: int = Field(description="修订版次")
    submitted_at: datetime | None = Field(description="报送时间（UTC）")
    filed_at: datetime | None = Field(description="备案时间（UTC）")
    items: list[ItemRead] = Field(description="信息项")


class ReviewCreate(BaseModel):
    result: str = Field(description="保密审查结果：passed（通过，不含国家秘密）或 "
                                    "state_secret（含国家秘密，不得上平台）")
    note: str = Field("", description="审查意见")


class ReasonCreate(BaseModel):
    reason: str = Field(description="理由（退回、撤销时必填）")


class BaseItemWrite(BaseModel):
    name: str = Field(description="基准信息项名称，如 公民身份号码")
    library_group: str = Field(description=f"所属信息库：{_choices('LibraryGroup')}")
    responsible_agency_id: int = Field(description="负责采集和提供的机关编号（GZ-14）")
    description: str = Field("", description="说明")


class BaseItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str = Field(description="基准信息项代码")
    name: str = Field(description="基准信息项名称")
    library_group: str = Field(description="所属信息库")
    responsible_agency_id: int = Field(description="负责采集和提供的机关编号（GZ-14）")
    description: str = Field(description="说明")
    updated_at: datetime = Field(description="最近维护时间（UTC）")


class NeedCreate(BaseModel):
    agency_id: int = Field(description="提出需求的机关编号（须为本机关）")
    title: str = Field(description="需求名称（需要什么信息）")
    duty: str = Field(description="需求所依据的职责（GD-12，必填）")
    provider_agency_id: int | None = Field(None, description="需要向哪个机关获取（提供机关编号）")
    resource_code: str | None = Field(None, description="所需资源的资源代码（已知时填写）")
    items_wanted: str = Field("", description="所需信息项")


class NeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description="需求编号")
    agency_id: int = Field(description="提出需求的机关编号")
    provider_agency_id: int | None = Field(description="提供机关编号")
    resource_code: str | None = Field(description="所需资源的资源代码")
    title: str = Field(description="需求名称")
    items_wanted: str = Field(description="所需信息项")
    duty: str = Field(description="职责依据（GD-12）")
    status: str = Field(description="状态：open（待满足）、met（已满足）、withdrawn（已撤回）")
    created_at: datetime = Field(description="提出时间（UTC）")


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int = Field(description="审计链序号")
    recorded_at: datetime = Field(description="记录时间（UTC）")
    actor_name: str = Field(description="操作人")
    event_type: str = Field(description="事件类型，如 EntryDrafted（起草）、EntryFiled（备案）")
    payload: dict = Field(description="事件内容")
