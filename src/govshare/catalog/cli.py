"""`govshare catalog …`: the catalog for operators. Commands live beside their feature
(cli_versions.py, cli_io.py) and are registered here."""

from __future__ import annotations

import typer

app = typer.Typer(help="目录体系：共享目录版本、导入导出", no_args_is_help=True)


def register() -> typer.Typer:
    from govshare.catalog import cli_io, cli_versions

    cli_versions.register(app)
    cli_io.register(app)
    return app
