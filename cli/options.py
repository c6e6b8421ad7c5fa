"""Options several commands share, each defined once.

The stack's settings (buckets, queues, Athena workgroup, profile, region) are
described once in ``cli.config.SETTINGS``: flag, environment variables and
Terraform output. The option types below derive their help from there. A
command declares the settings it takes as parameters named after them (so
``ctx.params`` holds them) and calls ``stack_config(ctx, needs)``, which
resolves every declared setting as flag > environment > ``terraform output``.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.config import SETTINGS

if TYPE_CHECKING:
    from cli.config import Config


def _setting(name: str) -> Any:
    setting = SETTINGS[name]
    where = f"env {' / '.join(setting.env)}"
    if setting.output:
        where += f"; else terraform output {setting.output}"
    label = setting.label[0].upper() + setting.label[1:]
    return typer.Option(setting.flag, help=f"{label} ({where}).", show_default=False)


InputBucket = Annotated[str | None, _setting("input_bucket")]
OutputBucket = Annotated[str | None, _setting("output_bucket")]
QueueUrl = Annotated[str | None, _setting("queue_url")]
DlqUrl = Annotated[str | None, _setting("dlq_url")]
Workgroup = Annotated[str | None, _setting("athena_workgroup")]
Profile = Annotated[str | None, _setting("profile")]
Region = Annotated[str | None, _setting("region")]

Json = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (for scripts) instead of tables.")
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print every command; run nothing, change nothing.")
]
VarFile = Annotated[
    Path | None,
    typer.Option(
        "--var-file",
        dir_okay=False,
        help="Terraform variables file (default: terraform/assignment/vars.tfvars).",
        show_default=False,
    ),
]
StackRegion = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="The stack's region (-var region_name=...; default: vars.tfvars).",
        show_default=False,
    ),
]
ProjectDir = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        file_okay=False,
        help="The orders-pipeline checkout with the Dockerfile and terraform/ "
        "(env ORDERS_PROJECT_DIR; else the current directory).",
        show_default=False,
    ),
]


def stack_config(ctx: typer.Context, needs: Collection[str]) -> Config:
    """The stack's settings for this command (``cli.config.resolve``); the flags are the
    command's own parameters named after the settings."""
    from cli.config import resolve

    flags = {name: ctx.params.get(name) for name in SETTINGS}
    return resolve(flags, needs)
