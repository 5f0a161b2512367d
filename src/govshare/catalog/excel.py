"""Agency catalogs in Excel, pure (no database): the template agencies fill in, and the columns
both the import (excel_read.py) and the export of a version read and write.

A workbook has a sheet 资源 (one row per resource entry), a sheet 信息项 (one row per information
item, linked to its entry by 行键) and a sheet 填写说明 that lists every column. Coded columns carry
a dropdown of Chinese labels (from the hidden sheet 代码表); a cell may hold the label or the code.
Columns are found by their header, so an exported version (with 资源代码 and 提供单位 in front)
reads back the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from govshare.catalog.terms import (
    Category,
    DataType,
    DeadlineClass,
    FormatClass,
    Labelled,
    LibraryGroup,
    ResourceKind,
    Sensitivity,
    ShareMode,
    ShareType,
    SubjectKey,
    UpdateCycle,
)

ENTRIES, ITEMS, GUIDE, CODES = "资源", "信息项", "填写说明", "代码表"
ROW_KEY = "行键"
LEVELS = {"city": "市级机关", "district": "区级机关"}
YES, NO = "是", "否"
REQUIRED, CONDITIONAL, OPTIONAL = "必填", "条件必填", "选填"


@dataclass(frozen=True)
class Column:
    """One column: the draft field it fills, its Chinese header, how its cells are read."""

    field: str
    header: str
    kind: str  # text, digits, vocab, bool, date, int, codes, levels, agencies
    need: str = OPTIONAL
    vocab: type[Labelled] | None = None
    hint: str = ""
    width: int = 14
    digits: int = 0  # kind "digits": a number Excel stripped of its leading zeros is padded back


ENTRY_COLUMNS: tuple[Column, ...] = (
    Column("row_key", ROW_KEY, "text", REQUIRED, hint="本文件内唯一，信息项工作表用它指向本资源，如 R1"),
    Column("category", "类", "vocab", REQUIRED, Category),
    Column("subcategory", "项", "digits", REQUIRED, hint="2位数字，如 01", width=6, digits=2),
    Column("subject", "目", "digits", REQUIRED, hint="3位数字，如 001", width=6, digits=3),
    Column("detail", "细目", "text", hint="数字，最多8位，可空", width=8),
    Column("name", "资源名称", "text", REQUIRED, width=24),
    Column("abstract", "资源摘要", "text", width=30),
    Column("format_class", "信息资源格式", "vocab", REQUIRED, FormatClass),
    Column("format_type", "格式类型", "text", hint="如 xlsx、JSON、PDF"),
    Column("share_type", "共享类型", "vocab", REQUIRED, ShareType, hint="GD-4"),
    Column("share_condition", "共享条件", "text", CONDITIONAL, hint="有条件共享时必填：写明使用条件和用途",
           width=30),
    Column("legal_basis", "不予共享依据", "text", CONDITIONAL,
           hint="不予共享时必填：法律、行政法规或政策依据", width=30),
    Column("share_mode", "共享方式", "vocab", REQUIRED, ShareMode),
    Column("open_to_public", "是否向社会开放", "bool", hint="是 / 否，空为否"),
    Column("open_condition", "开放条件", "text", CONDITIONAL, hint="向社会开放时必填"),
    Column("update_cycle", "更新周期", "vocab", REQUIRED, UpdateCycle),
    Column("publish_date", "发布日期", "date", hint="日期，如 2026-10-08"),
    Column("related_codes", "关联资源代码", "codes", hint="多个用顿号或逗号分隔，如 101001/000001"),
    Column("share_scope_levels", "共享范围（层级）", "levels",
           hint="市级机关、区级机关，多个用顿号分隔；空为不限"),
    Column("share_scope_agencies", "共享范围（指定机关）", "agencies",
           hint="机关的统一社会信用代码，多个用顿号分隔"),
    Column("update_frequency", "共享频率", "text", hint="广州市要求，如 每日"),
    Column("timeliness", "时效要求", "text", hint="广州市要求，如 T+1"),
    Column("deadline_class", "更新时限", "vocab", REQUIRED, DeadlineClass,
           hint="GZ-17：证照、文书须实时更新", width=20),
    Column("is_base_information", "基础信息资源", "bool", hint="是 / 否（GZ-3）"),
    Column("resource_kind", "资源类别", "vocab", REQUIRED, ResourceKind),
    Column("library_group", "所属信息库", "vocab", REQUIRED, LibraryGroup, hint="GZ-11", width=20),
    Column("used_in_licensing", "用于行政许可或并联审批", "bool", hint="是 / 否；是则须无条件共享（GD-4）"),
)
ITEM_COLUMNS: tuple[Column, ...] = (
    Column("row_key", ROW_KEY, "text", REQUIRED, hint="所属资源在“资源”工作表中的行键"),
    Column("name", "信息项名称", "text", REQUIRED, width=20),
    Column("data_type", "数据类型", "vocab", REQUIRED, DataType),
    Column("length", "长度", "int", hint="正整数，可空", width=8),
    Column("share_type", "信息项共享类型", "vocab", vocab=ShareType, hint="与资源不同时填写；空为与资源相同"),
    Column("sensitivity", "涉密与敏感类型", "vocab", vocab=Sensitivity, hint="空为不涉密"),
    Column("subject_key", "主体标识", "vocab", vocab=SubjectKey,
           hint="标识记录主体的信息项填写（GZ-16）；人口、法人信息必须有"),
    Column("base_item_code", "基准信息项代码", "text",
           hint="对应基准信息目录中的代码，如 P0001（GZ-13：只有责任机关可以提供）"),
)
# Columns an export adds in front of the resource sheet; the import ignores them.
EXPORT_COLUMNS = (("resource_code", "资源代码"), ("provider_name", "提供单位"),
                  ("provider_code", "提供单位统一社会信用代码"))
SHEETS = {ENTRIES: ENTRY_COLUMNS, ITEMS: ITEM_COLUMNS}

HEAD_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")


def allowed_values(column: Column) -> str:
    """What a person may write in a coded column: each label with its code."""
    if column.vocab is not None:
        return "、".join(f"{m.label}（{m.value}）" for m in column.vocab)
    if column.kind == "bool":
        return "是、否"
    if column.kind == "levels":
        return "、".join(f"{label}（{code}）" for code, label in LEVELS.items())
    return ""


# --- writing -----------------------------------------------------------------------------

def template_bytes() -> bytes:
    """The empty template an agency fills in."""
    return catalog_bytes([], with_guide=True)


def catalog_bytes(entries: Iterable[Mapping[str, Any]], with_guide: bool = True,
                  exported: bool = False, agency_codes: Mapping[int, str] | None = None,
                  front: Iterable[tuple[str, str]] = ()) -> bytes:
    """A workbook of entries, each a mapping with the draft's field names and `items` (an
    `EntryDraft` as a dict, or a version's frozen document). `exported` puts 资源代码 and the
    provider in front and uses the resource code as the row key. `front` adds a header block
    (label, value) to the guide sheet."""
    wb = Workbook()
    entry_sheet = wb.active
    entry_sheet.title = ENTRIES
    item_sheet = wb.create_sheet(ITEMS)
    lead = EXPORT_COLUMNS if exported else ()
    _header(entry_sheet, [h for _, h in lead] + [c.header for c in ENTRY_COLUMNS],
            [OPTIONAL] * len(lead) + [c.need for c in ENTRY_COLUMNS], ENTRY_COLUMNS, len(lead))
    _header(item_sheet, [c.header for c in ITEM_COLUMNS], [c.need for c in ITEM_COLUMNS],
            ITEM_COLUMNS, 0)
    codes = agency_codes or {}
    for n, entry in enumerate(entries, start=1):
        key = entry.get("resource_code") if exported else entry.get("row_key") or f"R{n}"
        front_cells = [entry.get("resource_code"), entry.get("provider", {}).get("name"),
                       entry.get("provider", {}).get("credit_code")] if exported else []
        entry_sheet.append(front_cells + [_cell(c, entry, key, codes) for c in ENTRY_COLUMNS])
        for item in entry.get("items", ()):
            item_sheet.append([_cell(c, item, key, codes) for c in ITEM_COLUMNS])
    if with_guide:
        _guide(wb.create_sheet(GUIDE), list(front))
        _dropdowns(wb, entry_sheet, item_sheet, len(lead))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws, headers: list[str], needs: list[str], columns: tuple[Column, ...],
            offset: int) -> None:
    ws.append(headers)
    ws.freeze_panes = "A2"
    for i, (cell, need) in enumerate(zip(ws[1], needs, strict=True)):
        cell.font = HEAD_FONT
        cell.fill = REQUIRED_FILL if need == REQUIRED else OPTIONAL_FILL
        width = columns[i - offset].width if i >= offset else 16
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    for i, column in enumerate(columns, start=offset + 1):
        if column.kind == "digits":
            # Text cells keep the leading zeros of 项 and 目 (01, 001).
            ws.column_dimensions[get_column_letter(i)].number_format = "@"


def _cell(column: Column, data: Mapping[str, Any], key: str, codes: Mapping[int, str]) -> Any:
    """A value as a person writes it: labels for codes, 是/否, lists joined with 、."""
    if column.field == "row_key":
        return key
    if column.field == "share_scope_levels":
        return "、".join(LEVELS.get(v, v) for v in (data.get("share_scope") or {}).get("levels", []))
    if column.field == "share_scope_agencies":
        ids = (data.get("share_scope") or {}).get("agency_ids", [])
        return "、".join(codes.get(i, str(i)) for i in ids)
    value = data.get(column.field)
    if value is None or value == "":
        return None
    if column.vocab is not None:
        try:
            return column.vocab(value).label
        except ValueError:
            return str(value)
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "codes":
        return "、".join(value)
    if column.kind == "date":
        return str(value)[:10]
    return value


def _guide(ws, front: list[tuple[str, str]]) -> None:
    ws.append(["政务信息资源目录导入模板 · 填写说明"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in front:
        ws.append([label, value])
    notes = ["每个信息资源在“资源”工作表占一行；每个信息项在“信息项”工作表占一行，用“行键”指向所属资源。",
             "代码类的列可从下拉列表选择中文名称，也可填写代码；“是否”类的列填写 是 或 否。",
             "任何一行有错误时整个文件都不会导入；系统会列出每处错误所在的工作表、行、列和规则。",
             "资源代码由平台按分类码自动生成，无需填写。"]
    for note in notes:
        ws.append([note])
    ws.append([])
    ws.append(["工作表", "列", "是否必填", "可填写的值", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = HEAD_FONT
    for sheet, columns in SHEETS.items():
        for c in columns:
            ws.append([sheet, c.header, c.need, allowed_values(c), c.hint])
    for letter, width in zip("ABCDE", (10, 24, 10, 60, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _dropdowns(wb: Workbook, entry_sheet, item_sheet, offset: int) -> None:
    """Dropdowns of labels, listed on the hidden sheet 代码表 (a list typed into the rule itself
    is limited to 255 characters). A typed code only draws a warning: codes are accepted."""
    codes = wb.create_sheet(CODES)
    codes.sheet_state = "hidden"
    lists: dict[str, str] = {}
    for sheet, columns, first in ((entry_sheet, ENTRY_COLUMNS, offset), (item_sheet, ITEM_COLUMNS, 0)):
        for i, column in enumerate(columns, start=first + 1):
            values = _choices(column)
            if not values:
                continue
            ref = lists.get(column.kind + (column.vocab.__name__ if column.vocab else ""))
            if ref is None:
                ref = _code_list(codes, values)
                lists[column.kind + (column.vocab.__name__ if column.vocab else "")] = ref
            rule = DataValidation(type="list", formula1=ref, allow_blank=True, errorStyle="warning",
                                  error=f"请选择{column.header}，或填写代码：{allowed_values(column)}",
                                  errorTitle=column.header, showErrorMessage=True)
            letter = get_column_letter(i)
            rule.add(f"{letter}2:{letter}1048576")
            sheet.add_data_validation(rule)


def _choices(column: Column) -> list[str]:
    if column.vocab is not None:
        return [m.label for m in column.vocab]
    if column.kind == "bool":
        return [YES, NO]
    if column.kind == "levels":
        return list(LEVELS.values())
    return []


def _code_list(codes, values: list[str]) -> str:
    col = codes.max_column + 1 if codes.max_row > 1 or codes["A1"].value else 1
    letter = get_column_letter(col)
    for row, value in enumerate(values, start=1):
        codes.cell(row=row, column=col, value=value)
    return f"'{CODES}'!${letter}$1:${letter}${len(values)}"
