"""`govshare exchange archive …` (归档移交, GZ-15, GD-9):

    transfer --year 2025 [--agency KEY] --out DIR   pack, sign and record (every agency still due)
    status --year 2025                              per agency: documents, state, deadline
    verify PACKAGE [--key-id ID]                    check a package offline: signature, SM3s, seals

Each agency's transfer is its own transaction: one failing leaves the others transferred."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govshare.catalog import io_service
from govshare.config import get_settings
from govshare.db import unit_of_work
from govshare.evidence.keystore import KeyStore
from govshare.exchange import archive_package, archive_service
from govshare.exchange.api_archive import STATE_LABELS
from govshare.kit import clock
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError

app = typer.Typer(help="归档移交：每年6月30日前移交上一年度电子文件（GZ-15、GD-9）", no_args_is_help=True)
DUE = ("pending", "overdue", "failed")


@app.command("transfer")
def transfer(year: int = typer.Option(..., "--year", help="要移交的年度（已结束）"),
             agency: str = typer.Option(None, "--agency", help="只移交一个机关（统一社会信用代码或编号）"),
             out: Path = typer.Option(..., "--out", file_okay=False, help="归档包写入的目录")):
    """Transfer YEAR's electronic documents of one agency, or of every agency still due."""
    settings, actor = get_settings(), operator()
    factory, keys = sessions(settings), KeyStore.for_settings(settings)
    try:
        archive_service.check_year(year, clock.today())
        archive_service.platform_signer(keys)  # refuse before anything is read or written
        with unit_of_work(factory) as session:
            only = io_service.find_agency(session, actor, agency).id if agency else None
            due = [(a.agency_id, a.agency_name) for a in archive_service.status(session, actor, year, only)
                   if a.content is not None and a.state in DUE]
    except DomainError as exc:
        fail(exc)
    if not due:
        console.print(f"{year} 年度没有待移交的电子文件。")
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    failed = 0
    with Progress(*columns, console=console) as progress:
        for agency_id, name in due:
            task = progress.add_task(name, total=None)
            failed += not _one(factory, keys, agency_id, year, out, progress, task)
    raise typer.Exit(1 if failed else 0)


def _one(factory, keys, agency_id: int, year: int, out: Path, progress: Progress, task) -> bool:
    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    try:
        with unit_of_work(factory) as session:
            row = archive_service.transfer(session, operator(), keys, agency_id, year, out, advance)
            line = (f"第 {row.attempt} 次移交：{row.record_count} 条记录、{row.file_count} 个文件"
                    f"{'（逾期移交）' if row.late else ''} → {row.package_path}  清单 SM3 {row.manifest_sm3}")
    except DomainError as exc:
        progress.console.print(f"[red]{exc.message}[/red]", highlight=False)
        return False
    progress.console.print(line, soft_wrap=True, highlight=False)
    return True


@app.command("status")
def status(year: int = typer.Option(..., "--year", help="年度")):
    """Per agency: YEAR's electronic documents, the transfer's state, the deadline and days left."""
    try:
        with unit_of_work(sessions()) as session:
            rows = archive_service.status(session, operator(), year)
            due = archive_service.countdown(session, year)
    except DomainError as exc:
        fail(exc)
    left = (f"还有 {due.calendar_days} 天（{due.working_days} 个工作日）" if due.calendar_days >= 0
            else f"已过 {-due.calendar_days} 天")
    console.print(f"{year} 年度电子文件移交期限：{due.deadline.isoformat()}，{left}"
                  f"{'（工作日暂按周末推算）' if due.provisional else ''}", highlight=False)
    table = Table("机关", "记录", "文件", "状态", "移交时间", "清单 SM3")
    for r in rows:
        t, c = r.transfer, r.content
        state = STATE_LABELS[r.state] + ("·逾期移交" if t is not None and t.late and t.transferred_at else "")
        table.add_row(r.agency_name, str(c.records if c else 0), str(len(c.files) if c else 0), state,
                      t.transferred_at.isoformat(timespec="seconds") if t and t.transferred_at else "—",
                      t.manifest_sm3[:16] if t and t.manifest_sm3 else "—")
    console.print(table)


@app.command("verify")
def verify(package: Path = typer.Argument(..., exists=True, help="归档包（.tar）或解开后的目录"),
           key_id: str = typer.Option(None, "--key-id", help="平台公布的公钥标识：包内公钥须与之相同")):
    """Check PACKAGE without the platform: the manifest's signature, every part's SM3 and every
    record's electronic seal (GZ-23) against its values."""
    report = archive_package.verify(package, key_id)
    doc = report.manifest or {}
    if doc:
        agency = doc.get("agency", {})
        counts = doc.get("counts", {})
        console.print(f"{agency.get('name')} {doc.get('year')} 年度，记录 {counts.get('records')} 条，"
                      f"文件 {counts.get('files')} 个；签名密钥 {report.key_id}",
                      soft_wrap=True, highlight=False)
    if report.ok:
        console.print(f"[green]核验通过：签名有效，{report.checked_parts} 个文件的 SM3 摘要"
                      f"均与清单一致{_seals(report)}[/green]", soft_wrap=True)
        return
    for problem in report.problems:
        console.print(f"[red]{problem}[/red]", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def _seals(report: archive_package.Report) -> str:
    seals = report.seals
    if seals is None or not (seals.checked or seals.unsealed):
        return ""
    earlier = f"；{seals.unsealed} 条在开始盖章之前入库，没有印章" if seals.unsealed else ""
    return f"；{seals.checked} 条记录的电子印章逐条与记录的每个值核对一致{earlier}"
