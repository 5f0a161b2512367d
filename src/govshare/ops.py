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


def demo_exchange(settings, size: int = 0):
    """Load the demo's hosted records, files and grants (a bar per library while it runs), then
    print which login can query what, with an identifier to type."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from govshare.db import unit_of_work
    from govshare.demo.exchange_seed import seed_exchange
    from govshare.evidence.keystore import KeyStore
    from govshare.kit.cli import console, fail, sessions
    from govshare.kit.errors import DomainError

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    tasks: dict[str, int] = {}
    try:
        with Progress(*columns, console=console, transient=True) as bar, \
                unit_of_work(sessions(settings)) as session:

            def advance(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=total)
                bar.update(tasks[name], completed=done, total=total)

            # Licences and documents are sealed as they load (GZ-23): the providers' seal keys.
            result = seed_exchange(session, size, advance, KeyStore.for_settings(settings))
    except DomainError as exc:  # nothing of the exchange data is kept
        fail(exc)
    console.print(f"交换体系：加载托管记录 {sum(result.loaded.values())} 条、共享文件 {result.files} 个版本；"
                  f"授权 {len(result.access)} 项")
    if result.unsealed:
        console.print(f"[yellow]未加载{'、'.join(result.unsealed)}。{next(iter(result.unsealed.values()))}"
                      "[/yellow]")
    console.print(exchange_table(result))
    return result


def exchange_table(result):
    """The demo logins that hold grants: the page to open, what they see and what to type."""
    from rich.table import Table

    table = Table(title="交换体系：用这些账号试一试（菜单“查询核验”或“共享文件”）")
    for column in ("用户名", "页面", "资源（授权范围）", "可输入的示例"):
        table.add_column(column, overflow="fold")  # an ID cut short with "…" cannot be typed
    for a in result.access:
        scope = (f"限{generator.DISTRICTS.get(a.division_code, a.division_code)}"
                 if a.division_code else "全市")
        page = "查询核验 /exchange/query" if a.kind == "records" else "共享文件 /exchange/files"
        try_it = a.example or ("下载时写明职责和办件号" if a.kind == "file" else "（未加载）")
        if a.outside:
            try_it += f"；另一区的 {a.outside} 查无记录（GZ-21）"
        table.add_row(a.username, page, f"{a.resource}（{scope}）", try_it)
    return table
