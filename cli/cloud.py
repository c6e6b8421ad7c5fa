"""The pipeline's buckets and queues seen from a developer's machine (boto3, no rendering).

``upload_file`` + ``wait_for_outcome`` are ``orders upload`` (and the demo's
upload path); ``tail_events``, ``stack_status``, ``reprocess`` and ``redrive``
back the commands of the same names. Every function takes its clients from
an ``AwsTarget`` so the same code runs against AWS, moto or the demo.

How a result is found: an input object's identity (bucket, key, version id
or ETag, from ``HeadObject`` after the upload) gives its ``source_id``
(``shared.aws.layout``), hence the exact keys of its manifest and error record.
The manifest is written last, so once it exists every report is in place.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from shared.aws import layout
from shared.aws.layout import ObjectRef
from shared.core import reports

MiB = 1 << 20
UPLOAD_MARKER = "orders-upload-id"  # user metadata: tells our upload from a concurrent one
NOTIFICATION_SUFFIXES = layout.INPUT_SUFFIXES  # what the bucket notification filters on
REPROCESS_CONFIGURATION_ID = "orders-cli-reprocess"
_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
# Without s3:ListBucket, S3 answers 403 for a key that does not exist (yet).
_NOT_READABLE_YET = _ABSENT | {"403", "AccessDenied"}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_sleep = time.sleep  # tests replace this to drive ``tail --follow`` without waiting


class CloudError(Exception):
    """Something the user must fix or check; the message is one line."""


@dataclass(frozen=True)
class Uploaded:
    """An object we uploaded, as S3 identifies it."""

    ref: ObjectRef
    size: int

    @property
    def source_id(self) -> str:
        return layout.source_id(self.ref)


@dataclass(frozen=True)
class Outcome:
    """What the pipeline recorded for one input: its manifest, or its error record."""

    ref: ObjectRef
    source_id: str
    manifest: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    record_key: str = ""

    @property
    def ok(self) -> bool:
        return self.manifest is not None


def parse_duration(text: str) -> timedelta:
    """``90s``, ``10m``, ``1h30m``, ``2d`` -> timedelta; ``0`` means now."""
    cleaned = text.strip().lower()
    if cleaned in {"0", "now"}:
        return timedelta(0)
    parts = _DURATION_RE.findall(cleaned)
    if not parts or _DURATION_RE.sub("", cleaned).strip():
        raise CloudError(f"bad duration {text!r}: use e.g. 30s, 10m, 2h, 1h30m, 1d")
    return timedelta(seconds=sum(float(n) * _UNITS[unit] for n, unit in parts))


def default_key(path: Path, key: str | None) -> str:
    """The object key: ``--key`` (a trailing ``/`` is a prefix for the file name) or the name."""
    if not key:
        return path.name
    return f"{key}{path.name}" if key.endswith("/") else key


def triggers_notification(key: str) -> bool:
    """S3 suffix filters are case-sensitive: only ``.csv`` / ``.csv.gz`` fire the pipeline."""
    return key.endswith(NOTIFICATION_SUFFIXES)


def _content_type(key: str) -> str:
    return "application/gzip" if key.lower().endswith(".gz") else "text/csv"


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def head_ref(s3: Any, bucket: str, key: str) -> tuple[ObjectRef, int, dict[str, str]]:
    """``HeadObject``: the identity the handler will compute, the size, the user metadata."""
    head = s3.head_object(Bucket=bucket, Key=key)
    ref = ObjectRef(
        bucket=bucket,
        key=key,
        version_id=head.get("VersionId") or None,
        etag=str(head.get("ETag", "")).strip('"') or None,
    )
    return ref, int(head["ContentLength"]), dict(head.get("Metadata") or {})


def upload_file(
    s3: Any,
    bucket: str,
    path: Path,
    key: str,
    *,
    callback: Callable[[int], None] | None = None,
) -> Uploaded:
    """Managed (multipart above 16 MiB, 8 threads) upload; returns the stored identity.

    ``callback`` receives byte counts from the transfer threads (rich's
    progress is thread-safe). A marker in the object's metadata tells our
    upload from a concurrent upload of the same key.
    """
    from boto3.s3.transfer import TransferConfig

    marker = uuid.uuid4().hex
    config = TransferConfig(
        multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB, max_concurrency=8
    )
    s3.upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"ContentType": _content_type(key), "Metadata": {UPLOAD_MARKER: marker}},
        Callback=callback,
        Config=config,
    )
    ref, size, metadata = head_ref(s3, bucket, key)
    if metadata.get(UPLOAD_MARKER) != marker:
        raise CloudError(
            f"s3://{bucket}/{key} was overwritten by another upload while this one finished"
        )
    return Uploaded(ref=ref, size=size)


def _get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON object at ``key``, or None when it does not exist (yet)."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if _error_code(exc) in _NOT_READABLE_YET:
            return None
        raise
    data = json.loads(body)
    return data if isinstance(data, dict) else None


def find_outcome(s3: Any, output_bucket: str, ref: ObjectRef) -> Outcome | None:
    """The manifest or error record of ``ref`` if the pipeline wrote one."""
    sid = layout.source_id(ref)
    manifest_key = layout.manifest_key(sid)
    manifest = _get_json(s3, output_bucket, manifest_key)
    if manifest is not None:
        return Outcome(ref, sid, manifest=manifest, record_key=manifest_key)
    error_key = layout.error_key(sid)
    error = _get_json(s3, output_bucket, error_key)
    if error is not None:
        return Outcome(ref, sid, error=error, record_key=error_key)
    return None


def wait_for_outcome(
    s3: Any,
    output_bucket: str,
    ref: ObjectRef,
    timeout: float,
    *,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome | None:
    """Poll for the manifest or error record until ``timeout`` seconds; None on timeout.

    The interval grows from ``interval`` (x1.5 per poll) to 5 s: a small file is done in a
    second or two, a large one takes minutes.
    """
    deadline = clock() + timeout
    delay = interval
    while True:
        outcome = find_outcome(s3, output_bucket, ref)
        if outcome is not None:
            return outcome
        remaining = deadline - clock()
        if remaining <= 0:
            return None
        sleep(min(delay, remaining))
        delay = min(delay * 1.5, 5.0)


def parse_report_csv(data: bytes) -> list[tuple[str, ...]]:
    """Rows of a report CSV without its header."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return [tuple(row) for row in rows[1:]]


