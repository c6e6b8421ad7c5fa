"""Direct S3 and EventBridge events, skips and limits, configuration, temporary files."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import (
    INPUT_BUCKET,
    MESSY_CSV,
    OUTPUT_BUCKET,
    REGION,
    FakeContext,
    Invoke,
    Stack,
    gzip_bytes,
    sqs_event,
)
from test_lambda_sqs_e2e import inject_503

from shared.aws import lambda_app, processor
from shared.aws.layout import ObjectRef, error_key, source_id
from shared.core.limits import Limits


def bodies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in messages]


def direct_event(stack: Stack) -> dict[str, Any]:
    """One direct S3 notification holding every record moto produced so far."""
    records = [r for body in bodies(stack.receive_all()) for r in body.get("Records", [])]
    return {"Records": records}


def handmade_record(bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {
        "eventSource": "aws:s3",
        "eventName": event_name,
        "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
    }


@pytest.fixture
def clean_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile (the function's /tmp) at an empty folder we can inspect."""
    work = tmp_path / "lambda-tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    return work


def test_direct_s3_event_processes_every_record(
    stack: Stack, invoke: Invoke, sample_bytes: bytes, clean_tmp: Path
) -> None:
    stack.upload("direct/one.csv", sample_bytes)
    stack.upload("direct/two words.csv.gz", gzip_bytes(MESSY_CSV))
    event = direct_event(stack)
    event["Records"] += [
        handmade_record(INPUT_BUCKET, "direct/readme.txt"),
        handmade_record(INPUT_BUCKET, "direct/old.csv", "ObjectRemoved:Delete"),
    ]
    assert invoke(event) == {"processed": 2, "skipped_not_csv": 1}
    outputs = stack.outputs()
    assert stack.manifest_key("direct/one.csv") in outputs
    assert stack.manifest("direct/two words.csv.gz")["compressed"] is True
    assert len(outputs) == 10
    assert list(clean_tmp.iterdir()) == []  # every record cleaned up after itself
    assert invoke(event) == {"already_processed": 2, "skipped_not_csv": 1}
    assert stack.outputs() == outputs


def test_direct_event_with_a_transient_failure_raises_after_the_others(
    stack: Stack, invoke: Invoke, sample_bytes: bytes, clean_tmp: Path
) -> None:
    stack.upload("direct/ok.csv", sample_bytes)
    stack.upload("direct/flaky.csv", sample_bytes)
    event = direct_event(stack)
    with inject_503("GetObject", "direct/flaky.csv"), pytest.raises(lambda_app.ObjectsFailedError):
        invoke(event)
    outputs = stack.outputs()
    assert stack.manifest_key("direct/ok.csv") in outputs
    assert stack.manifest_key("direct/flaky.csv") not in outputs
    assert list(clean_tmp.iterdir()) == []  # cleaned up after the failure too
    assert invoke(event) == {"already_processed": 1, "processed": 1}  # Lambda's retry


@pytest.fixture
def eventbridge_messages(stack: Stack) -> Callable[[], list[dict[str, Any]]]:
    """Turn on the bucket's EventBridge delivery with a rule to a second queue (all in moto)."""
    events = __import__("boto3").client("events", region_name=REGION)
    url = stack.sqs.create_queue(QueueName="orders-eventbridge")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    current = stack.s3.get_bucket_notification_configuration(Bucket=INPUT_BUCKET)
    current.pop("ResponseMetadata", None)
    stack.s3.put_bucket_notification_configuration(
        Bucket=INPUT_BUCKET, NotificationConfiguration={**current, "EventBridgeConfiguration": {}}
    )
    pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"]}
    events.put_rule(Name="orders-object-created", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="orders-object-created", Targets=[{"Id": "queue", "Arn": arn}])

    def receive() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = stack.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10
        ).get("Messages", [])
        return got

    return receive


