"""Lambda's SQS event source mapping, locally: poll, invoke, delete the successes.

``LocalConsumer`` receives up to ``batch_size`` messages, builds the event Lambda
would, invokes the function (``cli.local_lambda.LambdaProcess.invoke``), deletes the
messages that succeeded and leaves the rest (those listed in ``batchItemFailures``
when the mapping reports batch item failures; all of them when the invocation
failed or answered nonsense) to come back after the visibility timeout. After
``maxReceiveCount`` receives, SQS's redrive policy moves a message to the DLQ:
the consumer never counts, the queue does.

One liberty, on request: ``retry_after_seconds`` is passed as the visibility timeout
of each receive, so a failed message comes back within seconds instead of the
queue's (6x the function timeout, 30 minutes by default). Receives are what the
redrive policy counts, so the retry and DLQ behaviour is otherwise unchanged.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cli.local_lambda import InvokeResult

Invoke = Callable[[dict[str, Any]], InvokeResult]
SQS_RECEIVE_MAX = 10  # messages per ReceiveMessage call


@dataclass(frozen=True)
class EventSourceSpec:
    """An SQS event source mapping and the retry settings of its queue."""

    queue_url: str
    queue_arn: str
    batch_size: int
    maximum_batching_window_seconds: int
    report_batch_item_failures: bool
    max_receive_count: int | None = None  # the queue's redrive policy; None: no DLQ
    dlq_arn: str | None = None

    @classmethod
    def from_aws(cls, lambda_client: Any, sqs: Any, function_name: str) -> EventSourceSpec:
        """The deployed function's one SQS mapping, and its queue's redrive policy."""
        arn = lambda_client.get_function_configuration(FunctionName=function_name)["FunctionArn"]
        listed = lambda_client.list_event_source_mappings(FunctionName=arn)  # by ARN: moto too
        mappings = [
            m
            for m in listed["EventSourceMappings"]
            if m["EventSourceArn"].startswith("arn:aws:sqs:")
        ]
        if len(mappings) != 1:
            raise LookupError(f"{function_name} has {len(mappings)} SQS event source mappings")
        (mapping,) = mappings
        queue_arn = mapping["EventSourceArn"]
        _, _, _, _, account, name = queue_arn.split(":")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        return cls(
            queue_url=url,
            queue_arn=queue_arn,
            batch_size=int(mapping["BatchSize"]),
            maximum_batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            report_batch_item_failures="ReportBatchItemFailures"
            in mapping.get("FunctionResponseTypes", []),
            **redrive_settings(sqs, url),
        )


def redrive_settings(sqs: Any, queue_url: str) -> dict[str, Any]:
    """``max_receive_count`` and ``dlq_arn`` from a queue's ``RedrivePolicy`` (or None)."""
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
    raw = attrs.get("Attributes", {}).get("RedrivePolicy")
    if not raw:
        return {"max_receive_count": None, "dlq_arn": None}
    policy = json.loads(raw)
    return {
        "max_receive_count": int(policy["maxReceiveCount"]),
        "dlq_arn": policy["deadLetterTargetArn"],
    }


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


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping builds from received messages."""
    region = queue_arn.split(":")[3]
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
    """One invocation by the consumer."""

    number: int
    message_ids: list[str]
    failed_ids: list[str]
    bodies: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)


class LocalConsumer:
    """Lambda's SQS trigger, locally (see the module docstring)."""

    def __init__(
        self,
        sqs: Any,
        source: EventSourceSpec,
        invoke: Invoke,
        *,
        retry_after_seconds: int | None = None,
        idle_seconds: float = 0.2,
        on_invocation: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.sqs = sqs
        self.source = source
        self.invoke = invoke
        self.retry_after_seconds = retry_after_seconds
        self.idle_seconds = idle_seconds
        self.on_invocation = on_invocation
        self.invocations: list[Invocation] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _receive(self, count: int) -> list[dict[str, Any]]:
        extra = {}
        if self.retry_after_seconds is not None:
            extra["VisibilityTimeout"] = self.retry_after_seconds
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=min(count, SQS_RECEIVE_MAX),
            WaitTimeSeconds=0,  # short polls, so stop() is quick; idle_seconds between them
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            **extra,
        ).get("Messages", [])
        return messages

    def _batch(self) -> list[dict[str, Any]]:
        """Up to ``batch_size`` messages, waiting at most the batching window to fill it."""
        messages = self._receive(self.source.batch_size)
        window = self.source.maximum_batching_window_seconds
        if messages and window:
            self._stop.wait(window)
            while len(messages) < self.source.batch_size:
                more = self._receive(self.source.batch_size - len(messages))
                if not more:
                    break
                messages += more
        return messages

    def poll_once(self) -> Invocation | None:
        """Receive one batch and invoke the function with it; None when the queue was empty."""
        messages = self._batch()
        if not messages:
            return None
        ids = [m["MessageId"] for m in messages]
        result = self.invoke(sqs_event(messages, self.source.queue_arn))
        invocation = Invocation(
            number=len(self.invocations) + 1,
            message_ids=ids,
            failed_ids=ids,  # a function error fails the whole batch, as in Lambda
            bodies={m["MessageId"]: m["Body"] for m in messages},
            error=result.error,
            logs=result.logs,
        )
        if result.error is None:
            invocation.failed_ids = (
                failed_message_ids(result.response, ids)
                if self.source.report_batch_item_failures
                else []
            )
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in invocation.failed_ids
        ]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.source.queue_url, Entries=done)
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
        self._thread = threading.Thread(target=self._run, name="local-sqs-trigger", daemon=True)
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
