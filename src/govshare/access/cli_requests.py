"""`govshare access requests list|show|submit|decide` and `govshare access grants list|revoke`.

Who acts: by default the operator, with the platform's authority (every queue, the IT
authority's steps). An agency's requests are submitted and decided by that agency: pass the
token of one of its API clients (`--token` or GOVSHARE_API_TOKEN) and the command acts as that
client, exactly as the API would. The government's decision is not taken by the operator: a
government approver takes it in the console, through the API, or with a government token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import typer
from rich.table import Table

from govshare.access import grant_service, queue_service, request_service
from govshare.access.request_service import RequestDraft
from govshare.access.rules import GrantStatus
from govshare.access.workflow import ACTION_LABELS, RequestStatus
from govshare.db import unit_of_work
from govshare.directory import account_service
from govshare.directory import service as directory_service
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError, Forbidden, InvalidInput
from govshare.kit.pages import cn_date
from govshare.kit.pagination import PageRequest

requests_app = typer.Typer(help="共享申请：列表、详情、提出、办理", no_args_is_help=True)
grants_app = typer.Typer(help="授权：列表、撤销", no_args_is_help=True)
GOVERNMENT_STEPS = {"decide_to_share", "decide_not_to_share"}
TOKEN = typer.Option(None, "--token", envvar="GOVSHARE_API_TOKEN",
                     help="以该机关接口客户端的身份办理（令牌）；缺省为平台运维人员")


def register(parent: typer.Typer) -> None:
    """Add `requests` and `grants` to `govshare access`."""
    parent.add_typer(requests_app, name="requests")
    parent.add_typer(grants_app, name="grants")


def _run(token: str | None, work: Callable[[Any, Actor], Any]) -> Any:
    """Run `work(session, actor)` in one transaction; errors as a clerk reads them."""
    try:
        with unit_of_work(sessions()) as session:
            actor = (account_service.actor_for_client(account_service.client_for_token(session, token))
                     if token else operator())
            return work(session, actor)
    except DomainError as exc:
        fail(exc)


def _names(session, actor: Actor, *ids: int) -> dict[int, str]:
    return {i: directory_service.get_agency(session, actor, i).name for i in set(ids)}


def _deadline(row) -> str:
    if row.due_date is None:
        return "—"
    left = f"，剩 {row.days_left} 个工作日" if row.days_left >= 0 else f"，已逾期 {-row.days_left} 个工作日"
    return f"{cn_date(row.due_date)}{'（暂定）' if row.provisional else ''}{left}"


# --- requests --------------------------------------------------------------------------------

@requests_app.command("list")
def list_requests(queue: str = typer.Option(None, help="mine、inbox、coordination、government、all；"
                                                       "缺省：运维人员 all，机关 mine"),
                  status: str = typer.Option(None, help="只列出该状态，如 submitted"),
                  limit: int = typer.Option(50, help="最多显示的条数"), token: str = TOKEN):
    """List a queue of requests with their deadlines in working days."""
    def work(session, actor):
        q = queue or ("mine" if actor.agency_id else "all")
        page = queue_service.list_requests(session, actor, q, PageRequest(limit, 0),
                                           status=_status(status))
        ids = [i for r in page.items for i in (r.request.requester_agency_id,
                                               r.request.provider_agency_id)]
        return q, page, _names(session, actor, *ids)

    q, page, names = _run(token, work)
    table = Table(title=f"{queue_service.QUEUES[q]}（共 {page.total} 件）")
    for col in ("编号", "资源", "申请机关", "提供机关", "状态", "期限"):
        table.add_column(col)
    for row in page.items:
        r = row.request
        table.add_row(str(r.id), r.resource_name, names[r.requester_agency_id],
                      names[r.provider_agency_id], row.status_label, _deadline(row))
    console.print(table)


def _status(value: str | None) -> str | None:
    if value and value not in set(RequestStatus):
        _choice("status", [s.value for s in RequestStatus])
    return value or None


def _choice(field: str, choices: list[str]) -> None:
    fail(InvalidInput(f"{field} 应为：{'、'.join(choices)}", field=field, rule="choice"))


@requests_app.command("show")
def show_request(request_id: int = typer.Argument(..., help="申请编号"), token: str = TOKEN):
    """Show a request: what is asked, its deadline, its steps and its grant."""
    def work(session, actor):
        request = request_service.get_request(session, actor, request_id)
        row = queue_service.request_row(session, actor, request)
        grant = grant_service.grant_of_request(session, actor, request_id)
        names = _names(session, actor, request.requester_agency_id, request.provider_agency_id)
        return row, list(request.steps), grant, names

    row, steps, grant, names = _run(token, work)
    r = row.request
    console.print(f"[bold]共享申请 #{r.id}：{r.resource_name}[/bold]（{r.resource_code or '目录外'}）")
    console.print(f"申请机关：{names[r.requester_agency_id]}（{r.requested_by}）　"
                  f"提供机关：{names[r.provider_agency_id]}")
    console.print(f"信息项：{'、'.join(r.items)}")
    console.print(f"职责：{r.duty}　用途：{r.purpose}")
    console.print(f"有效期：{cn_date(r.valid_from)} 至 {cn_date(r.valid_until)}")
    console.print(f"状态：{row.status_label}　期限：{_deadline(row)}")
    for s in steps:
        label = "提交申请" if s.action == "submit" else ACTION_LABELS.get(s.action, s.action)
        late = "（超期）" if s.late else ""
        said = "；".join(f"{k}：{v}" for k, v in s.inputs.items() if isinstance(v, str) and v)
        console.print(f"  {s.seq}. {cn_date(s.taken_date)} {s.actor_name} {label}{late}"
                      f"{'　' + said if said else ''}")
    if grant is not None:
        console.print(f"授权 #{grant.id}：{GrantStatus(grant.status).label}，"
                      f"{cn_date(grant.valid_from)} 至 {cn_date(grant.valid_until)}"
                      f"{'，限行政区划 ' + grant.division_code if grant.division_code else ''}")
    if row.actions:
        console.print("可办理：" + "、".join(f"{a}（{ACTION_LABELS[a]}）" for a in row.actions))


@requests_app.command("submit")
def submit_request(
        resource_code: str = typer.Option(None, help="共享目录中的资源代码；目录外的申请不填"),
        item: list[str] = typer.Option(..., help="所需信息项（可重复）"),
        duty: str = typer.Option(..., help="所履行的职责及其依据（GD-24）"),
        purpose: str = typer.Option(..., help="用途"),
        valid_from: str = typer.Option(None, help="有效期开始 YYYY-MM-DD，缺省为今天"),
        valid_until: str = typer.Option(..., help="有效期结束 YYYY-MM-DD"),
        legal_basis: str = typer.Option("", help="申请所依据的法律法规"),
        provider_agency: int = typer.Option(None, help="提供机关编号（仅目录外）"),
        resource_name: str = typer.Option("", help="所需信息的名称（仅目录外）"),
        division: list[str] = typer.Option([], help="所需记录的行政区划代码（可重复）"),
        condition: str = typer.Option("", help="数据范围条件"), token: str = TOKEN):
    """Submit a request of the token's agency; unconditional resources are granted at once."""
    def work(session, actor):
        draft = RequestDraft(
            items=tuple(item), duty=duty, purpose=purpose,
            valid_from=_date(valid_from, "valid_from") if valid_from else clock.today(),
            valid_until=_date(valid_until, "valid_until"), resource_code=resource_code or None,
            provider_agency_id=provider_agency, resource_name=resource_name,
            legal_basis=legal_basis, row_scope={"division_codes": division, "condition": condition})
        request = request_service.submit_request(session, actor, draft)
        return request, queue_service.request_row(session, actor, request), \
            grant_service.grant_of_request(session, actor, request.id)

    request, row, grant = _run(token, work)
    console.print(f"已提交共享申请 #{request.id}（{request.resource_name}）：{row.status_label}")
    if row.due_date:
        console.print(f"决定期限：{_deadline(row)}")
    if grant is not None:
        console.print(f"已签发授权 #{grant.id}（{GrantStatus(grant.status).label}）")


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(InvalidInput("日期格式应为 YYYY-MM-DD", field=field, rule="format"))


