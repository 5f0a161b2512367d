from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class CodeCounter(Base):
    """The last sequence number (顺序码) given out per classification: codes are never reused."""

    __tablename__ = "catalog_code_counter"

    classification: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)


class Entry(Base):
    """A resource entry (信息资源) of an agency's catalog (机关政务信息目录, GZ-7)."""

    __tablename__ = "catalog_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    resource_code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(1))  # 类
    subcategory: Mapped[str] = mapped_column(String(2))  # 项
    subject: Mapped[str] = mapped_column(String(3))  # 目
    detail: Mapped[str] = mapped_column(String(8), default="")  # 细目
    name: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text, default="")
    format_class: Mapped[str] = mapped_column(String(32))
    format_type: Mapped[str] = mapped_column(String(64), default="")
    share_type: Mapped[str] = mapped_column(String(16), index=True)
    share_condition: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    share_mode: Mapped[str] = mapped_column(String(32))
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    open_condition: Mapped[str] = mapped_column(Text, default="")
    update_cycle: Mapped[str] = mapped_column(String(16))
    publish_date: Mapped[date | None] = mapped_column(Date)
    related_codes: Mapped[list] = mapped_column(JSON, default=list)
    # Guangzhou fields (GZ-8): share scope, frequency, timeliness, update deadline (GZ-17).
    share_scope: Mapped[dict] = mapped_column(JSON, default=dict)  # {"levels": [...], "agency_ids": [...]}
    update_frequency: Mapped[str] = mapped_column(String(64), default="")
    timeliness: Mapped[str] = mapped_column(String(200), default="")
    deadline_class: Mapped[str] = mapped_column(String(32))
    is_base_information: Mapped[bool] = mapped_column(Boolean, default=False)  # GZ-3
    resource_kind: Mapped[str] = mapped_column(String(16))
    library_group: Mapped[str] = mapped_column(String(32), index=True)  # GZ-11
    used_in_licensing: Mapped[bool] = mapped_column(Boolean, default=False)  # GD-4
    # Lifecycle (GZ-7) and confidentiality review (保密审查, GZ-16).
    status: Mapped[str] = mapped_column(String(16), index=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    review_result: Mapped[str | None] = mapped_column(String(16))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The entry as it was last filed, frozen (snapshot.freeze): what the next shared-catalog
    # version takes, even while a later revision is being drafted or reviewed.
    filed_content: Mapped[str | None] = mapped_column(Text)
    filed_hash: Mapped[str | None] = mapped_column(String(64))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)  # removed by the agency (GZ-9)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now, onupdate=now)

    items: Mapped[list[Item]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="Item.position",
        lazy="selectin")

    @property
    def classification(self) -> str:
        return f"{self.category}{self.subcategory}{self.subject}{self.detail}"


class Item(Base):
    """An information item (信息项) of an entry."""

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("entry_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalog_entry.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[str] = mapped_column(String(1))
    length: Mapped[int | None] = mapped_column(Integer)
    share_type: Mapped[str | None] = mapped_column(String(16))  # None: as the entry
    sensitivity: Mapped[str] = mapped_column(String(20), default="none")
    subject_key: Mapped[str | None] = mapped_column(String(24))  # set on the subject key item
    base_item_code: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_base_item.code"), index=True)  # GZ-13, GZ-14

    entry: Mapped[Entry] = relationship(back_populates="items")


class BaseItem(Base):
    """A base information item (基准信息) and the agency responsible for it (GZ-3, GZ-14)."""

    __tablename__ = "catalog_base_item"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    library_group: Mapped[str] = mapped_column(String(32))
    responsible_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now, onupdate=now)


class Need(Base):
    """A sharing need (共享需求, GD-12): what an agency needs from whom, for which duty."""

    __tablename__ = "catalog_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    provider_agency_id: Mapped[int | None] = mapped_column(ForeignKey("directory_agency.id"))
    resource_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    items_wanted: Mapped[str] = mapped_column(Text, default="")
    duty: Mapped[str] = mapped_column(Text)  # 职责依据
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, met, withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class Version(Base):
    """A version of the shared catalog (政府信息共享目录, GZ-8): compiled, approved, published."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id"))
    compiled_by: Mapped[str] = mapped_column(String(64))
    compiled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    removes_content: Mapped[bool] = mapped_column(Boolean, default=False)  # GZ-9
    diff_summary: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    removal_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class VersionEntry(Base):
    """An entry as it stands in one version: a frozen canonical copy, never changed."""

    __tablename__ = "catalog_version_entry"
    __table_args__ = (UniqueConstraint("version_id", "resource_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalog_entry.id"))
    resource_code: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # RFC 8785 JSON of the entry and its items
    content_hash: Mapped[str] = mapped_column(String(64))  # SM3 of content
