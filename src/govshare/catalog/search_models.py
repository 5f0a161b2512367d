"""What the search shows of each entry of the published shared catalog, one row per entry.

The full-text index beside it (`catalog_search_fts`) differs by engine — an FTS5 virtual table
on SQLite, tsvector columns with GIN indexes on PostgreSQL — so it is created by migration 0003
and deliberately not a model (see `is_engine_specific`)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govshare.db import Base

FTS_TABLE = "catalog_search_fts"


class SearchEntry(Base):
    """An entry as the published version states it; `id` follows resource-code order, so the
    index hands back hits already in the order the result list shows them."""

    __tablename__ = "catalog_search_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(Integer)
    resource_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    item_names: Mapped[str] = mapped_column(Text)  # joined by "、"
    provider_agency_id: Mapped[int] = mapped_column(Integer)
    provider_name: Mapped[str] = mapped_column(String(200))
    classification: Mapped[str] = mapped_column(String(16))
    share_type: Mapped[str] = mapped_column(String(16))
    share_mode: Mapped[str] = mapped_column(String(32))
    resource_kind: Mapped[str] = mapped_column(String(16))
    library_group: Mapped[str] = mapped_column(String(32))


def is_engine_specific(name: str) -> bool:
    """The full-text index and, on SQLite, FTS5's shadow tables (`…_data`, `…_idx`, …): built by
    engine-specific DDL in migration 0003, so schema comparison leaves them out."""
    return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
