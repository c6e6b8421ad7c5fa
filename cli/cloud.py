"""The pipeline's buckets and queues seen from a developer's machine (boto3, no rendering).

``upload_file`` + ``wait_for_outcome`` are ``orders upload`` (and the demo's
upload path); ``tail_events``, ``stack_status``, ``reprocess`` and ``redrive``
back the commands of the same names. Every function takes its clients from
an ``AwsTarget`` so the same code runs against AWS, moto or the demo.

How a result is found: an input object's identity (bucket, key, version id
or ETag and ``LastModified``, from ``HeadObject`` after the upload) gives its
``source_id`` and the exact keys of its manifest and error record
(``shared.aws.layout``). The manifest is written last, so once it exists every
report is in place.

What the ops commands cost: records are keyed by their input's upload day and,
within a day, newest first (see ``shared.aws.layout``). ``status`` lists one
short page per record kind (plus one listing of the days), ``tail`` lists only
records of inputs uploaded since its previous poll (less ``TAIL_LATENCY``), and
both read only the records they show. Neither ever lists all history.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from shared.aws import identity, layout, records
from shared.aws.layout import ObjectRef
from shared.core import reports

MiB = 1 << 20
UPLOAD_MARKER = "orders-upload-id"  # user metadata: tells our upload from a concurrent one
NOTIFICATION_SUFFIXES = layout.INPUT_SUFFIXES  # what the bucket notification filters on
REPROCESS_CONFIGURATION_ID = "orders-cli-reprocess"
# Without s3:ListBucket, S3 answers 403 for a key that does not exist (yet).
_NOT_READABLE_YET = identity.NOT_FOUND_CODES | identity.DENIED_CODES
TAIL_PAGE = 100  # keys per listing page of a tail poll: a poll usually needs a handful
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_sleep = time.sleep  # tests replace this to drive ``tail --follow`` and ``redrive`` without waiting


class CloudError(Exception):
    """Something the user must fix or check; the message is one line."""


@dataclass(frozen=True)
class Uploaded:
    """An object we uploaded, as S3 identifies it."""

    ref: ObjectRef  # with its LastModified: it places the manifest and error record
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


def upload_file(
    s3: Any,
    bucket: str,
    path: Path,
    key: str,
    *,
    callback: Callable[[int], None] | None = None,
) -> Uploaded:
    """Managed upload (the function's ``TRANSFER_CONFIG``); returns the stored identity.

    ``callback`` receives byte counts from the transfer threads (rich's
    progress is thread-safe). A marker in the object's metadata tells our
    upload from a concurrent upload of the same key.
    """
    from shared.aws.upload import TRANSFER_CONFIG

    marker = uuid.uuid4().hex
    s3.upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"ContentType": _content_type(key), "Metadata": {UPLOAD_MARKER: marker}},
        Callback=callback,
        Config=TRANSFER_CONFIG,
    )
    stored = identity.head(s3, ObjectRef(bucket, key))
    if stored.metadata.get(UPLOAD_MARKER) != marker:
        raise CloudError(
            f"s3://{bucket}/{key} was overwritten by another upload while this one finished"
        )
    return Uploaded(ref=stored.ref, size=stored.size)


def _get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON object at ``key``, or None when it does not exist (yet)."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if identity.error_code(exc) in _NOT_READABLE_YET:
            return None
        raise
    data = json.loads(body)
    return data if isinstance(data, dict) else None


def find_outcome(s3: Any, output_bucket: str, ref: ObjectRef) -> Outcome | None:
    """The manifest or error record of ``ref`` (a ``HeadObject`` identity) if one exists."""
    if ref.last_modified is None:
        raise ValueError(f"{ref.uri}: the identity has no LastModified (use identity.head)")
    sid = layout.source_id(ref)
    manifest_key = layout.manifest_key(sid, ref.last_modified)
    manifest = _get_json(s3, output_bucket, manifest_key)
    if manifest is not None:
        return Outcome(ref, sid, manifest=manifest, record_key=manifest_key)
    error_key = layout.error_key(sid, ref.last_modified)
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
    """The part of a manifest worth a table (``records.SUMMARY_FIELDS``)."""
    return records.summary(manifest)


# --- listing records: newest first, never all history --------------------------------------


@dataclass(frozen=True)
class Listed:
    """One object of a listing."""

    key: str
    last_modified: datetime  # when the object was written
    size: int


def _listing(s3: Any, bucket: str, prefix: str, page_size: int = 1000) -> Iterator[Listed]:
    """Objects under ``prefix`` in key order, one ``ListObjectsV2`` page at a time.

    Pages are fetched as the caller iterates: stopping early saves the rest.
    """
    paginator = s3.get_paginator("list_objects_v2")
    pages = paginator.paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for item in page.get("Contents", []):
            yield Listed(item["Key"], item["LastModified"], int(item.get("Size", 0)))


def record_days(s3: Any, bucket: str, prefix: str) -> list[date]:
    """The days that have records under ``prefix``, oldest first.

    One ``ListObjectsV2`` with a delimiter returns up to 1,000 days (about three
    years) as common prefixes, whatever the number of records in them.
    """
    days: list[date] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for common in page.get("CommonPrefixes", []):
            name = common["Prefix"][len(prefix) :].rstrip("/")
            partition, _, value = name.partition("=")
            if partition == layout.PARTITION:
                try:
                    days.append(date.fromisoformat(value))
                except ValueError:
                    continue
    return sorted(days)


def newest_records(s3: Any, bucket: str, prefix: str, count: int) -> list[Listed]:
    """The ``count`` records of the most recently uploaded inputs, newest first.

    Within a day the layout lists the newest first, so this reads ``count`` keys
    from the newest day (and older days only if that one holds fewer).
    """
    found: list[Listed] = []
    if count <= 0:
        return found
    for day in reversed(record_days(s3, bucket, prefix)):
        wanted = count - len(found)
        for item in _listing(s3, bucket, layout.day_prefix(prefix, day), page_size=wanted):
            if layout.parse_record_key(item.key) is not None:
                found.append(item)
                if len(found) == count:
                    return found
    return found


def records_since(
    s3: Any, bucket: str, prefix: str, floor: datetime, last_day: date
) -> list[Listed]:
    """Records of inputs uploaded at or after ``floor`` (to the second), up to ``last_day``.

    Each day is listed newest first and only until the first older record, so the
    cost follows the number of records returned, not the history.
    """
    floor = floor.astimezone(UTC).replace(microsecond=0)
    found: list[Listed] = []
    day = last_day
    while day >= floor.date():
        for item in _listing(s3, bucket, layout.day_prefix(prefix, day), page_size=TAIL_PAGE):
            parsed = layout.parse_record_key(item.key)
            if parsed is None:
                continue
            if parsed.uploaded < floor:
                break
            found.append(item)
        day -= timedelta(days=1)
    return found


@dataclass(frozen=True)
class TailEvent:
    """A new object in the output bucket, described for one line of ``orders tail``."""

    kind: str  # "report", "manifest" or "error"
    key: str
    last_modified: datetime
    size: int
    detail: str


_TAIL_ORDER = {"report": 0, "error": 1, "manifest": 2}
# How long after its upload an input's record may still appear and be shown by a running
# ``tail``: the time the queue and the function take (timeout 300 s by default, plus a wait
# in the queue). Records written later (a retry after the visibility timeout, a redrive from
# the DLQ, reprocessing an old version) are not shown by a ``tail`` already running.
TAIL_LATENCY = timedelta(minutes=15)


def describe_record(s3: Any, bucket: str, item: Listed) -> list[TailEvent]:
    """A record's tail lines: a manifest's reports (from its ``outputs``) and itself,
    or an error record."""
    record = _get_json(s3, bucket, item.key) or {}
    source = record.get("input") or {}
    where = f"s3://{source.get('bucket')}/{source.get('key')}"
    if item.key.startswith(layout.ERRORS_PREFIX):
        detail = f"{where} {record.get('error_type')}: {record.get('message')}"
        return [TailEvent("error", item.key, item.last_modified, item.size, detail)]
    outputs = record.get("outputs") or {}
    events = [
        TailEvent("report", outputs[name], item.last_modified, 0, f"report of {where}")
        for name in reports.REPORT_NAMES
        if outputs.get(name)
    ]
    detail = (
        f"{where} rows={record.get('rows_read')} valid={record.get('rows_valid')} "
        f"rejected={record.get('rows_rejected')} {record.get('duration_seconds')}s"
    )
    events.append(TailEvent("manifest", item.key, item.last_modified, item.size, detail))
    return events


def poll_new_records(
    s3: Any, bucket: str, floor: datetime, last_day: date, seen: dict[str, datetime]
) -> list[TailEvent]:
    """Records of inputs uploaded since ``floor`` that are not in ``seen``, oldest first.

    ``seen`` (key -> input upload time) is updated; only the new records are read.
    """
    fresh: list[Listed] = []
    for prefix in layout.RECORD_PREFIXES:
        for item in records_since(s3, bucket, prefix, floor, last_day):
            parsed = layout.parse_record_key(item.key)
            if item.key not in seen and parsed is not None:
                seen[item.key] = parsed.uploaded
                fresh.append(item)
    fresh.sort(key=lambda i: (i.last_modified, i.key))
    events = [event for item in fresh for event in describe_record(s3, bucket, item)]
    # LastModified has one-second precision: within a second, reports come before the
    # manifest that is written after them.
    events.sort(key=lambda e: (e.last_modified, _TAIL_ORDER.get(e.kind, 9)))
    return events


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
    """New manifests (with their reports) and error records, as they appear.

    The first poll shows the records of inputs uploaded within ``since`` before
    the start. Each later poll lists only records of inputs uploaded since the
    previous poll less ``TAIL_LATENCY`` (inputs still being processed then), and
    reads only those it has not shown. Without ``follow`` it stops after one
    poll; with it, it runs until interrupted.
    """
    start = now()
    floor = start - since
    seen: dict[str, datetime] = {}
    while True:
        polled_at = now()
        yield from poll_new_records(s3, bucket, floor, polled_at.astimezone(UTC).date(), seen)
        if not follow:
            return
        floor = max(floor, polled_at - TAIL_LATENCY)
        cutoff = floor.astimezone(UTC).replace(microsecond=0)
        for key in [k for k, uploaded in seen.items() if uploaded < cutoff]:
            del seen[key]  # below the floor: never listed again
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
    """The records of the ``count`` most recently uploaded inputs, newest first, with
    their key and write time."""
    found = []
    for item in newest_records(s3, bucket, prefix, count):
        record = _get_json(s3, bucket, item.key) or {}
        found.append({"key": item.key, "written": item.last_modified, **record})
    return found


def stack_status(
    s3: Any, sqs: Any, *, output_bucket: str, queue_url: str, dlq_url: str, last: int
) -> StackStatus:
    return StackStatus(
        queue=queue_depth(sqs, queue_url),
        dlq=queue_depth(sqs, dlq_url),
        processed=recent_records(s3, output_bucket, layout.MANIFESTS_PREFIX, last),
        errors=recent_records(s3, output_bucket, layout.ERRORS_PREFIX, last),
    )


# --- migrating records of the previous layout ----------------------------------------------


@dataclass(frozen=True)
class Migrated:
    """One record moved from ``manifests/<id>.json`` (or ``errors/``) to this layout."""

    old_key: str
    new_key: str


def _record_time(record: dict[str, Any]) -> datetime | None:
    """The input's LastModified a record carries; an error record without one (a gone
    object) falls back to when it was recorded."""
    source = record.get("input") or {}
    for text in (source.get("last_modified"), record.get("recorded_at")):
        if isinstance(text, str):
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                continue
    return None


def migrate_records(s3: Any, bucket: str, *, apply: bool) -> list[Migrated]:
    """Move records of the flat layout (``manifests/<source-id>.json``, ``errors/...``) to
    their keys in this one, computed from what each record says about its input.

    Without ``apply`` nothing changes (a dry run). With it, each record is copied to its
    new key, then the old key is deleted. Run it once, after the new function is deployed;
    running it again finds nothing to do. Needs s3:ListBucket, s3:GetObject, s3:PutObject
    and s3:DeleteObject on those prefixes (an operator's role, not the function's).
    """
    moved: list[Migrated] = []
    paginator = s3.get_paginator("list_objects_v2")
    for prefix in layout.RECORD_PREFIXES:
        # With a delimiter, the day folders of this layout come back as common prefixes;
        # the flat keys of the previous one as contents.
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
            for item in page.get("Contents", []):
                old = item["Key"]
                if not old.endswith(".json"):
                    continue
                record = _get_json(s3, bucket, old) or {}
                sid = record.get("source_id")
                when = _record_time(record)
                if not isinstance(sid, str) or when is None:
                    raise CloudError(f"s3://{bucket}/{old}: no source_id or time to place it by")
                new = (
                    layout.manifest_key(sid, when)
                    if prefix == layout.MANIFESTS_PREFIX
                    else layout.error_key(sid, when)
                )
                if apply:
                    s3.copy_object(
                        Bucket=bucket, Key=new, CopySource={"Bucket": bucket, "Key": old}
                    )
                    s3.delete_object(Bucket=bucket, Key=old)
                moved.append(Migrated(old, new))
    return moved


# --- reprocess and redrive ---------------------------------------------------------------


def notification_body(ref: ObjectRef, size: int, region: str) -> str:
    """An S3 ``ObjectCreated`` notification for ``ref``, shaped like the ones S3 sends.

    The key is URL-encoded as S3 does (the handler decodes with ``unquote_plus``)
    and the version id is included, so the handler reads exactly that version.
    The event time is the version's ``LastModified`` (when it was created), which
    is also where the handler looks for its records should the version be gone.
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
        "eventTime": (ref.last_modified or datetime.now(UTC))
        .astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
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
            found = identity.head(s3, ObjectRef(input_bucket, key))
        except ClientError as exc:
            if identity.error_code(exc) in identity.NOT_FOUND_CODES:
                results.append(Reprocessed(key, "missing", f"no object s3://{input_bucket}/{key}"))
                continue
            raise
        ref = found.ref
        existing = find_outcome(s3, output_bucket, ref)
        if existing is None:
            body = notification_body(ref, found.size, region)
            sqs.send_message(QueueUrl=queue_url, MessageBody=body)
            results.append(Reprocessed(key, "queued", layout.source_id(ref), ref))
        elif not new_version:
            status = "already-processed" if existing.ok else "already-rejected"
            results.append(Reprocessed(key, status, existing.record_key, ref))
        else:
            results.append(_copy_as_new_version(s3, input_bucket, key, found))
    return results


