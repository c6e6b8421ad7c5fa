"""S3 -> SQS -> handler on moto: reports, manifests, error records, redelivery, 503s."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError
from conftest import (
    INPUT_BUCKET,
    MESSY_CSV,
    MISSING_COLUMNS_CSV,
    OUTPUT_BUCKET,
    Invoke,
    Stack,
    sqs_event,
)

from shared import __version__
from shared.aws import lambda_app, records
from shared.core import reports

SAMPLE_KEY = "incoming/sample_orders.csv"
MESSY_KEY = "incoming/2024 orders/messy file.csv"
PLUS_KEY = "incoming/a+b=c (copy).csv"
UNICODE_KEY = "incoming/commandes-été-東京.csv"
GZIP_KEY = "incoming/generated orders.csv.gz"
BAD_KEY = "incoming/missing columns.csv"
CORRUPT_KEY = "incoming/corrupt.csv.gz"
IGNORED_KEY = "incoming/notes.txt"  # no notification: the suffix filters drop it


@pytest.fixture
def inputs(sample_bytes: bytes, generated_gzip: bytes) -> dict[str, bytes]:
    return {
        SAMPLE_KEY: sample_bytes,
        MESSY_KEY: MESSY_CSV,
        PLUS_KEY: sample_bytes.replace(b"South", b"Southeast"),
        UNICODE_KEY: MESSY_CSV.replace(b"Furniture", "Möbel".encode()),
        GZIP_KEY: generated_gzip,
        BAD_KEY: MISSING_COLUMNS_CSV,
        CORRUPT_KEY: b"\x1f\x8b\x08\x00" + b"definitely not deflate data" * 20,
        IGNORED_KEY: b"hello",
    }


GOOD = (SAMPLE_KEY, MESSY_KEY, PLUS_KEY, UNICODE_KEY, GZIP_KEY)
BAD = {BAD_KEY: "MissingColumnsError", CORRUPT_KEY: "CorruptGzipError"}


@pytest.fixture
def delivered(stack: Stack, inputs: dict[str, bytes]) -> list[dict[str, Any]]:
    """Upload every input and return the messages moto put on the queue."""
    for key, data in inputs.items():
        stack.upload(key, data)
    return stack.receive_all()


def body_keys(messages: list[dict[str, Any]]) -> list[str]:
    """Raw (encoded) object keys of the S3 notification messages."""
    keys = []
    for m in messages:
        body = json.loads(m["Body"])
        keys += [r["s3"]["object"]["key"] for r in body.get("Records", [])]
    return keys


def test_end_to_end_reports_manifests_and_error_records(
    stack: Stack,
    inputs: dict[str, bytes],
    delivered: list[dict[str, Any]],
    invoke: Invoke,
    local_reports: Callable[[bytes], dict[str, bytes]],
) -> None:
    # moto sent a TestEvent when the notification was configured, then one message per
    # .csv/.csv.gz upload, with URL-encoded keys.
    assert len(delivered) == 1 + len(GOOD) + len(BAD)
    assert "incoming%2Fa%2Bb%3Dc+%28copy%29.csv" in body_keys(delivered)

    assert invoke(sqs_event(delivered)) == {"batchItemFailures": []}

    outputs = stack.outputs()
    for key in GOOD:
        expected = local_reports(inputs[key])
        keys = stack.report_keys(key)
        for report in reports.REPORT_NAMES:
            assert report in keys[report]  # the key names the report
            assert outputs[keys[report]] == expected[report], (key, report)
        manifest = stack.manifest(key)
        ref = stack.uploads[key]
        assert manifest["input"]["bucket"] == INPUT_BUCKET
        assert manifest["input"]["key"] == key
        assert manifest["input"]["version_id"] == ref.version_id
        assert manifest["input"]["etag"] == ref.etag
        assert manifest["input"]["size"] == len(inputs[key])
        assert manifest["outputs"] == keys
        assert manifest["code_version"] == __version__
        assert manifest["rows_read"] == manifest["rows_valid"] + manifest["rows_rejected"]
        assert manifest["duration_seconds"] >= 0

    messy = stack.manifest(MESSY_KEY)
    assert (messy["rows_read"], messy["rows_valid"], messy["rows_rejected"]) == (7, 4, 3)
    assert messy["rows_skipped_blank"] == 2
    assert messy["rejects_by_reason"] == {
        "discount_percent: not a decimal from 0 to 100": 1,
        "field count differs from header": 1,
        "quantity: not a positive integer": 1,
    }
    assert stack.manifest(GZIP_KEY)["compressed"] is True
    assert stack.manifest(SAMPLE_KEY)["rows_read"] == len(inputs[SAMPLE_KEY].splitlines()) - 1

    for key, error_type in BAD.items():
        sid = stack.sid(key)
        record = stack.read_json(stack.error_key(key))
        assert record["error_type"] == error_type
        assert record["input"]["key"] == key and record["input"]["version_id"]
        assert f"s3://{INPUT_BUCKET}/{key}" in record["message"]
        assert not any(sid in k for k in outputs if not k.startswith("errors/"))

    # 4 reports + a manifest per good input, an error record per bad one, nothing else.
    assert len(outputs) == 5 * len(GOOD) + len(BAD)
    # The input bucket is untouched: only what the test uploaded, one version each.
    versions = stack.s3.list_object_versions(Bucket=INPUT_BUCKET)["Versions"]
    assert sorted(v["Key"] for v in versions) == sorted(inputs)


def test_redelivery_changes_nothing(
    stack: Stack, delivered: list[dict[str, Any]], invoke: Invoke
) -> None:
    assert invoke(sqs_event(delivered)) == {"batchItemFailures": []}
    before = stack.outputs()
    assert invoke(sqs_event(delivered)) == {"batchItemFailures": []}
    assert stack.outputs() == before
    skipped = [line for line in invoke.logs if line["message"].startswith("already handled")]
    assert len(skipped) == len(GOOD) + len(BAD)
    assert {line["object_key"] for line in skipped} == set(GOOD) | set(BAD)


def message_for(messages: list[dict[str, Any]], key: str) -> dict[str, Any]:
    (found,) = [m for m in messages if quote_plus(key) in body_keys([m])]
    return found


@contextmanager
def inject_503(operation: str, key_part: str) -> Iterator[list[str]]:
    """Make ``operation`` fail, as S3 does when overloaded, for keys containing ``key_part``.

    The hook runs in the handler's own client (a patched client, not a stub), after
    botocore's retries would have given up: the error reaches our code as it would in AWS.
    """
    client = lambda_app.s3_client()
    calls: list[str] = []

    def fail(params: dict[str, Any], **_: Any) -> None:
        target = str(params.get("Prefix") if operation == "ListObjectsV2" else params.get("Key"))
        if key_part in target:
            calls.append(target)
            raise ClientError(
                {
                    "Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                    "ResponseMetadata": {"HTTPStatusCode": 503},
                },
                operation,
            )

    event_name = f"before-parameter-build.s3.{operation}"
    client.meta.events.register(event_name, fail)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event_name, fail)


@pytest.mark.parametrize("operation", ["HeadObject", "GetObject", "PutObject"])
def test_transient_failure_fails_only_that_message(
    stack: Stack, delivered: list[dict[str, Any]], invoke: Invoke, operation: str
) -> None:
    victim = message_for(delivered, MESSY_KEY)
    # PutObject: fail the uploads of the messy file's reports (its source id is in their keys)
    target = stack.sid(MESSY_KEY) if operation == "PutObject" else MESSY_KEY
    with inject_503(operation, target) as calls:
        response = invoke(sqs_event(delivered))

    assert calls, "the injected failure never fired"
    assert response == {"batchItemFailures": [{"itemIdentifier": victim["MessageId"]}]}
    outputs = stack.outputs()
    assert stack.manifest_key(MESSY_KEY) not in outputs
    assert stack.error_key(MESSY_KEY) not in outputs
    for key in (SAMPLE_KEY, PLUS_KEY, UNICODE_KEY, GZIP_KEY):
        assert stack.manifest_key(key) in outputs
    failure_logs = [line for line in invoke.logs if line["message"].startswith("processing failed")]
    assert [line["object_key"] for line in failure_logs] == [MESSY_KEY]
    assert "SlowDown" in failure_logs[0]["exception"]

    # SQS redelivers the failed message: now it goes through.
    assert invoke(sqs_event([victim])) == {"batchItemFailures": []}
    assert stack.manifest_key(MESSY_KEY) in stack.outputs()


def test_a_batch_where_every_message_fails_is_still_a_partial_response(
    stack: Stack, delivered: list[dict[str, Any]], invoke: Invoke
) -> None:
    only = [message_for(delivered, SAMPLE_KEY)]
    with inject_503("ListObjectsV2", "manifests/"):
        response = invoke(sqs_event(only))
    assert response == {"batchItemFailures": [{"itemIdentifier": only[0]["MessageId"]}]}
    assert stack.outputs() == {}


def test_unparseable_message_goes_to_the_dlq_path(stack: Stack, invoke: Invoke) -> None:
    junk = {"MessageId": "m-junk", "ReceiptHandle": "r", "Body": "not json", "MD5OfBody": "x"}
    assert invoke(sqs_event([junk])) == {"batchItemFailures": [{"itemIdentifier": "m-junk"}]}


def test_logs_carry_request_id_and_object_key_and_metrics_are_emf(
    stack: Stack,
    delivered: list[dict[str, Any]],
    invoke: Invoke,
    capsys: pytest.CaptureFixture[str],
) -> None:
    invoke(sqs_event(delivered))
    logs = invoke.logs
    request_id = invoke.context.aws_request_id
    assert logs and all(line["function_request_id"] == request_id for line in logs)
    per_object = [line for line in logs if "object_key" in line]
    assert all("message_id" in line and line["bucket"] == INPUT_BUCKET for line in per_object)
    summaries = {line["object_key"]: line for line in logs if line["message"] == "file processed"}
    assert set(summaries) == set(GOOD)
    messy = summaries[MESSY_KEY]
    assert (messy["rows_read"], messy["rows_rejected"]) == (7, 3)
    assert messy["output_prefix"] == f"s3://{OUTPUT_BUCKET}/reports/"
    assert messy["duration_seconds"] >= 0 and len(messy["output_keys"]) == 4
    # The summary fields of the line are the manifest's own (records.SUMMARY_FIELDS).
    manifest = stack.manifest(MESSY_KEY)
    assert {k: messy[k] for k in records.SUMMARY_FIELDS} == records.summary(manifest)
    assert messy["manifest_key"] == stack.manifest_key(MESSY_KEY)
    rejected = [line for line in logs if line["message"].startswith("input file rejected")]
    assert {line["error_type"] for line in rejected} == set(BAD.values())

    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    values: dict[str, float] = {}
    for blob in emf:
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "OrdersPipeline"
        for metric in directive["Metrics"]:
            values[metric["Name"]] = values.get(metric["Name"], 0) + sum(blob[metric["Name"]])
    assert values["FilesProcessed"] == len(GOOD)
    assert values["FilesFailed"] == len(BAD)
    assert values["RejectedRows"] >= 2 * 3  # the messy file and its non-ASCII twin
    assert values["Rows"] > 3000
    assert "Duration" in values
