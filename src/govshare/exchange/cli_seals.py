"""`govshare exchange seals check --resource CODE`: re-check every stored record of a hosted
library against its electronic seal (GZ-26), with a progress bar, and list every record whose
data no longer matches (exit 1). Runs with the operator's authority; needs no key passphrase
(only public keys are used)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govshare.config import get_settings
from govshare.db import unit_of_work
from govshare.evidence.keystore import KeyStore
from govshare.exchange import seal_service
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError

app = typer.Typer(help="电子印章：核对库表记录是否与印章一致", no_args_is_help=True)
SHOWN = 200


@app.command("check")
def check(resource: str = typer.Option(..., "--resource", help="资源代码")):
    """Check every record version of RESOURCE against its seal; exit 1 if any does not match."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        keys = KeyStore.for_settings(get_settings())
        with Progress(*columns, console=console, transient=True) as progress, \
                unit_of_work(sessions()) as session:
            task = progress.add_task("核对电子印章", total=None)
            report = seal_service.check_library(
                session, operator(), keys, resource,
                progress=lambda done, total: progress.update(task, completed=done, total=total))
    except DomainError as exc:
        fail(exc)
    for m in report.mismatches[:SHOWN]:
        who = f"（主体 {m.subject}）" if m.subject else ""
        console.print(f"✘ 记录 {m.record_id}{who}：{''.join(m.problems)}", markup=False,
                      highlight=False, soft_wrap=True)
    if len(report.mismatches) > SHOWN:
        console.print(f"……另有 {len(report.mismatches) - SHOWN} 条未列出", highlight=False)
    console.print(("✔ " if report.ok else "✘ ") + report.summary, markup=False, highlight=False,
                  soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)
