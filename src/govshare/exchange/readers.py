"""What a provider sends, read into records: a JSON object or array, NDJSON (one object a line),
CSV (UTF-8, or GB18030 as Excel in China saves it) or an Excel workbook (first sheet), the first
row of a spreadsheet naming the items. Pure; a file that cannot be read at all is refused with
one error saying why."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from govshare.exchange.checks import RecordError

SOURCES = ("json", "ndjson", "csv", "xlsx")
MEDIA_TYPES = {"application/json": "json", "application/x-ndjson": "ndjson",
               "application/ndjson": "ndjson", "application/jsonl": "ndjson", "text/csv": "csv",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
SUFFIXES = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".csv": "csv", ".xlsx": "xlsx"}


class Unreadable(Exception):
    def __init__(self, error: RecordError):
        super().__init__(error.message)
        self.error = error


@dataclass
class Batch:
    """Records to check: `records` yields (row number or None, record); spreadsheets also have a
    `header`. `total` is for progress bars (an estimate for CSV)."""

    source: str
    records: Iterator[tuple[int | None, Any]]
    total: int
    header: list[Any] | None = None
    notes: list[str] = field(default_factory=list)


def _refuse(rule: str, message: str, row: int | None = None) -> Unreadable:
    return Unreadable(RecordError(None, row, None, rule, message))


def read(data: bytes, source: str) -> Batch:
    """The records in `data`, read as `source` (json, ndjson, csv or xlsx)."""
    if source not in SOURCES:
        raise _refuse("format", f"不支持的格式“{source}”：可用 JSON、NDJSON、CSV 或 Excel（.xlsx）")
    return {"json": _json, "ndjson": _ndjson, "csv": _csv, "xlsx": _xlsx}[source](data)


def _json(data: bytes) -> Batch:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse("json", f"请求体不是有效的 JSON：{exc}") from None
    records = value if isinstance(value, list) else [value]
    return Batch("json", ((None, r) for r in records), len(records))


def _ndjson(data: bytes) -> Batch:
    lines = data.split(b"\n")

    def records():
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except (ValueError, UnicodeDecodeError) as exc:
                    yield number, Broken(f"不是有效的 JSON：{exc}")

    return Batch("ndjson", records(), sum(1 for line in lines if line.strip()))


class Broken:
    """A line that cannot be read: reported as that record's error, the rest still checked."""

    def __init__(self, message: str, rule: str = "json"):
        self.message, self.rule = message, rule


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _refuse("encoding", "文件编码无法识别：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV") from None


def _csv(data: bytes) -> Batch:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse("empty", "文件是空的：第一行应为信息项名称") from None
    except csv.Error as exc:
        raise _refuse("csv", f"CSV 格式错误：{exc}", 1) from None

    def records():
        try:
            for values in reader:
                if any(values):
                    yield reader.line_num, values
        except csv.Error as exc:
            yield reader.line_num, Broken(f"CSV 格式错误：{exc}", "csv")

    return Batch("csv", records(), max(text.count("\n") - 1, 1), header)


def _xlsx(data: bytes) -> Batch:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise _refuse("xlsx", "不是有效的 Excel 文件（.xlsx）") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise _refuse("empty", f"工作表“{sheet.title}”是空的：第一行应为信息项名称")

    def records():
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, values
        book.close()

    return Batch("xlsx", records(), max((sheet.max_row or 2) - 1, 1), list(header))
