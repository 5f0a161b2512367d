"""Freezing entries into a shared-catalog version, fast enough for 100,000 entries and
1,000,000 items: entries and items read with plain column queries in chunks (never ORM
objects), every entry frozen once with a canonical JSON that is byte for byte RFC 8785, only new
and changed entries written from Python, the unchanged ones copied inside the database."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, insert, literal, select, true
from sqlalchemy.orm import Session

from govshare.catalog.models import Entry, Item, VersionEntry
from govshare.catalog.snapshot import ENTRY_FIELDS, ITEM_FIELDS, entry_document
from govshare.catalog.terms import EntryStatus
from govshare.directory.models import Agency
from govshare.evidence.chain import canonical, sm3

CHUNK = 5000  # entries per read/insert round: bounded memory, few round trips
IN_BATCH = 900  # values per IN (…) list, under every engine's parameter limit
SAFE_INT = 2**53 - 1  # RFC 8785 numbers are doubles


def freeze_filed(session: Session, version_id: int, base_hashes: dict[str, str]) -> dict[str, str]:
    """Freeze every filed, non-withdrawn entry; returns code → content hash. Only new and
    changed entries are written here: the unchanged ones are copied inside the database."""
    providers = {aid: (name, code) for aid, name, code in session.execute(
        select(Agency.id, Agency.name, Agency.credit_code))}
    hashes: dict[str, str] = {}
    for entries, items in _filed_chunks(session.connection()):
        rows = [_frozen_row(version_id, e, items.get(e.id, []), providers) for e in entries]
        hashes.update((r["resource_code"], r["content_hash"]) for r in rows)
        rows = [r for r in rows if base_hashes.get(r["resource_code"]) != r["content_hash"]]
        if rows:
            # Core insert of plain dicts: one executemany per chunk, no ORM work per row.
            session.execute(insert(VersionEntry.__table__), rows)
    return hashes


_ENTRY = Entry.__table__.c
_ITEM = Item.__table__.c


def _filed_chunks(conn: Connection):
    """(entry rows, entry id → item documents) in chunks of CHUNK entries, in id order. Plain
    core rows: ORM objects for a million items would cost more than the whole compilation."""
    entry_columns = [_ENTRY.id, _ENTRY.publish_date, *(_ENTRY[f] for f in ENTRY_FIELDS)]
    item_columns = [*(_ITEM[f] for f in ITEM_FIELDS), _ITEM.entry_id]
    last = 0
    while True:
        entries = conn.execute(
            select(*entry_columns)
            .where(_ENTRY.status == EntryStatus.FILED.value, _ENTRY.withdrawn.is_(False),
                   _ENTRY.id > last)
            .order_by(_ENTRY.id).limit(CHUNK)).all()
        if not entries:
            return
        # One range read for the chunk's items instead of a query per entry.
        items: dict[int, list] = defaultdict(list)
        for row in conn.execute(select(*item_columns)
                                .where(_ITEM.entry_id.between(entries[0].id, entries[-1].id))
                                .order_by(_ITEM.entry_id, _ITEM.position)).all():
            items[row[-1]].append(dict(zip(ITEM_FIELDS, row, strict=False)))
        yield entries, items
        last = entries[-1].id


class _EntryView:
    """Just enough of an Entry for `entry_document`: its columns (items are added after)."""

    items = ()

    def __init__(self, row) -> None:
        self.__dict__.update(row._mapping)


def _frozen_row(version_id: int, row, items: list[dict], providers: dict) -> dict[str, Any]:
    name, credit_code = providers[row.agency_id]
    doc = entry_document(_EntryView(row), name, credit_code)
    # The same item documents `entry_document` makes ({field: value} over ITEM_FIELDS), built
    # straight from the row tuples: a million attribute lookups saved (a test compares both).
    doc["items"] = items
    content, digest = freeze_fast(doc)
    return {"version_id": version_id, "entry_id": row.id, "resource_code": row.resource_code,
            "agency_id": row.agency_id, "content": content, "content_hash": digest}


def freeze_fast(doc: dict[str, Any]) -> tuple[str, str]:
    """`snapshot.freeze`, four times faster: for documents of strings, booleans, nulls and safe
    integers, sorted compact JSON with raw UTF-8 is byte for byte RFC 8785 (a test checks it);
    anything else (a float, an odd key in a JSON column) goes through the full canonicaliser."""
    if _plain(doc.get("share_scope")) and _plain(doc.get("related_codes")) and all(
            item["length"] is None or -SAFE_INT <= item["length"] <= SAFE_INT
            for item in doc.get("items", ())):
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


def still_offered(session: Session, codes) -> list[str]:
    """Of the entries in force but not filed now, those not withdrawn: an entry being revised
    (back in draft or under filing review) keeps the content it was last approved with — only
    a withdrawal takes an entry out of the catalog (GZ-9)."""
    kept: list[str] = []
    for batch in batches(sorted(codes)):
        kept += session.scalars(select(Entry.resource_code).where(
            Entry.resource_code.in_(batch), Entry.withdrawn.is_(False)))
    return kept


def copy_from_base(session: Session, version_id: int, base_id: int, kept: set[str],
                    base_hashes: dict[str, str]) -> None:
    """Copy the unchanged entries' frozen rows from the base version inside the database: the
    same bytes, never sent back and forth."""
    columns = ("entry_id", "resource_code", "agency_id", "content", "content_hash")
    source = select(literal(version_id), *(getattr(VersionEntry, c) for c in columns)).where(
        VersionEntry.version_id == base_id)
    target = ("version_id", *columns)
    left_out = sorted(base_hashes.keys() - kept)
    if len(left_out) <= IN_BATCH * 5:  # the usual case: few changes, one statement
        cond = VersionEntry.resource_code.not_in(left_out) if left_out else true()
        session.execute(insert(VersionEntry).from_select(target, source.where(cond)))
        return
    for batch in batches(sorted(kept)):
        session.execute(insert(VersionEntry).from_select(
            target, source.where(VersionEntry.resource_code.in_(batch))))


def batches(values: list, size: int = IN_BATCH):
    for start in range(0, len(values), size):
        yield values[start:start + size]
