"""`govshare exchange load FILE --resource CODE --agency KEY`: load a provider's CSV, Excel, JSON or
NDJSON file into its hosted library at the server's console, with a progress bar. All or
nothing: with one bad record every error is printed, nothing is stored (exit code 2); a load
that is interrupted — even killed — stores nothing, because it commits only at the end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govshare.catalog import io_service
from govshare.config import get_settings
from govshare.db import unit_of_work
from govshare.evidence.keystore import KeyStore
from govshare.exchange import ingest_service, readers
from govshare.exchange.ingest_service import LoadRefused
from govshare.exchange.timeliness import LABELS
from govshare.kit.actor import Actor, Role
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError, InvalidInput

app = typer.Typer(help="交换体系：库表托管与数据加载", no_args_is_help=True)
SHOWN_ERRORS = 200
PRODUCED_HELP = "记录缺少 _produced_at 时使用的数据产生时间（ISO 8601，默认北京时间）"


def register() -> typer.Typer:
    from govshare.exchange import cli_files, cli_query, cli_seals  # here: they import this module
    from govshare.exchange.cli_archive import app as archive_app
    from govshare.exchange.cli_feed import attach as attach_feed
    app.add_typer(cli_files.app, name="file")
    app.add_typer(cli_seals.app, name="seals")
    app.add_typer(archive_app, name="archive")
    attach_feed(app)
    cli_query.attach(app)
    return app


def _on_behalf(agency) -> Actor:
    # The operator loads for the provider agency named on the command line: the audit names the
    # operator, and the provider check sees that agency's staff (a wrong --agency is refused).
    return Actor(kind="cli", id=None, name=operator().name, agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset({Role.AGENCY_STAFF}))


def _source(file: Path, fmt: str | None) -> str:
    source = fmt or readers.SUFFIXES.get(file.suffix.lower())
    if source not in readers.SOURCES:
        raise InvalidInput("无法从扩展名判断格式：请用 --format csv、xlsx、json 或 ndjson", field="format")
    return source


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"“{text}”不是 ISO 8601 日期时间", field="produced_at", rule="datetime") from None
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


@app.command("load")
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                     help="CSV、Excel、JSON 或 NDJSON 文件"),
         resource: str = typer.Option(..., "--resource", help="资源代码"),
         agency: str = typer.Option(..., "--agency", help="提供机关的统一社会信用代码或编号"),
         fmt: str = typer.Option(None, "--format", help="csv、xlsx、json 或 ndjson（默认按扩展名）"),
         idempotency_key: str = typer.Option(None, "--idempotency-key",
                                             help="幂等键：重试同一文件不会重复加载"),
         produced_at: str = typer.Option(None, "--produced-at", help=PRODUCED_HELP)):
    """Load FILE into the hosted library of RESOURCE, for the provider agency AGENCY."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    plain = not console.is_terminal
    try:
        source, default_time = _source(file, fmt), _moment(produced_at)
        data = file.read_bytes()
        with Progress(*columns, console=console) as progress, unit_of_work(sessions()) as session:
            task = progress.add_task("检查并写入", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)
                if plain:  # logs and pipes get a line per chunk instead of a bar
                    console.print(f"已写入 {done}/{total} 条（未提交）", highlight=False)

            def sealing(done: int, total: int) -> None:  # licences and documents (GZ-23)
                progress.update(task, description="逐条盖电子印章", completed=done, total=total)
                if plain:
                    console.print(f"已盖章 {done}/{total} 条（未提交）", highlight=False)

            provider = io_service.find_agency(session, operator(), agency)
            result = ingest_service.load_records(
                session, _on_behalf(provider), resource, data, source, idempotency_key=idempotency_key,
                produced_at=default_time, progress=advance, keys=KeyStore.for_settings(get_settings()),
                seal_progress=sealing)
            if plain:
                console.print("正在提交…", highlight=False)
    except LoadRefused as exc:
        _print_errors(exc)
        raise typer.Exit(2) from None
    except DomainError as exc:
        fail(exc)
    if result.replayed:
        console.print(f"幂等键“{idempotency_key}”已用于同一批数据（第 {result.load_id} 批），未重复加载")
        return
    console.print(f"已加载第 {result.load_id} 批：{result.records} 条记录，"
                  f"其中新主体 {result.new_subjects} 个；"
                  f"超过更新时限（{LABELS[result.deadline_class]}）{result.late} 条；SM3 {result.digest}"
                  + (f"；{result.sealed} 条已盖提供机关电子印章" if result.sealed else ""),
                  soft_wrap=True)


def _print_errors(exc: LoadRefused) -> None:
    console.print(f"[red]{exc.message}[/red]")
    for e in exc.errors[:SHOWN_ERRORS]:
        console.print(f"  [{e.rule}] {e.message}", markup=False, highlight=False)
    if len(exc.errors) > SHOWN_ERRORS:
        console.print(f"  ……另有 {len(exc.errors) - SHOWN_ERRORS} 处错误未列出")
    console.print(f"[red]未写入任何记录：共 {len(exc.errors)} 处错误[/red]")
