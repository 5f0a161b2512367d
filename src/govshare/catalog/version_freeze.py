"""Freezing entries into a shared-catalog version. Each entry was frozen when it was filed
(`Entry.filed_content`, `filed_hash`), so a version is one INSERT … SELECT inside the database,
however many entries there are: nothing is read into Python but the hashes."""

from __future__ import annotations

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session

from govshare.catalog.models import Entry, VersionEntry

IN_BATCH = 900  # values per IN (…) list, under every engine's parameter limit


def _in_force():
    # Filed at least once and not withdrawn: an entry being revised (back in draft or under
    # filing review) keeps the content it was last filed with — only a withdrawal takes an
    # entry out of the catalog (GZ-9).
    return (Entry.filed_hash.is_not(None), Entry.withdrawn.is_(False))


def insert_filed(session: Session, version_id: int) -> dict[str, str]:
    """Put every entry in force into the version; returns resource code → content hash."""
    columns = ("entry_id", "resource_code", "agency_id", "content", "content_hash")
    source = select(literal(version_id), Entry.id, Entry.resource_code, Entry.agency_id,
                    Entry.filed_content, Entry.filed_hash).where(*_in_force())
    session.execute(insert(VersionEntry).from_select(("version_id", *columns), source))
    return dict(session.execute(select(Entry.resource_code, Entry.filed_hash)
                                .where(*_in_force())).all())


def batches(values: list, size: int = IN_BATCH):
    for start in range(0, len(values), size):
        yield values[start:start + size]
