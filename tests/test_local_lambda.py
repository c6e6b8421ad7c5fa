"""The local Lambda runtime: the handler in its own process, its environment, timeouts, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.local_lambda import FunctionInitError, FunctionSpec, LambdaProcess
from tests.helpers import ROOT


def spec(handler: str, timeout: int = 30) -> FunctionSpec:
    return FunctionSpec(
        name="fn",
        region="eu-west-1",
        account_id="111122223333",
        environment={"OUTPUT_BUCKET": "out", "MAX_INPUT_BYTES": "10"},
        timeout_seconds=timeout,
        memory_mb=512,
        ephemeral_storage_mb=512,
        handler=f"tests.local_handlers.{handler}",
    )


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child finds ``tests.local_handlers`` through PYTHONPATH (passed through, as a layer)."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("ORDERS_PARENT_ONLY", "not for the function")


def process(tmp_path: Path, handler: str, timeout: int = 30) -> LambdaProcess:
    return LambdaProcess(
        spec(handler, timeout),
        endpoint="http://127.0.0.1:9",
        credentials=("key", "secret"),
        work_dir=tmp_path / "fn",
        log_path=tmp_path / "fn.log",
    )


def test_the_handler_runs_in_its_own_process_with_only_its_environment(tmp_path: Path) -> None:
    with process(tmp_path, "environment") as fn:
        result = fn.invoke({"hello": "world"})
    assert result.error is None
    seen = result.response
    assert seen["pid"] != os.getpid()
    assert seen["event"] == {"hello": "world"}
    env = seen["env"]
    assert env["OUTPUT_BUCKET"] == "out" and env["MAX_INPUT_BYTES"] == "10"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("key", "secret")
    assert "ORDERS_PARENT_ONLY" not in env and "AWS_SESSION_TOKEN" not in env
    assert seen["tmp"] == str(tmp_path / "fn" / "tmp")  # its own /tmp
    assert seen["arn"] == "arn:aws:lambda:eu-west-1:111122223333:function:fn"
    assert 0 < seen["remaining_ms"] <= 30_000
    assert {"message": "a line on stdout"} in result.logs  # stdout is the function's log


def test_a_timeout_kills_the_process_and_the_next_invocation_is_a_cold_start(
    tmp_path: Path,
) -> None:
    with process(tmp_path, "sleep", timeout=1) as fn:
        late = fn.invoke({"seconds": 30})
        assert late.error == "Task timed out after 1.00 seconds"
        assert fn.invoke({"seconds": 0}).error is None
        assert fn.cold_starts == 2


def test_an_exception_is_a_function_error_with_lambdas_error_record(tmp_path: Path) -> None:
    with process(tmp_path, "boom") as fn:
        result = fn.invoke({})
        assert result.error == "RuntimeError: boom"
        (record,) = [r for r in result.logs if "errorType" in r]
        assert record["errorType"] == "RuntimeError" and record["errorMessage"] == "boom"
        assert fn.invoke({}).error == "RuntimeError: boom"  # the same process goes on
        assert fn.cold_starts == 1


def test_a_handler_that_cannot_be_imported_fails_the_init_phase(tmp_path: Path) -> None:
    with pytest.raises(FunctionInitError, match="init phase failed: AttributeError"):
        process(tmp_path, "missing").start()
