"""The hot loop of ingest: one record (a JSON object, or a spreadsheet row under its header) in,
one row to store out — or errors appended, naming the record, the item and the rule. Pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

from govshare.exchange.checks import (
    ALIASES,
    DIVISION,
    PRODUCED,
    RESERVED_CHECKS,
    RESERVED_LABELS,
    VALID_FROM,
    Bad,
    RecordError,
    Schema,
)
from govshare.kit.clock import CHINA

# subject, produced_at, valid_from (aware, UTC), division code, data as JSON text
Row = tuple[str, datetime, datetime, str | None, str]
CLOCK_SKEW = timedelta(minutes=5)  # a provider's clock may run a little ahead of ours
_fromiso = datetime.fromisoformat
_encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True) \
    if c_make_encoder else None  # the C encoder, built once (json.dumps builds one per call)


def _dumps(data: dict) -> str:
    return "".join(_encode(data, 0)) if _encode else json.dumps(data, ensure_ascii=False,
                                                                 separators=(",", ":"))


class Checker:
    """Checks the records of one load against one compiled entry."""

    def __init__(self, schema: Schema, loaded_at: datetime, cutoff: datetime,
                 produced_at: datetime | None = None):
        self.schema, self.cutoff = schema, cutoff
        self.latest = loaded_at + CLOCK_SKEW
        self.default_produced = produced_at.astimezone(UTC) if produced_at else None
        self.errors: list[RecordError] = []
        self.late = 0
        self.known = set(schema.checks) | set(RESERVED_CHECKS)
        self.key_item = schema.key_item
        self.key_check = schema.checks[schema.key_item]
        self.others = tuple((n, c) for n, c in schema.items if n != schema.key_item)
        self.columns: list[tuple[int, str, Any]] = []
        self.reserved: dict[str, int] = {}
        self.key_pos: int | None = None

    def error(self, index: int | None, row: int | None, item: str | None, rule: str, phrase: str) -> None:
        where = f"第{row}行" if row is not None else (f"第{index + 1}条记录" if index is not None else "")
        what = f"“{RESERVED_LABELS.get(item, item)}”" if item else ""
        message = f"{where}{'：' if where else ''}{what}{phrase}"
        self.errors.append(RecordError(index, row, item, rule, message))

    # --- JSON objects ----------------------------------------------------------------------

    def record(self, rec: Any, index: int, row: int | None = None) -> Row | None:
        if type(rec) is not dict:
            self.error(index, row, None, "not_object", "应为一个对象（信息项名称 → 值）")
            return None
        errors = self.errors
        failed = len(errors)
        if not self.known.issuperset(rec):
            for name in rec:
                if name not in self.known:
                    self.error(index, row, name, "unknown_item", f"不是资源“{self.schema.name}”的信息项")
        subject = self._value(self.key_check, rec.get(self.key_item), index, row, self.key_item, True)
        data = {self.key_item: subject}
        for name, check in self.others:
            v = rec.get(name)
            if v is None or v == "":
                continue
            try:
                n = check(v)
            except Bad as bad:
                self.error(index, row, name, bad.rule, bad.phrase)
                continue
            if n is not None:
                data[name] = n
        times = self._reserved(index, row, rec.get(PRODUCED), rec.get(VALID_FROM), rec.get(DIVISION))
        if times is None or len(errors) > failed:
            return None
        return subject, times[0], times[1], times[2], _dumps(data)

    def _value(self, check, v, index, row, name, required=False):
        if v is None or v == "":
            if required:
                self.error(index, row, name, "required", "是主体标识，不能为空（GZ-16）")
            return None
        try:
            return check(v)
        except Bad as bad:
            self.error(index, row, name, bad.rule, bad.phrase)
            return None

    def _reserved(self, index, row, produced, valid_from, division):
        """(produced_at, valid_from, division) of a record, or None with its error recorded."""
        if produced.__class__ is str and produced:  # the usual case: ISO text with a zone
            try:
                at = _fromiso(produced)
                at = at.replace(tzinfo=CHINA).astimezone(UTC) if at.tzinfo is None else at.astimezone(UTC)
            except ValueError:
                at = self._value(RESERVED_CHECKS[PRODUCED], produced, index, row, PRODUCED)
        elif produced is None or produced == "":
            at = self.default_produced
            if at is None:
                self.error(index, row, PRODUCED, "required",
                           "缺失：没有数据产生时间，无法计算更新时限（GZ-17）")
        else:
            at = self._value(RESERVED_CHECKS[PRODUCED], produced, index, row, PRODUCED)
        if at is None:
            return None
        if at > self.latest:
            self.error(index, row, PRODUCED, "in_future",
                       f"晚于当前时间（{at.isoformat()}），请检查提供方系统时钟")
            return None
        since, district = at, None
        if valid_from is not None and valid_from != "":
            since = self._value(RESERVED_CHECKS[VALID_FROM], valid_from, index, row, VALID_FROM)
            if since is None:
                return None
        if division is not None and division != "":
            district = self._value(RESERVED_CHECKS[DIVISION], division, index, row, DIVISION)
            if district is None:
                return None
        if at < self.cutoff:
            self.late += 1
        return at, since, district

    # --- spreadsheet rows ------------------------------------------------------------------

    def header(self, names: list[Any]) -> None:
        """Map the header row to the entry's items (errors reported once, as row 1)."""
        seen: dict[str, int] = {}
        for pos, raw in enumerate(names):
            name = str(raw).strip() if raw is not None else ""
            if not name:
                continue
            if name not in self.schema.checks:
                name = ALIASES.get(name, name)
            if name in seen:
                self.error(None, 1, name, "duplicate_column",
                           f"列重复（第{seen[name] + 1}列与第{pos + 1}列）")
                continue
            seen[name] = pos
            if name in self.schema.checks:
                continue
            if name in RESERVED_CHECKS:
                self.reserved[name] = pos
            else:
                self.error(None, 1, name, "unknown_item", f"不是资源“{self.schema.name}”的信息项")
        self.columns = [(seen[n], n, c) for n, c in self.others if n in seen]
        absent = len(names) + 1  # beyond every row: reads as None
        self.reserved_positions = tuple(self.reserved.get(k, absent)
                                        for k in (PRODUCED, VALID_FROM, DIVISION))
        self.key_pos = seen.get(self.key_item)
        if self.key_pos is None:
            self.error(None, 1, self.schema.key_item, "required", "列缺失：主体标识是必填列（GZ-16）")

    def row(self, values: tuple | list, index: int, row: int) -> Row | None:
        errors = self.errors
        failed = len(errors)
        width = len(values)
        key_pos = self.key_pos
        subject = None
        if key_pos is not None:
            subject = self._value(self.key_check, values[key_pos] if key_pos < width else None,
                                  index, row, self.key_item, True)
        data = {self.key_item: subject}
        for pos, name, check in self.columns:
            if pos >= width:
                continue
            v = values[pos]
            if v is None or v == "":
                continue
            try:
                n = check(v)
            except Bad as bad:
                self.error(index, row, name, bad.rule, bad.phrase)
                continue
            if n is not None:
                data[name] = n
        p, v, d = self.reserved_positions
        times = self._reserved(index, row, values[p] if p < width else None,
                               values[v] if v < width else None, values[d] if d < width else None)
        if times is None or len(errors) > failed or key_pos is None:
            return None
        return subject, times[0], times[1], times[2], _dumps(data)