@requests_app.command("decide")
def decide(request_id: int = typer.Argument(..., help="申请编号"),
           action: str = typer.Argument(..., help="操作：" + "、".join(ACTION_LABELS)),
           reasons: str = typer.Option(None, help="书面理由"),
           legal_basis: str = typer.Option(None, help="法律依据"),
           narrowing: str = typer.Option(None, help="缩小的范围"),
           outcome: str = typer.Option(None, help="协调结果"),
           decision: str = typer.Option(None, help="领导小组的决定"),
           item: list[str] = typer.Option([], help="缩小范围授权的信息项（可重复）"),
           valid_until: str = typer.Option(None, help="缩小范围授权的有效期结束 YYYY-MM-DD"),
           whole_city: bool = typer.Option(False, help="开放全市数据（GZ-21 例外）"),
           share: bool = typer.Option(None, "--share/--no-share", help="协调或领导小组是否决定共享"),
           token: str = TOKEN):
    """Take a step on a request (grant, refuse, dispute, coordinate, refer, supply, withdraw …)."""
    if action in GOVERNMENT_STEPS and not token:
        fail(Forbidden("政府的决定须由政府审批人在控制台、通过接口或以政府的令牌作出，运维人员不能代为决定"))
    inputs = {"reasons": reasons, "legal_basis": legal_basis, "narrowing": narrowing,
              "outcome": outcome, "decision": decision, "items": item or None,
              "valid_until": _date(valid_until, "valid_until") if valid_until else None,
              "whole_city": whole_city or None, "share": share}

    def work(session, actor):
        request = request_service.act_on_request(session, actor, request_id, action, inputs)
        return request, queue_service.request_row(session, actor, request), \
            grant_service.grant_of_request(session, actor, request.id)

    request, row, grant = _run(token, work)
    console.print(f"共享申请 #{request.id}：{ACTION_LABELS[action]}，当前状态“{row.status_label}”")
    if row.due_date:
        console.print(f"期限：{_deadline(row)}")
    if grant is not None:
        console.print(f"授权 #{grant.id}：{GrantStatus(grant.status).label}")


