"""One S3 input object in; its reports and manifest, or an error record, out.

This is the Lambda's unit of work, kept apart from event parsing and from
logging so it can be tested against moto with a plain boto3 client:

1. ``HeadObject`` on the input fixes its identity (version id or ETag, size,
   ``LastModified``), whatever the event carried, so a redelivered event maps
   to the same ``source_id`` and the same output keys.
2. Idempotency: ``ListObjectsV2`` with the exact manifest and error-record keys
   as prefixes (``shared.aws.layout``: from the identity and ``LastModified``;
   the role may list only ``manifests/*`` and ``errors/*`` and cannot read the
   output bucket). Either one found means "already done".
3. Objects above ``MAX_INPUT_BYTES`` get an error record without being read.
   The limits are the core's (``shared.core.limits``), read from the same
   environment variables as ``orders run-local``.
4. The object is read with parallel ranged GETs (``ranged``) straight into
   the engine's stream (``pipeline.run_stream``, the same code path as
   ``orders run-local``): no local copy; gzip is inflated on the fly and
   stopped past ``MAX_DATA_BYTES``. ``rejected_rows.csv``, whose size the file
   decides, is streamed to its key as it is written (``upload``: a multipart
   upload, completed only when the run succeeds); the three small reports are
   written to a per-object temporary folder removed whatever happens.
5. The three reports that ``run_stream`` wrote are uploaded as they are, after
   the rejected rows are complete (all byte-identical to ``orders run-local``:
   the same writer made them), then the manifest, last: a manifest means every
   report is in place.

A file-level input error (``shared.core.errors.disposition``: an
``InputFileError``) becomes an error record and a normal return: a bad file
must not loop through retries. So does an object that is gone: the role has no
``s3:ListBucket`` on the input bucket, so S3 answers 403 rather than 404 for a
missing key or version, and a 403 or 404 from ``HeadObject`` (or from a ranged
GET, confirmed by a second ``HeadObject``) means "not found". Any other
exception propagates, so the message is retried and ends in the DLQ. Nothing
is ever written to, or deleted from, the input bucket.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from boto3.s3.transfer import create_transfer_manager
from botocore.exceptions import ClientError

from shared.aws import layout, ranged, records, upload
from shared.aws.events import ObjectEvent
from shared.aws.identity import DENIED_CODES, NOT_FOUND_CODES, InputObject, error_code, head
from shared.aws.layout import ObjectRef
from shared.core import errors, limits, pipeline, reports, scratch

DEFAULT_MAX_INPUT_BYTES = limits.DEFAULT_MAX_INPUT_BYTES  # the time budget (shared.core.limits)

WORK_DIR_PREFIX = "orders-s3-"  # orders-s3-<pid>-<random> (``shared.core.scratch``)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


InputTooLargeError = errors.InputTooLargeError  # above MAX_INPUT_BYTES or MAX_DATA_BYTES


class InputNotFoundError(errors.InputFileError):
    """The announced object (or version) no longer exists: nothing to process or retry."""


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete; every record fails until it is fixed."""


