"""`govshare exchange file upload FILE --resource CODE --agency KEY`: upload a new version of a
file resource (共享平台·文件) for its provider agency, at the server's console; printed with its
version number and SM3 digest."""

from __future__ import annotations

from pathlib import Path

import typer

from govshare.catalog import io_service
from govshare.db import unit_of_work
from govshare.exchange import file_service
from govshare.exchange.cli import _on_behalf
from govshare.kit.cli import console, fail, operator, sessions
from govshare.kit.errors import DomainError

app = typer.Typer(help="文件资源：上传新版本", no_args_is_help=True)


@app.command("upload")
def upload(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="要上传的文件"),
           resource: str = typer.Option(..., "--resource", help="资源代码（共享方式为共享平台·文件）"),
           agency: str = typer.Option(..., "--agency", help="提供机关的统一社会信用代码或编号"),
           note: str = typer.Option("", "--note", help="本版说明")):
    """Upload FILE as the next version of RESOURCE, for the provider agency AGENCY."""
    try:
        data = file.read_bytes()
        with unit_of_work(sessions()) as session:
            provider = io_service.find_agency(session, operator(), agency)
            v = file_service.upload(session, _on_behalf(provider), resource, file.name, data, None, note)
            version, size, digest = v.version, v.size, v.sm3
    except DomainError as exc:
        fail(exc)
    console.print(f"已上传资源 {resource} 的第 {version} 版：{file.name}，{size} 字节，SM3 {digest}",
                  soft_wrap=True, highlight=False)
