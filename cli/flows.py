"""``orders upload``'s flow, shared with ``orders demo``: upload, wait, fetch the result.

Logic from ``cli.cloud``, output from ``cli.render`` (to the console it is
given: a quiet one under ``--json``), so the demo uploads and waits exactly as
the real command does. The result is an ``UploadReport``; a problem with the
file (a key the notification ignores, no result in time) is printed as an
error line and reported, not raised, so the demo goes on with its next file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from cli import cloud, render

CLOUD_TIMEOUT_HINT = (
    "Check: the queue (`orders status`: messages waiting or in flight mean the function is "
    "slow or failing), the DLQ (`orders status`, then `orders redrive`: messages there failed "
    "every retry), and the function's logs (`aws logs tail {log_group} --follow`)."
)


@dataclass
class UploadReport:
    """What became of one file: ``status`` is ``refused`` (the key), ``uploaded`` (not
    waited for), ``processed``, ``rejected`` (an error record) or ``timeout``."""

    bucket: str
    key: str
    status: str = "refused"
    uploaded: cloud.Uploaded | None = None
    outcome: cloud.Outcome | None = None
    reports: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    problem: str = ""

    @property
    def exit_code(self) -> int:
        return 0 if self.status in ("uploaded", "processed") else 1


def upload_and_report(
    console: Console,
    s3: Any,
    *,
    input_bucket: str,
    output_bucket: str | None,
    path: Path,
    key: str,
    wait: bool,
    timeout: float,
    timeout_hint: str,
) -> UploadReport:
    """Upload with a progress bar; with ``wait``, show what the pipeline made of it."""
    report = UploadReport(input_bucket, key)
    if not cloud.triggers_notification(key):
        problem = (
            f"key {key!r} does not end with .csv or .csv.gz (S3 suffix filters are "
            "case-sensitive): the pipeline will not see it"
        )
        if wait:
            report.problem = f"{problem}; choose another --key"
            render.error(report.problem)
            return report
        render.warning(problem)
    with render.upload_progress(console, path) as advance:
        report.uploaded = cloud.upload_file(s3, input_bucket, path, key, callback=advance)
    report.status = "uploaded"
    render.uploaded(console, input_bucket, report.uploaded)
    if not wait or output_bucket is None:
        return report
    with console.status(f"waiting up to {timeout:g}s for the pipeline's manifest or error record"):
        report.outcome = cloud.wait_for_outcome(s3, output_bucket, report.uploaded.ref, timeout)
    if report.outcome is None:
        report.status = "timeout"
        report.problem = (
            f"no manifest or error record for s3://{input_bucket}/{key} after {timeout:g}s. "
            f"{timeout_hint}"
        )
        render.error(report.problem)
        return report
    if report.outcome.manifest is None:
        report.status = "rejected"
    else:
        report.status = "processed"
        report.reports = cloud.fetch_reports(s3, output_bucket, report.outcome.manifest)
    render.outcome(console, output_bucket, report)
    return report
