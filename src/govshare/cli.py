"""The `govshare` command: init, serve, demo, seed, worker-free operations for operators."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from govshare.access import cli as access_cli
from govshare.catalog import cli as catalog_cli
from govshare.config import Settings, get_settings
from govshare.db import migrate, unit_of_work
from govshare.evidence import cli as evidence_cli
from govshare.exchange import cli as exchange_cli
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError, InvalidInput
from govshare.workdays import cli as workdays_cli

app = typer.Typer(help="govshare — 政务信息资源共享平台", no_args_is_help=True)
workdays_app = typer.Typer(help="工作日历：节假日、调休与期限计算", no_args_is_help=True)
audit_app = typer.Typer(help="审计链", no_args_is_help=True)
app.add_typer(workdays_app, name="workdays")
app.add_typer(audit_app, name="audit")
app.add_typer(catalog_cli.register(), name="catalog")
app.add_typer(access_cli.register(), name="access")
app.add_typer(exchange_cli.register(), name="exchange")
app.add_typer(evidence_cli.keys_app, name="keys")
app.command("verify")(evidence_cli.verify_file)
evidence_cli.register_audit(audit_app)
workdays_cli.register(workdays_app)


def _sessions(settings: Settings):
    return sessions(settings)


def _fail(exc: DomainError) -> None:
    fail(exc)


@app.command()
def init(admin_username: str = typer.Option("admin", help="第一个信息化主管部门管理员"),
         admin_password: str = typer.Option(None, envvar="GOVSHARE_ADMIN_PASSWORD",
                                            help="管理员密码（或环境变量 GOVSHARE_ADMIN_PASSWORD）"),
         authority_name: str = typer.Option("广州市政务服务数据管理局"),
         authority_credit_code: str = typer.Option(None, help="信息化主管部门的统一社会信用代码")):
    """Create the database (migrations), the session secret and the first IT-authority admin."""
    from govshare.ops import initialise

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _ = settings.effective_secret_key
    migrate(settings.effective_database_url)
    console.print(f"数据库已迁移到最新版本：{settings.effective_database_url}")
    if admin_password is None:
        admin_password = typer.prompt("管理员密码", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work(_sessions(settings)) as session:
            created = initialise(session, operator(), admin_username, admin_password,
                                 authority_name, authority_credit_code)
    except DomainError as exc:
        _fail(exc)
    console.print("已创建管理员 " + admin_username if created else "管理员已存在，未改动")
    evidence_cli.init_platform_key(settings)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          with_worker: Annotated[bool, typer.Option(
              "--with-worker", help="在本进程内同时运行后台任务（期限巡检、提醒推送）")] = False):
    """Serve the API and the web console."""
    import uvicorn

    stop = None
    if with_worker:
        from govshare import worker

        stop = worker.start_in_background(get_settings())
    try:
        uvicorn.run("govshare.main:create_app", factory=True, host=host, port=port,
                    workers=workers, proxy_headers=True)
    finally:
        if stop is not None:
            stop.set()


@app.command("worker")
def worker_command(once: bool = typer.Option(False, "--once", help="巡检一次、推送一轮后退出"),
                   on: str = typer.Option(None, "--date",
                                          help="巡检日期 YYYY-MM-DD（仅与 --once 同用，默认今天）"),
                   interval: float = typer.Option(5.0, help="推送提醒的间隔（秒）")):
    """Background jobs: the daily deadline sweep and the outbox (webhook) sender."""
    from govshare import worker

    try:
        if on is not None and not once:
            raise InvalidInput("--date 只能与 --once 一起使用", field="date", rule="once_only")
        day = _day(on, "date") if on is not None else None
        worker.main(get_settings(), once=once, on=day, interval=interval, say=console.print)
    except DomainError as exc:
        _fail(exc)


@app.command()
def demo(folder: Path = typer.Option(Path("govshare-demo"), help="演示数据目录（每次重建）"),
         host: str = "127.0.0.1", port: int = 8000, size: int = 0,
         serve_it: bool = typer.Option(True, "--serve/--no-serve")):
    """A fresh SQLite demo of Guangzhou, seeded and served on 127.0.0.1:8000."""
    from govshare.demo import generator
    from govshare.demo.keys import use_demo_passphrase
    from govshare.demo.seed import seed as seed_demo
    from govshare.ops import demo_exchange

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ["GOVSHARE_DATA_DIR"] = str(folder.resolve())
    os.environ.pop("GOVSHARE_DATABASE_URL", None)
    use_demo_passphrase(console.print)  # demo keys: sealed licence loads work out of the box (GZ-23)
    settings = Settings()
    migrate(settings.effective_database_url)
    with console.status("正在生成广州市演示数据…"), unit_of_work(_sessions(settings)) as session:
        result = seed_demo(session, size=size, actor=operator())
    evidence_cli.init_platform_key(settings)  # tree heads over snapshots are signed from the start
    _print_logins(host, port, result.users, generator.DEMO_PASSWORD)
    demo_exchange(settings, size)  # hosted records, files and grants: the query page works at once
    if serve_it:
        serve(host=host, port=port, with_worker=True)  # deadlines swept, notices pushed


def _print_logins(host: str, port: int, users, password: str) -> None:
    table = Table(title=f"演示账号（密码均为 {password}）")
    table.add_column("用户名")
    table.add_column("角色")
    for u in users:
        table.add_row(u.username, u.what)
    console.print(table)
    console.print(f"打开 [bold]http://{host}:{port}/[/bold] 登录；接口文档在 http://{host}:{port}/docs")


@app.command()
def seed(size: int = typer.Option(100, help="额外生成的办事员数量")):
    """Seed the configured database with the demo city (idempotent), plus SIZE clerks."""
    from govshare.demo.seed import seed as seed_demo
    from govshare.ops import demo_exchange

    settings = get_settings()
    with Progress(console=console) as progress, unit_of_work(_sessions(settings)) as session:
        task = progress.add_task("生成演示数据", total=size)
        result = seed_demo(session, size=size, actor=operator(),
                           progress=lambda n: progress.advance(task, n))
    console.print(f"机关 {len(result.agencies)} 个，演示账号 {len(result.users)} 个，"
                  f"办事员 {result.clerks} 个")
    demo_exchange(settings, size)  # and the exchange's records, files and grants, scaled by SIZE


@workdays_app.command("show")
def workdays_show(year: int = typer.Argument(..., help="年份")):
    """List a year's holidays and make-up workdays, with who entered them."""
    from govshare.workdays import service

    try:
        with unit_of_work(_sessions(get_settings())) as session:
            view = service.year_view(session, operator(), year)
    except DomainError as exc:
        _fail(exc)
    if not view.known:
        console.print(f"[yellow]{year} 年放假安排尚未录入并确认：期限按周末推算（暂定）[/yellow]")
    elif view.declared_by:
        console.print(f"{year} 年放假安排由 {view.declared_by} 录入并确认")
    table = Table(title=f"{year} 年节假日与调休")
    for col in ("日期", "安排", "名称", "来源"):
        table.add_column(col)
    sources = {"library": "国务院通知", "weekday-rule": "周末规则"}
    for d in view.days:
        table.add_row(d.day.isoformat(), "上班" if d.is_working_day else "放假", d.name,
                      f"人工：{d.entered_by}" if d.source == "override" else sources[d.source])
    console.print(table)


