"""`govshare access requests …` and `govshare access grants …` through the real Typer app on
both engines: agencies act with their API tokens, the operator with the platform's authority."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.access.models import AccessRequest, Grant
from govshare.cli import app
from govshare.evidence.models import AuditEvent
from govshare.kit import clock
from govshare.kit.cli import console
from tests.access.api_helpers import token_of
from tests.access.helpers import HOUSEHOLD, LICENCE, code_of

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console():
    """Tables as wide as their rows, so that no cell wraps in the middle of a name."""
    width = console._width
    console.width = 200
    yield
    console._width = width


def _cli(db, tmp_path, *args: str, token: str | None = None, expect: int = 0) -> str:
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path),
           "GOVSHARE_API_TOKEN": token or ""}
    result = runner.invoke(app, ["access", *args], env=env)
    assert result.exit_code == expect, result.output
    return result.output


def _submit_args(db, name: str, *items: str) -> list[str]:
    with db.session() as s:
        code = code_of(s, name)
    until = (clock.today() + timedelta(days=90)).isoformat()
    return ["requests", "submit", "--resource-code", code, *[a for i in items for a in ("--item", i)],
            "--duty", "办理婚姻登记时核验当事人身份", "--purpose", "婚姻登记", "--valid-until", until]


@pytest.mark.req("GD-21")
@pytest.mark.req("GD-22")
def test_a_clerk_submits_and_the_provider_decides_with_their_agencies_tokens(db, tmp_path):
    civil, police = token_of(db, "civil_clerk"), token_of(db, "police_admin")
    out = _cli(db, tmp_path, *_submit_args(db, HOUSEHOLD, "公民身份号码", "姓名"), token=civil)
    assert "已提交共享申请 #1（户籍人口信息）：待提供方决定" in out
    assert "剩 15 个工作日" in out  # the provider decides within 15 working days
    inbox = _cli(db, tmp_path, "requests", "list", "--queue", "inbox", token=police)
    assert "户籍人口信息" in inbox and "待提供方决定" in inbox
    refused = _cli(db, tmp_path, "requests", "decide", "1", "refuse", "--legal-basis", "《户口登记条例》",
                   token=police, expect=2)
    assert "reasons" in refused and "书面理由" in refused
    out = _cli(db, tmp_path, "requests", "decide", "1", "grant", token=police)
    assert "授权共享，当前状态“已授权”" in out and "授权 #1：有效" in out
    shown = _cli(db, tmp_path, "requests", "show", "1", token=civil)
    assert "提交申请" in shown and "授权共享" in shown and "授权 #1：有效" in shown
    with db.session() as s:
        assert s.get(AccessRequest, 1).status == "granted"
        assert s.get(Grant, 1).grantee_agency_id == db.agency_id("civil")


@pytest.mark.req("GZ-19")
@pytest.mark.req("GD-20")
def test_the_operator_lists_everything_and_revokes_a_grant_only_with_reasons(db, tmp_path):
    out = _cli(db, tmp_path, *_submit_args(db, LICENCE, "企业名称"), token=token_of(db, "civil_clerk"))
    assert "已授权" in out and "已签发授权 #1（有效）" in out
    assert "营业执照信息" in _cli(db, tmp_path, "requests", "list")
    assert "营业执照信息" in _cli(db, tmp_path, "grants", "list")
    missing = _cli(db, tmp_path, "grants", "revoke", "1", expect=2)
    assert "--reasons" in missing
    blank = _cli(db, tmp_path, "grants", "revoke", "1", "--reasons", " ", expect=2)
    assert "撤销授权须写明理由" in blank
    out = _cli(db, tmp_path, "grants", "revoke", "1", "--reasons", "营业执照核验改由电子证照办理")
    assert "已撤销" in out
    with db.session() as s:
        assert s.get(Grant, 1).status == "revoked"
        event = s.scalar(select(AuditEvent).where(AuditEvent.event_type == "GrantRevoked"))
        assert event.actor_kind == "cli" and json.loads(event.payload)["grant_id"] == 1
    assert "已撤销" in _cli(db, tmp_path, "grants", "list", "--status", "revoked")


def test_the_operator_neither_submits_for_an_agency_nor_takes_the_governments_decision(db, tmp_path):
    out = _cli(db, tmp_path, *_submit_args(db, LICENCE, "企业名称"), expect=2)
    assert "只有机关工作人员或管理员可以代表本机关提出共享申请" in out
    out = _cli(db, tmp_path, "requests", "decide", "1", "decide_to_share", expect=2)
    assert "政府的决定须由政府审批人" in out
    out = _cli(db, tmp_path, "requests", "list", token="gs_nothing_here", expect=2)
    assert "令牌无效" in out
    out = _cli(db, tmp_path, "requests", "list", "--status", "lost", expect=2)
    assert "submitted" in out
    with db.session() as s:
        assert s.scalar(select(AccessRequest.id)) is None
