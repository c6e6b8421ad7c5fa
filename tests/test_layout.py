"""The output layout's record keys, the record contract, and the S3 identity both sides compute."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from shared.aws import events, identity, layout, records
from shared.aws.layout import ObjectRef
from shared.core import errors

SID = "sample_orders-f0020cfd0f64b264"
BUCKET = "orders-in"
UPLOADED = datetime(2026, 11, 28, 9, 12, 44, tzinfo=UTC)


def test_record_keys_sit_in_the_upload_day_newest_first() -> None:
    assert layout.manifest_key(SID, UPLOADED) == (
        f"manifests/ingest_date=2026-11-28/53235-{SID}.json"  # 86399 - 33164 seconds
    )
    assert layout.error_key(SID, UPLOADED) == f"errors/ingest_date=2026-11-28/53235-{SID}.json"
    day = [
        UPLOADED.replace(hour=h, minute=m, second=s)
        for h, m, s in ((0, 0, 0), (9, 0, 1), (23, 59, 59))
    ]
    keys = [layout.manifest_key(SID, t) for t in day]
    assert [k.split("/")[-1][:5] for k in keys] == ["86399", "53998", "00000"]
    assert sorted(keys) == keys[::-1]  # S3's ascending listing returns the newest first


def test_record_keys_use_the_utc_day_and_ignore_fractions() -> None:
    local = datetime(2026, 11, 29, 1, 12, 44, 999_999, tzinfo=timezone(timedelta(hours=16)))
    assert layout.manifest_key(SID, local) == layout.manifest_key(SID, UPLOADED)


def test_record_keys_parse_back() -> None:
    for key in (layout.manifest_key(SID, UPLOADED), layout.error_key(SID, UPLOADED)):
        parsed = layout.parse_record_key(key)
        assert parsed is not None
        assert (parsed.uploaded, parsed.source_id) == (UPLOADED, SID)
        assert key.startswith(parsed.prefix)
    for other in (
        f"manifests/{SID}.json",  # the layout before this one
        f"reports/most_profitable_region/ingest_date=2026-11-28/{SID}.csv",
        f"manifests/ingest_date=2026-11-28/99999-{SID}.json",  # no such second
        f"athena-results/ingest_date=2026-11-28/00001-{SID}.json",
    ):
        assert layout.parse_record_key(other) is None, other


def test_report_keys_are_unchanged() -> None:
    assert layout.report_key("rejected_rows", date(2026, 11, 28), SID) == (
        f"reports/rejected_rows/ingest_date=2026-11-28/{SID}.csv"
    )


# --- the record contract -----------------------------------------------------------------


def input_object() -> identity.InputObject:
    ref = ObjectRef("in", "sample_orders.csv", "v1", "abc", UPLOADED)
    return identity.InputObject(ref=ref, size=4711)


def test_bodies_follow_the_field_definitions() -> None:
    manifest = records.manifest_body(input_object(), SID, {"rows_read": 3}, {"a": "b"}, 0.5)
    assert list(manifest) == [f.name for f in records.MANIFEST_FIELDS]
    assert list(manifest["input"]) == [f.name for f in records.INPUT_FIELDS]
    assert manifest["ingest_date"] == "2026-11-28"
    assert manifest["input"]["last_modified"] == "2026-11-28T09:12:44+00:00"
    error = errors.EmptyFileError("s3://in/x.csv", "file is empty (0 bytes)")
    body = records.error_body(input_object().ref, SID, error, None)
    assert list(body) == [f.name for f in records.ERROR_FIELDS]
    assert body["input"]["size"] is None and body["error_type"] == "EmptyFileError"
    assert json.loads(json.dumps(body)) == body


def test_a_body_that_differs_from_the_contract_is_refused() -> None:
    with pytest.raises(ValueError, match="differ from the contract"):
        records._ordered(records.ERROR_FIELDS, {"source_id": SID})


def test_summary_fields_are_manifest_fields_and_the_partition_is_not_a_column() -> None:
    names = [f.name for f in records.MANIFEST_FIELDS]
    assert set(records.SUMMARY_FIELDS) <= set(names)
    for _prefix, columns in records.GLUE_TABLES.values():
        assert layout.PARTITION not in dict(columns)
    assert {prefix for prefix, _ in records.GLUE_TABLES.values()} == set(layout.RECORD_PREFIXES)


# --- identity: what the processor and the CLI both read -------------------------------------


@pytest.fixture
def s3() -> Any:
    with mock_aws():
        client = boto3.client("s3", region_name="us-west-2")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def test_head_gives_version_etag_last_modified_and_metadata(s3: Any) -> None:
    first = s3.put_object(Bucket=BUCKET, Key="k.csv", Body=b"a", Metadata={"m": "1"})
    s3.put_object(Bucket=BUCKET, Key="k.csv", Body=b"bb")
    found = identity.head(s3, ObjectRef(BUCKET, "k.csv", first["VersionId"]))
    assert found.ref.version_id == first["VersionId"]
    assert found.ref.etag == first["ETag"].strip('"')
    assert found.size == 1 and found.metadata == {"m": "1"}
    assert found.ref.last_modified is not None and found.ingest_date == found.last_modified.date()
    latest = identity.head(s3, ObjectRef(BUCKET, "k.csv"))
    assert latest.size == 2 and latest.ref.version_id != first["VersionId"]


def test_error_codes_of_a_missing_object(s3: Any) -> None:
    with pytest.raises(ClientError) as caught:
        identity.head(s3, ObjectRef(BUCKET, "nope.csv"))
    assert identity.error_code(caught.value) in identity.NOT_FOUND_CODES
    assert identity.error_code(ValueError("not a ClientError")) == ""


def test_events_carry_their_time() -> None:
    record = {
        "eventName": "ObjectCreated:Put",
        "eventTime": "2026-11-28T09:12:44.123Z",
        "s3": {"bucket": {"name": "in"}, "object": {"key": "a.csv"}},
    }
    (event,) = events.parse_notification({"Records": [record]}).objects
    assert event.event_time == datetime(2026, 11, 28, 9, 12, 44, 123_000, tzinfo=UTC)
    record["eventTime"] = "yesterday"
    (event,) = events.parse_notification({"Records": [record]}).objects
    assert event.event_time is None
    bridge = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "time": "2026-11-28T09:12:44Z",
        "detail": {"bucket": {"name": "in"}, "object": {"key": "a.csv"}},
    }
    (event,) = events.parse_notification(bridge).objects
    assert event.event_time == UPLOADED