def test_eventbridge_object_created_events(
    stack: Stack,
    invoke: Invoke,
    sample_bytes: bytes,
    eventbridge_messages: Callable[[], list[dict[str, Any]]],
    local_reports: Callable[[bytes], dict[str, bytes]],
) -> None:
    # moto (like the events we have seen from AWS) puts the raw key in EventBridge
    # events: "a+b c.csv" decodes to "a b c.csv", which does not exist, so the raw key is used.
    stack.upload("eb/a+b c.csv", sample_bytes)
    stack.upload("eb/plain.csv", MESSY_CSV)
    messages = eventbridge_messages()
    payloads = bodies(messages)
    assert {p["detail-type"] for p in payloads} == {"Object Created"}
    assert "sequencer" in payloads[0]["detail"]["object"]  # not that we use it

    for payload in payloads:
        assert invoke(payload) == {"processed": 1}
    for key, data in (("eb/a+b c.csv", sample_bytes), ("eb/plain.csv", MESSY_CSV)):
        manifest = stack.manifest(key)
        assert manifest["input"]["key"] == key
        expected = local_reports(data)
        for report, out_key in stack.report_keys(key).items():
            assert (
                stack.s3.get_object(Bucket=OUTPUT_BUCKET, Key=out_key)["Body"].read()
                == expected[report]
            )

    # The same events through SQS (EventBridge -> SQS -> Lambda): already done.
    assert invoke(sqs_event(messages)) == {"batchItemFailures": []}
    assert sum("already handled" in line["message"] for line in invoke.logs) == 2


def test_test_event_is_acknowledged(stack: Stack, invoke: Invoke) -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": INPUT_BUCKET}
    assert invoke(test_event) == {}
    assert invoke(sqs_event(stack.receive_all())) == {"batchItemFailures": []}  # moto's own
    assert stack.outputs() == {}
    assert any(line.get("reason") == "s3:TestEvent" for line in invoke.logs)


def test_only_csv_and_csv_gz_keys_in_any_case(
    stack: Stack, invoke: Invoke, sample_bytes: bytes
) -> None:
    for key in ("case/UPPER.CSV", "case/Mixed.Csv.Gz", "case/data.csv.bak", "case/data.tsv"):
        stack.upload(key, gzip_bytes(sample_bytes) if key.lower().endswith(".gz") else sample_bytes)
    event = {"Records": [handmade_record(INPUT_BUCKET, k.replace(" ", "+")) for k in stack.uploads]}
    assert invoke(event) == {"processed": 2, "skipped_not_csv": 2}
    outputs = stack.outputs()
    assert stack.manifest_key("case/UPPER.CSV") in outputs
    assert stack.manifest_key("case/Mixed.Csv.Gz") in outputs
    skipped = [line for line in invoke.logs if line["message"].startswith("not an order file")]
    assert {line["object_key"] for line in skipped} == {"case/data.csv.bak", "case/data.tsv"}


@pytest.fixture
def get_object_calls(stack: Stack) -> Iterator[list[str]]:
    calls: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params["Key"])

    client = lambda_app.s3_client()
    client.meta.events.register("before-parameter-build.s3.GetObject", record)
    yield calls
    client.meta.events.unregister("before-parameter-build.s3.GetObject", record)


def test_objects_above_the_size_limit_get_an_error_record_without_download(
    stack: Stack,
    invoke: Invoke,
    sample_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
    get_object_calls: list[str],
) -> None:
    monkeypatch.setenv("MAX_INPUT_BYTES", str(len(sample_bytes) - 1))
    stack.upload("big/orders.csv", sample_bytes)
    stack.upload("big/small.csv", sample_bytes[:200])
    messages = stack.receive_all()
    assert invoke(sqs_event(messages)) == {"batchItemFailures": []}
    record = stack.read_json(stack.error_key("big/orders.csv"))
    assert record["error_type"] == "InputTooLargeError"
    assert record["input"]["size"] == len(sample_bytes)
    assert "MAX_INPUT_BYTES" in record["message"]
    assert get_object_calls == ["big/small.csv"]
    assert stack.manifest_key("big/small.csv") in stack.outputs()
    before = stack.outputs()
    assert invoke(sqs_event(messages)) == {"batchItemFailures": []}
    assert stack.outputs() == before


