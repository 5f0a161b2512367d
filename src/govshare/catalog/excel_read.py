"""Reading an agency catalog from the Excel template, pure (no database). Every cell is read and
every entry checked with `rules.check_entry`; each problem is reported where the person fixes it
— worksheet, row, column — with the rule it breaks. Nothing stops at the first error."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from govshare.catalog import rules
from govshare.catalog.excel import (
    ENTRIES,
    ENTRY_COLUMNS,
    ITEM_COLUMNS,
    ITEMS,
    LEVELS,
    REQUIRED,
    ROW_KEY,
    Column,
)
from govshare.kit.errors import InvalidInput

Progress = Callable[[str, int, int], None]
SEPARATORS = re.compile(r"[、,，;；\s]+")
TRUE, FALSE = {"是", "y", "yes", "true", "1", "√"}, {"否", "n", "no", "false", "0", "×"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
SHEET_ORDER = {"": 0, ENTRIES: 1, ITEMS: 2}


@dataclass(frozen=True)
class CellError:
    """One problem of the file, where the person fixes it."""

    sheet: str
    row: int | None
    column: str
    rule: str
    message: str
    field: str = ""

    def sort_key(self) -> tuple:
        return SHEET_ORDER.get(self.sheet, 3), self.row or 0, self.column


@dataclass
class ParsedEntry:
    """An entry of the file: its row, its items' rows and the draft read from them."""

    row: int
    key: str
    values: dict[str, Any]
    items: list[rules.ItemDraft] = field(default_factory=list)
    item_rows: list[int] = field(default_factory=list)
    draft: rules.EntryDraft | None = None


@dataclass
class ParsedCatalog:
    entries: list[ParsedEntry]
    errors: list[CellError]


class _BadCell(Exception):
    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule, self.message = rule, message


def read_catalog(data: bytes, agencies: Mapping[str, int] | None = None,
                 progress: Progress | None = None) -> ParsedCatalog:
    """Every entry of the workbook and every error. `agencies` maps credit codes to agency ids
    for the share-scope column (without it, agency ids are expected)."""
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return ParsedCatalog([], [CellError("", None, "", "xlsx",
                                            "文件不是有效的 Excel 工作簿（.xlsx），请使用平台提供的模板")])
    try:
        return _read(wb, agencies, progress or (lambda *_: None))
    finally:
        wb.close()


def _read(wb, agencies: Mapping[str, int] | None, progress: Progress) -> ParsedCatalog:
    errors: list[CellError] = []
    missing = [CellError(name, None, "", "sheet_missing", f"缺少工作表“{name}”，请使用平台提供的模板")
               for name in (ENTRIES, ITEMS) if name not in wb.sheetnames]
    if missing:
        return ParsedCatalog([], missing)
    reader = _Reader(agencies, errors)
    entries = reader.entries(wb[ENTRIES], progress)
    reader.items(wb[ITEMS], entries, progress)
    parsed = list(entries.values())
    for n, entry in enumerate(parsed, start=1):
        _check(entry, errors)
        if n % 500 == 0 or n == len(parsed):
            progress("校验", n, len(parsed))
    if not parsed and not errors:
        errors.append(CellError(ENTRIES, None, "", "empty", "文件中没有任何信息资源"))
    errors.sort(key=CellError.sort_key)
    return ParsedCatalog(parsed, errors)


class _Reader:
    def __init__(self, agencies: Mapping[str, int] | None, errors: list[CellError]):
        self.agencies, self.errors = agencies, errors

    def entries(self, ws, progress: Progress) -> dict[str, ParsedEntry]:
        out: dict[str, ParsedEntry] = {}
        for row, values in self._rows(ws, ENTRY_COLUMNS, "读取资源", progress):
            key = values.pop("row_key") or ""
            if key in out:
                self._error(ENTRIES, row, ROW_KEY, "unique", f"行键“{key}”重复，已用于第 {out[key].row} 行")
                continue
            out[key] = ParsedEntry(row, key, values)
        return out

    def items(self, ws, entries: dict[str, ParsedEntry], progress: Progress) -> None:
        for row, values in self._rows(ws, ITEM_COLUMNS, "读取信息项", progress):
            key = values.pop("row_key") or ""
            entry = entries.get(key)
            if entry is None:
                if key:
                    self._error(ITEMS, row, ROW_KEY, "row_key", f"行键“{key}”在“资源”工作表中不存在")
                continue
            values["sensitivity"] = values["sensitivity"] or "none"
            entry.items.append(rules.ItemDraft(**values))
            entry.item_rows.append(row)

    def _rows(self, ws, columns: tuple[Column, ...], phase: str, progress: Progress):
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None) or ()
        where = self._columns(ws.title, header, columns)
        total = max((ws.max_row or 1) - 1, 0)
        for row, cells in enumerate(rows, start=2):
            if row % 1000 == 0:
                progress(phase, row - 1, total)
            if not any(c not in (None, "") for c in cells):
                continue
            yield row, {c.field: self._value(ws.title, row, c, cells[i] if i is not None and i < len(cells)
                                             else None) for c, i in where}
        progress(phase, total, total)

    def _columns(self, sheet: str, header: tuple, columns: tuple[Column, ...]):
        names = {str(h).strip().rstrip("*＊").strip(): i for i, h in enumerate(header) if h is not None}
        for c in columns:
            if c.header not in names and c.need == REQUIRED:
                self._error(sheet, 1, c.header, "column_missing",
                            f"缺少必填列“{c.header}”，请使用平台提供的模板")
        return [(c, names.get(c.header)) for c in columns]

    def _value(self, sheet: str, row: int, column: Column, raw: Any) -> Any:
        try:
            return _convert(column, raw, self.agencies)
        except _BadCell as bad:
            self._error(sheet, row, column.header, bad.rule, bad.message, column.field)
            return None if column.kind in ("int", "date") else _EMPTY.get(column.kind, "")

    def _error(self, sheet, row, column, rule, message, field_name: str = "") -> None:
        self.errors.append(CellError(sheet, row, column, rule, message, field_name))


