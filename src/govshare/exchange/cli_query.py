"""`govshare exchange query RESOURCE SUBJECT… --agency KEY --duty … --case …` and `govshare exchange
verify RESOURCE SUBJECT --agency KEY --duty … --case … [--condition 信息项=值…]`: a consumer
agency's query and verification (GZ-18, GZ-23, GZ-24, GD-24) at the server's console.

The operator acts for the agency named by --agency, under that agency's own grant, through the
services the API calls: a hosted library's query (query_service) or, for a 共享平台·接口 resource,
the provider's API (exchange.proxy); a hosted verification (verify_service) or one through the
provider's API (verify_proxy). Every query and verification states its purpose and is logged as
any other. As in the API, no transaction is open while a provider answers: read, call, write."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from govshare.catalog import io_service
from govshare.db import unit_of_work
from govshare.exchange import (
    api_endpoints,
    api_query,
    proxy,
    query_service,
    verify_proxy,
    verify_service,
)
from govshare.exchange.cli import _on_behalf
from govshare.kit.actor import Actor
from govshare.kit.cli import console, operator, sessions
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError, InvalidInput, NotFound

AGENCY = typer.Option(..., "--agency", help="查询（使用）机关的统一社会信用代码或编号；凭该机关的授权查询")
# Not required by Typer: a missing purpose is refused by the service, in the clerk's words (GD-24).
DUTY = typer.Option("", "--duty", help="本次查询所依据的职责（GD-24，必填）")
CASE = typer.Option("", "--case", help="办理的案件或事项编号（办件号，GD-24，必填）")
JSON = typer.Option(False, "--json", help="按 API 的答复格式输出 JSON")
YES, NO, ERROR = 0, 1, 2  # verify's exit codes, for scripts


QUERY_HELP = ("凭 --agency 机关的授权按主体查询资源：授权的信息项为明文，未授权的敏感信息项脱敏（标“脱敏”）；"
              "输出查询日志编号，证照、文书类资源另输出数据快照编号（GZ-23）。经提供机关接口共享的资源向其接口查询，"
              "按主体信息项及授权明文的同类号码查找（如婚姻登记信息按男方或女方公民身份号码）。"
              "\n\n退出码：0 查询完成，2 出错（输入有误、没有授权、提供机关接口出错等）。")
VERIFY_HELP = ("电子核验（GZ-24）：该主体今天是否持有该资源的有效记录（且符合核验条件）？"
               "输出是或否、据以核验的记录版本及其记录时间、查询日志编号，证照、文书类资源另输出数据快照编号。"
               "经提供机关接口共享的资源（如婚姻登记信息）经其接口核验。"
               "\n\n退出码：0 是，1 否，2 出错（输入有误、没有授权、提供机关接口出错等），脚本可据此判断。")


def attach(app: typer.Typer) -> None:
    """Add `query` and `verify` to `govshare exchange`."""
    app.command("query", help=QUERY_HELP, short_help="按主体查询共享数据（脱敏项标注）")(query)
    app.command("verify", help=VERIFY_HELP, short_help="电子核验：是或否（退出码0是，1否，2出错）")(verify)


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def _fail(exc: DomainError) -> NoReturn:
    """The Chinese message with the field and rule it names; exit code 2."""
    where = "，".join(x for x in (exc.field and f"字段 {exc.field}", exc.rule and f"规则 {exc.rule}") if x)
    provider = getattr(exc, "provider", None)
    console.print(f"错误{f'（{where}）' if where else ''}：{exc.message}"
                  + (f"（提供机关：{provider}）" if provider else ""),
                  style="red", soft_wrap=True, highlight=False, markup=False)
    raise typer.Exit(ERROR)


def _time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"“{text}”不是 ISO 8601 日期时间（如 2026-11-01T09:00）", field="as_of",
                           rule="datetime") from None
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


def _consumer(session, agency: str) -> Actor:
    return _on_behalf(io_service.find_agency(session, operator(), agency))


def query(resource: str = typer.Argument(..., help="资源代码（共享平台·库表或共享平台·接口）"),
          subjects: list[str] = typer.Argument(..., help="主体标识（公民身份号码、统一社会信用代码等），"
                                                         "一个或多个"),
          agency: str = AGENCY, duty: str = DUTY, case: str = CASE,
          as_of: str = typer.Option(None, "--as-of", help="查询该时刻平台上的版本（ISO 8601，默认北京时间）；"
                                                         "仅库表资源"),
          as_json: bool = JSON):
    """Query RESOURCE by SUBJECT(s) under the agency's grant and print what it shows (QUERY_HELP)."""
    try:
        answer = _query(resource, subjects, agency, duty, case, _as_of(as_of))
    except DomainError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(_answer_json(answer), ensure_ascii=False, indent=2))
    elif isinstance(answer, proxy.Answer):
        _print_forwarded(answer)
    else:
        _print_hosted(answer)


