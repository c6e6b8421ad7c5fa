"""``orders demo``: the whole event-driven pipeline on this machine, without an AWS account.

- ``MotoStack``: a moto server on a free local port, with the buckets, the
  queue, its DLQ and the S3 -> SQS notification created as Terraform does
  (versioned buckets, ``s3:ObjectCreated:*`` with suffix filters ``.csv`` and
  ``.csv.gz``, a redrive policy with ``maxReceiveCount``).
- ``lambda_runtime``: the environment the function gets from Terraform
  (``OUTPUT_BUCKET``...), pointed at moto with fake credentials, ``/tmp``
  replaced by a folder of the demo's own, and the handler's JSON logs captured.
- ``LocalConsumer``: Lambda's SQS event source mapping in a thread. It
  receives up to ``batch_size`` messages, builds the SQS event Lambda would,
  invokes the real ``handler.lambda_handler`` (loaded from ``lambda/handler.py``),
  deletes the messages that succeeded and leaves the ones listed in
  ``batchItemFailures`` (all of them if the invocation raised or answered
  nonsense) to become visible again after the visibility timeout; after
  ``maxReceiveCount`` receives the queue's redrive policy moves them to the DLQ.
- ``run_demo``: the above, then every file goes through ``orders upload``'s
  own code path (``cli.flows.upload_and_report``).

Everything lives in memory or in one temporary folder, removed at the end;
``--keep DIR`` copies both buckets (``DIR/input``, ``DIR/output``) and the handler's log
there first: the layout ``orders query NAME --local DIR`` reads.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from rich.console import Console
from rich.markup import escape

from cli.config import AwsTarget, project_root

if TYPE_CHECKING:
    from cli.flows import UploadReport

REGION = "us-west-2"
FAKE_CREDENTIALS = ("demo", "demo")  # moto accepts any key; real ones are never used
NOTIFICATION_SUFFIXES = (".csv", ".csv.gz")  # as terraform/assignment/main.tf
RETENTION_SECONDS = 1_209_600  # 14 days, as modules/ingest
FUNCTION_NAME = "orders-demo-handler"
FUNCTION_TIMEOUT_SECONDS = 300
MAX_RECEIVE_COUNT = 3  # Terraform's default is 5; fewer retries keep a failing demo short

Handler = Callable[[dict[str, Any], Any], Any]
_WERKZEUG = logging.getLogger("werkzeug")


@dataclass(frozen=True)
class Resources:
    """Names and URLs of the demo stack (the Terraform outputs' counterparts)."""

    input_bucket: str
    output_bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str


def _queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def create_pipeline(
    s3: Any,
    sqs: Any,
    *,
    prefix: str = "orders-demo",
    region: str = REGION,
    visibility_timeout: int = 2,
    max_receive_count: int = MAX_RECEIVE_COUNT,
) -> Resources:
    """Buckets, queue + DLQ and the notification wiring, as the Terraform stack has them.

    The visibility timeout is short (Terraform: 6x the function timeout) so a
    failed message is retried within seconds on this machine.
    """
    location = {"LocationConstraint": region}
    names = (f"{prefix}-input", f"{prefix}-output")
    for bucket in names:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    retention = str(RETENTION_SECONDS)
    dlq_url = sqs.create_queue(
        QueueName=f"{prefix}-orders-dlq", Attributes={"MessageRetentionPeriod": retention}
    )["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    queue_url = sqs.create_queue(
        QueueName=f"{prefix}-orders",
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "MessageRetentionPeriod": retention,
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowInputBucketNotifications",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{names[0]}"}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(
        Bucket=names[0],
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": f"orders{suffix.replace('.', '-')}",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": suffix}]}},
                }
                for suffix in NOTIFICATION_SUFFIXES
            ]
        },
    )
    return Resources(names[0], names[1], queue_url, queue_arn, dlq_url, dlq_arn)


