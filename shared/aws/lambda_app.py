"""The Lambda function's logic behind ``shared.aws.handler``: events in, outcomes logged.

Event flow. An SQS batch (the deployed wiring, S3 -> SQS -> Lambda) goes
through powertools' ``BatchProcessor``: each message is parsed and each object
in it processed; a message whose processing raised is reported in
``batchItemFailures`` so SQS retries only that one (and finally moves it to
the DLQ). A direct S3 notification or an EventBridge event is processed object
by object, and raises at the end if any object failed, so Lambda's own retry
applies. Every object is processed even when an earlier one failed.

Per object: keys that are not ``.csv``/``.csv.gz`` are logged and skipped;
``processor.process_object`` does the work; its ``Outcome`` becomes one log
line (the per-file summary) and the metrics. Log lines inside an object's
scope carry ``object_key`` and ``bucket`` (and ``message_id`` for SQS); the
handler's ``inject_lambda_context`` adds the request id to every line.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.config import Config

from shared.aws import events, layout, processor, records, telemetry, upload
from shared.aws.processor import Outcome, Settings, Status
from shared.aws.telemetry import logger

SKIPPED_NOT_CSV = "skipped_not_csv"
FAILED = "failed"
# Time kept back from the invocation's end for the uploads, the manifest or the error record.
DEADLINE_MARGIN_SECONDS = 20.0
DEADLINE_MARGIN_SHARE = 0.1


class ObjectsFailedError(RuntimeError):
    """Some objects of a message or event failed in a way worth retrying."""


@functools.cache
def s3_client() -> Any:
    """The S3 client, created once per container (connection reuse across invocations).

    Standard retry mode retries throttling and 5xx inside the call first; what
    still fails is retried by SQS. ``AWS_ENDPOINT_URL`` (moto in tests) is honoured.
    """
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=upload.TRANSFER_CONFIG.max_request_concurrency + 4,
    )
    return boto3.session.Session().client("s3", config=config)


def _log_outcome(outcome: Outcome, settings: Settings) -> None:
    if outcome.status is Status.PROCESSED:
        summary = outcome.summary
        logger.info(
            "file processed",
            extra={
                **records.summary(outcome.record),  # the manifest's own fields and values
                "version_id": outcome.ref.version_id,
                "output_prefix": f"s3://{settings.output_bucket}/{layout.REPORTS_PREFIX}",
                "output_keys": sorted(outcome.output_keys.values()),
                "manifest_key": outcome.record_key,
            },
        )
        telemetry.count(telemetry.FILES_PROCESSED)
        telemetry.count(telemetry.ROWS, int(summary.get("rows_read") or 0))
        telemetry.count(telemetry.REJECTED_ROWS, int(summary.get("rows_rejected") or 0))
        telemetry.seconds(telemetry.DURATION, outcome.duration_seconds)
    elif outcome.status in (Status.ALREADY_PROCESSED, Status.ALREADY_REJECTED):
        logger.info(
            "already handled: skipped (idempotent no-op)",
            extra={
                "status": outcome.status.value,
                "source_id": outcome.source_id,
                "record_key": outcome.record_key,
            },
        )
        telemetry.count(telemetry.FILES_SKIPPED)
    elif outcome.status is Status.REJECTED:
        logger.warning(
            "input file rejected: error record written",
            extra={
                "source_id": outcome.source_id,
                "error_type": outcome.error_type,
                "error_message": outcome.message,
                "error_record": outcome.record_key,
            },
        )
        telemetry.count(telemetry.FILES_FAILED)
    else:
        logger.warning("object ignored", extra={"reason": outcome.message})


class Clock:
    """The invocation's time: each object's ``Deadline``, from the context's remaining time."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.objects = 0  # objects started so far in this invocation

    def next_deadline(self) -> processor.Deadline | None:
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        self.objects += 1
        if remaining is None:
            return None
        seconds = remaining() / 1000
        margin = max(DEADLINE_MARGIN_SECONDS, DEADLINE_MARGIN_SHARE * seconds)
        return processor.Deadline(time.monotonic() + seconds - margin, final=self.objects == 1)


def process_notification(
    notification: events.Notification, settings: Settings, clock: Clock | None = None
) -> dict[str, int]:
    """Process every object of one notification; raise at the end if any failed.

    Returns how many objects ended in each status (for the SQS batch result
    and the direct-invocation response).
    """
    for note in notification.ignored:
        logger.info("notification acknowledged without work", extra={"reason": note})
    tally: Counter[str] = Counter()
    failed: list[str] = []
    for event in notification.objects:
        with logger.append_context_keys(bucket=event.ref.bucket, object_key=event.ref.key):
            if not layout.is_input_key(event.ref.key):
                logger.info("not an order file (.csv or .csv.gz): skipped")
                tally[SKIPPED_NOT_CSV] += 1
                continue
            try:
                deadline = clock.next_deadline() if clock else None
                outcome = processor.process_object(s3_client(), event, settings, deadline)
            except Exception:
                logger.exception("processing failed: will be retried")
                telemetry.count(telemetry.FILES_FAILED)
                tally[FAILED] += 1
                failed.append(event.ref.uri)
                continue
            _log_outcome(outcome, settings)
            tally[outcome.status.value] += 1
    if failed:
        raise ObjectsFailedError(f"{len(failed)} object(s) failed: {', '.join(failed)}")
    return dict(tally)


def handle_sqs(event: Mapping[str, Any], context: Any, settings: Settings) -> dict[str, Any]:
    """An SQS batch: per-message failures go to ``batchItemFailures``."""
    clock = Clock(context)
    batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> dict[str, int]:
        with logger.append_context_keys(message_id=record.message_id):
            try:
                notification = events.parse_body(record.body)
            except events.UnsupportedEventError:
                logger.exception("message is not an S3 notification: left to SQS (DLQ)")
                raise
            return process_notification(notification, settings, clock)

    response: dict[str, Any] = dict(
        process_partial_response(
            event=dict(event), record_handler=record_handler, processor=batch, context=context
        )
    )
    return response


def handle(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Entry point for any supported event shape (see the module docstring)."""
    settings = Settings.from_env()
    for path in processor.remove_stale_work_dirs(settings.work_dir):
        logger.warning(
            "removed a work folder left by an interrupted invocation", extra={"path": str(path)}
        )
    if events.is_sqs_event(event):
        return handle_sqs(event, context, settings)
    return process_notification(events.parse_notification(event), settings, Clock(context))
