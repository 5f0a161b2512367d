"""The frozen form of an entry as it stands in a shared-catalog version: one JSON document per
entry (RFC 8785 canonical when stored), read by the diff, search, export and DCAT."""

from __future__ import annotations

import json
from typing import Any

from govshare.catalog.models import Entry
from govshare.evidence.chain import canonical, sm3

ITEM_FIELDS = ("name", "data_type", "length", "share_type", "sensitivity", "subject_key",
               "base_item_code")
ENTRY_FIELDS = ("resource_code", "agency_id", "category", "subcategory", "subject", "detail",
                "name", "abstract", "format_class", "format_type", "share_type",
                "share_condition", "legal_basis", "share_mode", "open_to_public",
                "open_condition", "update_cycle", "related_codes", "share_scope",
                "update_frequency", "timeliness", "deadline_class", "is_base_information",
                "resource_kind", "library_group", "used_in_licensing", "revision")


def entry_document(entry: Entry, provider_name: str, provider_code: str) -> dict[str, Any]:
    """What the shared catalog says about one resource: terms of sharing, provider, items."""
    doc = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    doc["publish_date"] = entry.publish_date.isoformat() if entry.publish_date else None
    doc["provider"] = {"name": provider_name, "credit_code": provider_code}
    doc["items"] = [{name: getattr(item, name) for name in ITEM_FIELDS} for item in entry.items]
    return doc


SAFE_INT = 2**53 - 1  # RFC 8785 numbers are doubles


def freeze(doc: dict[str, Any]) -> tuple[str, str]:
    """(RFC 8785 canonical JSON text, its SM3 hash) — the stored, never-changed form.

    For documents of strings, booleans, nulls and safe integers with ASCII keys, sorted compact
    JSON with raw UTF-8 is byte for byte RFC 8785 and four times faster to make (a property test
    checks the two agree); anything else goes through the full canonicaliser."""
    if _plain(doc):
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text, sm3(text.encode("utf-8"))
    data = canonical(doc)
    return data.decode("utf-8"), sm3(data)


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -SAFE_INT <= value <= SAFE_INT
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        # Python sorts keys by code point, RFC 8785 by UTF-16 unit: the same for ASCII keys.
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def thaw(content: str) -> dict[str, Any]:
    return json.loads(content)
