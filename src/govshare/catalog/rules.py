"""Rules every entry must satisfy when it is saved, pure (no database). Each broken rule is an
InvalidInput naming the field and the rule, in words a cataloguer understands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from govshare.catalog.terms import (
    Category,
    DataType,
    DeadlineClass,
    FormatClass,
    LibraryGroup,
    ResourceKind,
    Sensitivity,
    ShareMode,
    ShareType,
    SubjectKey,
    UpdateCycle,
)
from govshare.kit.errors import InvalidInput


@dataclass(frozen=True)
class ItemDraft:
    name: str
    data_type: str
    length: int | None = None
    share_type: str | None = None  # None: as the entry
    sensitivity: str = Sensitivity.NONE.value
    subject_key: str | None = None
    base_item_code: str | None = None


@dataclass(frozen=True)
class EntryDraft:
    category: str
    subcategory: str
    subject: str
    name: str
    format_class: str
    share_type: str
    share_mode: str
    update_cycle: str
    deadline_class: str
    resource_kind: str
    library_group: str
    items: tuple[ItemDraft, ...]
    detail: str = ""
    abstract: str = ""
    format_type: str = ""
    share_condition: str = ""
    legal_basis: str = ""
    open_to_public: bool = False
    open_condition: str = ""
    publish_date: date | None = None
    related_codes: tuple[str, ...] = ()
    share_scope: dict = field(default_factory=dict)
    update_frequency: str = ""
    timeliness: str = ""
    is_base_information: bool = False
    used_in_licensing: bool = False


def check_entry(d: EntryDraft) -> None:
    """Raise InvalidInput on the first broken rule."""
    _classification(d)
    _required(d.name, "name", "资源名称")
    _one_of(d.format_class, FormatClass, "format_class", "信息资源格式")
    _one_of(d.share_type, ShareType, "share_type", "共享类型")
    _one_of(d.share_mode, ShareMode, "share_mode", "共享方式")
    _one_of(d.update_cycle, UpdateCycle, "update_cycle", "更新周期")
    _one_of(d.deadline_class, DeadlineClass, "deadline_class", "更新时限")
    _one_of(d.resource_kind, ResourceKind, "resource_kind", "资源类别")
    _one_of(d.library_group, LibraryGroup, "library_group", "所属信息库")
    _share_terms(d)
    _deadline(d)
    _related(d.related_codes)
    _scope(d.share_scope)
    check_items(d)


def _classification(d: EntryDraft) -> None:
    _one_of(d.category, Category, "category", "类")
    if not re.fullmatch(r"\d{2}", d.subcategory or ""):
        raise InvalidInput("“项”应为2位数字，如 01", field="subcategory", rule="two_digits")
    if not re.fullmatch(r"\d{3}", d.subject or ""):
        raise InvalidInput("“目”应为3位数字，如 001", field="subject", rule="three_digits")
    if d.detail and not re.fullmatch(r"\d{1,8}", d.detail):
        raise InvalidInput("“细目”只能是数字（最多8位）", field="detail", rule="digits")


def _share_terms(d: EntryDraft) -> None:
    if d.share_type == ShareType.CONDITIONAL and not d.share_condition.strip():
        raise InvalidInput("有条件共享的资源必须写明共享条件", field="share_condition",
                           rule="required_for_conditional")
    if d.share_type == ShareType.NOT_SHARED and not d.legal_basis.strip():
        raise InvalidInput("不予共享的资源必须写明法律、行政法规或政策依据（GD-4）",
                           field="legal_basis", rule="required_for_not_shared")
    if d.used_in_licensing and d.share_type != ShareType.UNCONDITIONAL:
        raise InvalidInput("用于行政许可或并联审批的资源必须列为无条件共享（GD-4）",
                           field="share_type", rule="licensing_unconditional")
    if d.open_to_public and not d.open_condition.strip():
        raise InvalidInput("向社会开放的资源须写明开放条件", field="open_condition",
                           rule="required_if_open")


def _deadline(d: EntryDraft) -> None:
    # GZ-17: licences and documents are updated in real time; the rest within 3 days, or
    # quarterly where the agency has filed the exception.
    realtime_kinds = {ResourceKind.LICENCE, ResourceKind.DOCUMENT}
    if d.resource_kind in realtime_kinds and d.deadline_class != DeadlineClass.REALTIME:
        raise InvalidInput("电子证照和文书须实时更新（GZ-17）", field="deadline_class",
                           rule="realtime_for_licences")


def _related(codes: tuple[str, ...]) -> None:
    for code in codes:
        if not re.fullmatch(r"[1-3]\d{5}\d{0,8}/\d{6}", code):
            raise InvalidInput(f"关联资源代码“{code}”格式应为 分类码/6位顺序码",
                               field="related_codes", rule="resource_code")


def _scope(scope: dict) -> None:
    levels = scope.get("levels", [])
    if not set(levels) <= {"city", "district"}:
        raise InvalidInput("共享范围的层级只能是 city、district", field="share_scope",
                           rule="levels")
    if not all(isinstance(a, int) for a in scope.get("agency_ids", [])):
        raise InvalidInput("共享范围的机关应为机关编号", field="share_scope", rule="agency_ids")


def check_items(d: EntryDraft) -> None:
    if not d.items:
        raise InvalidInput("至少需要一个信息项", field="items", rule="required")
    names: set[str] = set()
    for i, item in enumerate(d.items):
        where = f"items[{i}]"
        _required(item.name, f"{where}.name", f"第{i + 1}个信息项的名称")
        if item.name in names:
            raise InvalidInput(f"信息项“{item.name}”重复", field=f"{where}.name", rule="unique")
        names.add(item.name)
        _one_of(item.data_type, DataType, f"{where}.data_type", "数据类型")
        _one_of(item.sensitivity, Sensitivity, f"{where}.sensitivity", "涉密与敏感类型")
        if item.share_type is not None:
            _one_of(item.share_type, ShareType, f"{where}.share_type", "信息项共享类型")
        if item.subject_key is not None:
            _one_of(item.subject_key, SubjectKey, f"{where}.subject_key", "主体标识")
        if item.length is not None and not 0 < item.length <= 1_000_000:
            raise InvalidInput("长度应为正整数", field=f"{where}.length", rule="positive")
    if d.library_group in (LibraryGroup.NATURAL_PERSON, LibraryGroup.LEGAL_PERSON) and not any(
            i.subject_key for i in d.items):
        # GZ-16: persons by 公民身份号码, legal persons by their code — records must be keyed.
        raise InvalidInput("人口、法人信息须标明主体标识信息项（公民身份号码、统一社会信用代码等）",
                           field="items", rule="subject_key_required")


def state_secret_items(d: EntryDraft) -> list[str]:
    return [i.name for i in d.items if i.sensitivity == Sensitivity.STATE_SECRET]


def _required(value: str, field_name: str, label: str) -> None:
    if not (value or "").strip():
        raise InvalidInput(f"{label}不能为空", field=field_name, rule="required")


def _one_of(value, enum, field_name: str, label: str) -> None:
    allowed = {m.value for m in enum}
    if value not in allowed:
        choices = "、".join(f"{m.value}（{m.label}）" for m in enum)
        raise InvalidInput(f"{label}“{value}”无效，可选：{choices}", field=field_name, rule="one_of")
