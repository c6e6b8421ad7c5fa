"""AWS Lambda entry point ``handler.lambda_handler`` (copied into the image's task root).

A re-export only: the function is ``shared.aws.handler.lambda_handler``, the same object
the local runtime (``orders demo``, ``make e2e``) and the tests invoke.
"""

from shared.aws.handler import lambda_handler

__all__ = ["lambda_handler"]
