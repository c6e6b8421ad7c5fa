"""Handlers for tests/test_local_lambda.py, imported by name in the runtime's child process."""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any


def environment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What the function sees of its process."""
    print("a line on stdout")  # the function's log, as Lambda sends stdout to CloudWatch
    return {
        "pid": os.getpid(),
        "env": dict(os.environ),
        "tmp": tempfile.gettempdir(),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "arn": context.invoked_function_arn,
        "event": event,
    }


def sleep(event: dict[str, Any], context: Any) -> None:
    time.sleep(float(event["seconds"]))


def boom(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError("boom")
