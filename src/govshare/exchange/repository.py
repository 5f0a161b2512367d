"""Queries of hosted libraries shared by the services that read them (provider view now,
consumer query and verification later). No policy here: callers check theirs first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.exchange.models import Record


def current_record(session: Session, library_id: int, subject: str,
                   as_of: datetime | None = None) -> Record | None:
    """The subject's version in force (the highest id), or the one in force at `as_of`: one
    descent of ix_exchange_record_subject (library_id, subject, id), read backwards."""
    stmt = select(Record).where(Record.library_id == library_id, Record.subject == subject)
    if as_of is not None:
        stmt = stmt.where(Record.loaded_at <= as_of)
    return session.scalar(stmt.order_by(Record.id.desc()).limit(1))
