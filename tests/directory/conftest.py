"""Fixtures for the directory's API tests: read the audit trail and count rows with a connection
of the test's own, outside any request, so a test sees only what was really committed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from govshare.evidence.models import AuditEvent


@pytest.fixture
def audit(db):
    """`audit("AgencyRegistered")`: the committed events of that type, oldest first, each as
    {"actor": actor_name, "actor_kind": …, **payload}."""

    def _events(event_type: str) -> list[dict]:
        with db.session() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)
                             .order_by(AuditEvent.seq))
            return [{"actor": r.actor_name, "actor_kind": r.actor_kind, **json.loads(r.payload)}
                    for r in rows]

    return _events


@pytest.fixture
def rows(db):
    """`rows(Model, *where)`: how many committed rows match."""

    def _count(model, *where) -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    return _count


@pytest.fixture
def chain_length(db):
    """The number of events in the whole audit trail: a refused request must not move it."""

    def _length() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent))

    return _length
