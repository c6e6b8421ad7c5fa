"""``orders demo``: the whole event-driven pipeline on this machine, without an AWS account.

A moto server with the stack's wiring (``cli.moto_stack``: versioned buckets,
``s3:ObjectCreated:*`` with the ``.csv``/``.csv.gz`` suffix filters, the queue with its
DLQ and policies), the real handler in its own process as Lambda runs it
(``cli.local_lambda``) behind a local SQS trigger (``cli.sqs_trigger``), and every
file uploaded through ``orders upload``'s own code path (``cli.flows.upload_and_report``).

Everything lives in memory or in one temporary folder, removed at the end;
``--keep DIR`` copies both buckets (``DIR/input``, ``DIR/output``) and the handler's log
there first: the layout ``orders query NAME --local DIR`` reads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from cli.local_lambda import LambdaProcess
from cli.moto_stack import FAKE_CREDENTIALS, NOTIFICATION_SUFFIXES, MotoServer, create_pipeline
from cli.sqs_trigger import Invocation, LocalConsumer

if TYPE_CHECKING:
    from cli.flows import UploadReport

DEMO_REQUIREMENTS = {
    "moto": "moto[server]",
    "flask": "moto[server]",
    "aws_lambda_powertools": "aws-lambda-powertools",
}
# A failed message is back after this many seconds instead of the queue's 30 minutes.
RETRY_AFTER_SECONDS = 2
_SHOWN_LOG_FIELDS = ("object_key", "rows_read", "rows_valid", "rows_rejected", "error_type")


def missing_requirements() -> list[str]:
    """Distributions the demo needs beyond the CLI's own (the project's dev extra has them)."""
    missing = {dist for module, dist in DEMO_REQUIREMENTS.items() if not find_spec(module)}
    return sorted(missing)


def describe_invocation(invocation: Invocation) -> list[str]:
    """Lines (rich markup) telling what one invocation did, from its result and logs."""
    count = len(invocation.message_ids)
    failed = len(invocation.failed_ids)
    verdict = "[green]ok[/]" if not failed else f"[yellow]{failed} to retry[/]"
    lines = [f"[bold magenta]λ[/] invocation {invocation.number}: {count} message(s), {verdict}"]
    if invocation.error:
        lines.append(f"    [red]{escape(invocation.error)}[/]")
    for record in invocation.logs:
        if "level" not in record:  # EMF metrics, warnings, the runtime's error records: log only
            continue
        extras = " ".join(
            f"{name}={record[name]}" for name in _SHOWN_LOG_FIELDS if record.get(name) is not None
        )
        reason = record.get("reason")
        text = f"{record.get('message', '')}{f' ({reason})' if reason else ''} {extras}"
        style = "red" if record.get("level") in ("ERROR", "CRITICAL") else "dim"
        lines.append(f"    [{style}]{escape(text.strip())}[/]")
    return lines


def export_bucket(s3: Any, bucket: str, target: Path) -> int:
    """Copy every object of ``bucket`` under ``target`` (keys become paths)."""
    count = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))
            count += 1
    return count


def run_demo(
    console: Console,
    files: Sequence[Path],
    *,
    keep: Path | None = None,
    timeout: float = 60.0,
) -> list[UploadReport]:
    """Start the local stack, upload ``files`` through ``orders upload``'s flow, show reports.

    Returns what became of each file.
    """
    from cli.flows import upload_and_report

    uploads: list[UploadReport] = []
    with tempfile.TemporaryDirectory(prefix="orders-demo-") as tmp, MotoServer() as server:
        work = Path(tmp)
        aws = server.aws
        s3, sqs = aws.client("s3"), aws.client("sqs")
        with console.status("creating buckets, queue, DLQ and the notification"):
            res = create_pipeline(s3, sqs)
        function, source = res.function(), res.event_source()
        console.print(
            f"[bold]moto[/] on {server.endpoint}: s3://{res.input_bucket} "
            f"--(s3:ObjectCreated:*, {' | '.join(NOTIFICATION_SUFFIXES)})--> "
            f"queue {res.queue_url.rsplit('/', 1)[-1]} (DLQ after {source.max_receive_count} "
            f"receives) --> λ {function.handler} (own process) --> s3://{res.output_bucket}",
            highlight=False,
        )

        def show(invocation: Invocation) -> None:  # one print: the upload's progress bar may run
            console.print("\n".join(describe_invocation(invocation)), highlight=False)

        log = work / "handler.log"
        runtime = LambdaProcess(
            function,
            endpoint=server.endpoint,
            credentials=FAKE_CREDENTIALS,
            work_dir=work / "lambda",
            log_path=log,
        )
        with console.status("starting the function (its imports: a Lambda cold start)"):
            runtime.start()
        with (
            runtime,
            LocalConsumer(
                sqs,
                source,
                runtime.invoke,
                retry_after_seconds=RETRY_AFTER_SECONDS,
                on_invocation=show,
            ),
        ):
            for path in files:
                uploads.append(
                    upload_and_report(
                        console,
                        s3,
                        input_bucket=res.input_bucket,
                        output_bucket=res.output_bucket,
                        path=path,
                        key=path.name,
                        wait=True,
                        timeout=timeout,
                        timeout_hint="The local consumer's lines above show what the "
                        "handler did; the DLQ holds messages that failed every retry.",
                    )
                )
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            inputs = export_bucket(s3, res.input_bucket, keep / "input")
            count = export_bucket(s3, res.output_bucket, keep / "output")
            (keep / "handler.log").write_bytes(log.read_bytes())
            console.print(
                escape(
                    f"kept {inputs} input and {count} output object(s) in {keep}/input and "
                    f"{keep}/output, the handler's log in {keep / 'handler.log'}; query them "
                    f"with: orders query NAME --local {keep}"
                ),
                highlight=False,
            )
    return uploads