@workdays_app.command("set")
def workdays_set(day: str = typer.Argument(..., help="日期 YYYY-MM-DD"),
                 kind: str = typer.Argument(..., help="holiday（放假）或 workday（上班、调休）"),
                 name: str = typer.Option("", help="名称，如“春节”“国庆节调休”")):
    """Declare DAY a holiday or a workday (overrides the built-in calendar)."""
    from govshare.workdays import service

    try:
        if kind not in ("holiday", "workday"):
            raise InvalidInput(f"“{kind}”不对：只能是 holiday 或 workday", field="kind")
        with unit_of_work(_sessions(get_settings())) as session:
            service.set_day(session, operator(), _day(day, "day"), kind == "workday", name)
    except DomainError as exc:
        _fail(exc)
    named = f"（{name.strip()}）" if name.strip() else ""
    console.print(f"{day} 已设为{'上班' if kind == 'workday' else '放假'}{named}")


@workdays_app.command("clear")
def workdays_clear(day: str = typer.Argument(..., help="日期 YYYY-MM-DD")):
    """Remove the override of DAY."""
    from govshare.workdays import service

    try:
        with unit_of_work(_sessions(get_settings())) as session:
            service.clear_day(session, operator(), _day(day, "day"))
    except DomainError as exc:
        _fail(exc)
    console.print(f"{day} 的人工设定已删除")


@workdays_app.command("declare")
def workdays_declare(year: int = typer.Argument(..., help="年份")):
    """Confirm YEAR's holidays are fully entered: its deadlines stop being provisional."""
    from govshare.workdays import service

    try:
        with unit_of_work(_sessions(get_settings())) as session:
            service.declare_year(session, operator(), year)
    except DomainError as exc:
        _fail(exc)
    console.print(f"{year} 年放假安排已确认，涉及该年的期限不再是暂定")


@workdays_app.command("deadline")
def workdays_deadline(start: str = typer.Argument(..., help="起算日 YYYY-MM-DD（当天不计）"),
                      days: int = typer.Argument(..., help="工作日数")):
    """The date DAYS working days after START."""
    from govshare.kit.pages import cn_date
    from govshare.workdays import service

    try:
        with unit_of_work(_sessions(get_settings())) as session:
            d = service.add_working_days(session, _day(start, "start"), days)
    except DomainError as exc:
        _fail(exc)
    mark = "（暂定：期间有尚未录入放假安排的年份，按周末推算）" if d.provisional else ""
    console.print(f"{start} 起 {days} 个工作日：{d.due_date.isoformat()} {cn_date(d.due_date)}{mark}",
                  soft_wrap=True)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”不是 YYYY-MM-DD 格式", field=field,
                           rule="date") from None


@audit_app.command("verify")
def audit_verify():
    """Check the audit chain and its signed checkpoints; exit 1 naming the first bad position."""
    evidence_cli.audit_verify()


@app.command()
def compliance(results: Path = typer.Option(Path("build/req-results.json")),
               requirements: Path = typer.Option(Path("../shared/requirements.md")),
               out: Path = typer.Option(Path("docs/compliance.md"))):
    """Print the requirement → tests → result matrix and write docs/compliance.md."""
    from govshare.ops import compliance_matrix

    text, missing = compliance_matrix(requirements, results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(text)
    console.print(f"已写入 {out}；尚无通过测试的需求 {len(missing)} 项")
