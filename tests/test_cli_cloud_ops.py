"""`orders upload/tail/status/reprocess/redrive` against a moto server wired like the stack.

The stack comes from the project's one builder, ``cli.moto_stack.create_pipeline``
(versioned buckets, queue with a redrive policy to the DLQ, S3 -> SQS notification
with the suffix filters). Where the pipeline must run, a ``LocalConsumer`` thread
invokes the real handler in its own process (``cli.local_lambda.LambdaProcess``) as
Lambda's SQS trigger would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

# The handler's logger keeps the stdout of its first import: not a CliRunner stream.
import shared.aws.telemetry  # noqa: F401
from cli import cloud
from cli.local_lambda import LambdaProcess
from cli.main import app
from cli.moto_stack import FAKE_CREDENTIALS, Resources, create_pipeline
from cli.sqs_trigger import LocalConsumer
from shared.aws import layout
from tests.cli_support import reset_moto, start_moto
from tests.helpers import SAMPLE

REGION = "us-west-2"
runner = CliRunner()
BAD_CSV = b"Order Id,Region,Category\nO-1,East,Furniture\n"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@dataclass
class Stack:
    s3: Any
    sqs: Any
    res: Resources
    endpoint: str

    def outputs(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.res.output_bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def take_all(self, url: str) -> list[dict[str, Any]]:
        """Receive and delete every message; their bodies as JSON."""
        bodies: list[dict[str, Any]] = []
        while got := self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
        ).get("Messages", []):
            for m in got:
                bodies.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return bodies

    def depth(self, url: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attrs.values())


@pytest.fixture
def stack(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """A fresh stack; the CLI finds it through the ORDERS_* environment variables."""
    reset_moto(moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    res = create_pipeline(s3, sqs, prefix="t", visibility_timeout=1, max_receive_count=2)
    stack = Stack(s3, sqs, res, moto_endpoint)
    stack.take_all(res.queue_url)  # the s3:TestEvent
    for name, value in {
        "ORDERS_INPUT_BUCKET": res.input_bucket,
        "ORDERS_OUTPUT_BUCKET": res.output_bucket,
        "ORDERS_QUEUE_URL": res.queue_url,
        "ORDERS_DLQ_URL": res.dlq_url,
        "ORDERS_TERRAFORM_DIR": "/nonexistent",  # terraform must never be needed here
    }.items():
        monkeypatch.setenv(name, value)
    return stack


def function(stack: Stack, tmp_path: Path, output_bucket: str | None = None) -> LambdaProcess:
    """The real handler in its own process, configured as the builder's function."""
    spec = stack.res.function()
    if output_bucket:
        spec = replace(spec, environment={**spec.environment, "OUTPUT_BUCKET": output_bucket})
    return LambdaProcess(
        spec,
        endpoint=stack.endpoint,
        credentials=FAKE_CREDENTIALS,
        work_dir=tmp_path / "lambda",
        log_path=tmp_path / "handler.log",
    )


@pytest.fixture
def consumer(stack: Stack, tmp_path: Path) -> Iterator[LocalConsumer]:
    """The real handler behind the queue, polled from a background thread."""
    with (
        function(stack, tmp_path) as running,
        LocalConsumer(stack.sqs, stack.res.event_source(), running.invoke) as trigger,
    ):
        yield trigger


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args), terminal_width=200)


def flat(text: str) -> str:
    return " ".join(text.split())


def wait_until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


# --- upload ---------------------------------------------------------------------------


