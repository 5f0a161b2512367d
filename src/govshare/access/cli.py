"""`govshare access …`: requests, grants and agreements for operators. Commands live beside
their feature and are registered here."""

from __future__ import annotations

import typer

app = typer.Typer(help="获取与授权：共享申请、授权、保密协议、期限巡检", no_args_is_help=True)


def register() -> typer.Typer:
    from govshare.access import cli_agreements, cli_requests, cli_sweep

    cli_requests.register(app)
    cli_sweep.register(app)
    cli_agreements.register(app)
    return app
