"""``orders run-local`` and ``orders generate``: the analytics on this machine, no AWS."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.options import Json


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _input_file(value: str) -> str:
    """``-`` (standard input) or an existing file; otherwise a usage error."""
    if value != "-" and not Path(value).is_file():
        raise typer.BadParameter(f"file {value!r} does not exist.")
    return value


def run_local(
    file: Annotated[
        str,
        typer.Argument(
            callback=_input_file,
            help="Order CSV (or gzip) file; - reads standard input.",
            show_default=False,
        ),
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Where to write the reports (default: reports/<file stem>/, or reports/stdin/).",
        ),
    ] = None,
    as_json: Json = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="How to print the result (--json).")
    ] = OutputFormat.table,
) -> None:
    """Compute the reports for FILE and write the four CSVs plus summary.json.

    The input limits are the Lambda's, from the same environment variables
    (MAX_INPUT_BYTES, MAX_DATA_BYTES, MAX_LINE_BYTES, ...; README "Resource limits").
    """
    from shared.aws.layout import key_stem
    from shared.core import pipeline, source
    from shared.core.limits import Limits

    limits = Limits.from_env()
    if file == "-":
        target = output_dir or Path("reports") / "stdin"
        blocks = source.read_blocks(sys.stdin.buffer)
        result = pipeline.run_stream(blocks, target, name="-", limits=limits)
    else:
        target = output_dir or Path("reports") / key_stem(Path(file).name)
        result = pipeline.run_file(Path(file), target, limits=limits)
    render.local_run(result, target, as_json or fmt is OutputFormat.json)


def generate(
    out: Annotated[Path, typer.Argument(dir_okay=False, help="File to write.")],
    *,
    rows: Annotated[int, typer.Option("--rows", "-n", min=0, help="Number of order lines.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 0,
    dirty_share: Annotated[
        float, typer.Option("--dirty-share", min=0.0, max=1.0, help="Share of rows to corrupt.")
    ] = 0.01,
    gzip: Annotated[bool, typer.Option("--gzip", help="Gzip the output.")] = False,
    as_json: Json = False,
) -> None:
    """Write deterministic synthetic orders in the brief's schema."""
    from shared.core.generate import generate_orders

    result = generate_orders(out, rows, seed=seed, dirty_share=dirty_share, compress=gzip)
    render.generated(result, as_json)