def _query(resource: str, subjects: list[str], agency: str, duty: str, case: str,
           as_of: datetime | None) -> query_service.Answer | proxy.Answer:
    """A hosted library's query in one transaction; else the provider's API (as /api-queries)."""
    make = sessions()
    with unit_of_work(make) as session:
        actor = _consumer(session, agency)
        try:
            return query_service.query_records(session, actor, resource, subjects, duty, case, as_of)
        except NotFound as exc:
            if exc.code != "not_hosted" or not verify_proxy.served_by_api(session, actor, resource):
                raise
        if as_of is not None:
            raise InvalidInput("经提供机关接口查询的资源只有当前数据，不能按时刻查询（去掉 --as-of）",
                               field="as_of", rule="not_supported")
        fwd = proxy.prepare(session, actor, resource, subjects, duty, case)
    raw = proxy.call(fwd)
    with unit_of_work(make) as session:
        return proxy.finish(session, actor, fwd, raw)


def _answer_json(answer: query_service.Answer | proxy.Answer) -> dict[str, Any]:
    if isinstance(answer, proxy.Answer):
        return api_endpoints.answer_json(answer)
    return api_query.answer_json(answer)


def _header(name: str, code: str, grant_id: int, division: str | None, purpose) -> None:
    _say(f"{name}（{code}）· 授权 #{grant_id}" + (f" · 限定区划 {division}（GZ-21）" if division else ""))
    _say(f"职责：{purpose.duty}；办件号：{purpose.case_number}")


def _items_table(title: str, data: dict[str, Any], masked: tuple[str, ...]) -> Table:
    table = Table("信息项", "值", "说明", title=Text(title), title_justify="left")
    for name, value in data.items():
        table.add_row(Text(name), Text("" if value is None else str(value)), "脱敏" if name in masked else "")
    return table


def _footer(found: int, asked: int, query_id: int, snapshot_id: int | None) -> None:
    _say(f"找到 {found}/{asked} 个主体；查询日志 #{query_id}")
    _snapshot(snapshot_id)


def _snapshot(snapshot_id: int | None) -> None:
    if snapshot_id is not None:
        _say(f"数据快照 #{snapshot_id}（GZ-23；证据文件：govshare audit snapshot {snapshot_id} --out FILE）")


def _print_hosted(a: query_service.Answer) -> None:
    _header(a.resource_name, a.resource_code, a.grant_id, a.division_code, a.purpose)
    if a.as_of:
        _say(f"按 {_time(a.as_of)} 时平台上的版本")
    for r in a.results:
        if not r.found:
            _say(f"主体 {r.subject}：授权范围内没有记录")
            continue
        console.print(_items_table(f"主体 {r.subject} · 记录版本 #{r.version_id}", r.data or {}, r.masked))
        _say(f"数据产生 {_time(r.produced_at)} · 生效 {_time(r.valid_from)} · 平台记录 {_time(r.loaded_at)}")
    _footer(sum(r.found for r in a.results), len(a.results), a.query_id, a.snapshot_id)


