"""AWS APIs the CLI calls that moto 5.2.5 does not implement, added to the test's moto.

- SQS ``StartMessageMoveTask``, ``ListMessageMoveTasks``, ``CancelMessageMoveTask``
  (``orders redrive``; getmoto/moto#10265 proposes them upstream, not released);
- Athena ``BatchGetNamedQuery`` (``orders query``).

``install()`` adds them to moto's response classes, so they work both under
``mock_aws`` and on a ``ThreadedMotoServer`` of the same process. A move task
runs as SQS documents it, in steps an observer can see: it starts ``RUNNING``
and each ``ListMessageMoveTasks`` call for its source moves up to its rate
(``MaxNumberOfMessagesPerSecond``, default 10) messages, oldest first, as new
messages of the destination (body and attributes kept, receive count fresh);
once the source has none left it is ``COMPLETED``. This is a test double: it
checks what the API documents (the source must be a dead-letter queue, one
running task per source, the rate 1-500), nothing about throughput.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from moto.athena.responses import AthenaResponse
from moto.core.responses import ActionResult
from moto.sqs.exceptions import SQSException
from moto.sqs.models import Queue, SQSBackend
from moto.sqs.responses import SQSResponse

DEFAULT_STEP = 10


def _queue_by_arn(backend: SQSBackend, arn: str, what: str) -> Queue:
    for queue in backend.queues.values():
        if queue.queue_arn == arn:
            return queue
    raise SQSException("ResourceNotFoundException", f"The {what} {arn} does not exist.")


def _tasks(backend: SQSBackend) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = backend.__dict__.setdefault("_move_tasks", [])
    return tasks


def _advance(backend: SQSBackend, task: dict[str, Any]) -> None:
    """Move the next step of a running task's messages."""
    if task["Status"] != "RUNNING":
        return
    source = _queue_by_arn(backend, task["SourceArn"], "source queue")
    destination = _queue_by_arn(backend, task["DestinationArn"], "destination queue")
    for message in source.messages[: task["step"]]:
        backend.send_message(
            destination.name,
            message_body=message.body,
            message_attributes=message.message_attributes or None,
        )
        with source._messages_lock:
            source._messages.remove(message)
        task["ApproximateNumberOfMessagesMoved"] += 1
    if not source.messages:
        task["Status"] = "COMPLETED"


def start_message_move_task(self: SQSResponse) -> ActionResult:
    backend = self.sqs_backend
    source = _queue_by_arn(backend, self._get_param("SourceArn"), "source queue")
    redriven = [q for q in backend.queues.values() if q.dead_letter_queue is source]
    if not redriven:
        raise SQSException(
            "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."
        )
    destination_arn = self._get_param("DestinationArn") or redriven[0].queue_arn
    _queue_by_arn(backend, destination_arn, "destination queue")
    rate = self._get_param("MaxNumberOfMessagesPerSecond")
    if rate is not None and not 1 <= int(rate) <= 500:
        raise SQSException(
            "InvalidParameterValue", "MaxNumberOfMessagesPerSecond must be between 1 and 500."
        )
    tasks = _tasks(backend)
    if any(t["SourceArn"] == source.queue_arn and t["Status"] == "RUNNING" for t in tasks):
        raise SQSException(
            "UnsupportedOperation", "There is already a task running for this source queue."
        )
    task: dict[str, Any] = {
        "TaskHandle": uuid.uuid4().hex,
        "Status": "RUNNING",
        "SourceArn": source.queue_arn,
        "DestinationArn": destination_arn,
        "ApproximateNumberOfMessagesMoved": 0,
        "ApproximateNumberOfMessagesToMove": len(source.messages),
        "StartedTimestamp": int(time.time() * 1000),
        "step": int(rate) if rate is not None else DEFAULT_STEP,
    }
    if rate is not None:
        task["MaxNumberOfMessagesPerSecond"] = int(rate)
    tasks.insert(0, task)  # newest first, as SQS lists them
    return ActionResult({"TaskHandle": task["TaskHandle"]})


def list_message_move_tasks(self: SQSResponse) -> ActionResult:
    backend = self.sqs_backend
    source = _queue_by_arn(backend, self._get_param("SourceArn"), "source queue")
    limit = int(self._get_param("MaxResults") or 1)
    results = []
    for task in [t for t in _tasks(backend) if t["SourceArn"] == source.queue_arn][:limit]:
        _advance(backend, task)
        entry = {k: v for k, v in task.items() if k != "step"}
        if entry["Status"] != "RUNNING":
            entry.pop("TaskHandle")  # SQS gives the handle of running tasks only
        results.append(entry)
    return ActionResult({"Results": results})


def cancel_message_move_task(self: SQSResponse) -> ActionResult:
    handle = self._get_param("TaskHandle")
    for task in _tasks(self.sqs_backend):
        if task["TaskHandle"] == handle and task["Status"] == "RUNNING":
            task["Status"] = "CANCELLED"
            moved = task["ApproximateNumberOfMessagesMoved"]
            return ActionResult({"ApproximateNumberOfMessagesMoved": moved})
    raise SQSException("ResourceNotFoundException", f"No running task with handle {handle}.")


def batch_get_named_query(self: AthenaResponse) -> str:
    found, missing = [], []
    for query_id in self._get_param("NamedQueryIds") or []:
        query = self.athena_backend.get_named_query(query_id)
        if query is None:
            missing.append({"NamedQueryId": query_id, "ErrorCode": "INVALID_INPUT"})
            continue
        found.append(
            {
                "Name": query.name,
                "Description": query.description,
                "Database": query.database,
                "QueryString": query.query_string,
                "NamedQueryId": query.id,
                "WorkGroup": query.workgroup.name,
            }
        )
    return json.dumps({"NamedQueries": found, "UnprocessedNamedQueryIds": missing})


def install() -> None:
    """Add the missing operations to moto (idempotent)."""
    sqs: Any = SQSResponse
    sqs.start_message_move_task = start_message_move_task
    sqs.list_message_move_tasks = list_message_move_tasks
    sqs.cancel_message_move_task = cancel_message_move_task
    athena: Any = AthenaResponse
    athena.batch_get_named_query = batch_get_named_query