# --- grants ----------------------------------------------------------------------------------

@grants_app.command("list")
def list_grants(side: str = typer.Option(None, help="held、given、all；缺省：运维人员 all，机关 held"),
                status: str = typer.Option(None, help="active、pending_agreement、revoked、expired"),
                limit: int = typer.Option(50, help="最多显示的条数"), token: str = TOKEN):
    """List grants with their holder, validity and status."""
    if status and status not in set(GrantStatus):
        _choice("status", [s.value for s in GrantStatus])

    def work(session, actor):
        page = grant_service.list_grants(session, actor, PageRequest(limit, 0),
                                         side=side or ("held" if actor.agency_id else "all"),
                                         status=status or None)
        ids = [i for g in page.items for i in (g.grantee_agency_id, g.provider_agency_id)]
        return page, _names(session, actor, *ids)

    page, names = _run(token, work)
    table = Table(title=f"授权（共 {page.total} 项）")
    for col in ("编号", "资源", "被授权机关", "提供机关", "有效期", "区划", "状态"):
        table.add_column(col)
    for g in page.items:
        table.add_row(str(g.id), g.resource_name, names[g.grantee_agency_id],
                      names[g.provider_agency_id],
                      f"{g.valid_from.isoformat()} 至 {g.valid_until.isoformat()}",
                      g.division_code or "—", GrantStatus(g.status).label)
    console.print(table)


@grants_app.command("revoke")
def revoke_grant(grant_id: int = typer.Argument(..., help="授权编号"),
                 reasons: str = typer.Option(..., help="撤销理由（必填）"), token: str = TOKEN):
    """Revoke a grant with written reasons."""
    grant = _run(token, lambda session, actor: grant_service.revoke_grant(session, actor, grant_id,
                                                                         reasons))
    console.print(f"授权 #{grant.id}（{grant.resource_name}）已撤销：{grant.revoke_reasons}")
