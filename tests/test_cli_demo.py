"""`orders demo` end to end, and the local consumer's Lambda-like SQS semantics."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

# The handler's logger keeps the stdout of its first import: not a CliRunner stream.
import shared.aws.telemetry  # noqa: F401
from cli import demo, moto_stack
from cli.local_lambda import FunctionSpec, InvokeResult
from cli.main import app
from cli.moto_stack import Resources, create_pipeline
from cli.sqs_trigger import LocalConsumer, failed_message_ids, sqs_event
from tests.cli_support import reset_moto, start_moto
from tests.helpers import SAMPLE

runner = CliRunner()
REGION = "us-west-2"


@pytest.fixture
def system_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tempfile's folder for the test: whatever the demo leaves behind shows up here."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_demo_runs_the_sample_end_to_end_and_leaves_nothing(system_tmp: Path) -> None:
    stdout_before = sys.stdout
    result = runner.invoke(app, ["demo"], terminal_width=160)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "moto on http://127.0.0.1:" in out
    assert "notification acknowledged without work (s3:TestEvent)" in out
    assert "uploaded s3://orders-demo-input/sample_orders.csv" in out
    assert "file processed object_key=sample_orders.csv rows_read=29 rows_valid=29" in out
    assert "Most profitable region" in out and "Most common ship mode by category" in out
    assert "Orders by category and sub-category" in out and "Summary" in out
    assert list(system_tmp.iterdir()) == []  # the temporary folder is gone
    assert tempfile.tempdir == str(system_tmp)  # the function's /tmp was put back
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"  # fake demo keys were put back
    assert "OUTPUT_BUCKET" not in os.environ
    assert sys.stdout is stdout_before


def test_demo_with_several_files_and_keep(system_tmp: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Order Id,Region\nO-1,East\n")
    keep = tmp_path / "kept"
    result = runner.invoke(
        app,
        ["demo", "--file", str(SAMPLE), "--file", str(bad), "--keep", str(keep), "--json"],
    )
    assert result.exit_code == 1  # one input was rejected
    payload = json.loads(result.stdout)  # the document alone: no progress, no handler lines
    assert payload["kept"] == str(keep)
    processed, rejected = payload["files"]
    assert processed["status"] == "processed"
    assert processed["input"]["key"] == "sample_orders.csv"
    assert processed["reports"]["most_profitable_region"] == [
        {"region": "East", "total_profit": "1059.15"}
    ]
    assert {"category": "Technology", "ship_mode": "Same Day", "order_count": 2} in processed[
        "reports"
    ]["most_common_ship_mode_by_category"]
    assert processed["manifest"]["rows_read"] == 29
    assert rejected["status"] == "rejected"
    assert rejected["error"]["error_type"] == "MissingColumnsError"
    manifests = list((keep / "output" / "manifests").glob("ingest_date=*/*.json"))
    errors = list((keep / "output" / "errors").glob("ingest_date=*/*.json"))
    assert len(manifests) == 1 and len(errors) == 1
    assert json.loads(manifests[0].read_text())["rows_read"] == 29
    assert len(list((keep / "output" / "reports").rglob("*.csv"))) == 4
    assert sorted(p.name for p in (keep / "input").iterdir()) == ["bad.csv", "sample_orders.csv"]
    # The kept folder is what `orders query --local` reads (the rejected file has no rows there).
    query = runner.invoke(
        app, ["query", "cumulative_most_profitable_region", "--local", str(keep), "--csv"]
    )
    assert query.exit_code == 0, query.output
    assert query.stdout == "region,total_profit\nEast,1059.15\n"
    log = (keep / "handler.log").read_text()
    assert '"message":"file processed"' in log
    assert '"message":"input file rejected: error record written"' in log
    assert '"_aws"' in log  # the EMF metrics went to the function's log, not the terminal
    assert '"_aws"' not in result.stdout
    assert list(system_tmp.iterdir()) == []


def test_demo_names_missing_requirements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "find_spec", lambda name: None if name == "moto" else object())
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: orders demo needs moto[server]: pip install 'orders-pipeline[demo]' "
        "(in a checkout: make install)\n"
    )


def test_a_handler_that_cannot_start_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    built = moto_stack.Resources.function

    def broken(self: moto_stack.Resources) -> FunctionSpec:
        return replace(built(self), handler="shared.aws.no_such_module.lambda_handler")

    monkeypatch.setattr(moto_stack.Resources, "function", broken)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "the function's init phase failed: ModuleNotFoundError" in result.stderr
    assert "Traceback" not in result.output


def test_demo_refuses_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--file", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "does not exist" in line


# --- the consumer ------------------------------------------------------------------------


def test_failed_message_ids_reads_the_response_like_lambda() -> None:
    ids = ["a", "b", "c"]
    assert failed_message_ids(None, ids) == []
    assert failed_message_ids({"batchItemFailures": []}, ids) == []
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == ["b"]
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) == ids
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) == ids
    assert failed_message_ids({"batchItemFailures": "nope"}, ids) == ids
    assert failed_message_ids("nonsense", ids) == ids


def test_sqs_event_has_lambdas_shape() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
    }
    (record,) = sqs_event([message], "arn:aws:sqs:us-west-2:123456789012:q")["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["awsRegion"] == REGION
    assert record["messageId"] == "m-1" and record["receiptHandle"] == "r-1"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-west-2:123456789012:q"
    assert record["attributes"] == {"ApproximateReceiveCount": "1"}
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Resources]]:
    """The builder's stack (Terraform's 30-minute visibility timeout), maxReceiveCount 2."""
    server, endpoint = start_moto()
    reset_moto(endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    res = create_pipeline(s3, sqs, prefix="c", max_receive_count=2)
    while got := sqs.receive_message(QueueUrl=res.queue_url, WaitTimeSeconds=0).get("Messages", []):
        for m in got:  # the s3:TestEvent
            sqs.delete_message(QueueUrl=res.queue_url, ReceiptHandle=m["ReceiptHandle"])
    yield sqs, res
    server.stop()


def depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attrs.values())


def in_process(handler: Callable[[dict[str, Any]], Any]) -> Callable[..., InvokeResult]:
    """A plain function as the consumer's function (what LambdaProcess.invoke answers)."""

    def invoke(event: dict[str, Any]) -> InvokeResult:
        try:
            return InvokeResult(response=handler(event))
        except Exception as exc:
            return InvokeResult(error=f"{type(exc).__name__}: {exc}")

    return invoke


