"""A local Lambda: the real handler in its own process, fed by a local SQS event source.

Used by ``orders demo`` (against the builder's stack) and ``make e2e`` (against the
applied Terraform root, settings read from the deployed resources).

- ``FunctionSpec``: what Lambda gives the function: its environment variables,
  timeout, memory, ``/tmp`` size. ``FunctionSpec.from_aws`` reads them from a
  deployed function (``GetFunctionConfiguration``).
- ``LambdaProcess``: the execution environment. A child Python process
  (``python -m cli.local_lambda``) whose environment is the function's variables plus
  the runtime's own (``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``...), fake credentials
  and the endpoint to talk to, nothing inherited from the caller's shell except
  ``PATH`` and ``PYTHONPATH``; its ``/tmp`` is a folder of its own (``TMPDIR``); its
  stdout and stderr are the function's log. It imports the handler once (the init
  phase, from the installed package: ``shared.aws.handler.lambda_handler``) and then
  takes one event at a time over a pipe. An invocation that outlives the function's
  timeout kills the process, as Lambda does; the next invocation starts a new one.
- The SQS trigger (``EventSourceSpec``, ``LocalConsumer``) is in ``cli.sqs_trigger``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

DEFAULT_HANDLER = "shared.aws.handler.lambda_handler"
INIT_TIMEOUT_SECONDS = 60.0  # Lambda's init phase may take at most 10 s; imports are slower here


@dataclass(frozen=True)
class FunctionSpec:
    """A function's configuration, as ``GetFunctionConfiguration`` reports it."""

    name: str
    region: str
    account_id: str
    environment: Mapping[str, str]
    timeout_seconds: int
    memory_mb: int
    ephemeral_storage_mb: int
    handler: str = DEFAULT_HANDLER  # an image's CMD; not in the configuration of one

    @classmethod
    def from_aws(cls, lambda_client: Any, name: str) -> FunctionSpec:
        """The deployed function's settings (its image's handler is ``DEFAULT_HANDLER``)."""
        config = lambda_client.get_function_configuration(FunctionName=name)
        arn = config["FunctionArn"].split(":")
        return cls(
            name=config["FunctionName"],
            region=arn[3],
            account_id=arn[4],
            environment=dict(config.get("Environment", {}).get("Variables", {})),
            timeout_seconds=int(config["Timeout"]),
            memory_mb=int(config["MemorySize"]),
            ephemeral_storage_mb=int(config.get("EphemeralStorage", {}).get("Size", 512)),
        )

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


class FunctionInitError(RuntimeError):
    """The function's process could not import its handler (Lambda's Runtime.ImportModuleError)."""


@dataclass
class InvokeResult:
    """One invocation: the handler's response, or the error that ended it, and its log lines."""

    response: Any = None
    error: str | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)


