"""The wiring of a deployed stack as a flat, name-free description, to compare two stacks.

``describe`` reads what the e2e comparison looks at: bucket versioning, the input
bucket's notification (events, suffix filters), both queues' attributes, the
redrive and redrive-allow policies, the queue policies (principals, actions,
conditions), the function's environment and limits and its SQS event source. Every
name, URL, ARN and the account id is replaced by its role (``<input_bucket>``...),
so the Terraform stack and the builder's compare key by key.
"""

from __future__ import annotations

import json
from typing import Any

from cli.local_lambda import FunctionSpec
from cli.moto_stack import Resources
from cli.sqs_trigger import EventSourceSpec

# Attributes that describe a queue's state or identity, not its configuration.
VOLATILE = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
}


def roles(names: Resources) -> list[tuple[str, str]]:
    """(concrete, role) pairs for a stack's names, longest first (none replaced inside another)."""
    pairs = [
        (names.dlq_url, "<dlq_url>"),
        (names.queue_url, "<queue_url>"),
        (names.dlq_arn, "<dlq_arn>"),
        (names.queue_arn, "<queue_arn>"),
        (names.input_bucket, "<input_bucket>"),
        (names.output_bucket, "<output_bucket>"),
        (names.function_name, "<function>"),
        (names.account_id, "<account>"),
    ]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _anonymize(value: Any, roles: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for concrete, role in roles:
            value = value.replace(concrete, role)
        return value
    if isinstance(value, dict):
        return {k: _anonymize(v, roles) for k, v in value.items()}
    if isinstance(value, list):
        return [_anonymize(v, roles) for v in value]
    return value


def _as_list(value: Any) -> list[Any]:
    return sorted(value) if isinstance(value, list) else [value]


def _statement(statement: dict[str, Any]) -> dict[str, Any]:
    """A policy statement with one spelling for what IAM reads the same ("x" == ["x"])."""
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = {kind: _as_list(ids) for kind, ids in principal.items()}
    return {
        "Effect": statement["Effect"],
        "Principal": principal,
        "Action": _as_list(statement.get("Action")),
        "Resource": _as_list(statement.get("Resource")),
        "Condition": {
            operator: {key: _as_list(values) for key, values in keyed.items()}
            for operator, keyed in statement.get("Condition", {}).items()
        },
    }


def _policy(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    statements = json.loads(raw)["Statement"]
    return {s.get("Sid", f"#{i}"): _statement(s) for i, s in enumerate(statements)}


def _queue(sqs: Any, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    described: dict[str, Any] = {
        name: value for name, value in attributes.items() if name not in VOLATILE
    }
    described["Policy"] = _policy(described.get("Policy"))
    for name in ("RedrivePolicy", "RedriveAllowPolicy"):
        if described.get(name):
            described[name] = json.loads(described[name])
    return described


def _notification(s3: Any, bucket: str) -> dict[str, Any]:
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    config.pop("ResponseMetadata", None)
    queues = {
        rule["Id"]: {
            "QueueArn": rule["QueueArn"],
            "Events": sorted(rule["Events"]),
            "Filter": sorted(
                (r["Name"].lower(), r["Value"])
                for r in rule.get("Filter", {}).get("Key", {}).get("FilterRules", [])
            ),
        }
        for rule in config.pop("QueueConfigurations", [])
    }
    return {"queues": queues, "other": config}


def describe(
    s3: Any, sqs: Any, names: Resources, function: FunctionSpec, source: EventSourceSpec
) -> dict[str, Any]:
    """The stack's wiring, flattened to ``path -> value`` with roles for names."""
    tree = {
        "versioning": {
            role: s3.get_bucket_versioning(Bucket=bucket).get("Status")
            for role, bucket in (("input", names.input_bucket), ("output", names.output_bucket))
        },
        "notification": _notification(s3, names.input_bucket),
        "queue": _queue(sqs, names.queue_url),
        "dlq": _queue(sqs, names.dlq_url),
        "function": {
            "environment": dict(function.environment),
            "timeout_seconds": function.timeout_seconds,
            "memory_mb": function.memory_mb,
            "ephemeral_storage_mb": function.ephemeral_storage_mb,
        },
        "event_source": {
            "queue": source.queue_arn,
            "batch_size": source.batch_size,
            "maximum_batching_window_seconds": source.maximum_batching_window_seconds,
            "report_batch_item_failures": source.report_batch_item_failures,
            "max_receive_count": source.max_receive_count,
            "dlq": source.dlq_arn,
        },
    }
    return flatten(_anonymize(tree, roles(names)))


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists and scalars are leaves."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def differences(left: dict[str, Any], right: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Paths whose values differ (a missing path counts as ``None``)."""
    return {
        path: (left.get(path), right.get(path))
        for path in sorted(set(left) | set(right))
        if left.get(path) != right.get(path)
    }