class MotoStack:
    """A ``ThreadedMotoServer`` on 127.0.0.1 and a free port, stopped on exit."""

    def __init__(self, region: str = REGION) -> None:
        self.region = region
        self._server: Any = None
        self._werkzeug_level = logging.NOTSET
        self.endpoint = ""

    def __enter__(self) -> MotoStack:
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO once its logger has no level: keep them quiet.
        self._werkzeug_level = _WERKZEUG.level
        _WERKZEUG.setLevel(logging.WARNING)

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.reset()  # moto's state is per process: start from an empty account
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self.reset()  # free what the demo stored
            self._server.stop()
            self._server = None
            _WERKZEUG.setLevel(self._werkzeug_level)

    def reset(self) -> None:
        """Forget every resource (moto's reset API; its backends are shared by the process)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    @property
    def aws(self) -> AwsTarget:
        """Clients for this server only, with fake credentials."""
        return AwsTarget(
            region=self.region, endpoint_url=self.endpoint, credentials=FAKE_CREDENTIALS
        )


# --- the function's runtime ----------------------------------------------------------------


class HandlerLogs:
    """The stream the handler's JSON logger writes to: a file, and lines to report."""

    def __init__(self, path: Path | None = None) -> None:
        self._file = path.open("a", encoding="utf-8") if path else None
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            if self._file:
                self._file.write(text)
            self._pending += text
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._file:
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None

    def drain(self) -> list[dict[str, Any]]:
        """The complete log records written since the last call."""
        with self._lock:
            lines, _, self._pending = self._pending.rpartition("\n")
        records = []
        for line in lines.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {"message": line}
            if isinstance(record, dict):
                records.append(record)
        return records


DEMO_REQUIREMENTS = {
    "moto": "moto[server]",
    "flask": "moto[server]",
    "aws_lambda_powertools": "aws-lambda-powertools",
}


def missing_requirements() -> list[str]:
    """Distributions the demo needs beyond the CLI's own (the project's dev extra has them)."""
    missing = {dist for module, dist in DEMO_REQUIREMENTS.items() if not find_spec(module)}
    return sorted(missing)


def handler_path(root: Path | None = None) -> Path:
    """``lambda/handler.py`` of the checkout (the file the image's task root gets)."""
    path = (root or project_root()) / "lambda" / "handler.py"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: orders demo runs the handler from a checkout of the repository"
        )
    return path


def load_handler(path: Path) -> Handler:
    """Import ``lambda/handler.py`` as the Lambda runtime does (module ``handler``)."""
    spec = importlib.util.spec_from_file_location("handler", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.lambda_handler
    return handler


@contextmanager
def _patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _StdoutRouter:
    """``sys.stdout`` while the runtime is active: what the handler prints during an
    invocation (powertools' EMF metrics) goes to the function's log, as Lambda sends
    stdout to CloudWatch; every other write passes through unchanged."""

    def __init__(self, default: Any, sink: HandlerLogs) -> None:
        self._default = default
        self._sink = sink
        self._local = threading.local()

    @contextmanager
    def capturing(self) -> Iterator[None]:
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = False

    def write(self, text: str) -> int:
        target = self._sink if getattr(self._local, "on", False) else self._default
        return int(target.write(text))

    def flush(self) -> None:
        self._default.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._default, name)


@contextmanager
def lambda_runtime(
    *,
    endpoint: str,
    output_bucket: str,
    work_dir: Path,
    logs: HandlerLogs,
    region: str = REGION,
    handler_file: Path | None = None,
) -> Iterator[Handler]:
    """The handler with the environment Terraform gives it, pointed at moto.

    Process-wide while active: environment variables (so every boto3 client
    made meanwhile talks to moto with fake credentials), ``tempfile``'s folder
    (the function's ``/tmp``), the powertools logger's stream and the handler's
    stdout (both to ``logs``). Restored on exit.
    """
    from shared.aws import lambda_app
    from shared.aws.telemetry import logger

    tmp = work_dir / "lambda-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    environment: dict[str, str | None] = {
        "OUTPUT_BUCKET": output_bucket,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS[0],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS[1],
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        "AWS_PROFILE": None,
        # Nothing from the user's AWS setup: no profiles, no service-specific endpoints.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ENDPOINT_URL_S3": None,
        "AWS_ENDPOINT_URL_SQS": None,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "POLARS_TEMP_DIR": str(tmp),
    }
    registered = logger.registered_handler
    stream_handler = registered if isinstance(registered, logging.StreamHandler) else None
    saved_tempdir, saved_stdout = tempfile.tempdir, sys.stdout
    router = _StdoutRouter(saved_stdout, logs)
    with _patched_environ(environment), warnings.catch_warnings():
        # powertools warns when an invocation (an s3:TestEvent) adds no metric
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        # Swapped without setStream's flush: the old stream may be closed (Typer's CliRunner).
        previous = stream_handler.stream if stream_handler else None
        if stream_handler:
            stream_handler.stream = logs
        tempfile.tempdir = str(tmp)
        sys.stdout = cast(TextIO, router)
        lambda_app.s3_client.cache_clear()
        handler = load_handler(handler_file or handler_path())

        def invoke(event: dict[str, Any], context: Any) -> Any:
            with router.capturing():
                return handler(event, context)

        try:
            yield invoke
        finally:
            lambda_app.s3_client.cache_clear()
            sys.stdout = saved_stdout
            tempfile.tempdir = saved_tempdir
            if stream_handler:
                stream_handler.stream = previous


