"""`govshare catalog compile | versions | diff N | publish N`: the shared catalog's versions for
the operator, who acts with the platform's authority. The government's decision is deliberately
not here: a government approver takes it in the console or through the API (GZ-8)."""

from __future__ import annotations

import typer
from rich.table import Table

from govshare.catalog import version_service
from govshare.catalog.terms import VersionStatus
from govshare.db import unit_of_work
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError
from govshare.kit.pages import cn_date
from govshare.kit.pagination import PageRequest


def register(app: typer.Typer) -> None:
    """Add this feature's commands to `govshare catalog`."""
    app.command("compile")(compile_version)
    app.command("versions")(list_versions)
    app.command("diff")(show_diff)
    app.command("publish")(publish_version)


def compile_version():
    """Compile a new shared-catalog version from the filed entries and the needs."""
    try:
        with console.status("正在编制共享目录…"), unit_of_work(sessions()) as session:
            version = version_service.compile_version(session, operator())
    except DomainError as exc:
        fail(exc)
    s = version.diff_summary
    console.print(f"已编制第 {version.number} 版，共 {version.entry_count} 个条目；"
                  f"相对于{_base(s)}：新增 {s['added']}，变更 {s['changed']}，删除 {s['removed']}"
                  f"（信息项 新增 {s['items_added']}，修改 {s['items_changed']}，删除 {s['items_removed']}）")
    if version.removes_content:
        console.print("[yellow]本版本删减了目录内容，须经人民政府明确批准删减后方可发布（GZ-9）[/yellow]")
    console.print("请政府审批人在控制台或通过接口审批本版本。")


def _base(summary: dict) -> str:
    return f"第 {summary['base_number']} 版" if summary.get("base_number") else "空目录"


def list_versions(limit: int = typer.Option(20, help="最多显示的版本数")):
    """List the versions, newest first, with their status."""
    try:
        with unit_of_work(sessions()) as session:
            page = version_service.list_versions(session, operator(), PageRequest(limit, 0))
    except DomainError as exc:
        fail(exc)
    table = Table(title=f"政府信息共享目录版本（共 {page.total} 个）")
    for col in ("版本", "状态", "条目数", "新增/变更/删除", "编制", "审批", "发布"):
        table.add_column(col)
    for v in page.items:
        s = v.diff_summary or {}
        table.add_row(f"第 {v.number} 版", VersionStatus(v.status).label, str(v.entry_count),
                      f"{s.get('added', 0)}/{s.get('changed', 0)}/{s.get('removed', 0)}",
                      f"{v.compiled_by} {cn_date(v.compiled_at)}",
                      f"{v.decided_by} {cn_date(v.decided_at)}" if v.decided_by else "—",
                      cn_date(v.published_at))
    console.print(table)


def show_diff(number: int = typer.Argument(..., help="版本号"),
              limit: int = typer.Option(50, help="每类最多显示的条目数")):
    """Show what version NUMBER adds, changes and removes."""
    try:
        with unit_of_work(sessions()) as session:
            actor = operator()
            version = version_service.version_by_number(session, actor, number)
            diff = version_service.version_diff(session, actor, version.id, 0, limit)
    except DomainError as exc:
        fail(exc)
    t = diff.totals
    base = f"第 {diff.base_number} 版" if diff.base_number else "空目录"
    console.print(f"第 {number} 版相对于{base}：新增 {t['added']}，变更 {t['changed']}，"
                  f"删除 {t['removed']}")
    for e in diff.added:
        console.print(f"[green]+ {e.resource_code} {e.name}（{e.provider}）[/green]")
    for e in diff.removed:
        console.print(f"[red]- {e.resource_code} {e.name}（{e.provider}）[/red]")
    for c in diff.changed:
        console.print(f"[yellow]~ {c.resource_code} {c.name}（{c.provider}）[/yellow]")
        for f in c.fields:
            console.print(f"    {f.field}：{f.before!r} → {f.after!r}")
        for item in c.items_added:
            console.print(f"    [green]+ 信息项 {item['name']}[/green]")
        for item in c.items_removed:
            console.print(f"    [red]- 信息项 {item['name']}[/red]")
        for item in c.items_changed:
            changes = "；".join(f"{f.field}：{f.before!r} → {f.after!r}" for f in item.fields)
            console.print(f"    ~ 信息项 {item.name}：{changes}")
    if max(t.values(), default=0) > limit:
        console.print(f"（每类仅显示前 {limit} 条，可用 --limit 调整）")


def publish_version(number: int = typer.Argument(..., help="版本号")):
    """Publish version NUMBER once the government has approved it."""
    try:
        with unit_of_work(sessions()) as session:
            actor = operator()
            version = version_service.version_by_number(session, actor, number)
            version = version_service.publish_version(session, actor, version.id)
    except DomainError as exc:
        fail(exc)
    console.print(f"第 {version.number} 版已发布，{cn_date(version.published_at)} 起为现行版本，"
                  f"共 {version.entry_count} 个条目")
