"""Event shapes -> announced objects: decoding, every record, what is acknowledged or refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.aws import events
from shared.aws.layout import ObjectRef


def s3_record(key: str, *, event_name: str = "ObjectCreated:Put", **obj: Any) -> dict[str, Any]:
    """An S3 notification record as moto writes it (no sequencer, no versionId unless given)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": event_name,
        "s3": {
            "bucket": {"name": "in-bucket", "arn": "arn:aws:s3:::in-bucket"},
            "object": {"key": key, "size": 10, "eTag": "abc", **obj},
        },
    }


def eventbridge(key: str, detail_type: str = "Object Created", **obj: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e-1",
        "detail-type": detail_type,
        "source": "aws.s3",
        "detail": {
            "version": "0",
            "bucket": {"name": "in-bucket"},
            "object": {"key": key, "size": 7, **obj},
        },
    }


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("in%2Fsample+orders.csv", "in/sample orders.csv"),  # + is a space
        ("a%2Bb.csv", "a+b.csv"),  # %2B is a plus
        ("caf%C3%A9+%E6%9D%B1%E4%BA%AC.csv.gz", "café 東京.csv.gz"),
        ("plain.csv", "plain.csv"),
    ],
)
def test_s3_notification_keys_are_url_decoded(encoded: str, key: str) -> None:
    note = events.parse_notification({"Records": [s3_record(encoded)]})
    assert [o.ref.key for o in note.objects] == [key]
    assert note.objects[0].fallback_key is None  # S3 notifications are always encoded


def test_every_record_is_returned_with_its_identity() -> None:
    note = events.parse_notification(
        {
            "Records": [
                s3_record("one.csv", versionId="v1"),
                s3_record("two.csv.gz", eTag="e2"),
                s3_record("three.csv", event_name="ObjectRemoved:Delete"),
            ]
        }
    )
    assert [o.ref for o in note.objects] == [
        ObjectRef("in-bucket", "one.csv", "v1", "abc"),
        ObjectRef("in-bucket", "two.csv.gz", None, "e2"),
    ]
    assert note.ignored == ("event ObjectRemoved:Delete is not an object creation",)


def test_missing_optional_fields_are_tolerated() -> None:
    record = {"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": "k.csv"}}}
    (obj,) = events.parse_notification({"Records": [record]}).objects
    assert obj.ref == ObjectRef("b", "k.csv") and obj.size is None


@pytest.mark.parametrize(
    "payload",
    [
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "in-bucket"},
        {},
        {"Records": []},
        {"something": "else"},
    ],
)
def test_test_events_and_record_less_messages_are_acknowledged(payload: dict[str, Any]) -> None:
    note = events.parse_notification(payload)
    assert note.objects == () and len(note.ignored) == 1


def test_eventbridge_object_created() -> None:
    (obj,) = events.parse_notification(
        eventbridge("in/a b.csv", etag="e1", **{"version-id": "v9"})
    ).objects
    assert obj.ref == ObjectRef("in-bucket", "in/a b.csv", "v9", "e1")
    assert obj.size == 7 and obj.origin == "eventbridge" and obj.fallback_key is None


def test_eventbridge_key_is_decoded_with_the_raw_key_kept_as_fallback() -> None:
    (obj,) = events.parse_notification(eventbridge("x/a+b%2B.csv", eTag="moto-spelling")).objects
    assert obj.ref.key == "x/a b+.csv"
    assert obj.fallback_key == "x/a+b%2B.csv"
    assert obj.ref.etag == "moto-spelling"


def test_eventbridge_other_detail_types_are_ignored_and_other_sources_refused() -> None:
    assert events.parse_notification(eventbridge("a.csv", "Object Deleted")).objects == ()
    with pytest.raises(events.UnsupportedEventError):
        events.parse_notification({**eventbridge("a.csv"), "source": "aws.ec2"})


def test_sns_envelope_is_unwrapped() -> None:
    inner = {"Records": [s3_record("a%2Bb.csv")]}
    note = events.parse_notification({"Type": "Notification", "Message": json.dumps(inner)})
    assert [o.ref.key for o in note.objects] == ["a+b.csv"]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"'])
def test_unparseable_bodies_are_refused(body: str) -> None:
    with pytest.raises(events.UnsupportedEventError):
        events.parse_body(body)


def test_records_that_are_not_s3_are_refused() -> None:
    with pytest.raises(events.UnsupportedEventError):
        events.parse_notification({"Records": [{"eventSource": "aws:dynamodb"}]})


def test_is_sqs_event() -> None:
    assert events.is_sqs_event({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]})
    assert not events.is_sqs_event({"Records": [s3_record("a.csv")]})
    assert not events.is_sqs_event(eventbridge("a.csv"))
    assert not events.is_sqs_event({"Records": []})