# --- the event source mapping ------------------------------------------------------------


@dataclass
class FakeContext:
    """The Lambda context attributes powertools reads."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION_NAME}"
    memory_limit_in_mb: int = 3072
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local/[$LATEST]demo"
    deadline: float = field(default_factory=lambda: time.monotonic() + FUNCTION_TIMEOUT_SECONDS)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _lambda_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """SQS API message attributes -> the lower-camel shape of Lambda's SQS event."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        for name, value in attributes.items()
    }


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping builds from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": _lambda_attributes(m.get("MessageAttributes", {})),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def failed_message_ids(response: Any, message_ids: Sequence[str]) -> list[str]:
    """Which messages failed, as Lambda reads a ``ReportBatchItemFailures`` response.

    No response or an empty list: all succeeded. An unknown or empty
    ``itemIdentifier``, or a malformed response: the whole batch failed.
    """
    if response is None:
        return []
    if not isinstance(response, Mapping):
        return list(message_ids)
    failures = response.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return list(message_ids)
    failed: list[str] = []
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, Mapping) else None
        if not isinstance(ident, str) or ident not in message_ids:
            return list(message_ids)
        failed.append(ident)
    return failed


@dataclass
class Invocation:
    """One handler invocation by the consumer."""

    number: int
    message_ids: list[str]
    failed_ids: list[str]
    error: str | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)


class LocalConsumer:
    """Lambda's SQS trigger, locally: poll, invoke, delete the successes (see module doc)."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        *,
        region: str = REGION,
        batch_size: int = 10,
        idle_seconds: float = 0.2,
        logs: HandlerLogs | None = None,
        on_invocation: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = _queue_arn(sqs, queue_url)
        self.handler = handler
        self.region = region
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.logs = logs
        self.on_invocation = on_invocation
        self.invocations: list[Invocation] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> Invocation | None:
        """Receive one batch and invoke the handler with it; None when the queue was empty."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=0,  # short polls, so stop() is quick; idle_seconds between them
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return None
        ids = [m["MessageId"] for m in messages]
        invocation = Invocation(number=len(self.invocations) + 1, message_ids=ids, failed_ids=[])
        try:
            response = self.handler(sqs_event(messages, self.queue_arn, self.region), FakeContext())
        except Exception as exc:  # a function error fails the whole batch, as in Lambda
            invocation.error = f"{type(exc).__name__}: {exc}"
            invocation.failed_ids = ids
        else:
            invocation.failed_ids = failed_message_ids(response, ids)
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in invocation.failed_ids
        ]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        if self.logs:
            invocation.logs = self.logs.drain()
        self.invocations.append(invocation)
        if self.on_invocation:
            self.on_invocation(invocation)
        return invocation

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poll_once() is None:
                    self._stop.wait(self.idle_seconds)
            except Exception as exc:  # keep polling, as the service would
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self._stop.wait(0.5)

    def start(self) -> LocalConsumer:
        self._thread = threading.Thread(target=self._run, name="local-sqs-consumer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current receive or invocation."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> LocalConsumer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the demo ----------------------------------------------------------------------------

_SHOWN_LOG_FIELDS = ("object_key", "rows_read", "rows_valid", "rows_rejected", "error_type")


def describe_invocation(invocation: Invocation) -> list[str]:
    """Lines (rich markup) telling what one invocation did, from its result and logs."""
    count = len(invocation.message_ids)
    failed = len(invocation.failed_ids)
    verdict = "[green]ok[/]" if not failed else f"[yellow]{failed} to retry[/]"
    lines = [f"[bold magenta]λ[/] invocation {invocation.number}: {count} message(s), {verdict}"]
    if invocation.error:
        lines.append(f"    [red]{escape(invocation.error)}[/]")
    for record in invocation.logs:
        if "_aws" in record:  # an EMF metrics blob: kept in the log file only
            continue
        extras = " ".join(
            f"{name}={record[name]}" for name in _SHOWN_LOG_FIELDS if record.get(name) is not None
        )
        reason = record.get("reason")
        text = f"{record.get('message', '')}{f' ({reason})' if reason else ''} {extras}"
        style = "red" if record.get("level") in ("ERROR", "CRITICAL") else "dim"
        lines.append(f"    [{style}]{escape(text.strip())}[/]")
    return lines


def export_bucket(s3: Any, bucket: str, target: Path) -> int:
    """Copy every object of ``bucket`` under ``target`` (keys become paths)."""
    count = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))
            count += 1
    return count


