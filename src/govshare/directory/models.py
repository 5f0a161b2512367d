from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class Division(Base):
    """An administrative division (行政区划, GB/T 2260)."""

    __tablename__ = "directory_division"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province, city, district
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("directory_division.code"))


class Agency(Base):
    """An administrative body that provides and uses shared information (GZ-2)."""

    __tablename__ = "directory_agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    level: Mapped[str] = mapped_column(String(16))  # city, district
    division_code: Mapped[str] = mapped_column(ForeignKey("directory_division.code"), index=True)
    # The platform the agency is connected to (GZ-10): the city's or its district's.
    platform_division_code: Mapped[str] = mapped_column(ForeignKey("directory_division.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("directory_agency.id"))
    is_it_authority: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person responsible for sharing in this agency (GZ-29, GD-36).
    responsible_name: Mapped[str] = mapped_column(String(64))
    responsible_position: Mapped[str] = mapped_column(String(64), default="")
    responsible_phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)

    division: Mapped[Division] = relationship(foreign_keys=[division_code], lazy="joined")


class User(Base):
    __tablename__ = "directory_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or deactivation: every signed-in session of the user ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)


class UserRole(Base):
    __tablename__ = "directory_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("directory_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))


class ApiClient(Base):
    """A system of an agency calling the API. The token is shown once and stored only as a hash."""

    __tablename__ = "directory_api_client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(255))  # comma-separated Role values
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(255))
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]
