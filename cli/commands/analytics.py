"""``orders query``: the analytics module's named queries, on Athena or locally on DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.options import Json, Profile, Region, Workgroup, stack_config


def query(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Named query: a file stem of the package's cli/queries/*.sql.",
            show_default=False,
        ),
    ],
    *,
    local: Annotated[
        Path | None,
        typer.Option(
            "--local",
            file_okay=False,
            help="Run on DuckDB over DIR/input and DIR/output (orders demo --keep DIR) "
            "instead of Athena.",
            show_default=False,
        ),
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    as_json: Json = False,
    athena_workgroup: Workgroup = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for Athena.")
    ] = 300,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Run a named analytics query on Athena (or locally on DuckDB with --local DIR)."""
    from cli import query as queries

    if as_csv and as_json:
        raise typer.BadParameter("choose one of --csv and --json", param_hint="'--csv'")
    if local is not None:
        result = queries.run_local(name, local)
    else:
        queries.load_sql(name)  # an unknown name fails here, before AWS is asked
        cfg = stack_config(ctx, {"athena_workgroup"})
        result = queries.run_athena(
            cfg.aws.client("athena"),
            name,
            workgroup=cfg.require("athena_workgroup"),
            timeout=timeout,
        )
    render.query_result(name, result, "json" if as_json else "csv" if as_csv else "table")
