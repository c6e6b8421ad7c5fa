"""The S3 path streams: ranged GETs straight into the engine, no local copy, bounded resources."""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from conftest import OUTPUT_BUCKET, ROOT, Invoke, Stack, sqs_event
from moto.server import ThreadedMotoServer

from shared.aws import lambda_app, layout, ranged, upload
from shared.core import pipeline, reports
from tests.helpers import BRIEF_HEADER, row

PART = 4099  # an odd size: parts end inside lines, UTF-8 sequences and gzip blocks


def _load_measure_rss() -> ModuleType:
    """``lambda/measure_rss.py``: the dev tool that runs the handler in a child and watches /tmp."""
    spec = importlib.util.spec_from_file_location("measure_rss", ROOT / "lambda" / "measure_rss.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MEASURE = _load_measure_rss()


@pytest.fixture
def work_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile (the function's /tmp) at an empty folder we can inspect."""
    work = tmp_path / "lambda-tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    return work


@pytest.fixture
def ranged_gets(
    work_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[str, str, int]]]:
    """Parts of ``PART`` bytes; (key, Range header, bytes in /tmp at that moment) of every GET."""
    monkeypatch.setattr(ranged, "PART_BYTES", PART)
    calls: list[tuple[str, str, int]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append((params["Key"], params.get("Range", ""), MEASURE.tree_bytes(work_tmp)))

    client = lambda_app.s3_client()
    client.meta.events.register("before-parameter-build.s3.GetObject", record)
    yield calls
    client.meta.events.unregister("before-parameter-build.s3.GetObject", record)


def test_ranged_streaming_gives_the_reports_of_run_local(
    stack: Stack,
    invoke: Invoke,
    generated_gzip: bytes,
    local_reports: Callable[[bytes], dict[str, bytes]],
    ranged_gets: list[tuple[str, str, int]],
) -> None:
    plain = gzip.decompress(generated_gzip)
    inputs = {"stream/orders.csv.gz": generated_gzip, "stream/orders.csv": plain}
    for key, data in inputs.items():
        stack.upload(key, data)
    assert invoke(sqs_event(stack.receive_all())) == {"batchItemFailures": []}
    outputs = stack.outputs()
    for key, data in inputs.items():
        keys = stack.report_keys(key)
        assert {r: outputs[keys[r]] for r in reports.REPORT_NAMES} == local_reports(data), key
        spans = [rng for k, rng, _ in ranged_gets if k == key]
        expected = [f"bytes={s}-{min(s + PART, len(data)) - 1}" for s in range(0, len(data), PART)]
        assert sorted(spans, key=lambda r: int(r[6:].split("-")[0])) == expected
        assert len(spans) > 10
    # /tmp never held the input: only the outputs being written (a few KB here).
    assert max(used for _, _, used in ranged_gets) < len(plain) // 20


def _rejected_file(rows: int, tail: bytes = b"") -> bytes:
    """``rows`` rejected rows (quantity 0) with a long note, then ``tail``."""
    note = "n" * 120
    lines = [BRIEF_HEADER + ",Note"] + [
        f"{row(order_id=f'O-{i}', quantity='0')},{note}" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode() + tail


@pytest.fixture
def part_uploads(
    work_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[str, int]]]:
    """Parts of 5 MiB (S3's minimum); (operation, bytes in /tmp at that moment) of every call
    of the multipart API."""
    monkeypatch.setattr(upload, "PART_BYTES", 5 << 20)
    calls: list[tuple[str, int]] = []
    client = lambda_app.s3_client()
    operations = ("CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload")
    operations += ("AbortMultipartUpload",)

    def record(event_name: str, **_: Any) -> None:
        calls.append((event_name.rsplit(".", 1)[-1], MEASURE.tree_bytes(work_tmp)))

    for operation in operations:
        client.meta.events.register(f"before-parameter-build.s3.{operation}", record)
    yield calls
    for operation in operations:
        client.meta.events.unregister(f"before-parameter-build.s3.{operation}", record)


def test_rejected_rows_stream_to_s3_in_parts_not_through_tmp(
    stack: Stack,
    invoke: Invoke,
    local_reports: Callable[[bytes], dict[str, bytes]],
    part_uploads: list[tuple[str, int]],
) -> None:
    """rejected_rows.csv grows with the file's rejected rows: it goes up in parts while it is
    written, so /tmp does not grow with it, and its bytes are run-local's."""
    data = _rejected_file(60_000)
    stack.upload("rejects/orders.csv", data)
    assert invoke(sqs_event(stack.receive_all())) == {"batchItemFailures": []}
    keys = stack.report_keys("rejects/orders.csv")
    outputs = stack.outputs()
    local = local_reports(data)
    assert {r: outputs[keys[r]] for r in reports.REPORT_NAMES} == local
    assert len(local[reports.REJECTED_ROWS]) > 10 << 20
    operations = [op for op, _ in part_uploads]
    assert operations.count("UploadPart") == len(local[reports.REJECTED_ROWS]) // (5 << 20) + 1
    assert operations[-1] == "CompleteMultipartUpload"
    assert max(used for _, used in part_uploads) < 1 << 20


def test_a_file_that_fails_after_parts_were_sent_leaves_no_rejected_rows(
    stack: Stack,
    invoke: Invoke,
    part_uploads: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bad byte at the end: the error record, and the multipart upload aborted. Chunks of
    1 MiB make the 37 MB file span more chunks than are in flight (whatever the number of
    cores), so earlier chunks' rejected rows were sent before the bad one was read."""
    run_stream = pipeline.run_stream
    monkeypatch.setattr(pipeline, "run_stream", functools.partial(run_stream, chunk_bytes=1 << 20))
    stack.upload("late/orders.csv", _rejected_file(150_000, tail=b"O-x,\xff\n"))
    assert invoke(sqs_event(stack.receive_all())) == {"batchItemFailures": []}
    (key,) = stack.outputs()
    assert json.loads(stack.outputs()[key])["error_type"] == "InvalidUtf8Error"
    assert "UploadPart" in [op for op, _ in part_uploads]
    assert [op for op, _ in part_uploads][-1] == "AbortMultipartUpload"
    assert not stack.s3.list_multipart_uploads(Bucket=OUTPUT_BUCKET).get("Uploads")


def _gzip_bomb(plain_bytes: int) -> bytes:
    """A small gzip file of valid rows that inflates to about ``plain_bytes``: one 8 MiB
    member, repeated (gzip readers concatenate members)."""
    line = (row() + "\n").encode()
    member = gzip.compress(line * ((8 << 20) // len(line)), compresslevel=9, mtime=0)
    return gzip.compress((BRIEF_HEADER + "\n").encode(), mtime=0) + member * (
        plain_bytes // (8 << 20)
    )


def test_gzip_bomb_is_an_error_record_in_bounded_memory_and_disk(tmp_path: Path) -> None:
    """A 2 GiB-inflating .csv.gz with MAX_DATA_BYTES at 32 MiB: the function writes an
    InputTooLargeError record naming both sizes, its peak RSS stays far below the
    inflated size, and /tmp never holds more than the outputs."""
    limit = 32 << 20
    bomb = _gzip_bomb(2 << 30)
    assert len(bomb) < 16 << 20  # > 250 times smaller than what it inflates to
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=endpoint)
        for bucket in ("bomb-input", OUTPUT_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
            )
        s3.put_object(Bucket="bomb-input", Key="bomb.csv.gz", Body=bomb)
        event = {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": "bomb-input"}, "object": {"key": "bomb.csv.gz"}},
                }
            ]
        }
        work = tmp_path / "tmp"
        work.mkdir()
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "OUTPUT_BUCKET": OUTPUT_BUCKET,
            "MAX_DATA_BYTES": str(limit),
            "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
            "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
        }
        child, peak_tmp = MEASURE.run_handler(event, env, work, timeout=120)
        stderr = child.stderr
        assert child.returncode == 0, stderr[-3000:]
        listing = s3.list_objects_v2(Bucket=OUTPUT_BUCKET).get("Contents", [])
        keys = [item["Key"] for item in listing]
    finally:
        server.stop()
    (record_key,) = keys
    assert record_key.startswith(layout.ERRORS_PREFIX)
    (result_line,) = [x for x in stderr.splitlines() if x.startswith("RESULT ")]
    result = json.loads(result_line.removeprefix("RESULT "))
    assert result["peak_rss_kib"] < 512 << 10  # about 280 MiB; the data inflates to 2 GiB
    assert peak_tmp < 1 << 20
    assert not list(work.iterdir())


def test_gzip_bomb_error_record_names_both_sizes(
    stack: Stack, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_DATA_BYTES", str(4 << 20))
    bomb = _gzip_bomb(64 << 20)
    stack.upload("bomb/orders.csv.gz", bomb)
    assert invoke(sqs_event(stack.receive_all())) == {"batchItemFailures": []}
    record = stack.read_json(stack.error_key("bomb/orders.csv.gz"))
    assert record["error_type"] == "InputTooLargeError"
    assert record["input"]["size"] == len(bomb)
    assert f"limit of {4 << 20} bytes (MAX_DATA_BYTES)" in record["message"]
    assert "bytes of gzip input" in record["message"]
    assert list(stack.outputs()) == [stack.error_key("bomb/orders.csv.gz")]
