"""AWS Lambda entry point ``handler.lambda_handler`` (copied into the image's task root).

Deliberately thin: the powertools decorators add the request id to every log
line and flush the metrics (CloudWatch EMF) after each invocation; everything
else (event shapes, idempotency, S3 I/O, the reports) lives in the ``shared``
package, where it is tested. See ``shared/aws/lambda_app.py`` for the event flow.
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