def _copy_as_new_version(
    s3: Any, bucket: str, key: str, found: identity.InputObject
) -> Reprocessed:
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if versioning != "Enabled":
        raise CloudError(
            f"--new-version needs a versioned input bucket ({bucket} is not): "
            "a copy of an unversioned object keeps its ETag, hence its identity"
        )
    source: dict[str, str] = {"Bucket": bucket, "Key": key}
    if found.ref.version_id:
        source["VersionId"] = found.ref.version_id
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    s3.copy(
        source,
        bucket,
        key,
        ExtraArgs={
            "MetadataDirective": "REPLACE",
            "ContentType": _content_type(key),
            "Metadata": {**found.metadata, "orders-reprocessed-at": stamp},
        },
    )
    new_ref = identity.head(s3, ObjectRef(bucket, key)).ref
    return Reprocessed(key, "new-version", new_ref.version_id or "", new_ref)


@dataclass(frozen=True)
class MoveProgress:
    """A DLQ move task as ``ListMessageMoveTasks`` reports it."""

    status: str  # RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED
    moved: int
    to_move: int | None  # SQS's estimate when the task started
    failure: str = ""

    @property
    def done(self) -> bool:
        return self.status in _MOVE_FINISHED


_MOVE_FINISHED = frozenset({"COMPLETED", "CANCELLED", "FAILED"})
MAX_MOVE_RATE = 500  # StartMessageMoveTask's MaxNumberOfMessagesPerSecond ceiling


