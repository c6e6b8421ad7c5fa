"""The Lambda entry point: ``lambda_handler``, decorated with the function's telemetry.

It lives in the package so that everything running the function imports the same
object: the image (``lambda/handler.py`` re-exports it for ``CMD handler.lambda_handler``),
the local runtime of ``orders demo`` and ``make e2e`` (``cli.local_lambda``), and the tests.
Deliberately thin: the powertools decorators add the request id to every log line and
flush the metrics (CloudWatch EMF) after each invocation; the event flow is in
``shared.aws.lambda_app``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.lambda_app import handle
from shared.aws.telemetry import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SQS batch (``batchItemFailures``), direct S3 notification or EventBridge event."""
    return handle(event, context)