class LambdaProcess:
    """The function's execution environment in a child process (see the module docstring)."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        endpoint: str,
        credentials: tuple[str, str],
        work_dir: Path,
        log_path: Path,
    ) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.credentials = credentials
        self.tmp = work_dir / "tmp"
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._replies: IO[bytes] | None = None
        self._log_offset = log_path.stat().st_size if log_path.exists() else 0
        self._buffer = b""
        self.cold_starts = 0

    def environment(self) -> dict[str, str]:
        """The child's whole environment."""
        keep = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
        key, secret = self.credentials
        return {
            **keep,
            **self.spec.environment,
            "AWS_REGION": self.spec.region,
            "AWS_DEFAULT_REGION": self.spec.region,
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]local",
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL": self.endpoint,
            # no profile, config or credentials file of whoever runs this
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "HOME": str(self.tmp),
            "TMPDIR": str(self.tmp),
            "POLARS_TEMP_DIR": str(self.tmp),
            "TZ": ":UTC",
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def start(self) -> None:
        """Start the process and wait for its init phase (the handler's import)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    *(sys.executable, "-P", "-m", __name__),
                    *("--handler", self.spec.handler, "--reply-fd", str(write_fd)),
                ],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.tmp,
                env=self.environment(),
                pass_fds=(write_fd,),
            )
        os.close(write_fd)
        self._replies = os.fdopen(read_fd, "rb", buffering=0)
        self._buffer = b""
        self.cold_starts += 1
        reply = self._reply(INIT_TIMEOUT_SECONDS)
        if reply is None or "init_error" in reply:
            self.stop()
            why = reply["init_error"] if reply else "no answer from the runtime"
            raise FunctionInitError(f"the function's init phase failed: {why}")

    def stop(self) -> None:
        """End the process (Lambda recycling the environment)."""
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._replies is not None:
            self._replies.close()
            self._replies = None

    def __enter__(self) -> LambdaProcess:
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def invoke(self, event: Mapping[str, Any]) -> InvokeResult:
        """Run the handler on ``event``; a timeout or a crash ends the process."""
        if self._proc is None or self._proc.poll() is not None:
            self.stop()
            self.start()
        assert self._proc is not None and self._proc.stdin is not None
        request_id = str(uuid.uuid4())
        deadline = time.time() + self.spec.timeout_seconds
        request = {
            "event": event,
            "request_id": request_id,
            "deadline": deadline,
            "function_arn": self.spec.arn,
        }
        try:
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
        except BrokenPipeError:  # the process died between two invocations
            reply = None
        else:
            reply = self._reply(deadline - time.time())
        if reply is None:
            timed_out = self._proc.poll() is None
            self._proc.kill()
            self.stop()
            what = f"Task timed out after {self.spec.timeout_seconds}.00 seconds"
            result = InvokeResult(error=what if timed_out else "Runtime exited without a reply")
        elif "error" in reply:
            result = InvokeResult(error=str(reply["error"]))
        else:
            result = InvokeResult(response=reply.get("response"))
        result.logs = self.new_log_records()
        return result

    def new_log_records(self) -> list[dict[str, Any]]:
        """The log lines written since the last call (JSON records; other lines as messages)."""
        if not self.log_path.exists():
            return []
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            data = log.read()
        complete, _, _ = data.rpartition(b"\n")
        self._log_offset += len(complete) + (1 if complete else 0)
        records: list[dict[str, Any]] = []
        for line in complete.decode("utf-8", "replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {"message": line}
            records.append(record if isinstance(record, dict) else {"message": line})
        return records

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        """The child's next reply line, or None on timeout or end of file."""
        assert self._replies is not None
        deadline = time.monotonic() + max(timeout, 0)
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                return None
            chunk = self._replies.read(65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        return reply


# --- inside the child process -------------------------------------------------------------


@dataclass
class _Context:
    """The Lambda context object the handler gets (the attributes powertools reads)."""

    aws_request_id: str
    deadline: float
    function_name: str = field(default_factory=lambda: os.environ["AWS_LAMBDA_FUNCTION_NAME"])
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = field(
        default_factory=lambda: int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    )
    log_group_name: str = field(default_factory=lambda: os.environ["AWS_LAMBDA_LOG_GROUP_NAME"])
    log_stream_name: str = field(default_factory=lambda: os.environ["AWS_LAMBDA_LOG_STREAM_NAME"])
    invoked_function_arn: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.time()) * 1000))


def _load(handler: str) -> Callable[[Any, Any], Any]:
    import importlib

    module, _, name = handler.rpartition(".")
    function: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), name)
    return function


def _error_record(exc: BaseException) -> dict[str, Any]:
    """What Lambda's Python runtime logs (and returns) for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def serve(handler_name: str, replies: IO[str], requests: IO[str]) -> None:
    """The runtime loop: init, then one event per request line, one reply line each."""

    def reply(message: Mapping[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        replies.write(json.dumps(message, default=str) + "\n")
        replies.flush()

    try:
        handler = _load(handler_name)
    except Exception as exc:
        print(json.dumps(_error_record(exc)), file=sys.stderr)
        reply({"init_error": f"{type(exc).__name__}: {exc}"})
        return
    reply({"ready": True})
    for line in requests:
        request = json.loads(line)
        context = _Context(
            request["request_id"], request["deadline"], invoked_function_arn=request["function_arn"]
        )
        try:
            response = handler(request["event"], context)
        except Exception as exc:
            record = _error_record(exc)
            print(json.dumps(record), file=sys.stderr)
            reply({"error": f"{record['errorType']}: {record['errorMessage']}"})
        else:
            reply({"response": response})


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="A local Lambda runtime (see cli.local_lambda)")
    parser.add_argument("--handler", default=DEFAULT_HANDLER)
    parser.add_argument("--reply-fd", type=int, required=True)
    args = parser.parse_args(argv)
    with os.fdopen(args.reply_fd, "w", encoding="utf-8") as replies:
        serve(args.handler, replies, sys.stdin)


if __name__ == "__main__":
    main()
