"""The function's structured logger and CloudWatch metrics (aws-lambda-powertools).

One ``Logger`` and one ``Metrics`` per process: the handler decorates the
entry point with them (request id on every line, metrics flushed as EMF at
the end of each invocation) and the Lambda modules log through them. Service
name and namespace come from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE``; the defaults match what Terraform sets.
Imported only by the Lambda modules, never by ``import shared``.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "orders-pipeline"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "OrdersPipeline"

# Metric names (documented in the README's "Logs and metrics" section).
FILES_PROCESSED = "FilesProcessed"
FILES_SKIPPED = "FilesSkipped"
FILES_FAILED = "FilesFailed"
ROWS = "Rows"
REJECTED_ROWS = "RejectedRows"
DURATION = "Duration"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, value: float = 1) -> None:
    """Add to a count metric of this invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def seconds(name: str, value: float) -> None:
    """Record a duration metric (seconds) of this invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=value)
