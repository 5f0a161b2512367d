"""`govshare exchange feed RESOURCE --agency KEY --duty … --case …`: read a page of a hosted
resource's changes under the agency's grant, printing the changes and the next cursor; and
`govshare exchange subscriptions list|create|pause|resume|delete` for the agency's push
subscriptions. The operator acts for the agency named by --agency, at the server's console."""

from __future__ import annotations

import json

import typer

from govshare.catalog import io_service
from govshare.db import unit_of_work
from govshare.exchange import feed_service, subscription_service
from govshare.exchange.cli import _on_behalf
from govshare.exchange.subscription_service import Draft
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError
from govshare.kit.outbox import SIGNATURE_HEADER

subscriptions = typer.Typer(help="变更推送订阅：查看、新建、暂停、恢复、删除", no_args_is_help=True)
AGENCY = typer.Option(..., "--agency", help="订阅（使用）机关的统一社会信用代码或编号")


def attach(app: typer.Typer) -> None:
    """Add `feed` and `subscriptions` to `govshare exchange`."""
    app.command("feed")(feed)
    app.add_typer(subscriptions, name="subscriptions")


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def feed(resource: str = typer.Argument(..., help="资源代码（共享平台·库表）"),
         agency: str = AGENCY,
         duty: str = typer.Option(..., "--duty", help="所依据的职责（GD-24）"),
         case: str = typer.Option(..., "--case", help="办件号"),
         cursor: str = typer.Option("", "--cursor", help="上次输出的下一页游标；留空从头读取"),
         limit: int = typer.Option(feed_service.DEFAULT_PAGE, "--limit", help="每页最多变更条数")):
    """Print the changes of RESOURCE after the cursor, as the agency's grant shows them, and the
    next cursor (one JSON object per line, then the cursor)."""
    try:
        with unit_of_work(sessions()) as session:
            consumer = io_service.find_agency(session, operator(), agency)
            page = feed_service.read_feed(session, _on_behalf(consumer), resource, cursor, limit, duty, case)
            lines = [json.dumps(feed_service.change_json(c), ensure_ascii=False) for c in page.changes]
    except DomainError as exc:
        fail(exc)
    for line in lines:
        _say(line)
    _say(f"共 {len(lines)} 条变更（查询日志 #{page.query_id}，授权 #{page.use.grant_id}）；"
         f"{'其后可能还有，请继续读取' if page.more else '已读到末尾'}")
    _say(f"下一页游标：{page.next_cursor}")


@subscriptions.command("list")
def list_subscriptions(agency: str = AGENCY):
    """The agency's push subscriptions and their state."""
    try:
        with unit_of_work(sessions()) as session:
            consumer = io_service.find_agency(session, operator(), agency)
            rows = [_row(s) for s in subscription_service.list_subscriptions(session, _on_behalf(consumer))]
    except DomainError as exc:
        fail(exc)
    if not rows:
        _say("本机关还没有推送订阅")
    for row in rows:
        _say(row)


def _row(s) -> str:
    state = "推送中" if s.active else f"已停止：{s.stopped_reason}"
    failing = f"，本批已失败 {s.failures} 次" if s.failures else ""
    return (f"#{s.id} {s.resource_code} 授权 #{s.grant_id} → {s.url}  {state}{failing}；"
            f"已交付 {s.pushed_changes} 条，游标 {feed_service.encode_cursor(s.grant_id, s.cursor)}")


@subscriptions.command("create")
def create(resource: str = typer.Argument(..., help="资源代码（共享平台·库表）"),
           agency: str = AGENCY,
           url: str = typer.Option(..., "--url", help="推送地址（http:// 或 https://）"),
           duty: str = typer.Option(..., "--duty", help="订阅所服务的职责（GD-24）"),
           case: str = typer.Option(..., "--case", help="办件号"),
           from_now: bool = typer.Option(False, "--from-now", help="只推送此后的变更（默认从头）"),
           cursor: str = typer.Option("", "--cursor", help="从该游标之后开始（优先于 --from-now）"),
           batch_size: int = typer.Option(feed_service.DEFAULT_PAGE, "--batch-size", help="每批最多条数")):
    """Subscribe URL to the changes of RESOURCE; prints the signing secret once."""
    draft = Draft(resource, url, duty, case, "now" if from_now else "beginning", cursor, batch_size)
    try:
        with unit_of_work(sessions()) as session:
            consumer = io_service.find_agency(session, operator(), agency)
            sub, secret = subscription_service.create(session, _on_behalf(consumer), draft)
            sid = sub.id
    except DomainError as exc:
        fail(exc)
    _say(f"已创建变更订阅 #{sid}，推送到 {url}")
    _say(f"签名密钥（仅显示这一次，请妥善保存）：{secret}")
    _say(f"接收方以该密钥核验请求头 {SIGNATURE_HEADER}: sm3-hmac=<请求体原文的 HMAC-SM3 十六进制>")


def _act(action, subscription_id: int, agency: str, done: str) -> None:
    try:
        with unit_of_work(sessions()) as session:
            consumer = io_service.find_agency(session, operator(), agency)
            action(session, _on_behalf(consumer), subscription_id)
    except DomainError as exc:
        fail(exc)
    _say(f"变更订阅 #{subscription_id} {done}")


@subscriptions.command("pause")
def pause(subscription_id: int = typer.Argument(..., help="订阅编号"), agency: str = AGENCY):
    """Pause a subscription."""
    _act(subscription_service.pause, subscription_id, agency, "已暂停")


@subscriptions.command("resume")
def resume(subscription_id: int = typer.Argument(..., help="订阅编号"), agency: str = AGENCY):
    """Resume a paused or stopped subscription (its grant must still be in force)."""
    _act(subscription_service.resume, subscription_id, agency, "已恢复")


@subscriptions.command("delete")
def delete(subscription_id: int = typer.Argument(..., help="订阅编号"), agency: str = AGENCY):
    """Delete a subscription."""
    _act(subscription_service.delete, subscription_id, agency, "已删除")