def fetch_reports(
    s3: Any, output_bucket: str, manifest: dict[str, Any]
) -> dict[str, list[tuple[str, ...]]]:
    """The three analytics reports a manifest points to, as rows."""
    outputs = manifest.get("outputs") or {}
    rows: dict[str, list[tuple[str, ...]]] = {}
    for name in reports.ANALYTICS_REPORTS:
        key = outputs.get(name)
        if key:
            body = s3.get_object(Bucket=output_bucket, Key=key)["Body"].read()
            rows[name] = parse_report_csv(body)
    return rows


def manifest_summary(manifest: dict[str, Any]) -> dict[str, object]:
    """The part of a manifest worth a table: counts, rejects per reason, timing."""
    keys = (
        "source_id",
        "rows_read",
        "rows_valid",
        "rows_rejected",
        "rows_skipped_blank",
        "rejects_by_reason",
        "duration_seconds",
        "code_version",
        "processed_at",
    )
    return {k: manifest[k] for k in keys if k in manifest}


# --- listing the output bucket -----------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One object of a listing."""

    key: str
    last_modified: datetime
    size: int


def list_prefix(s3: Any, bucket: str, prefix: str) -> Iterator[Listed]:
    """Every object under ``prefix`` (paginated ``ListObjectsV2``)."""
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield Listed(item["Key"], item["LastModified"], int(item.get("Size", 0)))


def latest(s3: Any, bucket: str, prefix: str, count: int) -> list[Listed]:
    """The ``count`` most recently written objects under ``prefix``, newest first."""
    items = sorted(list_prefix(s3, bucket, prefix), key=lambda i: i.last_modified, reverse=True)
    return items[:count]


@dataclass(frozen=True)
class TailEvent:
    """A new object in the output bucket, described for one line of ``orders tail``."""

    kind: str  # "report", "manifest" or "error"
    key: str
    last_modified: datetime
    size: int
    detail: str


_TAIL_ORDER = {"report": 0, "error": 1, "manifest": 2}


def _kind(key: str) -> str | None:
    for prefix, kind in (
        (layout.REPORTS_PREFIX, "report"),
        (layout.MANIFESTS_PREFIX, "manifest"),
        (layout.ERRORS_PREFIX, "error"),
    ):
        if key.startswith(prefix):
            return kind
    return None


