"""`govshare access agreements list | show ID`: the confidentiality agreements on file (GD-34)
for the operator, who reads them with the platform's authority. Filing and terminating are done
by the parties in the console or through the API, where the signed document is uploaded."""

from __future__ import annotations

import typer
from rich.table import Table

from govshare.access import agreement_checks as checks
from govshare.access import agreement_service
from govshare.access.rules import GrantStatus
from govshare.db import unit_of_work
from govshare.directory import service as directory_service
from govshare.kit import clock
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError
from govshare.kit.pages import cn_date
from govshare.kit.pagination import PageRequest

app = typer.Typer(help="保密协议（GD-34）：查看已备案的协议", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    """Add `agreements` to `govshare access`."""
    parent.add_typer(app, name="agreements")


def _kinds(kinds) -> str:
    return "、".join(checks.KIND_LABELS.get(k, k) for k in kinds)


@app.command("list")
def list_agreements(status: str = typer.Option("", help="按状态筛选：in_force、terminated、expired"),
                    agency: int = typer.Option(None, help="只列出该机关（编号）为一方的协议"),
                    limit: int = typer.Option(50, help="最多显示的条数")):
    """List the agreements on file, newest first."""
    try:
        with unit_of_work(sessions()) as session:
            page = agreement_service.list_agreements(session, operator(), PageRequest(limit, 0),
                                                     status=status or None, agency_id=agency)
            ids = {i for a in page.items for i in (a.provider_agency_id, a.consumer_agency_id)}
            names = directory_service.agency_names(session, operator(), ids)
    except DomainError as exc:
        fail(exc)
    table = Table(title=f"保密协议（共 {page.total} 份）")
    for col in ("编号", "提供机关", "需求机关", "资源范围", "涉及", "期限", "状态"):
        table.add_column(col)
    for a in page.items:
        table.add_row(str(a.id), names[a.provider_agency_id], names[a.consumer_agency_id],
                      "、".join(a.resource_codes) or "全部资源", _kinds(a.sensitivities),
                      f"{a.valid_from.isoformat()} 至 {a.valid_until.isoformat()}",
                      checks.STATUS_LABELS[a.status])
    console.print(table)


@app.command("show")
def show_agreement(agreement_id: int = typer.Argument(..., help="协议编号")):
    """Show one agreement: parties, scope, term, document digest and the grants it covers."""
    try:
        with unit_of_work(sessions()) as session:
            actor = operator()
            a = agreement_service.get_agreement(session, actor, agreement_id)
            names = directory_service.agency_names(session, actor, (a.provider_agency_id,
                                                                    a.consumer_agency_id))
            grants = agreement_service.grants_covered(session, actor, a, clock.today())
            ended = agreement_service.termination_of(session, actor, a)
            size = agreement_service.document_size(session, actor, agreement_id)
    except DomainError as exc:
        fail(exc)
    number, filed_on = checks.filing_parts(a.secrecy_filing)
    console.print(f"保密协议 #{a.id}（{checks.STATUS_LABELS[a.status]}）")
    for label, value in (
            ("提供机关", names[a.provider_agency_id]), ("需求机关", names[a.consumer_agency_id]),
            ("资源范围", "、".join(a.resource_codes) or "提供机关的全部资源"), ("保密范围", a.scope),
            ("涉及", _kinds(a.sensitivities)), ("签署日期", cn_date(a.signed_date)),
            ("协议期限", f"{cn_date(a.valid_from)} 至 {cn_date(a.valid_until)}"),
            ("保密部门备案", f"{number}（{cn_date(filed_on)}）" if number else "—"),
            ("协议文本", f"{a.document_name}，{size} 字节，SM3 {a.document_sm3}"),
            ("备案人", f"{a.filed_by}，{cn_date(a.filed_at)}")):
        console.print(f"  {label}：{value}", highlight=False)
    if ended:
        console.print(f"  终止：{ended.by}，{cn_date(ended.at)}；理由：{ended.reasons}", highlight=False)
    for grant, covered in grants:
        console.print(f"  授权 #{grant.id} {grant.resource_name}（{'、'.join(grant.sensitive_items)}）："
                      f"{GrantStatus(grant.status).label}，今日{'' if covered else '不'}由本协议覆盖",
                      highlight=False)
    if not grants:
        console.print("  本协议范围内没有涉及秘密的授权。")