@dataclass(frozen=True)
class Settings:
    """What the function reads from its environment."""

    output_bucket: str
    limits: limits.Limits = field(default_factory=limits.Limits)
    work_dir: Path | None = None  # None: tempfile's default (TMPDIR, else /tmp)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """``OUTPUT_BUCKET`` (required) and the limits (``Limits.from_env``: ``MAX_INPUT_BYTES``,
        ``MAX_DATA_BYTES``, ...); a bad value is a ``ConfigurationError``."""
        env = os.environ if env is None else env
        bucket = env.get("OUTPUT_BUCKET", "").strip()
        if not bucket:
            raise ConfigurationError("OUTPUT_BUCKET is not set")
        try:
            found = limits.Limits.from_env(env)
        except limits.InvalidSettingError as exc:
            raise ConfigurationError(str(exc)) from None
        return cls(output_bucket=bucket, limits=found)


@dataclass(frozen=True)
class Deadline:
    """When processing one object must stop (``time.monotonic()``): the invocation's end less
    a margin for the uploads. ``final``: the object had the whole invocation to itself, so
    missing the deadline is the file's doing (an error record); else it started late in a
    batch and is retried in a fresh invocation."""

    at: float
    final: bool


class Status(StrEnum):
    """What happened to one object."""

    PROCESSED = "processed"
    ALREADY_PROCESSED = "already_processed"  # its manifest exists
    ALREADY_REJECTED = "already_rejected"  # its error record exists
    REJECTED = "rejected"  # file-level input error: error record written
    IGNORED = "ignored"  # not ours to process (e.g. the output bucket's own objects)


@dataclass(frozen=True)
class Outcome:
    """The result of ``process_object``, for logs and metrics."""

    status: Status
    ref: ObjectRef
    source_id: str | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)
    output_keys: Mapping[str, str] = field(default_factory=dict)
    record_key: str | None = None  # the manifest or error record
    record: Mapping[str, Any] = field(default_factory=dict)  # the body written (this call)
    error_type: str | None = None
    message: str | None = None
    duration_seconds: float = 0.0


def remove_stale_work_dirs(work_dir: Path | None = None) -> list[Path]:
    """Delete the work folders of invocations that were killed (timeout, out of memory).

    /tmp survives between invocations of one execution environment; only folders
    whose process is gone are removed (``shared.core.scratch``), never those of
    another live process sharing the folder (parallel tests, ``orders demo``).
    """
    return scratch.remove_stale(WORK_DIR_PREFIX, work_dir)


def describe_input(client: Any, event: ObjectEvent) -> InputObject:
    """``HeadObject`` the announced object (by version id when the event has one).

    403 means "not found" as much as 404 does: the role cannot list the input
    bucket, and S3 hides from such a role whether a key exists. For events that
    may carry raw keys, the raw key is tried when the decoded one is missing.
    Raises ``InputNotFoundError`` when the object is gone; other errors propagate.
    """
    missing = NOT_FOUND_CODES | DENIED_CODES
    try:
        return head(client, event.ref)
    except ClientError as exc:
        if error_code(exc) not in missing:
            raise
    if event.fallback_key:
        try:
            return head(
                client, ObjectRef(event.ref.bucket, event.fallback_key, event.ref.version_id)
            )
        except ClientError as exc:
            if error_code(exc) not in missing:
                raise
    raise InputNotFoundError(
        event.ref.uri,
        "object not found (deleted after the event?): S3 answered 403 or 404 to HeadObject",
    )


def _gone(client: Any, ref: ObjectRef) -> bool:
    """Whether the object version ``ref`` is gone: ``HeadObject`` answers 403 or 404."""
    try:
        head(client, ref)
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND_CODES | DENIED_CODES:
            return True
        raise
    return False


def input_error(client: Any, ref: ObjectRef, exc: Exception) -> errors.InputFileError | None:
    """The file-level error that ``exc``, raised while reading ``ref``, stands for; None
    when it is transient (the message is retried). A GET that S3 refused with 403 or 404
    is the object being deleted after ``HeadObject`` when a second ``HeadObject`` agrees,
    and a transient fault (or a permission problem worth an alarm) otherwise."""
    if errors.disposition(exc) is errors.Disposition.FILE:
        assert isinstance(exc, errors.InputFileError)
        return exc
    if error_code(exc) in NOT_FOUND_CODES | DENIED_CODES and _gone(client, ref):
        return InputNotFoundError(ref.uri, "object deleted while it was being read")
    return None


def record_exists(client: Any, bucket: str, key: str) -> bool:
    """Whether ``key`` exists, using only ``ListObjectsV2`` on its own prefix."""
    listing = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    return any(item.get("Key") == key for item in listing.get("Contents", []))


def _put_json(client: Any, bucket: str, key: str, body: Mapping[str, Any]) -> None:
    # One object on one line: Athena's JSON SerDe reads one record per line.
    data = (json.dumps(body) + "\n").encode("utf-8")
    client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=JSON_CONTENT_TYPE)


# Where the error record of a gone object goes when its (hand-made) event has no time.
_NO_EVENT_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def _gone_time(event: ObjectEvent) -> datetime:
    """What places the records of an object that is gone: its event's own time.

    Without ``HeadObject`` there is no ``LastModified``; the event's time (the same
    on every redelivery of that event) stands in for it, never the clock.
    """
    return event.event_time or _NO_EVENT_TIME


def _reject(
    client: Any,
    settings: Settings,
    ref: ObjectRef,
    error: errors.InputFileError,
    *,
    obj: InputObject | None,
    at: datetime,
    started: float,
) -> Outcome:
    sid = layout.source_id(ref)
    key = layout.error_key(sid, at)
    body = records.error_body(ref, sid, error, obj)
    _put_json(client, settings.output_bucket, key, body)
    return Outcome(
        status=Status.REJECTED,
        ref=ref,
        source_id=sid,
        record_key=key,
        record=body,
        error_type=error.error_type,
        message=str(error),
        duration_seconds=time.perf_counter() - started,
    )


def _already_done(
    client: Any, settings: Settings, ref: ObjectRef, at: datetime, started: float
) -> Outcome | None:
    sid = layout.source_id(ref)
    for status, key in (
        (Status.ALREADY_PROCESSED, layout.manifest_key(sid, at)),
        (Status.ALREADY_REJECTED, layout.error_key(sid, at)),
    ):
        if record_exists(client, settings.output_bucket, key):
            return Outcome(
                status=status,
                ref=ref,
                source_id=sid,
                record_key=key,
                duration_seconds=time.perf_counter() - started,
            )
    return None


def _upload_reports(
    client: Any, bucket: str, files: Mapping[str, Path], keys: Mapping[str, str]
) -> None:
    with create_transfer_manager(client, upload.TRANSFER_CONFIG) as transfers:
        futures = [
            transfers.upload(
                str(files[report]),
                bucket,
                keys[report],
                extra_args={"ContentType": CSV_CONTENT_TYPE},
            )
            for report in reports.ANALYTICS_REPORTS
        ]
        for future in futures:
            future.result()


def process_object(
    client: Any, event: ObjectEvent, settings: Settings, deadline: Deadline | None = None
) -> Outcome:
    """Process one announced object end to end (see the module docstring).

    Returns an ``Outcome`` for processed, skipped and rejected inputs; raises
    for anything that deserves a retry (throttling, 5xx, timeouts, bugs).
    """
    started = time.perf_counter()
    if event.ref.bucket == settings.output_bucket:
        # Reports end in .csv: processing them would loop and write to our own input.
        return Outcome(
            status=Status.IGNORED, ref=event.ref, message="object is in the output bucket"
        )
    try:
        obj = describe_input(client, event)
    except InputNotFoundError as exc:
        at = _gone_time(event)
        done = _already_done(client, settings, event.ref, at, started)
        return done or _reject(client, settings, event.ref, exc, obj=None, at=at, started=started)
    ref = obj.ref
    done = _already_done(client, settings, ref, obj.last_modified, started)
    if done is not None:
        return done
    limit = settings.limits.max_input_bytes
    if limit is not None and obj.size > limit:
        too_large = errors.too_large(ref.uri, obj.size, limit)
        return _reject(
            client, settings, ref, too_large, obj=obj, at=obj.last_modified, started=started
        )

    sid = layout.source_id(ref)
    keys = {r: layout.report_key(r, obj.ingest_date, sid) for r in reports.REPORT_NAMES}
    rejected = upload.StreamingUpload(
        client,
        settings.output_bucket,
        keys[reports.REJECTED_ROWS],
        content_type=CSV_CONTENT_TYPE,
    )
    with scratch.folder(WORK_DIR_PREFIX, settings.work_dir) as work:
        try:
            result = pipeline.run_stream(
                ranged.object_blocks(client, ref, obj.size),
                work / "out",
                name=ref.uri,
                work_dir=work,
                limits=settings.limits,
                rejected_sink=rejected,
                deadline=deadline.at if deadline else None,
            )
        except Exception as exc:
            rejected.abort()
            if isinstance(exc, errors.TimeBudgetError) and deadline and not deadline.final:
                raise
            error = input_error(client, ref, exc)
            if error is None:
                raise
            return _reject(
                client, settings, ref, error, obj=obj, at=obj.last_modified, started=started
            )
        rejected.complete()
        _upload_reports(client, settings.output_bucket, result.files, keys)
        duration = time.perf_counter() - started
        manifest = layout.manifest_key(sid, obj.last_modified)
        body = records.manifest_body(obj, sid, result.summary, keys, duration)
        _put_json(client, settings.output_bucket, manifest, body)
    return Outcome(
        status=Status.PROCESSED,
        ref=ref,
        source_id=sid,
        summary=result.summary,
        output_keys=keys,
        record_key=manifest,
        record=body,
        duration_seconds=time.perf_counter() - started,
    )