@dataclass(frozen=True)
class Redriven:
    """How many DLQ messages were moved back, and how many the task left behind."""

    moved: int
    failed: int  # counted by the task's estimate when it was cancelled; 0 when completed
    joined: bool = False  # a move task was already running: this call followed it


def _queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def _latest_move_task(sqs: Any, source_arn: str) -> MoveProgress | None:
    """The most recent move task of ``source_arn`` (SQS lists the newest first)."""
    results = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    if not results:
        return None
    task = results[0]
    to_move = task.get("ApproximateNumberOfMessagesToMove")
    return MoveProgress(
        status=str(task.get("Status", "")),
        moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)),
        to_move=None if to_move is None else int(to_move),
        failure=str(task.get("FailureReason", "")),
    )


def redrive(
    sqs: Any,
    *,
    dlq_url: str,
    queue_url: str,
    rate: int | None = None,
    poll: float = 2.0,
    progress: Callable[[MoveProgress], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Redriven:
    """Move the DLQ's messages back to the queue with an SQS move task, and follow it.

    ``StartMessageMoveTask`` moves every message server-side (at most ``rate``
    per second when given, SQS's ceiling is 500); ``ListMessageMoveTasks`` gives
    the progress, reported to ``progress`` until the task finishes. A task that
    is already running for the DLQ is followed instead of starting another (SQS
    allows one at a time). Moved messages start with a fresh receive count; a
    duplicate (SQS moves at least once) is absorbed by the handler's idempotency.
    """
    if rate is not None and not 1 <= rate <= MAX_MOVE_RATE:
        raise CloudError(f"--rate is messages per second: 1 to {MAX_MOVE_RATE}, not {rate}")
    dlq_arn = _queue_arn(sqs, dlq_url)
    current = _latest_move_task(sqs, dlq_arn)
    joined = current is not None and not current.done
    if not joined:
        args: dict[str, Any] = {"SourceArn": dlq_arn, "DestinationArn": _queue_arn(sqs, queue_url)}
        if rate is not None:
            args["MaxNumberOfMessagesPerSecond"] = rate
        sqs.start_message_move_task(**args)
    while True:
        current = _latest_move_task(sqs, dlq_arn)
        if current is None:
            raise CloudError(f"SQS lists no move task for {dlq_arn} after starting one")
        if progress is not None:
            progress(current)
        if current.done:
            break
        (sleep or _sleep)(poll)
    if current.status == "FAILED":
        raise CloudError(
            f"the DLQ move task failed after moving {current.moved} message(s): "
            f"{current.failure or 'no reason given'}"
        )
    left = 0
    if current.status == "CANCELLED" and current.to_move is not None:
        left = max(0, current.to_move - current.moved)
    return Redriven(moved=current.moved, failed=left, joined=joined)
