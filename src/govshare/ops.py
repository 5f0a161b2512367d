"""Operator tasks behind the CLI: first start, the compliance matrix."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.demo import generator
from govshare.directory import account_service, service
from govshare.directory.models import Agency, User
from govshare.kit.actor import Actor


def initialise(session: Session, actor: Actor, username: str, password: str,
               authority_name: str, authority_credit_code: str | None) -> bool:
    """Divisions, the city IT authority and its first administrator. False if already there."""
    service.load_divisions(session, actor)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        return False
    authority = session.scalars(select(Agency).where(Agency.name == authority_name)).first()
    if authority is None:
        code = authority_credit_code or next(
            a.credit_code for a in generator.agencies() if a.key == "it")
        authority = service.register_agency(session, actor, service.AgencyDraft(
            name=authority_name, credit_code=code, level="city", division_code="440100",
            responsible_name="待指定", is_it_authority=True))
    account_service.create_user(session, actor, account_service.UserDraft(
        username=username, display_name="系统管理员", password=password,
        agency_id=authority.id, roles=("it_authority", "agency_admin")))
    return True


REQ_ROW = re.compile(r"^\|\s*((?:GZ|GD)-\d+(?:\s*,\s*(?:GZ|GD)-\d+)*)\s*\|\s*(.+?)\s*\|\s*$")


def read_requirements(path: Path) -> list[tuple[str, str]]:
    """(id, text) for each requirement row of requirements.md; a row may name several IDs."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = REQ_ROW.match(line)
        if m:
            for rid in re.findall(r"(?:GZ|GD)-\d+", m.group(1)):
                rows.append((rid, m.group(2)))
    return rows


def compliance_matrix(requirements: Path, results: Path) -> tuple[str, list[str]]:
    """Markdown matrix requirement → tests → result, from the pytest run's req results."""
    outcomes: dict[str, list[dict]] = json.loads(results.read_text()) if results.exists() else {}
    lines = ["# 合规矩阵 Compliance matrix", "",
             "由 `govshare compliance` 根据最近一次测试运行生成；勿手工编辑。", "",
             "| 需求 | 要求 | 测试 | 结果 |", "|---|---|---|---|"]
    missing = []
    for rid, text in read_requirements(requirements):
        tests = outcomes.get(rid, [])
        passed = [t for t in tests if t["outcome"] == "passed"]
        failed = [t for t in tests if t["outcome"] == "failed"]
        status = "❌ 失败" if failed else ("✅ 通过" if passed else "— 未覆盖")
        if not passed or failed:
            missing.append(rid)
        names = "<br>".join(sorted({t["test"] for t in tests})) or "—"
        short = text if len(text) <= 80 else text[:78] + "…"
        lines.append(f"| {rid} | {short.replace('|', '/')} | {names} | {status} |")
    return "\n".join(lines) + "\n", missing
