"""Command flows shared by ``orders upload`` and ``orders demo``: logic from ``cli.cloud``,
rendering from ``cli.render``, so the demo uploads and waits exactly as the real command does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from cli import cloud, render

CLOUD_TIMEOUT_HINT = (
    "Check: the queue (`orders status`: messages waiting or in flight mean the function is "
    "slow or failing), the DLQ (`orders status`, then `orders redrive`: messages there failed "
    "every retry), and the function's logs (`aws logs tail {log_group} --follow`)."
)


def show_outcome(console: Console, s3: Any, output_bucket: str, outcome: cloud.Outcome) -> int:
    """Render a manifest's reports and summary (exit 0) or an error record (exit 1)."""
    if outcome.manifest is None:
        console.print(render.error_record_table(outcome.error or {}, outcome.record_key))
        return 1
    rows = cloud.fetch_reports(s3, output_bucket, outcome.manifest)
    render.print_reports(
        console,
        rows,
        cloud.manifest_summary(outcome.manifest),
        output=f"s3://{output_bucket}/{outcome.record_key}",
    )
    return 0


def upload_and_report(
    console: Console,
    err: Console,
    s3: Any,
    *,
    input_bucket: str,
    output_bucket: str | None,
    path: Path,
    key: str,
    wait: bool,
    timeout: float,
    timeout_hint: str,
) -> int:
    """Upload with a progress bar; with ``wait``, render what the pipeline made of it.

    Returns the exit code: 0 for reports, 1 for an error record or a timeout.
    """
    if not cloud.triggers_notification(key):
        message = (
            f"key {key!r} does not end with .csv or .csv.gz (S3 suffix filters are "
            "case-sensitive): the pipeline will not see it"
        )
        if wait:
            err.print(
                f"[bold red]error:[/] {escape(message)}; choose another --key", highlight=False
            )
            return 1
        err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)
    progress, task = render.upload_progress(console, f"upload {path.name}", path.stat().st_size)
    with progress:
        uploaded = cloud.upload_file(
            s3, input_bucket, path, key, callback=lambda n: progress.advance(task, n)
        )
    version = f" version {uploaded.ref.version_id}" if uploaded.ref.version_id else ""
    console.print(
        escape(
            f"uploaded s3://{input_bucket}/{key}{version} ({uploaded.size:,} bytes), "
            f"source id {uploaded.source_id}"
        ),
        highlight=False,
    )
    if not wait or output_bucket is None:
        return 0
    with console.status(f"waiting up to {timeout:g}s for the pipeline's manifest or error record"):
        outcome = cloud.wait_for_outcome(s3, output_bucket, uploaded.ref, timeout)
    if outcome is None:
        err.print(
            "[bold red]error:[/] "
            + escape(
                f"no manifest or error record for s3://{input_bucket}/{key} "
                f"after {timeout:g}s. {timeout_hint}"
            ),
            highlight=False,
        )
        return 1
    return show_outcome(console, s3, output_bucket, outcome)
