"""Requests for shared information, their steps, grants, confidentiality agreements, consents
and the notices deadline sweeps leave (GZ-19, GZ-21, GZ-25, GD-20 – GD-22, GD-34)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.db import Base
from govshare.kit.clock import now
from govshare.kit.types import UtcDateTime


class AccessRequest(Base):
    """An agency's request (共享申请) for another agency's information, and where it stands."""

    __tablename__ = "access_request"
    # The sweep reads open requests by deadline; providers read their inbox the same way.
    __table_args__ = (Index("ix_access_request_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))  # the clerk, by name, for the record
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    route: Mapped[str] = mapped_column(String(20))  # workflow.Route
    status: Mapped[str] = mapped_column(String(24))  # workflow.RequestStatus
    since_date: Mapped[date] = mapped_column(Date)  # entered `status` on this day
    due_date: Mapped[date | None] = mapped_column(Date)  # the current state's deadline, if any
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # What is asked: the resource as the published catalog states it (None outside the catalog).
    resource_code: Mapped[str | None] = mapped_column(String(32), index=True)
    catalog_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id"))
    resource_name: Mapped[str] = mapped_column(String(200))
    items: Mapped[list] = mapped_column(JSON, default=list)  # item names
    duty: Mapped[str] = mapped_column(Text)  # 履行职责的依据 (GD-24)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text)
    row_scope: Mapped[dict] = mapped_column(JSON, default=dict)  # {"division_codes": [...], "condition": ""}
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now, onupdate=now)

    steps: Mapped[list[RequestStep]] = relationship(
        back_populates="request", order_by="RequestStep.seq", lazy="selectin")


class RequestStep(Base):
    """One step a request took: who, when, from which state to which, with what reasons."""

    __tablename__ = "access_request_step"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_request.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_agency_id: Mapped[int | None] = mapped_column(Integer)
    taken_date: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the deadline: a breach
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)  # reasons, legal_basis, narrowing …

    request: Mapped[AccessRequest] = relationship(back_populates="steps")


class Grant(Base):
    """What an agency may obtain (授权): bound to that agency and its API clients (GZ-25), used by
    every later query without negotiating again."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_use", "grantee_agency_id", "resource_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_request.id"), unique=True)
    grantee_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), index=True)
    resource_code: Mapped[str | None] = mapped_column(String(32))
    resource_name: Mapped[str] = mapped_column(String(200))
    catalog_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id"))
    items: Mapped[list] = mapped_column(JSON, default=list)
    sensitive_items: Mapped[list] = mapped_column(JSON, default=list)  # granted items needing GD-34
    row_scope: Mapped[dict] = mapped_column(JSON, default=dict)
    # GZ-21: a district agency sees its own division's records of a city resource.
    division_code: Mapped[str | None] = mapped_column(String(6))
    duty: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # GrantStatus
    basis: Mapped[str] = mapped_column(String(40))  # the event that issued it
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoke_reasons: Mapped[str] = mapped_column(Text, default="")


class Agreement(Base):
    """A confidentiality agreement (保密协议, GD-34) between a provider and a consumer agency."""

    __tablename__ = "access_agreement"
    __table_args__ = (Index("ix_access_agreement_parties", "provider_agency_id",
                            "consumer_agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    consumer_agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    resource_codes: Mapped[list] = mapped_column(JSON, default=list)  # the scope, by resource
    scope: Mapped[str] = mapped_column(Text)  # 保密范围, in words
    sensitivities: Mapped[list] = mapped_column(JSON, default=list)  # kinds of secret covered
    signed_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    document_name: Mapped[str] = mapped_column(String(200))
    document_sm3: Mapped[str] = mapped_column(String(64))
    # Up to 10 MB: loaded only when the document itself is asked for, not with every row.
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # State secrets: the filing with the secrecy department (保密行政管理部门备案).
    secrecy_filing: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="in_force")  # in_force, terminated, expired
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class Consent(Base):
    """The provider's recorded consent to pass data on or publish it (GZ-25)."""

    __tablename__ = "access_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("access_grant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pass_on, publish
    recipient: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)


class Notice(Base):
    """A notice in an agency's inbox: a deadline near or past, a decision taken."""

    __tablename__ = "access_notice"
    # One notice of a kind per request and deadline: sweeps run again without repeating them.
    __table_args__ = (UniqueConstraint("agency_id", "request_id", "kind", "due_date"),
                      Index("ix_access_notice_inbox", "agency_id", "read_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("access_request.id"))
    kind: Mapped[str] = mapped_column(String(24))
    due_date: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NoticeHook(Base):
    """Where an agency wants its notices pushed as well (a webhook), and the key that signs them."""

    __tablename__ = "access_notice_hook"

    agency_id: Mapped[int] = mapped_column(ForeignKey("directory_agency.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