def _print_forwarded(a: proxy.Answer) -> None:
    _header(a.resource_name, a.resource_code, a.grant_id, a.division_code, a.purpose)
    _say(f"经提供机关“{a.provider_name}”的接口查询")
    for r in a.results:
        if not r.found:
            _say(f"主体 {r.subject}：提供机关在授权范围内没有记录")
        for i, record in enumerate(r.records, 1):
            console.print(_items_table(f"主体 {r.subject} · 第 {i} 条记录", record, r.masked))
        if r.removed:
            _say(f"提供机关多返回的未授权字段已剔除：{'、'.join(r.removed)}")
    _footer(sum(r.found for r in a.results), len(a.results), a.query_id, a.snapshot_id)


def _conditions(texts: list[str]) -> dict[str, list[str]]:
    """`婚姻状况=已婚`, `登记状态=存续,在业` → {item: values}; the same item twice adds values."""
    wanted: dict[str, list[str]] = {}
    for text in texts:
        item, sep, values = text.partition("=")
        if not sep or not item.strip():
            raise InvalidInput(f"核验条件“{text}”应写成 信息项=值（多个值以逗号分隔），如 婚姻状况=已婚",
                               field="conditions", rule="format")
        wanted.setdefault(item.strip(), []).extend(re.split("[,，、]", values))
    return wanted


def verify(resource: str = typer.Argument(..., help="资源代码，如营业执照信息、婚姻登记信息的代码"),
           subject: str = typer.Argument(..., help="主体标识：公民身份号码、统一社会信用代码等"),
           agency: str = AGENCY, duty: str = DUTY, case: str = CASE,
           condition: list[str] = typer.Option([], "--condition",
                                               help="核验条件 信息项=值[,值…]，可重复；只能用授权明文可见的"
                                                    "信息项，如 --condition 婚姻状况=已婚"),
           as_json: bool = JSON):
    """Verify SUBJECT against RESOURCE; exit code 0 yes, 1 no, 2 an error (VERIFY_HELP)."""
    try:
        verdict = _verify(resource, subject, agency, duty, case, _conditions(condition))
    except DomainError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(api_query.verdict_json(verdict), ensure_ascii=False, indent=2))
    else:
        _print_verdict(verdict)
    raise typer.Exit(YES if verdict.holds else NO)


def _verify(resource: str, subject: str, agency: str, duty: str, case: str,
            conditions: dict[str, list[str]]) -> verify_service.Verdict:
    """A hosted verification in one transaction; through the provider's API as /verifications does."""
    make = sessions()
    with unit_of_work(make) as session:
        actor = _consumer(session, agency)
        ask = verify_proxy.served_by_api(session, actor, resource) and verify_proxy.prepare(
            session, actor, resource, subject, duty, case, conditions)
        if not ask:
            return verify_service.verify(session, actor, resource, subject, duty, case, conditions)
    sent = verify_proxy.call(ask)
    with unit_of_work(make) as session:
        return verify_proxy.finish(session, actor, ask, sent)


def _print_verdict(v: verify_service.Verdict) -> None:
    _say(f"核验结论：{'是' if v.holds else '否'}（{v.reason}：{v.explanation}）")
    _say(f"{v.resource_name}（{v.resource_code}）· 授权 #{v.grant_id} · 主体 {v.subject}")
    if v.source == "api":
        version = f"提供机关记录版本 {v.record_version or '（未注明）'}"
        _say(f"经提供机关接口核验；据以核验：{version}，号码见于{v.matched_item}，生效 {_time(v.valid_from)}"
             if v.matched_item else "经提供机关接口核验；提供机关在授权范围内没有记录")
    elif v.version_id is not None:
        _say(f"据以核验：记录版本 #{v.version_id}，生效 {_time(v.valid_from)}，平台记录 {_time(v.loaded_at)}")
    if v.checked_items:
        _say(f"比对的信息项：{'、'.join(v.checked_items)}"
             + (f"；不符合：{'、'.join(v.unmet)}" if v.unmet else ""))
    _say(f"核验时间 {_time(v.verified_at)}；查询日志 #{v.query_id}")
    _snapshot(v.snapshot_id)
