"""Event shapes in, the S3 objects they announce out.

The function is wired S3 -> SQS -> Lambda, but it also accepts a direct S3
notification and an EventBridge "Object Created" event, and an SQS body may
itself hold any of these (or an SNS envelope around one). This module turns
each shape into ``ObjectEvent`` values and says why anything else was ignored;
it knows nothing about AWS clients, so it is tested on plain dictionaries.

Key encoding: S3 event notifications URL-encode object keys (``+`` is a space,
``%2B`` a plus), so every key is decoded with ``unquote_plus``. Powertools'
``S3Event`` records return the key as sent (undecoded), its EventBridge class
decodes; we decode everywhere ourselves. AWS does not document EventBridge
keys as encoded and observed events carry raw keys, so for that shape the raw
key is kept as a fallback for the processor to try if the decoded key is not
found. Nothing here depends on fields moto leaves out (``sequencer``,
``versionId``, ``userIdentity``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from shared.aws.layout import ObjectRef

S3_TEST_EVENT = "s3:TestEvent"
EVENTBRIDGE_SOURCE = "aws.s3"
EVENTBRIDGE_OBJECT_CREATED = "Object Created"
OBJECT_CREATED_PREFIX = "ObjectCreated:"


class UnsupportedEventError(ValueError):
    """The payload is none of the shapes this function is wired for."""


@dataclass(frozen=True)
class ObjectEvent:
    """One created object as an event announces it.

    ``ref`` carries the decoded key and whatever identity the event gives
    (version id, ETag; either may be missing). ``fallback_key`` is the key as
    sent when the shape may carry raw keys and decoding changed it.
    ``event_time`` is when the event says the object was created (S3's
    ``eventTime``, EventBridge's ``time``): it places the error record of an
    object that is gone before ``HeadObject`` could give its ``LastModified``.
    """

    ref: ObjectRef
    size: int | None = None
    fallback_key: str | None = None
    origin: str = "s3"  # "s3" (notification) or "eventbridge"
    event_time: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """What one payload announced: created objects, and notes on what was ignored."""

    objects: tuple[ObjectEvent, ...] = ()
    ignored: tuple[str, ...] = ()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time_or_none(value: object) -> datetime | None:
    """An ISO-8601 event time (``2026-11-28T09:12:44.123Z``) as an aware datetime."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _s3_record(record: Mapping[str, Any]) -> ObjectEvent | str:
    """One ``Records[]`` entry of an S3 notification, or why it is ignored."""
    s3 = record.get("s3")
    if not isinstance(s3, Mapping):
        raise UnsupportedEventError("a record without an 's3' member is not an S3 notification")
    event_name = str(record.get("eventName", ""))
    if event_name and not event_name.startswith(OBJECT_CREATED_PREFIX):
        return f"event {event_name} is not an object creation"
    # IntelligentTiering events name the member "get_object" (powertools handles both).
    obj = s3.get("object") or s3.get("get_object") or {}
    bucket = s3.get("bucket") or {}
    key = obj.get("key")
    name = bucket.get("name")
    if not isinstance(key, str) or not isinstance(name, str):
        raise UnsupportedEventError("S3 record without bucket name or object key")
    ref = ObjectRef(
        bucket=name,
        key=unquote_plus(key),
        version_id=_str_or_none(obj.get("versionId")),
        etag=_str_or_none(obj.get("eTag")),
    )
    return ObjectEvent(
        ref=ref,
        size=_int_or_none(obj.get("size")),
        origin="s3",
        event_time=_time_or_none(record.get("eventTime")),
    )


def _eventbridge(payload: Mapping[str, Any]) -> Notification:
    if payload.get("source") != EVENTBRIDGE_SOURCE:
        raise UnsupportedEventError(f"EventBridge event from {payload.get('source')!r}, not aws.s3")
    detail_type = payload.get("detail-type")
    if detail_type != EVENTBRIDGE_OBJECT_CREATED:
        return Notification(ignored=(f"EventBridge {detail_type!r} is not an object creation",))
    detail = payload.get("detail") or {}
    obj = detail.get("object") or {}
    name = (detail.get("bucket") or {}).get("name")
    raw_key = obj.get("key")
    if not isinstance(raw_key, str) or not isinstance(name, str):
        raise UnsupportedEventError("EventBridge S3 event without bucket name or object key")
    key = unquote_plus(raw_key)
    ref = ObjectRef(
        bucket=name,
        key=key,
        version_id=_str_or_none(obj.get("version-id")),
        # AWS spells it "etag"; moto "eTag".
        etag=_str_or_none(obj.get("etag") or obj.get("eTag")),
    )
    event = ObjectEvent(
        ref=ref,
        size=_int_or_none(obj.get("size")),
        fallback_key=raw_key if raw_key != key else None,
        origin="eventbridge",
        event_time=_time_or_none(payload.get("time")),
    )
    return Notification(objects=(event,))


def parse_notification(payload: Mapping[str, Any]) -> Notification:
    """The objects one notification payload announces.

    Accepts an S3 notification (``Records[].s3``), an EventBridge S3 event, an
    SNS envelope around either, and ``s3:TestEvent``. A payload without records
    is acknowledged (an empty ``Notification`` with a note). Raises
    ``UnsupportedEventError`` for shapes that cannot be an S3 notification.
    """
    if payload.get("Event") == S3_TEST_EVENT:
        return Notification(ignored=(S3_TEST_EVENT,))
    if payload.get("Type") == "Notification" and isinstance(payload.get("Message"), str):
        return parse_body(payload["Message"])  # S3 -> SNS -> SQS
    if "detail-type" in payload:
        return _eventbridge(payload)
    records = payload.get("Records")
    if not records:
        return Notification(ignored=("message without records",))
    if not isinstance(records, list):
        raise UnsupportedEventError("'Records' is not a list")
    objects: list[ObjectEvent] = []
    ignored: list[str] = []
    for record in records:
        if not isinstance(record, Mapping):
            raise UnsupportedEventError("a record is not a JSON object")
        parsed = _s3_record(record)
        if isinstance(parsed, str):
            ignored.append(parsed)
        else:
            objects.append(parsed)
    return Notification(objects=tuple(objects), ignored=tuple(ignored))


def parse_body(body: str) -> Notification:
    """Parse an SQS message body (JSON text) with ``parse_notification``."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise UnsupportedEventError(f"message body is not JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise UnsupportedEventError("message body is not a JSON object")
    return parse_notification(payload)


def is_sqs_event(event: Mapping[str, Any]) -> bool:
    """True for a Lambda event from an SQS event source mapping."""
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and isinstance(records[0], Mapping)
        and records[0].get("eventSource") == "aws:sqs"
    )
