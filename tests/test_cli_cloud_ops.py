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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
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


def document(result: Result) -> Any:
    """The command's JSON document. The consumer fixture runs the handler in this process, so
    its EMF metric lines (one JSON object each, printed to whatever stdout is current) can land
    in the captured output: they are left out."""
    kept = [line for line in result.stdout.splitlines() if not line.startswith('{"_aws"')]
    return json.loads("\n".join(kept))


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

    again = cli("upload", str(SAMPLE), "--no-wait", "--key", "incoming/", "--json")
    assert again.exit_code == 0, again.output
    payload = json.loads(again.stdout)  # nothing but the document on stdout
    head = stack.s3.head_object(Bucket=stack.res.input_bucket, Key="incoming/sample_orders.csv")
    assert payload["status"] == "uploaded"
    assert payload["input"] == {
        "bucket": stack.res.input_bucket,
        "key": "incoming/sample_orders.csv",
        "version_id": head["VersionId"],
        "etag": head["ETag"].strip('"'),
        "last_modified": head["LastModified"].isoformat(),
        "size": SAMPLE.stat().st_size,
        "source_id": layout.source_id(
            layout.ObjectRef(
                stack.res.input_bucket, "incoming/sample_orders.csv", head["VersionId"]
            )
        ),
    }
    assert payload["record"] is None and payload["reports"] == {}


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


def test_upload_waits_and_returns_the_reports(stack: Stack, consumer: LocalConsumer) -> None:
    result = cli("upload", str(SAMPLE), "--timeout", "30", "--json")
    assert result.exit_code == 0, result.output
    payload = document(result)
    assert payload["status"] == "processed"
    assert payload["record"] in stack.outputs() and payload["record"].startswith("manifests/")
    assert payload["manifest"]["rows_read"] == 29
    assert payload["manifest"]["source_id"] == payload["input"]["source_id"]
    assert payload["reports"]["most_profitable_region"] == [
        {"region": "East", "total_profit": "1059.15"}
    ]
    assert {"category": "Technology", "ship_mode": "Same Day", "order_count": 2} in payload[
        "reports"
    ]["most_common_ship_mode_by_category"]
    assert len(payload["reports"]["orders_by_category_and_sub_category"]) > 0
    assert payload["error"] is None and payload["problem"] is None


def test_upload_of_a_rejected_file_shows_the_error_record(
    stack: Stack, consumer: LocalConsumer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_CSV)
    result = cli("upload", str(bad), "--timeout", "30", "--json")
    assert result.exit_code == 1
    payload = document(result)
    assert payload["status"] == "rejected"
    assert payload["record"] in stack.outputs() and payload["record"].startswith("errors/")
    assert payload["error"]["error_type"] == "MissingColumnsError"
    assert payload["manifest"] is None and payload["reports"] == {}


