"""`govshare audit snapshot ID --out FILE` (a data snapshot's evidence file, for `govshare verify`
or openssl) and `govshare audit search` (snapshots and audit events by agency, subject, user and
date), at the server's console."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from govshare.config import get_settings
from govshare.db import unit_of_work
from govshare.evidence import search_service, snapshot_service
from govshare.evidence.api_snapshots import day_bounds
from govshare.evidence.cli import save_json
from govshare.evidence.keystore import KeyStore
from govshare.evidence.labels import event_label
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError


def audit_snapshot(snapshot_id: int = typer.Argument(..., help="数据快照编号（查询答复中的 snapshot_id）"),
                   out: Path = typer.Option(Path("snapshot-evidence.json"), "--out", help="写入的证据文件")):
    """Write a data snapshot's evidence file (checked offline by `govshare verify FILE`)."""
    settings = get_settings()
    try:
        with unit_of_work(sessions(settings)) as session:
            keys = KeyStore.for_settings(settings)
            document = snapshot_service.snapshot_evidence(session, operator(), keys, snapshot_id)
    except DomainError as exc:
        fail(exc)
    save_json(document, out)
    console.print(f"已写入 {out}：数据快照 {snapshot_id}（收据日志第 {document['leaf_index']} 条）"
                  f"的证据文件；用 govshare verify {out} 核对。", soft_wrap=True)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def audit_search(agency: int = typer.Option(None, "--agency", help="机关编号"),
                 subject: str = typer.Option("", "--subject", help="主体标识（按 SM3 摘要查找）"),
                 user: str = typer.Option("", "--user", help="查询者或操作人（姓名的一部分）"),
                 since: str = typer.Option(None, "--since", help="起始日期 YYYY-MM-DD（北京时间）"),
                 until: str = typer.Option(None, "--until", help="截止日期 YYYY-MM-DD（含）"),
                 limit: int = typer.Option(50, "--limit", help="每类最多条数（至多 200）")):
    """Search data snapshots and audit events, newest first."""
    try:
        start, end = day_bounds(_day(since), _day(until))
    except ValueError:
        raise typer.BadParameter("日期应为 YYYY-MM-DD 格式") from None
    try:
        with unit_of_work(sessions(get_settings())) as session:
            found = search_service.search(session, operator(), search_service.SearchFilter(
                agency, subject, user, start, end, limit))
            _print(found)
    except DomainError as exc:
        fail(exc)


def _print(found: search_service.SearchResult) -> None:
    snaps = Table(title=f"数据快照（{len(found.snapshots)} 份）")
    for col in ("编号", "生成时间", "机关", "查询者", "资源", "方式", "办件号", "收据日志"):
        snaps.add_column(col)
    for s in found.snapshots:
        snaps.add_row(str(s.id), s.taken_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"), str(s.agency_id),
                      s.actor, s.resource_code, s.kind, s.case_number,
                      "待写入" if s.leaf_index is None else f"第 {s.leaf_index} 条")
    console.print(snaps)
    if not found.events_searched:
        console.print("按主体检索时不列审计记录：审计记录不含主体标识。")
        return
    events = Table(title=f"审计记录（{len(found.events)} 条）")
    for col in ("序号", "时间", "操作人", "机关", "事件"):
        events.add_column(col)
    for e in found.events:
        agency = "—" if e.agency_id is None else str(e.agency_id)
        events.add_row(str(e.seq), e.recorded_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                       e.actor_name, agency, event_label(e.event_type))
    console.print(events)
