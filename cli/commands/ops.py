"""``orders upload | tail | status | reprocess | redrive``: the deployed pipeline, day to day.

Every value (buckets, queues, profile, region) resolves as flag > environment
variable > ``terraform output`` of the stack (``cli.options.stack_config``).
The work is ``cli.cloud``'s; ``--json`` prints the same result for scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.errors import Failure
from cli.options import (
    DlqUrl,
    InputBucket,
    Json,
    OutputBucket,
    Profile,
    QueueUrl,
    Region,
    stack_config,
)


def upload(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Order CSV (or gzip)."),
    ],
    *,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", help="Object key; ending in / it is a prefix (default: the file name)."
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Wait for the pipeline and show the reports."),
    ] = True,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the result.")
    ] = 300,
    as_json: Json = False,
    input_bucket: InputBucket = None,
    output_bucket: OutputBucket = None,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Upload FILE to the input bucket, then wait for its reports (or error record)."""
    from cli import cloud
    from cli.flows import CLOUD_TIMEOUT_HINT, upload_and_report

    cfg = stack_config(ctx, {"input_bucket", "output_bucket"} if wait else {"input_bucket"})
    report = upload_and_report(
        render.screen(as_json),
        cfg.aws.client("s3"),
        input_bucket=cfg.require("input_bucket"),
        output_bucket=cfg.get("output_bucket"),
        path=file,
        key=cloud.default_key(file, key),
        wait=wait,
        timeout=timeout,
        timeout_hint=CLOUD_TIMEOUT_HINT.format(log_group=cfg.get("log_group") or "<log group>"),
    )
    if as_json:
        render.json_document(render.upload_record(report))
    raise typer.Exit(report.exit_code)


def tail(
    ctx: typer.Context,
    *,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Keep watching (Ctrl-C stops).")
    ] = True,
    since: Annotated[
        str, typer.Option("--since", help="Also show objects written this long ago (30s, 10m, 2h).")
    ] = "10m",
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between polls.")
    ] = 3.0,
    as_json: Json = False,
    output_bucket: OutputBucket = None,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Print new manifests, reports and error records of the output bucket, one line each."""
    from cli import cloud

    cfg = stack_config(ctx, {"output_bucket"})
    bucket = cfg.require("output_bucket")
    window = cloud.parse_duration(since)
    events = cloud.tail_events(
        cfg.aws.client("s3"), bucket, since=window, follow=follow, interval=interval
    )
    if follow:
        render.note(f"watching s3://{bucket}/ (Ctrl-C to stop)")
    try:
        for event in events:
            render.tail_event(event, as_json)
    except KeyboardInterrupt:
        render.note("stopped")


def status(
    ctx: typer.Context,
    *,
    last: Annotated[
        int, typer.Option("--last", "-n", min=0, help="How many inputs and errors to list.")
    ] = 5,
    as_json: Json = False,
    output_bucket: OutputBucket = None,
    queue_url: QueueUrl = None,
    dlq_url: DlqUrl = None,
    input_bucket: InputBucket = None,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Stack settings, queue and DLQ depth, the last processed inputs and the last errors."""
    from cli import cloud

    cfg = stack_config(ctx, {"output_bucket", "queue_url", "dlq_url"})
    if not as_json:
        render.settings(cfg)
    info = cloud.stack_status(
        cfg.aws.client("s3"),
        cfg.aws.client("sqs"),
        output_bucket=cfg.require("output_bucket"),
        queue_url=cfg.require("queue_url"),
        dlq_url=cfg.require("dlq_url"),
        last=last,
    )
    if as_json:
        render.json_document(render.status_record(cfg, info))
    else:
        render.status(info)


def reprocess(
    ctx: typer.Context,
    keys: Annotated[list[str], typer.Argument(help="Input object key(s) to process again.")],
    *,
    new_version: Annotated[
        bool,
        typer.Option(
            "--new-version",
            help="For inputs already processed (or rejected): copy the object onto itself so "
            "the pipeline processes the new version (versioned bucket).",
        ),
    ] = False,
    as_json: Json = False,
    input_bucket: InputBucket = None,
    output_bucket: OutputBucket = None,
    queue_url: QueueUrl = None,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Send input objects through the pipeline again (notification-shaped queue messages)."""
    from cli import cloud

    cfg = stack_config(ctx, {"input_bucket", "output_bucket", "queue_url"})
    bucket = cfg.require("input_bucket")
    s3 = cfg.aws.client("s3")
    results = cloud.reprocess(
        s3,
        cfg.aws.client("sqs"),
        input_bucket=bucket,
        output_bucket=cfg.require("output_bucket"),
        queue_url=cfg.require("queue_url"),
        keys=keys,
        new_version=new_version,
        region=s3.meta.region_name,
    )
    if as_json:
        render.json_document(results)
    else:
        render.reprocessed(bucket, results)
    missing = [item.detail for item in results if item.status == "missing"]
    if missing:
        raise Failure("; ".join(missing))


def redrive(
    ctx: typer.Context,
    *,
    rate: Annotated[
        int | None,
        typer.Option(
            "--rate",
            min=1,
            max=500,
            help="Move at most this many messages per second (default: as fast as SQS goes).",
        ),
    ] = None,
    as_json: Json = False,
    queue_url: QueueUrl = None,
    dlq_url: DlqUrl = None,
    profile: Profile = None,
    region: Region = None,
) -> None:
    """Move the dead-letter queue's messages back to the queue (an SQS move task)."""
    from cli import cloud

    cfg = stack_config(ctx, {"queue_url", "dlq_url"})
    result = cloud.redrive(
        cfg.aws.client("sqs"),
        dlq_url=cfg.require("dlq_url"),
        queue_url=cfg.require("queue_url"),
        rate=rate,
        progress=render.move_progress,
    )
    if as_json:
        render.json_document(result)
    else:
        render.redriven(result)
    if result.failed:
        raise Failure(f"the move task was cancelled; {result.failed} message(s) stay in the DLQ")
