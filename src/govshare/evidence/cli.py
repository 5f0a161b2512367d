"""Evidence at the server's console: `govshare keys list|create|rotate`, `govshare audit verify`
(the chain and its signed checkpoints), `govshare audit checkpoint` (sign a tree head now) and
`govshare verify FILE` (an evidence file, offline: no database, no platform)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from govshare.config import Settings, get_settings
from govshare.db import unit_of_work
from govshare.evidence import (
    checkpoints,
    evidence_service,
    keys_service,
    log_service,
    service,
    signing,
    tsa,
    verifier,
)
from govshare.evidence.keystore import PASSPHRASE_ENV, PLATFORM, KeyStore
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.clock import CHINA
from govshare.kit.errors import DomainError

keys_app = typer.Typer(help="签名密钥：平台密钥与各机关的电子印章密钥（加密保存，可轮换）",
                       no_args_is_help=True)
AGENCY_HELP = "机关编号或统一社会信用代码；不填则为平台密钥"
ALGORITHM_HELP = "sm2（SM2-SM3，默认取 GOVSHARE_SIGNING_ALGORITHM）或 ed25519"


def _time(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


@keys_app.command("list")
def keys_list():
    """Every key version: owner, algorithm, key id, validity (what /.well-known publishes)."""
    settings = get_settings()
    with unit_of_work(sessions(settings)) as session:
        published = keys_service.published_keys(session, KeyStore.for_settings(settings))
    if not published:
        console.print("尚无签名密钥：设置环境变量 GOVSHARE_KEY_PASSPHRASE 后运行 govshare keys create。")
        return
    table = Table(title="签名密钥（公钥均已公布）")
    for col in ("所有者", "算法", "密钥标识（SM3）", "生效", "停用", "状态"):
        table.add_column(col)
    for k in published:
        table.add_row(k.owner_label, k.key.algorithm, k.key.key_id, _time(k.key.valid_from),
                      _time(k.key.valid_until), "当前" if k.key.current else "已停用（仅供核验）")
    console.print(table)


def _change(rotate: bool, agency: str | None, algorithm: str | None) -> None:
    settings = get_settings()
    keys = KeyStore.for_settings(settings)
    try:
        with unit_of_work(sessions(settings)) as session:
            owner = keys_service.find_agency(session, operator(), agency) if agency else None
            if rotate:
                version = keys_service.rotate_key(session, operator(), keys, owner,
                                                  signing.algorithm_named(algorithm) if algorithm else None)
            else:
                version = keys_service.create_key(session, operator(), keys, owner, signing.algorithm_named(
                    algorithm or settings.signing_algorithm))
    except DomainError as exc:
        fail(exc)
    whose = f"机关 {owner.name}（编号 {owner.id}）的印章密钥" if owner else "平台密钥"
    console.print(f"{'已轮换' if rotate else '已创建'}{whose}：{version.algorithm}，标识 {version.key_id}",
                  soft_wrap=True)


@keys_app.command("create")
def keys_create(agency: str = typer.Option(None, "--agency", help=AGENCY_HELP),
                algorithm: str = typer.Option(None, "--algorithm", help=ALGORITHM_HELP)):
    """Create the platform key, or an agency's seal key (passphrase from GOVSHARE_KEY_PASSPHRASE)."""
    _change(False, agency, algorithm)


@keys_app.command("rotate")
def keys_rotate(agency: str = typer.Option(None, "--agency", help=AGENCY_HELP),
                algorithm: str = typer.Option(None, "--algorithm", help="新密钥的算法，默认与旧密钥相同")):
    """Replace a key: the old one's public key stays published, its private key is deleted."""
    _change(True, agency, algorithm)


def init_platform_key(settings: Settings) -> None:
    """`govshare init`: create the platform's signing key when the passphrase is set."""
    import os

    if not os.environ.get(PASSPHRASE_ENV):
        console.print(f"[yellow]未设置 {PASSPHRASE_ENV}：暂不创建平台签名密钥，"
                      "设置后运行 govshare keys create。[/yellow]")
        return
    try:
        with unit_of_work(sessions(settings)) as session:
            version, created = keys_service.ensure_platform_key(
                session, operator(), KeyStore.for_settings(settings),
                signing.algorithm_named(settings.signing_algorithm))
    except DomainError as exc:
        fail(exc)
    console.print(f"{'已创建' if created else '已有'}平台签名密钥：{version.algorithm}，"
                  f"标识 {version.key_id}", soft_wrap=True)


