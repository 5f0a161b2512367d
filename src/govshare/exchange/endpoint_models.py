"""Provider APIs (接口) and file resources (文件) of the exchange (GD-16): the endpoint a provider
registers for a resource it shares through its own API, and the versions of a file resource.

`exchange_endpoint`: one per resource (共享平台·接口). The secret the platform sends to the
provider is kept in the database like the other credentials the platform holds for itself; it
is never shown again after it is set (pages and the API show only whether one is set).

`exchange_file_version`: every upload of a file resource (共享平台·文件) is a new version, kept;
the bytes are stored in the row (at most file_service.MAX_BYTES), loaded only on download
(deferred), with their SM3 digest so that a consumer can check what it received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class Endpoint(Base):
    """The provider's own API for one resource, as its administrator registered it."""

    __tablename__ = "exchange_endpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(32), unique=True)
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    base_url: Mapped[str] = mapped_column(String(500))  # http(s)://…, asked with GET
    subject_param: Mapped[str] = mapped_column(String(64))  # query parameter carrying the subject
    auth_header: Mapped[str] = mapped_column(String(64), default="")  # e.g. X-Api-Key; "" none
    secret: Mapped[str] = mapped_column(String(500), default="")  # the header's value
    timeout_seconds: Mapped[float] = mapped_column(Float, default=5.0)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # catalog item → provider's JSON field
    division_field: Mapped[str] = mapped_column(String(64), default="")  # provider's field of the division
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class FileVersion(Base):
    """One uploaded version of a file resource."""

    __tablename__ = "exchange_file_version"
    __table_args__ = (UniqueConstraint("resource_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(32))
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per resource
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    sm3: Mapped[str] = mapped_column(String(64))  # hex digest of the bytes
    note: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