def poison_handler(seen: list[list[str]]) -> Callable[[dict[str, Any]], Any]:
    def handler(event: dict[str, Any]) -> dict[str, Any]:
        bodies = {r["messageId"]: r["body"] for r in event["Records"]}
        seen.append(sorted(bodies.values()))
        return {
            "batchItemFailures": [
                {"itemIdentifier": mid} for mid, body in bodies.items() if body == "poison"
            ]
        }

    return handler


def drain(consumer: LocalConsumer, until: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 15
    while not until():
        assert time.monotonic() < deadline
        if consumer.poll_once() is None:
            time.sleep(0.1)


def test_partial_failures_are_retried_then_moved_to_the_dlq(queue: tuple[Any, Resources]) -> None:
    sqs, res = queue
    seen: list[list[str]] = []
    for body in ("good", "poison"):
        sqs.send_message(QueueUrl=res.queue_url, MessageBody=body)
    source = replace(res.event_source(), batch_size=10)
    # retry_after_seconds=1: the failure is back in a second, not after the queue's 30 minutes
    consumer = LocalConsumer(sqs, source, in_process(poison_handler(seen)), retry_after_seconds=1)
    drain(consumer, lambda: depth(sqs, res.dlq_url) > 0)
    assert seen[0] == ["good", "poison"]  # one batch
    assert seen[1:] == [["poison"]]  # only the failure came back, once (maxReceiveCount 2)
    assert depth(sqs, res.queue_url) == 0
    (dead,) = sqs.receive_message(QueueUrl=res.dlq_url)["Messages"]
    assert dead["Body"] == "poison"


def test_without_report_batch_item_failures_the_list_is_ignored(
    queue: tuple[Any, Resources],
) -> None:
    sqs, res = queue
    seen: list[list[str]] = []
    sqs.send_message(QueueUrl=res.queue_url, MessageBody="poison")
    source = replace(res.event_source(), report_batch_item_failures=False)
    consumer = LocalConsumer(sqs, source, in_process(poison_handler(seen)), retry_after_seconds=1)
    invocation = consumer.poll_once()
    assert invocation is not None and invocation.failed_ids == []  # a success: deleted
    assert depth(sqs, res.queue_url) == 0


def test_a_raising_handler_fails_the_whole_batch(queue: tuple[Any, Resources]) -> None:
    sqs, res = queue
    sqs.send_message(QueueUrl=res.queue_url, MessageBody="one")
    sqs.send_message(QueueUrl=res.queue_url, MessageBody="two")

    def handler(event: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    source = replace(res.event_source(), batch_size=10)
    consumer = LocalConsumer(sqs, source, in_process(handler))
    invocation = consumer.poll_once()
    assert invocation is not None
    assert invocation.error == "RuntimeError: boom"
    assert sorted(invocation.failed_ids) == sorted(invocation.message_ids)
    assert len(invocation.message_ids) == 2
    assert depth(sqs, res.queue_url) == 2  # nothing deleted: both come back
