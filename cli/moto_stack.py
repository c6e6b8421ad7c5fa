"""The pipeline's wiring on a local moto server: the one Python copy of what Terraform builds.

``orders demo`` and the tests that need a stack in seconds (not the minutes of a
``terraform apply``) build it here; nothing else in the project creates buckets,
queues or notifications by hand. ``make e2e`` applies the real Terraform root to a
moto server, builds this next to it and compares the two (``tests/e2e/test_wiring.py``):
any difference must be listed, with its reason, in ``DIFFERENCES_FROM_TERRAFORM``.

The values below are the Terraform root's defaults (``terraform/assignment/variables.tf``,
``modules/ingest``, ``modules/lambda``); the e2e comparison is what keeps them equal.
Not built, because the pipeline's behaviour on moto does not depend on them: bucket
encryption, bucket policies, lifecycle rules, access logs, Block Public Access, IAM,
alarms and the analytics resources (``make e2e`` applies those from Terraform).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Any

from cli.config import AwsTarget
from cli.local_lambda import FunctionSpec
from cli.sqs_trigger import EventSourceSpec
from shared.core.limits import time_budget_bytes

REGION = "us-west-2"
FAKE_CREDENTIALS = ("demo", "demo")  # moto accepts any key; real ones are never used

# modules/ingest, as the root calls it
EVENTS = ("s3:ObjectCreated:*",)
NOTIFICATION_SUFFIXES = (".csv", ".csv.gz")
RETENTION_SECONDS = 1_209_600  # 14 days, both queues
MAX_MESSAGE_BYTES = 262_144  # the provider's default (SQS's own is 1 MiB since 2025)
RECEIVE_WAIT_SECONDS = 20
MAX_RECEIVE_COUNT = 5
BATCH_SIZE = 1
BATCHING_WINDOW_SECONDS = 0
# modules/lambda, as the root calls it
FUNCTION_TIMEOUT_SECONDS = 300
MEMORY_MB = 3072
EPHEMERAL_STORAGE_MB = 512
# The time budget of a 300 s function (shared.core.limits), as the root's max_input_bytes.
MAX_INPUT_BYTES = time_budget_bytes(FUNCTION_TIMEOUT_SECONDS)
LOG_LEVEL = "INFO"
# AWS's rule for SQS event sources, as modules/ingest computes it.
VISIBILITY_TIMEOUT_SECONDS = 6 * FUNCTION_TIMEOUT_SECONDS + BATCHING_WINDOW_SECONDS

# Where this builder knowingly differs from the applied Terraform root, and why. The e2e
# comparison fails on any other difference, and on a listed one that no longer exists.
DIFFERENCES_FROM_TERRAFORM: dict[str, str] = {}

_WERKZEUG = logging.getLogger("werkzeug")


@dataclass(frozen=True)
class Resources:
    """Names and URLs of a built stack (the Terraform outputs' counterparts)."""

    input_bucket: str
    output_bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    function_name: str
    max_receive_count: int = MAX_RECEIVE_COUNT

    @property
    def account_id(self) -> str:
        return self.queue_arn.split(":")[4]

    def function(self) -> FunctionSpec:
        """The function as the root's defaults configure it (environment, limits)."""
        return FunctionSpec(
            name=self.function_name,
            region=self.queue_arn.split(":")[3],
            account_id=self.account_id,
            environment={
                "OUTPUT_BUCKET": self.output_bucket,
                "MAX_INPUT_BYTES": str(MAX_INPUT_BYTES),
                "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
                "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
                "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
            },
            timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
            memory_mb=MEMORY_MB,
            ephemeral_storage_mb=EPHEMERAL_STORAGE_MB,
        )

    def event_source(self) -> EventSourceSpec:
        """The SQS event source mapping as modules/ingest configures it."""
        return EventSourceSpec(
            queue_url=self.queue_url,
            queue_arn=self.queue_arn,
            batch_size=BATCH_SIZE,
            maximum_batching_window_seconds=BATCHING_WINDOW_SECONDS,
            report_batch_item_failures=True,
            max_receive_count=self.max_receive_count,
            dlq_arn=self.dlq_arn,
        )


def _queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def _deny_insecure_transport(queue_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def create_pipeline(
    s3: Any,
    sqs: Any,
    *,
    prefix: str = "orders-demo",
    region: str = REGION,
    visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS,
    max_receive_count: int = MAX_RECEIVE_COUNT,
) -> Resources:
    """Versioned buckets, the queue and its DLQ with their policies, and the notification.

    ``visibility_timeout`` and ``max_receive_count`` are there for tests that
    exercise retries in a second; the demo keeps Terraform's values (its local
    trigger asks for a short visibility on receive instead, see ``cli.local_lambda``).
    """
    location = {"LocationConstraint": region}
    input_bucket, output_bucket = f"{prefix}-input", f"{prefix}-output"
    for bucket in (input_bucket, output_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    common = {
        "MessageRetentionPeriod": str(RETENTION_SECONDS),
        "MaximumMessageSize": str(MAX_MESSAGE_BYTES),
        "SqsManagedSseEnabled": "true",
    }
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-orders-dlq", Attributes=common)["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    queue_url = sqs.create_queue(
        QueueName=f"{prefix}-orders",
        Attributes={
            **common,
            "VisibilityTimeout": str(visibility_timeout),
            "ReceiveMessageWaitTimeSeconds": str(RECEIVE_WAIT_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    account = queue_arn.split(":")[4]
    # Both DLQ attributes in one call: moto drops a queue's Policy on any SetQueueAttributes
    # call that does not repeat it.
    sqs.set_queue_attributes(
        QueueUrl=dlq_url,
        Attributes={
            "Policy": _policy(_deny_insecure_transport(dlq_arn)),
            "RedriveAllowPolicy": json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn]}
            ),
        },
    )
    allow_s3 = {
        "Sid": "AllowInputBucketNotifications",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{input_bucket}"},
            "StringEquals": {"aws:SourceAccount": account},
        },
    }
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={"Policy": _policy(allow_s3, _deny_insecure_transport(queue_arn))},
    )
    s3.put_bucket_notification_configuration(
        Bucket=input_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": f"orders{suffix.replace('.', '-')}",
                    "QueueArn": queue_arn,
                    "Events": list(EVENTS),
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": suffix}]}},
                }
                for suffix in NOTIFICATION_SUFFIXES
            ]
        },
    )
    return Resources(
        input_bucket,
        output_bucket,
        queue_url,
        queue_arn,
        dlq_url,
        dlq_arn,
        function_name=f"{prefix}-handler",
        max_receive_count=max_receive_count,
    )


class MotoServer:
    """A ``ThreadedMotoServer`` on 127.0.0.1 and a free port, emptied and stopped on exit."""

    def __init__(self, region: str = REGION) -> None:
        self.region = region
        self._server: Any = None
        self._werkzeug_level = logging.NOTSET
        self.endpoint = ""

    def __enter__(self) -> MotoServer:
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
            self.reset()  # free what was stored
            self._server.stop()
            self._server = None
            _WERKZEUG.setLevel(self._werkzeug_level)

    def reset(self) -> None:
        """Forget every resource (moto's reset API; its backends are shared by the process)."""
        reset_moto(self.endpoint)

    @property
    def aws(self) -> AwsTarget:
        """Clients for this server only, with fake credentials."""
        return AwsTarget(
            region=self.region, endpoint_url=self.endpoint, credentials=FAKE_CREDENTIALS
        )


def reset_moto(endpoint: str) -> None:
    """Empty a moto server's account (``POST /moto-api/reset``)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
