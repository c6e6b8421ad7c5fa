"""``orders demo``: the whole event-driven pipeline on a local moto server, no AWS account."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.errors import Failure
from cli.options import Json

# The brief's sample, shipped inside the package (a link to assessment_assets/ in a checkout).
SAMPLE = resources.files("cli") / "data" / "sample_orders.csv"


def demo(
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            "-f",
            exists=True,
            dir_okay=False,
            readable=True,
            help="File to push through the pipeline, repeatable "
            "(default: assessment_assets/sample_orders.csv).",
            show_default=False,
        ),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            file_okay=False,
            help="Copy both buckets and the handler's log to this folder "
            "(then: orders query NAME --local DIR).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for each file.")
    ] = 60,
    as_json: Json = False,
) -> None:
    """Run the whole pipeline locally on moto (no AWS account): upload, process, show."""
    from cli.demo import missing_requirements, run_demo

    missing = missing_requirements()
    if missing:
        raise Failure(
            f"orders demo needs {', '.join(missing)}: pip install 'orders-pipeline[demo]' "
            "(in a checkout: make install)"
        )
    with resources.as_file(SAMPLE) as sample:
        uploads = run_demo(render.screen(as_json), files or [sample], keep=keep, timeout=timeout)
    if as_json:
        files_json = [render.upload_record(report) for report in uploads]
        render.json_document({"files": files_json, "kept": keep})
    raise typer.Exit(max((report.exit_code for report in uploads), default=0))