def describe_object(s3: Any, bucket: str, item: Listed) -> TailEvent:
    """A tail line's content: manifests and error records are read for their gist."""
    kind = _kind(item.key) or "object"
    detail = ""
    if kind == "report":
        detail = f"{item.size:,} bytes"
    elif kind in ("manifest", "error"):
        record = _get_json(s3, bucket, item.key) or {}
        source = record.get("input") or {}
        where = f"s3://{source.get('bucket')}/{source.get('key')}"
        if kind == "manifest":
            detail = (
                f"{where} rows={record.get('rows_read')} valid={record.get('rows_valid')} "
                f"rejected={record.get('rows_rejected')} {record.get('duration_seconds')}s"
            )
        else:
            detail = f"{where} {record.get('error_type')}: {record.get('message')}"
    return TailEvent(kind, item.key, item.last_modified, item.size, detail)


def poll_new_objects(
    s3: Any, bucket: str, since: datetime, seen: dict[str, datetime]
) -> list[TailEvent]:
    """Objects under the three output prefixes written at or after ``since`` and not in
    ``seen`` (or rewritten since), oldest first; ``seen`` is updated."""
    fresh: list[Listed] = []
    for prefix in layout.OUTPUT_PREFIXES:
        for item in list_prefix(s3, bucket, prefix):
            if item.last_modified >= since and seen.get(item.key) != item.last_modified:
                seen[item.key] = item.last_modified
                fresh.append(item)
    # LastModified has one-second precision: within a second, reports come before the
    # manifest that is written after them.
    fresh.sort(key=lambda i: (i.last_modified, _TAIL_ORDER.get(_kind(i.key) or "", 9), i.key))
    return [describe_object(s3, bucket, item) for item in fresh]


def tail_events(
    s3: Any,
    bucket: str,
    *,
    since: timedelta,
    follow: bool,
    interval: float = 3.0,
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[TailEvent]:
    """New manifests, reports and error records, as they appear.

    Each poll lists the three output prefixes (``ListObjectsV2``); objects
    written within ``since`` before the start are shown first. Without
    ``follow`` it stops after one poll; with it, it runs until interrupted.
    """
    cutoff = now() - since
    seen: dict[str, datetime] = {}
    while True:
        yield from poll_new_objects(s3, bucket, cutoff, seen)
        if not follow:
            return
        (sleep or _sleep)(interval)


# --- status ------------------------------------------------------------------------------

QUEUE_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass(frozen=True)
class QueueDepth:
    """Messages waiting, in flight and delayed (SQS's approximate counts)."""

    url: str
    visible: int
    in_flight: int
    delayed: int


def queue_depth(sqs: Any, url: str) -> QueueDepth:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_ATTRIBUTES))
    values = attrs.get("Attributes", {})
    return QueueDepth(url, *(int(values.get(name, 0)) for name in QUEUE_ATTRIBUTES))


@dataclass
class StackStatus:
    """What ``orders status`` shows."""

    queue: QueueDepth | None = None
    dlq: QueueDepth | None = None
    processed: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def recent_records(s3: Any, bucket: str, prefix: str, count: int) -> list[dict[str, Any]]:
    """The ``count`` latest manifests or error records, newest first, with their key."""
    records = []
    for item in latest(s3, bucket, prefix, count):
        record = _get_json(s3, bucket, item.key) or {}
        records.append({"key": item.key, "written": item.last_modified, **record})
    return records


def stack_status(
    s3: Any, sqs: Any, *, output_bucket: str, queue_url: str, dlq_url: str, last: int
) -> StackStatus:
    return StackStatus(
        queue=queue_depth(sqs, queue_url),
        dlq=queue_depth(sqs, dlq_url),
        processed=recent_records(s3, output_bucket, layout.MANIFESTS_PREFIX, last),
        errors=recent_records(s3, output_bucket, layout.ERRORS_PREFIX, last),
    )


# --- reprocess and redrive ---------------------------------------------------------------


