"""Shared by the access API and CLI tests: clients of the API acting for a demo user's agency,
request bodies as a client sends them, calls that check the status code, committed row counts,
and a server clock fixed on a chosen day."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govshare.access.models import AccessRequest, Consent, Grant, Notice, RequestStep
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.evidence.models import AuditEvent
from govshare.kit import clock
from govshare.kit.outbox_models import OutboxMessage
from tests.access.helpers import actor, draft
from tests.conftest import make_client

API = "/api/v1/access"
TABLES = (AccessRequest, RequestStep, Grant, Consent, Notice, OutboxMessage, AuditEvent)


def body(db, name: str, today: date | None = None, **overrides) -> dict:
    """The JSON of a valid request for the demo resource `name`, starting `today`."""
    with db.session() as s:
        d = draft(s, name, today or clock.today())
    out = {"resource_code": d.resource_code, "items": list(d.items), "duty": d.duty,
           "purpose": d.purpose, "legal_basis": d.legal_basis,
           "valid_from": d.valid_from.isoformat(), "valid_until": d.valid_until.isoformat()}
    out.update(overrides)
    return out


def submit(client, db, name: str, expect: int = 201, **overrides) -> dict:
    r = client.post(f"{API}/requests", json=body(db, name, **overrides))
    assert r.status_code == expect, r.text
    return r.json()


def act(client, request_id: int, action: str, expect: int = 200, **inputs) -> dict:
    r = client.post(f"{API}/requests/{request_id}/actions/{action}", json=inputs)
    assert r.status_code == expect, r.text
    if expect >= 400:
        assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def counts(db) -> dict[str, int]:
    """Committed rows of every table a request or a decision writes to."""
    with db.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


@pytest.fixture
def on(monkeypatch):
    """`on(date(2026, 9, 28))`: the server's clock says that day (clients cannot choose it)."""

    def _on(day: date) -> date:
        monkeypatch.setattr(clock, "today", lambda: day)
        return day

    return _on


def token_of(db, username: str) -> str:
    """A new API token of the user's agency with the user's roles, issued by the IT authority."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        return account_service.issue_api_client(
            s, actor(s, "admin"), user.agency_id, f"{user.display_name}的系统",
            tuple(user.roles)).token


@pytest.fixture
def api_as(db, tmp_path):
    """`api_as("police_admin")`: a client of the API holding a token of that user's agency, with
    that user's roles, named after the user (`<name>的系统`). Tokens, not console sign-ins: a
    sign-in hashes a password (about a second), a token is checked with one SHA-256."""
    app = make_client(db, tmp_path).app

    def _as(username: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        client.headers["Authorization"] = f"Bearer {token_of(db, username)}"
        return client

    yield _as
    app.state.engine.dispose()