def run_demo(
    console: Console,
    files: Sequence[Path],
    *,
    keep: Path | None = None,
    timeout: float = 60.0,
    batch_size: int = 10,
) -> list[UploadReport]:
    """Start the local stack, upload ``files`` through ``orders upload``'s flow, show reports.

    Returns what became of each file.
    """
    from cli.flows import upload_and_report

    handler_file = handler_path()
    uploads: list[UploadReport] = []
    with tempfile.TemporaryDirectory(prefix="orders-demo-") as tmp, MotoStack() as stack:
        work = Path(tmp)
        aws = stack.aws
        s3, sqs = aws.client("s3"), aws.client("sqs")
        with console.status("creating buckets, queue, DLQ and the notification"):
            res = create_pipeline(s3, sqs)
        console.print(
            f"[bold]moto[/] on {stack.endpoint}: s3://{res.input_bucket} "
            f"--(s3:ObjectCreated:*, {' | '.join(NOTIFICATION_SUFFIXES)})--> "
            f"queue {res.queue_url.rsplit('/', 1)[-1]} (DLQ after {MAX_RECEIVE_COUNT} receives) "
            f"--> λ {handler_file.relative_to(handler_file.parents[1])} "
            f"--> s3://{res.output_bucket}",
            highlight=False,
        )

        def show(invocation: Invocation) -> None:
            for line in describe_invocation(invocation):
                console.print(line, highlight=False)

        with (
            closing(HandlerLogs(work / "handler.log")) as logs,
            lambda_runtime(
                endpoint=stack.endpoint,
                output_bucket=res.output_bucket,
                work_dir=work,
                logs=logs,
                region=stack.region,
                handler_file=handler_file,
            ) as handler,
            LocalConsumer(
                sqs, res.queue_url, handler, batch_size=batch_size, logs=logs, on_invocation=show
            ),
        ):
            for path in files:
                uploads.append(
                    upload_and_report(
                        console,
                        s3,
                        input_bucket=res.input_bucket,
                        output_bucket=res.output_bucket,
                        path=path,
                        key=path.name,
                        wait=True,
                        timeout=timeout,
                        timeout_hint="The local consumer's lines above show what the "
                        "handler did; the DLQ holds messages that failed every retry.",
                    )
                )
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            inputs = export_bucket(s3, res.input_bucket, keep / "input")
            count = export_bucket(s3, res.output_bucket, keep / "output")
            (keep / "handler.log").write_bytes((work / "handler.log").read_bytes())
            console.print(
                escape(
                    f"kept {inputs} input and {count} output object(s) in {keep}/input and "
                    f"{keep}/output, the handler's log in {keep / 'handler.log'}; query them "
                    f"with: orders query NAME --local {keep}"
                ),
                highlight=False,
            )
    return uploads
