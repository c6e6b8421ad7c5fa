"""``orders``: run the analytics locally, make test data, deploy and drive the cloud stack.

This module is the table of contents: the app, its global options, and every
command in the order ``orders --help`` lists them. The commands live in
``cli.commands`` (one module per concern), print through ``cli.render`` and
fail through ``cli.errors`` (one line on stderr, exit 1; usage errors exit 2).
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.commands import analytics, demo, local, ops, stack
from cli.errors import OrdersGroup
from shared import __version__

app = typer.Typer(
    name="orders",
    cls=OrdersGroup,
    help="Order analytics: run the reports locally, generate data, drive the AWS pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        render.out.print(f"orders-pipeline {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="ORDERS_DEBUG",
            help="Show the full traceback of an unexpected error (env ORDERS_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Order analytics pipeline CLI."""


# Local: no AWS account needed.
app.command("run-local")(local.run_local)
app.command()(local.generate)
# The deployed pipeline.
app.command()(ops.upload)
app.command()(ops.tail)
app.command()(ops.status)
app.command()(ops.reprocess)
app.command()(ops.redrive)
# The stack itself.
app.command()(stack.deploy)
app.command()(stack.destroy)
# Analytics and the local pipeline.
app.command()(analytics.query)
app.command()(demo.demo)


if __name__ == "__main__":  # pragma: no cover
    app()