_EMPTY: dict[str, Any] = {"bool": False, "codes": (), "levels": [], "agencies": []}


def _convert(column: Column, raw: Any, agencies: Mapping[str, int] | None) -> Any:
    text = _text(raw)
    if column.field == "row_key" and not text:
        raise _BadCell("required", f"“{column.header}”不能为空")
    if column.field == "base_item_code":
        # Base item codes are kept in capitals; an empty cell claims none (NULL, not "").
        return text.upper() or None
    kind = column.kind
    if kind == "vocab":
        return _vocab(column, text)
    if kind == "digits":
        return text.zfill(column.digits) if isinstance(raw, int | float) and text.isdigit() else text
    if kind == "bool":
        return _bool(column, text)
    if kind == "date":
        return _date(column, raw, text)
    if kind == "int":
        return _int(column, raw, text)
    if kind == "codes":
        return tuple(p for p in SEPARATORS.split(text) if p)
    if kind == "levels":
        return [_level(column, p) for p in SEPARATORS.split(text) if p]
    if kind == "agencies":
        return [_agency(column, p, agencies) for p in SEPARATORS.split(text) if p]
    return text


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


_LOOKUP: dict[type, dict[str, str]] = {}


def _vocab(column: Column, text: str) -> str | None:
    if not text:
        if column.need == REQUIRED:
            raise _BadCell("required", f"“{column.header}”不能为空，可选：{_choices(column)}")
        return None
    lookup = _LOOKUP.get(column.vocab)
    if lookup is None:
        lookup = {m.value.lower(): m.value for m in column.vocab}
        lookup.update({m.label: m.value for m in column.vocab})
        _LOOKUP[column.vocab] = lookup
    code = lookup.get(text) or lookup.get(text.lower())
    if code is None:
        raise _BadCell("one_of", f"{column.header}“{text}”无效，可选：{_choices(column)}")
    return code


def _choices(column: Column) -> str:
    return "、".join(f"{m.label}（{m.value}）" for m in column.vocab)


def _bool(column: Column, text: str) -> bool:
    if not text:
        return False
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    raise _BadCell("yes_no", f"“{column.header}”只能填写 是 或 否，而不是“{text}”")


def _date(column: Column, raw: Any, text: str) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _BadCell("date", f"“{column.header}”应为日期，如 2026-10-08，而不是“{text}”")


def _int(column: Column, raw: Any, text: str) -> int | None:
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise _BadCell("integer", f"“{column.header}”应为整数，而不是“{text}”")


def _level(column: Column, text: str) -> str:
    for code, label in LEVELS.items():
        if text in (code, label, label[:2]):
            return code
    raise _BadCell("one_of", f"{column.header}“{text}”无效，可选：市级机关（city）、区级机关（district）")


def _agency(column: Column, text: str, agencies: Mapping[str, int] | None) -> int:
    if agencies is not None and text.upper() in agencies:
        return agencies[text.upper()]
    if agencies is None and text.isdigit():
        return int(text)
    raise _BadCell("exists", f"{column.header}：统一社会信用代码为“{text}”的机关不在机关名录中")


# --- the rules of the catalog, per entry -------------------------------------------------

def _check(entry: ParsedEntry, errors: list[CellError]) -> None:
    values = dict(entry.values)
    scope = {"levels": values.pop("share_scope_levels") or [],
             "agency_ids": values.pop("share_scope_agencies") or []}
    values = {k: ("" if v is None and k in _TEXT_FIELDS else v) for k, v in values.items()}
    entry.draft = rules.EntryDraft(**values, share_scope=scope, items=tuple(entry.items))
    try:
        rules.check_entry(entry.draft)
    except InvalidInput as exc:
        error = locate(entry, exc)
        # A cell already reported (an unknown label, say) is not reported twice.
        if not any((e.sheet, e.row, e.column) == (error.sheet, error.row, error.column) for e in errors):
            errors.append(error)


_TEXT_FIELDS = {c.field for c in ENTRY_COLUMNS if c.kind in ("text", "digits", "vocab")}
_ENTRY_HEADERS = {c.field: c.header for c in ENTRY_COLUMNS}
_ITEM_HEADERS = {c.field: c.header for c in ITEM_COLUMNS}
_ITEM_FIELD = re.compile(r"items\[(\d+)\]\.(\w+)")


def locate(entry: ParsedEntry, exc: InvalidInput) -> CellError:
    """Where the field a rule names sits in the file (`items[2].base_item_code` is the third
    item's row on 信息项, column 基准信息项代码)."""
    name, rule = exc.field or "", exc.rule or "invalid"
    m = _ITEM_FIELD.fullmatch(name)
    if m and int(m.group(1)) < len(entry.item_rows):
        return CellError(ITEMS, entry.item_rows[int(m.group(1))], _ITEM_HEADERS.get(m.group(2), m.group(2)),
                         rule, exc.message, name)
    if name == "items" and rule == "subject_key_required" and entry.item_rows:
        return CellError(ITEMS, entry.item_rows[0], _ITEM_HEADERS["subject_key"], rule, exc.message, name)
    if name == "share_scope":
        column = "共享范围（指定机关）" if rule == "agency_ids" else "共享范围（层级）"
        return CellError(ENTRIES, entry.row, column, rule, exc.message, name)
    return CellError(ENTRIES, entry.row, _ENTRY_HEADERS.get(name, ROW_KEY), rule, exc.message, name)