def audit_verify() -> None:
    """Check the audit chain and its signed checkpoints; exit 1 naming the first bad position."""
    settings = get_settings()
    store = KeyStore.for_settings(settings)
    platform_keys = store.public_keys(PLATFORM) if PLATFORM in store.names() else []
    with unit_of_work(sessions(settings)) as session:
        report = service.verify_chain(session, operator())
        signed = checkpoints.verify(session, platform_keys, report)
    # soft_wrap: the position must stay on one line for whoever greps the output.
    for ok, summary in ((report.ok, report.summary), (signed.ok, signed.summary)):
        colour = "green" if ok else "red"
        console.print(f"[{colour}]{summary}[/{colour}]", soft_wrap=True)
    if not (report.ok and signed.ok):
        raise typer.Exit(1)


def audit_checkpoint(force: bool = typer.Option(False, "--force", help="没有新记录也签发（刷新时间）")):
    """Sign a tree head now, checkpointing the audit chain; time-stamp it if a TSA is set."""
    settings = get_settings()
    try:
        signer = KeyStore.for_settings(settings).signer(PLATFORM)
        with unit_of_work(sessions(settings)) as session:
            head = log_service.issue_tree_head(session, signer, force=force)
            signed = (head.id, log_service.signed_head(head)) if head else None
        if signed is None:
            console.print("自上一个树头以来没有新记录，未签发（要刷新时间请加 --force）。")
            return
        console.print(f"已签发树头：收据日志前 {signed[1].tree_size} 条，"
                      f"根哈希 {signed[1].root_hash.hex()}", soft_wrap=True)
        if settings.tsa_url:
            token = tsa.request_token(signed[1].signed_bytes(), settings.tsa_url)
            with unit_of_work(sessions(settings)) as session:
                stamp = log_service.record_timestamp(session, signed[0], settings.tsa_url, token)
            console.print(f"时间戳服务 {settings.tsa_url} 已盖时间戳：{_time(stamp.gen_time)}")
    except DomainError as exc:
        fail(exc)


def register_audit(audit_app: typer.Typer) -> None:
    """`govshare audit checkpoint` and `govshare audit evidence`, beside `audit verify`."""
    audit_app.command("checkpoint")(audit_checkpoint)
    audit_app.command("evidence")(audit_evidence)
    from govshare.evidence import cli_snapshots  # it builds on this module's helpers

    audit_app.command("snapshot")(cli_snapshots.audit_snapshot)
    audit_app.command("search")(cli_snapshots.audit_search)


MARKS = {verifier.OK: "[green]✔ 成立[/green]", verifier.FAIL: "[red]✘ 不成立[/red]",
         verifier.NOTE: "[yellow]ℹ 提示[/yellow]"}


KEYS_HELP = "受信任的公钥清单：事先保存的 /.well-known/govshare-keys.json"


def verify_file(file: Path = typer.Argument(..., help="证据文件（JSON）"),
                keys: Path = typer.Option(None, "--keys", help=KEYS_HELP)):
    """Check an evidence file offline: what holds and what failed (exit 1 if anything failed)."""
    verdict = verifier.verify_file(file, keys)
    for finding in verdict.findings:
        console.print(f"{MARKS[finding.status]} {finding.part}：{finding.message}", soft_wrap=True)
    colour = "green" if verdict.ok else "red"
    console.print(f"[{colour}]{verdict.summary}[/{colour}]", soft_wrap=True)
    if not verdict.ok:
        raise typer.Exit(1)


def save_json(document: dict, path: Path) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def audit_evidence(leaf_index: int = typer.Argument(None,
                                                    help="收据日志序号；不填则为最近一个已签名的检查点"),
                   out: Path = typer.Option(Path("evidence.json"), "--out", help="写入的证据文件")):
    """Write the evidence file of an audit-chain checkpoint (for `govshare verify` or openssl)."""
    settings = get_settings()
    try:
        with unit_of_work(sessions(settings)) as session:
            index = leaf_index if leaf_index is not None else log_service.latest_checkpoint(session)
            document = evidence_service.checkpoint_evidence(session, operator(),
                                                            KeyStore.for_settings(settings), index)
    except DomainError as exc:
        fail(exc)
    save_json(document, out)
    console.print(f"已写入 {out}：收据日志第 {index} 条（审计链检查点）的证据文件；"
                  f"用 govshare verify {out} 核对。", soft_wrap=True)