def notification_body(ref: ObjectRef, size: int, region: str) -> str:
    """An S3 ``ObjectCreated`` notification for ``ref``, shaped like the ones S3 sends.

    The key is URL-encoded as S3 does (the handler decodes with ``unquote_plus``)
    and the version id is included, so the handler reads exactly that version.
    """
    obj: dict[str, Any] = {"key": quote_plus(ref.key, safe="/"), "size": size}
    if ref.etag:
        obj["eTag"] = ref.etag
    if ref.version_id:
        obj["versionId"] = ref.version_id
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "orders-cli"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": REPROCESS_CONFIGURATION_ID,
            "bucket": {"name": ref.bucket, "arn": f"arn:aws:s3:::{ref.bucket}"},
            "object": obj,
        },
    }
    return json.dumps({"Records": [record]})


@dataclass(frozen=True)
class Reprocessed:
    """What ``reprocess`` did with one key."""

    key: str
    status: str  # "queued", "new-version", "already-processed", "already-rejected", "missing"
    detail: str = ""
    ref: ObjectRef | None = None


def reprocess(
    s3: Any,
    sqs: Any,
    *,
    input_bucket: str,
    output_bucket: str,
    queue_url: str,
    keys: Sequence[str],
    new_version: bool,
    region: str,
) -> list[Reprocessed]:
    """Send each input through the pipeline again.

    The handler is idempotent per object *version*: an input whose manifest or
    error record exists is skipped. So, per key:

    - not yet handled (lost notification, expired DLQ message): a notification-
      shaped message for the current version goes to the queue;
    - already handled, without ``new_version``: nothing is sent (the handler
      would skip it) and the record is named;
    - already handled, with ``new_version``: the object is copied onto itself
      (same bytes and metadata, a new version in the versioned bucket); S3's
      own notification then triggers the pipeline for the new version, whose
      reports land beside the old ones under the new version's source id.
    """
    from botocore.exceptions import ClientError

    results: list[Reprocessed] = []
    for key in keys:
        try:
            ref, size, metadata = head_ref(s3, input_bucket, key)
        except ClientError as exc:
            if _error_code(exc) in _ABSENT:
                results.append(Reprocessed(key, "missing", f"no object s3://{input_bucket}/{key}"))
                continue
            raise
        existing = find_outcome(s3, output_bucket, ref)
        if existing is None:
            sqs.send_message(QueueUrl=queue_url, MessageBody=notification_body(ref, size, region))
            results.append(Reprocessed(key, "queued", layout.source_id(ref), ref))
        elif not new_version:
            status = "already-processed" if existing.ok else "already-rejected"
            results.append(Reprocessed(key, status, existing.record_key, ref))
        else:
            results.append(_copy_as_new_version(s3, input_bucket, key, ref, metadata))
    return results


def _copy_as_new_version(
    s3: Any, bucket: str, key: str, ref: ObjectRef, metadata: dict[str, str]
) -> Reprocessed:
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if versioning != "Enabled":
        raise CloudError(
            f"--new-version needs a versioned input bucket ({bucket} is not): "
            "a copy of an unversioned object keeps its ETag, hence its identity"
        )
    source: dict[str, str] = {"Bucket": bucket, "Key": key}
    if ref.version_id:
        source["VersionId"] = ref.version_id
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    s3.copy(
        source,
        bucket,
        key,
        ExtraArgs={
            "MetadataDirective": "REPLACE",
            "ContentType": _content_type(key),
            "Metadata": {**metadata, "orders-reprocessed-at": stamp},
        },
    )
    new_ref, _, _ = head_ref(s3, bucket, key)
    return Reprocessed(key, "new-version", new_ref.version_id or "", new_ref)


@dataclass(frozen=True)
class Redriven:
    """How many DLQ messages were moved back, and how many could not be."""

    moved: int
    failed: int


def redrive(
    sqs: Any, *, dlq_url: str, queue_url: str, limit: int | None = None, wait_seconds: int = 1
) -> Redriven:
    """Move messages from the DLQ back to the queue: receive, send, then delete.

    At least once: a crash between send and delete leaves a duplicate, which
    the handler's idempotency absorbs. A moved message starts with a fresh
    receive count. Stops when the DLQ returns nothing or ``limit`` is reached.
    """
    moved = failed = 0
    while limit is None or moved + failed < limit:
        batch = 10 if limit is None else max(1, min(10, limit - moved - failed))
        messages = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=batch,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        entries = []
        for i, message in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = message["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        ok = {item["Id"] for item in sent.get("Successful", [])}
        failed += len(messages) - len(ok)
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if str(i) in ok
        ]
        if done:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
        moved += len(done)
    return Redriven(moved=moved, failed=failed)