def test_upload_timeout_says_what_to_check(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--timeout", "1", "--json")  # nobody consumes the queue
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "timeout"
    (err,) = result.stderr.splitlines()
    assert err.startswith("error: no manifest or error record") and "after 1s" in err
    assert "the queue (`orders status`" in err
    assert "the DLQ" in err and "orders redrive" in err
    assert "aws logs tail" in err


def test_upload_refuses_a_key_the_notification_ignores(stack: Stack) -> None:
    result = cli("upload", str(SAMPLE), "--key", "orders.CSV")
    assert result.exit_code == 1
    assert "case-sensitive" in result.stderr
    assert json.loads(cli("upload", str(SAMPLE), "--key", "x.CSV", "--json").stdout) == {
        "status": "refused",
        "input": {"bucket": stack.res.input_bucket, "key": "x.CSV"},
        "record": None,
        "manifest": None,
        "error": None,
        "reports": {},
        "problem": "key 'x.CSV' does not end with .csv or .csv.gz (S3 suffix filters are "
        "case-sensitive): the pipeline will not see it; choose another --key",
    }
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
    shown = cli("upload", str(SAMPLE))
    assert shown.exit_code == 0
    assert "Most profitable region" in shown.stdout and "Summary" in shown.stdout
    rejected = cli("upload", str(bad))
    assert rejected.exit_code == 1 and "Input rejected" in rejected.stdout
    result = cli("tail", "--no-follow", "--json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]  # one object per line
    assert events and all(
        set(e) == {"kind", "key", "last_modified", "size", "detail"} for e in events
    )
    assert sorted(e["kind"] for e in events) == [
        "error",
        "manifest",
        "report",
        "report",
        "report",
        "report",
    ]
    (manifest,) = [e for e in events if e["kind"] == "manifest"]
    assert "sample_orders.csv rows=29 valid=29 rejected=0" in manifest["detail"]
    (error,) = [e for e in events if e["kind"] == "error"]
    assert "MissingColumnsError" in error["detail"]
    assert any(e["key"].startswith("reports/most_profitable_region/") for e in events)
    processed = [e["kind"] for e in events if "sample_orders" in e["key"]]
    assert processed[-1] == "manifest"  # written last, listed last
    human = cli("tail", "--no-follow").stdout.splitlines()
    assert [line.split()[2] for line in human] == [e["kind"] for e in events]


def test_tail_follow_shows_new_objects_and_ctrl_c_exits_0(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    record = {
        "input": {"bucket": stack.res.input_bucket, "key": "late.csv"},
        "error_type": "EmptyFileError",
        "message": "s3://in/late.csv: file is empty (0 bytes)",
    }

    late_key = layout.error_key("late-0123456789abcdef", datetime.now(UTC))

    def fake_sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 1:  # something arrives while tail waits
            stack.s3.put_object(
                Bucket=stack.res.output_bucket, Key=late_key, Body=json.dumps(record).encode()
            )
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(cloud, "_sleep", fake_sleep)
    result = cli("tail", "--interval", "0.5")
    assert result.exit_code == 0, result.output
    assert calls == [0.5, 0.5]
    assert late_key in result.stdout
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
    result = cli("status", "--last", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = document(result)
    assert payload["settings"]["output_bucket"] == {
        "value": stack.res.output_bucket,
        "from": "ORDERS_OUTPUT_BUCKET",
    }
    assert payload["dlq"] == {"url": stack.res.dlq_url, "visible": 1, "in_flight": 0, "delayed": 0}
    assert payload["queue"]["url"] == stack.res.queue_url
    (processed,) = payload["processed"]
    assert processed["input"]["key"] == "sample_orders.csv"
    assert (processed["rows_read"], processed["rows_valid"], processed["rows_rejected"]) == (
        29,
        29,
        0,
    )
    (error,) = payload["errors"]
    assert error["input"]["key"] == "bad.csv" and error["error_type"] == "MissingColumnsError"
    human = cli("status", "--last", "3")
    assert human.exit_code == 0, human.output
    out = flat(human.stdout)
    for title in ("Stack", "Queues", "Last processed inputs", "Last errors"):
        assert title in out
    assert "1 message(s) in the DLQ" in out and "orders redrive" in out


# --- what status and tail cost: S3 calls follow what they show, not the history ----------

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
HISTORY_DAYS = 40
PER_DAY = {layout.MANIFESTS_PREFIX: 60, layout.ERRORS_PREFIX: 15}  # 2,400 manifests, 600 errors
PARTITION = "aws"


class S3Calls:
    """Every S3 operation a client makes, and how many keys its listings returned."""

    def __init__(self, client: Any) -> None:
        self.operations: list[str] = []
        self.keys_listed = 0
        client.meta.events.register("before-call.s3.*", self._before)
        client.meta.events.register("after-call.s3.ListObjectsV2", self._after_list)

    def _before(self, model: Any, **_kw: Any) -> None:
        self.operations.append(model.name)

    def _after_list(self, parsed: dict[str, Any], **_kw: Any) -> None:
        self.keys_listed += len(parsed.get("Contents", []))

    def count(self, operation: str) -> int:
        return self.operations.count(operation)

    def reset(self) -> None:
        self.operations.clear()
        self.keys_listed = 0


def record(prefix: str, n: int, uploaded: datetime) -> tuple[str, bytes]:
    """A small record of the layout: its key and body."""
    sid = f"orders-{n:016x}"
    key = (layout.manifest_key if prefix == layout.MANIFESTS_PREFIX else layout.error_key)(
        sid, uploaded
    )
    body = {"source_id": sid, "input": {"bucket": "in", "key": f"{sid}.csv"}, "rows_read": n}
    return key, json.dumps(body).encode()


def put_record(s3: Any, prefix: str, n: int, uploaded: datetime) -> str:
    key, body = record(prefix, n, uploaded)
    s3.put_object(Bucket="out", Key=key, Body=body)
    return key


@pytest.fixture
def history() -> Iterator[Any]:
    """An output bucket with 40 days of records (3,000 keys), the newest an hour old."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="out", CreateBucketConfiguration={"LocationConstraint": REGION})
        backend = s3_backends[DEFAULT_ACCOUNT_ID][PARTITION]  # straight in: 3,000 PUTs are slow
        n = 0
        for prefix, per_day in PER_DAY.items():
            for day in range(HISTORY_DAYS):
                for i in range(per_day):
                    uploaded = NOW - timedelta(days=day, hours=1, seconds=37 * i)
                    backend.put_object("out", *record(prefix, n, uploaded))
                    n += 1
        assert s3.list_objects_v2(Bucket="out", Prefix="errors/")["KeyCount"] == 600
        yield s3


def test_status_reads_only_what_it_shows(history: Any) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    urls = [sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("q", "dlq")]
    calls = S3Calls(history)
    status = cloud.stack_status(
        history, sqs, output_bucket="out", queue_url=urls[0], dlq_url=urls[1], last=5
    )
    assert [r["rows_read"] for r in status.processed] == [0, 1, 2, 3, 4]  # the newest uploads
    assert len(status.errors) == 5
    # Per record kind: one listing of the days, one page of 5 keys, 5 reads.
    assert calls.count("ListObjectsV2") == 4
    assert calls.count("GetObject") == 10
    assert calls.keys_listed == 10  # of 3,000


def test_status_reaches_back_over_days_with_fewer_records(history: Any) -> None:
    later = NOW + timedelta(days=2)
    put_record(history, layout.MANIFESTS_PREFIX, 99_999, later)  # a newer day with one record
    calls = S3Calls(history)
    newest = cloud.newest_records(history, "out", layout.MANIFESTS_PREFIX, 3)
    uploaded = [p.uploaded for p in map(layout.parse_record_key, (i.key for i in newest)) if p]
    assert uploaded == [later, NOW - timedelta(hours=1), NOW - timedelta(hours=1, seconds=37)]
    assert calls.count("ListObjectsV2") == 3  # the days, the newest day, the day before


def test_one_tail_poll_lists_only_new_records(history: Any) -> None:
    calls = S3Calls(history)
    clock = [NOW]
    events = cloud.tail_events(
        history,
        "out",
        since=timedelta(minutes=10),
        follow=True,
        sleep=lambda _s: None,
        now=lambda: clock[0],
    )
    fresh = [
        put_record(history, layout.MANIFESTS_PREFIX, 10**6 + i, NOW - timedelta(seconds=i))
        for i in range(3)
    ]
    first = [next(events) for _ in range(3)]
    assert {e.key for e in first} == set(fresh)
    assert calls.count("ListObjectsV2") == 2  # today's manifests and errors, newest first
    assert calls.count("GetObject") == 3  # the three new records only
    assert calls.keys_listed <= 2 * cloud.TAIL_PAGE  # a page of today's, never the 3,000

    calls.reset()
    clock[0] = NOW + timedelta(seconds=3)
    late = put_record(history, layout.ERRORS_PREFIX, 2 * 10**6, NOW + timedelta(seconds=2))
    second = next(events)  # the next poll
    assert (second.key, second.kind) == (late, "error")
    assert calls.count("ListObjectsV2") == 2
    assert calls.count("GetObject") == 1  # the records shown before are not read again


def test_tail_shows_a_record_written_after_later_polls_within_the_allowance(
    history: Any,
) -> None:
    clock = [NOW]
    slow: list[str] = []

    def sleep(_seconds: float) -> None:
        clock[0] += timedelta(minutes=2)
        if clock[0] == NOW + timedelta(minutes=4):
            # An input uploaded at NOW + 1 s whose run took minutes: its record appears after
            # two polls went past its upload time, and is still shown.
            uploaded = NOW + timedelta(seconds=1)
            slow.append(put_record(history, layout.MANIFESTS_PREFIX, 3 * 10**6, uploaded))

    events = cloud.tail_events(
        history, "out", since=timedelta(0), follow=True, sleep=sleep, now=lambda: clock[0]
    )
    event = next(events)
    assert [event.key] == slow
    assert clock[0] == NOW + timedelta(minutes=4)


def test_records_of_the_flat_layout_migrate_to_their_new_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scripts.migrate_record_keys import main as migrate_main

    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="out", CreateBucketConfiguration={"LocationConstraint": REGION})
        uploaded = "2026-11-28T09:12:44+00:00"
        old = {
            "manifests/a-0000000000000001.json": {
                "source_id": "a-0000000000000001",
                "input": {"key": "a.csv", "last_modified": uploaded},
            },
            "errors/b-0000000000000002.json": {  # a gone object: no LastModified
                "source_id": "b-0000000000000002",
                "input": {"key": "b.csv", "last_modified": None},
                "recorded_at": "2026-11-27T23:00:00.5+00:00",
            },
        }
        for key, body in old.items():
            s3.put_object(Bucket="out", Key=key, Body=json.dumps(body).encode())
        new_manifest = layout.manifest_key("a-0000000000000001", datetime.fromisoformat(uploaded))
        new_error = "errors/ingest_date=2026-11-27/03599-b-0000000000000002.json"

        assert migrate_main(["--bucket", "out"]) == 0  # a dry run
        assert f"manifests/a-0000000000000001.json -> {new_manifest}" in capsys.readouterr().out
        assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="out")["Contents"]) == sorted(old)

        moved = cloud.migrate_records(s3, "out", apply=True)
        assert {(m.old_key, m.new_key) for m in moved} == {
            ("manifests/a-0000000000000001.json", new_manifest),
            ("errors/b-0000000000000002.json", new_error),
        }
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="out")["Contents"])
        assert keys == sorted([new_manifest, new_error])
        assert (
            json.loads(s3.get_object(Bucket="out", Key=new_manifest)["Body"].read())
            == old["manifests/a-0000000000000001.json"]
        )
        assert cloud.migrate_records(s3, "out", apply=True) == []  # nothing left to move


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
    assert layout.manifest_key(layout.source_id(ref), head["LastModified"]) in stack.outputs()


def test_reprocess_of_processed_input_is_skipped_unless_new_version(
    stack: Stack, consumer: LocalConsumer
) -> None:
    assert cli("upload", str(SAMPLE)).exit_code == 0
    manifests_before = [k for k in stack.outputs() if k.startswith("manifests/")]

    skipped = cli("reprocess", "sample_orders.csv")
    assert skipped.exit_code == 0, skipped.output
    assert "skipped" in skipped.stdout and "already processed" in skipped.stdout
    assert "--new-version" in skipped.stdout
    (item,) = document(cli("reprocess", "sample_orders.csv", "--json"))
    assert (item["key"], item["status"]) == ("sample_orders.csv", "already-processed")
    assert item["detail"] in manifests_before

    again = cli("reprocess", "sample_orders.csv", "--new-version")
    assert again.exit_code == 0, again.output
    assert "new version" in again.stdout
    versions = stack.s3.list_object_versions(Bucket=stack.res.input_bucket)["Versions"]
    assert len(versions) == 2
    wait_until(lambda: len([k for k in stack.outputs() if k.startswith("manifests/")]) == 2)
    assert set(manifests_before) < set(stack.outputs())  # the old reports stay


def test_reprocess_of_a_missing_key_fails(stack: Stack) -> None:
    put_input(stack, "there.csv", SAMPLE.read_bytes())
    result = cli("reprocess", "nope.csv", "there.csv", "--json")
    assert result.exit_code == 1
    assert [(i["key"], i["status"]) for i in json.loads(result.stdout)] == [
        ("nope.csv", "missing"),
        ("there.csv", "queued"),
    ]
    assert result.stderr == f"error: no object s3://{stack.res.input_bucket}/nope.csv\n"


# --- redrive and the DLQ ----------------------------------------------------------------


def test_redrive_starts_a_move_task_and_follows_its_progress(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloud, "_sleep", lambda _s: None)
    bodies = [json.dumps({"n": i}) for i in range(13)]
    for body in bodies:
        stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody=body)
    result = cli("redrive", "--rate", "5", "--json")  # at most 5 messages per second
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"moved": 13, "failed": 0, "joined": False}
    progress = result.stderr.strip().splitlines()
    assert progress == [
        "move task running: 5/13 message(s)",
        "move task running: 10/13 message(s)",
        "move task completed: 13/13 message(s)",
    ]
    assert stack.depth(stack.res.dlq_url) == 0
    moved = stack.take_all(stack.res.queue_url)
    assert sorted(m["n"] for m in moved) == list(range(13))
    (task,) = stack.sqs.list_message_move_tasks(
        SourceArn=queue_arn(stack, stack.res.dlq_url), MaxResults=10
    )["Results"]
    assert task["DestinationArn"] == queue_arn(stack, stack.res.queue_url)
    assert task["MaxNumberOfMessagesPerSecond"] == 5


def queue_arn(stack: Stack, url: str) -> str:
    attrs = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def test_redrive_sends_nothing_itself(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The messages move server-side: the CLI never receives, sends or deletes one."""
    monkeypatch.setattr(cloud, "_sleep", lambda _s: None)
    stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody="{}")
    calls: list[str] = []
    stack.sqs.meta.events.register(
        "before-call.sqs.*", lambda model, **_kw: calls.append(model.name)
    )
    result = cloud.redrive(stack.sqs, dlq_url=stack.res.dlq_url, queue_url=stack.res.queue_url)
    assert result == cloud.Redriven(moved=1, failed=0)
    assert set(calls) == {"GetQueueAttributes", "ListMessageMoveTasks", "StartMessageMoveTask"}


def test_redrive_follows_a_task_that_is_already_running(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloud, "_sleep", lambda _s: None)
    for n in range(3):
        stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody=str(n))
    dlq_arn = queue_arn(stack, stack.res.dlq_url)
    stack.sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)
    seen: list[cloud.MoveProgress] = []
    result = cloud.redrive(
        stack.sqs, dlq_url=stack.res.dlq_url, queue_url=stack.res.queue_url, progress=seen.append
    )
    assert result == cloud.Redriven(moved=3, failed=0, joined=True)
    assert [(p.status, p.moved) for p in seen] == [("RUNNING", 2), ("COMPLETED", 3)]


def test_redrive_reports_a_cancelled_task(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        stack.sqs.send_message(QueueUrl=stack.res.dlq_url, MessageBody=str(n))

    def cancel(_seconds: float) -> None:  # someone cancels the task while we wait
        dlq_arn = queue_arn(stack, stack.res.dlq_url)
        running = stack.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        if running["Status"] == "RUNNING":
            stack.sqs.cancel_message_move_task(TaskHandle=running["TaskHandle"])

    monkeypatch.setattr(cloud, "_sleep", cancel)
    result = cli("redrive", "--rate", "1")
    assert result.exit_code == 1
    assert "cancelled" in result.stderr and "stay in the DLQ" in result.stderr


def test_redrive_rate_above_the_sqs_ceiling_is_a_usage_error(stack: Stack) -> None:
    result = cli("redrive", "--rate", "501")
    assert result.exit_code == 2


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
