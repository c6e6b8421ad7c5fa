"""Fixtures for the Lambda tests: a moto stack wired like the deployed one, inputs, the handler.

The stack comes from the project's one builder (``cli.moto_stack.create_pipeline``,
checked against the applied Terraform by ``make e2e``): versioned buckets, the
``s3:ObjectCreated:*`` notification with the ``.csv``/``.csv.gz`` suffix filters, the
queue with its DLQ. Tests upload objects, receive the messages moto produced and hand
them to the handler (``shared.aws.handler.lambda_handler``, in this process) as the SQS
event Lambda would build. Credentials are fake and every call goes to moto
(``mock_aws``), never to AWS.
"""

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cli import sqs_trigger as trigger
from cli.moto_stack import create_pipeline
from shared.aws import identity, lambda_app
from shared.aws.handler import lambda_handler
from shared.aws.layout import ObjectRef, error_key, manifest_key, report_key, source_id
from shared.core import pipeline, reports
from shared.core.generate import generate_orders
from tests.helpers import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-2"
ACCOUNT = "123456789012"
PREFIX = "orders-test"
INPUT_BUCKET = f"{PREFIX}-input"
OUTPUT_BUCKET = f"{PREFIX}-output"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}-orders"
MAX_INPUT_BYTES = 50_000_000

MESSY_CSV = (
    "\ufeff Order_ID ,order date,Ship-Mode,Segment,Country,City,State,Postal Code,REGION,"
    "Category,Sub  Category,Product Id,Cost Price,List_Price,quantity,Discount-Percent\r\n"
    'O-1,2024-01-02,First Class,Consumer,US,"Washington, D.C.",DC,20016,East,Furniture,'
    "Chairs,P-1,10,20.50,2,10\r\n"
    "\r\n"
    'O-1,2024-01-02,Not Available,Consumer,US,"Multi\nline city",DC,20016,East,Furniture,'
    "Tables,P-2,100,180,1,12.5\r\n"
    "O-2,2024-01-03, n/a ,Corporate,US,Chicago,IL,60601,Central,Technology,Phones,P-3,"
    "50,80,0,0\r\n"
    "O-3,2024-01-04,Same Day,Corporate,US,Chicago,IL,60601,Central,Technology,Phones,P-3,"
    "50,80,1,150\r\n"
    ",,,,,,,,,,,,,,,\r\n"
    "O-4,2024-01-05,Second Class,Home Office,US,Denver,CO,80219,West,Office Supplies,Paper,"
    "P-4,2.5,4.99,10,5\r\n"
    "O-5,2024-01-05,Second Class,Home Office,US,Denver,CO,80219,West,Office Supplies\r\n"
    "O-6,2024-01-06,  Standard Class ,Consumer,US,Denver,CO,80219,  West ,Office Supplies,"
    "Paper,P-4,007,9.5,3,0\r\n"
).encode()
MISSING_COLUMNS_CSV = b"Order Id,Region,Category\nO-1,East,Furniture\n"


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    """The project's sample file (assessment_assets/sample_orders.csv)."""
    return SAMPLE.read_bytes()


