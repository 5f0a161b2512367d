"""`govshare catalog template | import | export`: agency catalogs in Excel and the shared catalog
for harvesters, at the server's console. An import is all or nothing: with one bad row, every
error is printed and nothing is written (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govshare.catalog import io_service, version_service
from govshare.catalog.io_service import ImportRefused
from govshare.db import unit_of_work
from govshare.kit.actor import Actor, Role
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError

FORMATS = ("xlsx", "jsonld", "ttl")


def register(app: typer.Typer) -> None:
    """Add this feature's commands to `govshare catalog`."""
    app.command("template")(write_template)
    app.command("import")(import_catalog)
    app.command("export")(export_catalog)


def write_template(out: Path = typer.Argument(..., help="模板保存到的文件，如 目录模板.xlsx")):
    """Write the Excel template agencies fill in (sheets 资源, 信息项, 填写说明)."""
    out.write_bytes(io_service.template(operator()))
    console.print(f"模板已保存到 {out}")


def _on_behalf(agency) -> Actor:
    # The operator compiles the agency's catalog on its behalf: the audit names the operator and
    # the agency, and the catalog policy sees the agency's own cataloguer.
    return Actor(kind="cli", id=None, name=operator().name, agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset({Role.AGENCY_STAFF}))


class _Bar:
    """One Rich progress task per phase: reading, checking, writing."""

    def __init__(self, progress: Progress):
        self.progress, self.tasks = progress, {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(phase, total=max(total, 1))
        self.progress.update(self.tasks[phase], completed=done, total=max(total, 1))


def import_catalog(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="填好的 .xlsx 文件"),
                   agency: str = typer.Option(..., "--agency", help="机关的统一社会信用代码或编号")):
    """Import an agency's catalog from the filled template: all entries as drafts, or none."""
    data = file.read_bytes()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress, unit_of_work(sessions()) as session:
            found = io_service.find_agency(session, operator(), agency)
            name = found.name
            report = io_service.import_agency_catalog(session, _on_behalf(found), found.id, data,
                                                      _Bar(progress))
            count, items = len(report.entries), report.items
    except ImportRefused as exc:
        _print_errors(exc)
        raise typer.Exit(2) from None
    except DomainError as exc:
        fail(exc)
    console.print(f"已为{name}导入 {count} 个信息资源（{items} 个信息项），均为草稿，"
                  "请完成保密审查后报送备案")


def _print_errors(exc: ImportRefused) -> None:
    # One line per error (not a table): long messages wrap instead of being cut off.
    console.print(f"[red]{exc.message}[/red]")
    for e in exc.errors:
        where = " · ".join(p for p in (e.sheet, f"第 {e.row} 行" if e.row else "", e.column) if p)
        console.print(f"  {where or '文件'} [{e.rule}]：{e.message}", markup=False, highlight=False)
    console.print(f"[red]未导入任何条目：共 {len(exc.errors)} 处错误[/red]")


def export_catalog(version: int = typer.Option(None, "--version", help="版本号（第 N 版）；不填为现行版本"),
                   fmt: str = typer.Option("xlsx", "--format", help="xlsx、jsonld 或 ttl"),
                   out: Path = typer.Option(..., "--out", help="保存到的文件"),
                   base_uri: str = typer.Option("urn:govshare:", help="DCAT 中资源标识的前缀，如平台网址")):
    """Export a shared-catalog version as Excel, or as DCAT (JSON-LD, Turtle) for harvesters."""
    if fmt not in FORMATS:
        console.print("[red]错误（字段 format）：格式只能是 xlsx、jsonld 或 ttl[/red]")
        raise typer.Exit(2)
    try:
        with unit_of_work(sessions()) as session:
            actor = operator()
            version_id = version_service.version_by_number(session, actor, version).id \
                if version is not None else None
            if fmt == "xlsx":
                found, data = io_service.export_version_excel(session, actor, version_id)
            else:
                found, text = io_service.export_dcat(session, actor, version_id, fmt, base_uri)
                data = text.encode("utf-8")
            number, count = found.number, found.entry_count
    except DomainError as exc:
        fail(exc)
    out.write_bytes(data)
    console.print(f"已导出第 {number} 版（{count} 个条目）到 {out}")