def test_objects_in_the_output_bucket_are_never_processed(stack: Stack, invoke: Invoke) -> None:
    stack.upload("reports/x/ingest_date=2024-01-01/y.csv", MESSY_CSV, bucket=OUTPUT_BUCKET)
    event = {
        "Records": [handmade_record(OUTPUT_BUCKET, "reports/x/ingest_date%3D2024-01-01/y.csv")]
    }
    assert invoke(event) == {"ignored": 1}
    assert list(stack.outputs()) == ["reports/x/ingest_date=2024-01-01/y.csv"]


@contextmanager
def deny(operation: str, key_part: str, then: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Make ``operation`` answer 403 for keys containing ``key_part``, as S3 answers a role
    without s3:ListBucket for a missing key (moto does not enforce IAM); ``then`` runs first."""
    client = lambda_app.s3_client()

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if key_part in str(params.get("Key")):
            then()
            raise ClientError(
                {"Error": {"Code": "403", "Message": "Forbidden"}, "ResponseMetadata": {}},
                operation,
            )

    event_name = f"before-parameter-build.s3.{operation}"
    client.meta.events.register(event_name, refuse)
    try:
        yield
    finally:
        client.meta.events.unregister(event_name, refuse)


@pytest.mark.parametrize("status", ["404", "403"])
def test_a_deleted_object_gets_an_error_record(
    stack: Stack, invoke: Invoke, sample_bytes: bytes, status: str
) -> None:
    """404, or 403 as S3 answers a role without s3:ListBucket on the input bucket (ours):
    not found either way, an error record, not a retry into the DLQ."""
    ref = stack.upload("gone/orders.csv", sample_bytes)
    messages = stack.receive_all()
    stack.s3.delete_object(Bucket=INPUT_BUCKET, Key=ref.key, VersionId=ref.version_id)
    with deny("HeadObject", "gone/") if status == "403" else nullcontext():
        assert invoke(sqs_event(messages)) == {"batchItemFailures": []}
    # The object is gone, so its identity is the event's: key and ETag (moto omits versionId),
    # and its record is placed by the event's time (no LastModified is left to read).
    bodies = [json.loads(m["Body"]) for m in messages]
    (event_time,) = [b["Records"][0]["eventTime"] for b in bodies if "Records" in b]
    expected = error_key(
        source_id(ObjectRef(INPUT_BUCKET, ref.key, None, ref.etag)),
        datetime.fromisoformat(event_time),
    )
    assert list(stack.outputs()) == [expected]
    record = stack.read_json(expected)
    assert record["error_type"] == "InputNotFoundError"
    assert record["input"]["size"] is None


def test_an_object_deleted_while_it_is_read_gets_an_error_record(
    stack: Stack, invoke: Invoke, sample_bytes: bytes
) -> None:
    """HeadObject found it, then a ranged GET is refused because it was deleted meanwhile:
    a second HeadObject (also 403 now) confirms it is gone."""
    ref = stack.upload("midway/orders.csv", sample_bytes)
    messages = stack.receive_all()

    def delete() -> None:
        stack.s3.delete_object(Bucket=INPUT_BUCKET, Key=ref.key, VersionId=ref.version_id)

    with deny("GetObject", "midway/", then=delete):
        assert invoke(sqs_event(messages)) == {"batchItemFailures": []}
    assert [stack.read_json(k)["error_type"] for k in stack.outputs()] == ["InputNotFoundError"]


def test_a_get_refused_while_the_object_exists_is_retried(
    stack: Stack, invoke: Invoke, sample_bytes: bytes
) -> None:
    """403 on GET of an object HeadObject still finds (a KMS or policy problem) is no file
    problem: the message is retried (and ends in the DLQ, with an alarm), no error record."""
    stack.upload("denied/orders.csv", sample_bytes)
    messages = stack.receive_all()
    with deny("GetObject", "denied/"):
        response = invoke(sqs_event(messages))
    assert response["batchItemFailures"]
    assert stack.outputs() == {}


@dataclass
class ShortContext(FakeContext):
    """A context whose invocation ends in ``remaining_ms``."""

    remaining_ms: int = 1_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_file_that_misses_the_deadline_gets_an_error_record_if_it_had_the_invocation(
    stack: Stack, invoke: Invoke, sample_bytes: bytes
) -> None:
    """The deadline (the invocation's end less a 20 s margin) has passed as soon as the work
    starts: the first object gets a TimeBudgetError record (retrying cannot make it faster);
    the second, which only started late, is retried in a fresh invocation."""
    stack.upload("slow/first.csv", sample_bytes)
    stack.upload("slow/second.csv", sample_bytes)
    event = direct_event(stack)
    with pytest.raises(lambda_app.ObjectsFailedError, match=r"second\.csv"):
        invoke(event, ShortContext(remaining_ms=15_000))
    assert list(stack.outputs()) == [stack.error_key("slow/first.csv")]
    record = stack.read_json(stack.error_key("slow/first.csv"))
    assert record["error_type"] == "TimeBudgetError"
    # With the time a function has (900 s here), the same objects are processed.
    invoke(event)
    assert stack.manifest_key("slow/second.csv") in stack.outputs()


def test_unsupported_records_fail_the_invocation(stack: Stack, invoke: Invoke) -> None:
    with pytest.raises(ValueError, match="not an S3 notification"):
        invoke({"Records": [{"eventSource": "aws:dynamodb", "dynamodb": {}}]})


def test_missing_output_bucket_fails_every_invocation(
    stack: Stack, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTPUT_BUCKET")
    with pytest.raises(processor.ConfigurationError, match="OUTPUT_BUCKET"):
        invoke({"Service": "Amazon S3", "Event": "s3:TestEvent"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OUTPUT_BUCKET": "out"}, processor.Settings("out", Limits())),
        (
            {"OUTPUT_BUCKET": " out ", "MAX_INPUT_BYTES": "1000"},
            processor.Settings("out", Limits(max_input_bytes=1000, max_data_bytes=1000)),
        ),
        (
            {"OUTPUT_BUCKET": "out", "MAX_DATA_BYTES": "5000", "MAX_LINE_BYTES": "4096"},
            processor.Settings("out", Limits(max_data_bytes=5000, max_line_bytes=4096)),
        ),
    ],
)
def test_settings_from_env(env: dict[str, str], expected: processor.Settings) -> None:
    assert processor.Settings.from_env(env) == expected


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"OUTPUT_BUCKET": ""},
        {"OUTPUT_BUCKET": "o", "MAX_INPUT_BYTES": "1e9"},
        {"OUTPUT_BUCKET": "o", "MAX_INPUT_BYTES": "0"},
        {"OUTPUT_BUCKET": "o", "MAX_DATA_BYTES": "-1"},
        {"OUTPUT_BUCKET": "o", "MAX_NUMBER_DIGITS": "5000"},
        {"OUTPUT_BUCKET": "o", "MAX_COLUMNS": "many"},
    ],
)
def test_bad_settings_are_configuration_errors(env: dict[str, str]) -> None:
    with pytest.raises(processor.ConfigurationError):
        processor.Settings.from_env(env)


def test_work_folders_left_by_a_killed_invocation_are_removed(
    stack: Stack, invoke: Invoke, clean_tmp: Path
) -> None:
    """Only folders whose process is gone: a live one (another invocation sharing /tmp, a
    parallel test run) keeps its folder."""
    gone = subprocess.Popen(["true"])  # a process that has ended
    gone.wait()
    stale = clean_tmp / f"{processor.WORK_DIR_PREFIX}{gone.pid}-killed"
    (stale / "out").mkdir(parents=True)
    (stale / "out" / "rejected_rows.csv").write_bytes(b"x" * 1000)
    live = subprocess.Popen(["sleep", "30"])
    try:
        busy = clean_tmp / f"{processor.WORK_DIR_PREFIX}{live.pid}-running"
        busy.mkdir()
        unrelated = clean_tmp / "someone-else"
        unrelated.mkdir()
        invoke({"Service": "Amazon S3", "Event": "s3:TestEvent"})
        assert sorted(clean_tmp.iterdir()) == sorted([busy, unrelated])
    finally:
        live.kill()
        live.wait()