@pytest.fixture(scope="session")
def generated_gzip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A gzip order file from the generator (dirty rows, quoted cities, missing ship modes)."""
    path = tmp_path_factory.mktemp("gen") / "orders.csv.gz"
    generate_orders(path, 3_000, seed=11, dirty_share=0.02, compress=True)
    return path.read_bytes()


@pytest.fixture
def local_reports(tmp_path: Path) -> Callable[[bytes], dict[str, bytes]]:
    """What ``orders run-local`` writes for the same bytes: report name -> CSV bytes."""
    counter = iter(range(1000))

    def _run(data: bytes) -> dict[str, bytes]:
        n = next(counter)
        src = tmp_path / f"local-{n}.input"
        src.write_bytes(data)
        result = pipeline.run_file(src, tmp_path / f"local-out-{n}")
        return {r: result.files[r].read_bytes() for r in reports.REPORT_NAMES}

    return _run


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment Terraform gives the function, plus fake credentials."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "OUTPUT_BUCKET": OUTPUT_BUCKET,
        "MAX_INPUT_BYTES": str(MAX_INPUT_BYTES),
        "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Stack:
    """The moto resources of one test and helpers to drive them."""

    s3: Any
    sqs: Any
    queue_url: str
    uploads: dict[str, ObjectRef] = field(default_factory=dict)

    def upload(self, key: str, data: bytes, bucket: str = INPUT_BUCKET) -> ObjectRef:
        """Put an input object; return its identity as ``HeadObject`` gives it to the handler."""
        put = self.s3.put_object(Bucket=bucket, Key=key, Body=data)
        ref = identity.head(self.s3, ObjectRef(bucket, key, put.get("VersionId"))).ref
        self.uploads[key] = ref
        return ref

    def receive_all(self) -> list[dict[str, Any]]:
        """Every message now in the queue (moto delivers notifications synchronously)."""
        messages: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                VisibilityTimeout=300,
                WaitTimeSeconds=0,  # the queue long-polls (20 s) like Terraform's
            ).get("Messages", [])
            if not got:
                return messages
            messages.extend(got)

    def outputs(self) -> dict[str, bytes]:
        """Every object of the output bucket: key -> bytes."""
        listing = self.s3.list_objects_v2(Bucket=OUTPUT_BUCKET).get("Contents", [])
        return {
            item["Key"]: self.s3.get_object(Bucket=OUTPUT_BUCKET, Key=item["Key"])["Body"].read()
            for item in listing
        }

    def read_json(self, key: str) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=OUTPUT_BUCKET, Key=key)["Body"].read()
        data: dict[str, Any] = json.loads(body)
        return data

    def sid(self, key: str) -> str:
        return source_id(self.uploads[key])

    def report_keys(self, key: str) -> dict[str, str]:
        """Where the reports of an uploaded input must be."""
        ref = self.uploads[key]
        head = self.s3.head_object(Bucket=ref.bucket, Key=ref.key, VersionId=ref.version_id)
        day = head["LastModified"].date()
        return {r: report_key(r, day, source_id(ref)) for r in reports.REPORT_NAMES}

    def manifest_key(self, key: str) -> str:
        """Where the manifest of an uploaded input must be."""
        ref = self.uploads[key]
        assert ref.last_modified is not None
        return manifest_key(source_id(ref), ref.last_modified)

    def error_key(self, key: str) -> str:
        """Where the error record of an uploaded input must be."""
        ref = self.uploads[key]
        assert ref.last_modified is not None
        return error_key(source_id(ref), ref.last_modified)

    def manifest(self, key: str) -> dict[str, Any]:
        return self.read_json(self.manifest_key(key))


def create_stack(s3: Any, sqs: Any) -> Stack:
    """The pipeline's wiring from the project's one builder (call inside a moto context)."""
    res = create_pipeline(s3, sqs, prefix=PREFIX, region=REGION)
    assert (res.input_bucket, res.output_bucket) == (INPUT_BUCKET, OUTPUT_BUCKET)
    return Stack(s3=s3, sqs=sqs, queue_url=res.queue_url)


@pytest.fixture
def stack(lambda_env: None) -> Iterator[Stack]:
    """A fresh moto account with the pipeline's buckets and queue."""
    with mock_aws():
        lambda_app.s3_client.cache_clear()
        yield create_stack(
            boto3.client("s3", region_name=REGION), boto3.client("sqs", region_name=REGION)
        )
    lambda_app.s3_client.cache_clear()


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping builds from received messages."""
    return trigger.sqs_event(messages, QUEUE_ARN)


@dataclass
class FakeContext:
    """The attributes of a Lambda context that powertools reads."""

    aws_request_id: str = field(default_factory=lambda: f"req-{uuid.uuid4()}")
    function_name: str = "orders-pipeline-processor"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-pipeline-processor"
    )
    log_group_name: str = "/aws/lambda/orders-pipeline-processor"
    log_stream_name: str = "2024/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


Invoke = Callable[..., Any]


@pytest.fixture
def invoke() -> Iterator[Invoke]:
    """invoke(event) -> the handler's response, with log lines captured in ``invoke.logs``."""
    from shared.aws.telemetry import logger

    stream = io.StringIO()
    log_handler = logger.registered_handler
    previous = log_handler.setStream(stream)

    class _Invoke:
        context: FakeContext

        def __call__(self, event: dict[str, Any], context: FakeContext | None = None) -> Any:
            self.context = context or FakeContext()
            return lambda_handler(event, self.context)

        @property
        def logs(self) -> list[dict[str, Any]]:
            return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    try:
        yield _Invoke()
    finally:
        log_handler.setStream(previous)