def test_upload_no_wait_stores_the_file_with_its_identity(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--no-wait", "--key", "incoming/")
    assert result.exit_code == 0, result.output
    head = stack.s3.head_object(Bucket=stack.res.input_bucket, Key="incoming/sample_orders.csv")
    assert head["ContentLength"] == SAMPLE.stat().st_size
    assert head["ContentType"] == "text/csv"
    assert cloud.UPLOAD_MARKER in head["Metadata"]
    ref = layout.ObjectRef(
        stack.res.input_bucket, "incoming/sample_orders.csv", head["VersionId"], head["ETag"]
    )
    out = flat(result.output)
    assert f"uploaded s3://{stack.res.input_bucket}/incoming/sample_orders.csv" in out
    assert f"source id {layout.source_id(ref)}" in out
    assert "upload sample_orders.csv" in out  # the progress bar's label


def test_keys_with_brackets_print_literally(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--no-wait", "--key", "in/[bold]x[/bold].csv")
    assert result.exit_code == 0, result.output
    assert f"s3://{stack.res.input_bucket}/in/[bold]x[/bold].csv" in result.stdout


def test_large_upload_is_multipart(stack: Stack, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    body = b"".join(lines[1:])
    with big.open("wb") as fh:
        fh.write(lines[0])
        while fh.tell() < 17 * cloud.MiB:
            fh.write(body)
    result = cli("upload", str(big), "--no-wait")
    assert result.exit_code == 0, result.output
    head = stack.s3.head_object(Bucket=stack.res.input_bucket, Key="big.csv")
    assert head["ETag"].strip('"').endswith("-2")  # two 16 MiB parts
    assert head["ContentLength"] == big.stat().st_size


def test_upload_waits_and_renders_the_reports(stack: Stack, consumer: LocalConsumer) -> None:
    result = cli("upload", str(SAMPLE), "--timeout", "30")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "Most profitable region" in out and "1059.15" in out
    assert "Orders by category and sub-category" in out
    assert "rows_read │ 29" in out
    assert any(k.startswith("manifests/") for k in stack.outputs())


def test_upload_of_a_rejected_file_shows_the_error_record(
    stack: Stack, consumer: LocalConsumer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_CSV)
    result = cli("upload", str(bad), "--timeout", "30")
    assert result.exit_code == 1
    out = flat(result.output)
    assert "Input rejected" in out and "MissingColumnsError" in out
    assert any(k.startswith("errors/") for k in stack.outputs())


def test_upload_timeout_says_what_to_check(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--timeout", "1")  # nobody consumes the queue
    assert result.exit_code == 1
    err = flat(result.stderr)
    assert "no manifest or error record" in err and "after 1s" in err
    assert "the queue (`orders status`" in err
    assert "the DLQ" in err and "orders redrive" in err
    assert "aws logs tail" in err


def test_upload_refuses_a_key_the_notification_ignores(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--key", "orders.CSV")
    assert result.exit_code == 1
    assert "case-sensitive" in result.stderr
    assert stack.s3.list_objects_v2(Bucket=stack.res.input_bucket).get("KeyCount") == 0


def test_upload_without_wait_only_warns_about_such_a_key(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--no-wait", "--key", "orders.CSV")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "will not see it" in flat(result.stderr)
    assert stack.take_all(stack.res.queue_url) == []  # the notification did not fire


def test_upload_with_flags_instead_of_environment(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERS_INPUT_BUCKET")
    result = cli("upload", str(SAMPLE), "--no-wait", "--input-bucket", stack.res.input_bucket)
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("ORDERS_OUTPUT_BUCKET")
    result = cli("upload", str(SAMPLE), "--input-bucket", stack.res.input_bucket)
    assert result.exit_code == 1
    assert "no output bucket: pass --output-bucket or set ORDERS_OUTPUT_BUCKET" in result.stderr


# --- tail -----------------------------------------------------------------------------


def test_tail_lists_reports_manifests_and_errors(
    stack: Stack, consumer: LocalConsumer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_CSV)
    assert cli("upload", str(SAMPLE)).exit_code == 0
    assert cli("upload", str(bad)).exit_code == 1
    result = cli("tail", "--no-follow")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 6  # 4 reports + 1 manifest + 1 error record
    kinds = [line.split()[2] for line in lines]
    assert sorted(kinds) == ["error", "manifest", "report", "report", "report", "report"]
    manifest_line = next(line for line in lines if " manifest " in line)
    assert "sample_orders.csv rows=29 valid=29 rejected=0" in manifest_line
    error_line = next(line for line in lines if " error " in line)
    assert "MissingColumnsError" in error_line
    assert "most_profitable_region" in result.stdout
    processed = [line.split()[2] for line in lines if "sample_orders" in line]
    assert processed[-1] == "manifest"  # written last, listed last


def test_tail_follow_shows_new_objects_and_ctrl_c_exits_0(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    record = {
        "input": {"bucket": stack.res.input_bucket, "key": "late.csv"},
        "error_type": "EmptyFileError",
        "message": "s3://in/late.csv: file is empty (0 bytes)",
    }

    def fake_sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 1:  # something arrives while tail waits
            stack.s3.put_object(
                Bucket=stack.res.output_bucket,
                Key="errors/late-0123456789abcdef.json",
                Body=json.dumps(record).encode(),
            )
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(cloud, "_sleep", fake_sleep)
    result = cli("tail", "--interval", "0.5")
    assert result.exit_code == 0, result.output
    assert calls == [0.5, 0.5]
    assert "errors/late-0123456789abcdef.json" in result.stdout
    assert "EmptyFileError" in result.stdout
    assert "stopped" in result.stderr


def test_tail_rejects_a_bad_duration(stack: Stack) -> None:
    result = cli("tail", "--since", "ten minutes", "--no-follow")
    assert result.exit_code == 1
    assert "bad duration" in result.stderr


def test_parse_duration() -> None:
    assert cloud.parse_duration("90s").total_seconds() == 90
    assert cloud.parse_duration("1h30m").total_seconds() == 5400
    assert cloud.parse_duration("0").total_seconds() == 0
    with pytest.raises(cloud.CloudError):
        cloud.parse_duration("5 parsecs")


# --- status ---------------------------------------------------------------------------


def test_status_shows_queues_processed_inputs_and_errors(
    stack: Stack, consumer: LocalConsumer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_CSV)
    assert cli("upload", str(SAMPLE)).exit_code == 0
    assert cli("upload", str(bad)).exit_code == 1
    stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody="{}")
    result = cli("status", "--last", "3")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert f"output_bucket │ {stack.res.output_bucket} │ ORDERS_OUTPUT_BUCKET" in out
    assert "DLQ │ 1 │ 0 │ 0" in out
    assert "Last processed inputs" in out and "sample_orders.csv │ 29 │ 29 │ 0" in out
    assert "Last errors" in out and "bad.csv │ MissingColumnsError" in out
    assert "1 message(s) in the DLQ" in out and "orders redrive" in out


# --- reprocess ------------------------------------------------------------------------


def put_input(stack: Stack, key: str, body: bytes) -> None:
    stack.s3.put_object(Bucket=stack.res.input_bucket, Key=key, Body=body)


def test_reprocess_sends_a_notification_for_an_input_never_processed(
    stack: Stack, tmp_path: Path
) -> None:
    key = "lost/with space+plus.csv"
    put_input(stack, key, SAMPLE.read_bytes())
    stack.take_all(stack.res.queue_url)  # the notification got lost
    result = cli("reprocess", key)
    assert result.exit_code == 0, result.output
    assert "queued" in result.stdout
    message = stack.sqs.receive_message(QueueUrl=stack.res.queue_url, VisibilityTimeout=0)
    (body,) = [json.loads(m["Body"]) for m in message["Messages"]]
    obj = body["Records"][0]["s3"]["object"]
    assert obj["key"] == "lost/with+space%2Bplus.csv"  # encoded like S3's own events
    head = stack.s3.head_object(Bucket=stack.res.input_bucket, Key=key)
    assert obj["versionId"] == head["VersionId"]
    with function(stack, tmp_path) as running:
        consumer = LocalConsumer(stack.sqs, stack.res.event_source(), running.invoke)
        wait_until(lambda: consumer.poll_once() is not None)
    (invocation,) = consumer.invocations
    assert invocation.failed_ids == []
    assert [r["object_key"] for r in invocation.logs if r.get("message") == "file processed"] == [
        key
    ]
    ref = layout.ObjectRef(stack.res.input_bucket, key, head["VersionId"], head["ETag"])
    assert layout.manifest_key(layout.source_id(ref)) in stack.outputs()


def test_reprocess_of_processed_input_is_skipped_unless_new_version(
    stack: Stack, consumer: LocalConsumer
) -> None:
    assert cli("upload", str(SAMPLE)).exit_code == 0
    manifests_before = [k for k in stack.outputs() if k.startswith("manifests/")]

    skipped = cli("reprocess", "sample_orders.csv")
    assert skipped.exit_code == 0, skipped.output
    assert "skipped" in skipped.stdout and "already processed" in skipped.stdout
    assert "--new-version" in skipped.stdout

    again = cli("reprocess", "sample_orders.csv", "--new-version")
    assert again.exit_code == 0, again.output
    assert "new version" in again.stdout
    versions = stack.s3.list_object_versions(Bucket=stack.res.input_bucket)["Versions"]
    assert len(versions) == 2
    wait_until(lambda: len([k for k in stack.outputs() if k.startswith("manifests/")]) == 2)
    assert set(manifests_before) < set(stack.outputs())  # the old reports stay


def test_reprocess_of_a_missing_key_fails(stack: Stack) -> None:
    result = cli("reprocess", "nope.csv")
    assert result.exit_code == 1
    assert "no object" in result.stderr


# --- redrive and the DLQ ----------------------------------------------------------------


def test_redrive_moves_every_dlq_message_back(stack: Stack) -> None:
    bodies = [json.dumps({"n": i}) for i in range(13)]
    for body in bodies:
        stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody=body)
    result = cli("redrive", "--max", "3")
    assert result.exit_code == 0, result.output
    assert "moved 3 message(s)" in result.stdout
    result = cli("redrive")
    assert result.exit_code == 0, result.output
    assert "moved 10 message(s)" in result.stdout
    assert stack.depth(stack.res.dlq_url) == 0
    moved = stack.take_all(stack.res.queue_url)
    assert sorted(m["n"] for m in moved) == list(range(13))


def test_failing_message_goes_to_the_dlq_and_redrive_brings_it_back(
    stack: Stack, tmp_path: Path
) -> None:
    """The real handler fails (its output bucket does not exist yet): the message is
    retried, lands in the DLQ after maxReceiveCount, and is processed after a redrive."""
    late_bucket = "t-output-late"
    with (
        function(stack, tmp_path, output_bucket=late_bucket) as running,
        LocalConsumer(stack.sqs, stack.res.event_source(), running.invoke) as consumer,
    ):
        put_input(stack, "sample.csv", SAMPLE.read_bytes())
        wait_until(lambda: stack.depth(stack.res.dlq_url) == 1)
        failed = [i for i in consumer.invocations if i.failed_ids]
        assert len(failed) == 2  # maxReceiveCount receives, then the redrive policy
        stack.s3.create_bucket(
            Bucket=late_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        result = cli("redrive")
        assert result.exit_code == 0, result.output
        assert "moved 1 message(s)" in result.stdout
        wait_until(
            lambda: any(
                k.startswith("manifests/")
                for k in (
                    i["Key"]
                    for i in stack.s3.list_objects_v2(Bucket=late_bucket).get("Contents", [])
                )
            )
        )
    assert stack.depth(stack.res.dlq_url) == 0
