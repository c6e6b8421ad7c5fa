"""Shared fixtures: fake AWS credentials for every test, and a helper to run the engine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.core import pipeline, reports
from tests import moto_gaps
from tests.helpers import write_input

# APIs the CLI uses that moto does not implement yet (SQS move tasks, Athena batch get).
moto_gaps.install()

# Rendered output must not depend on the terminal the suite runs in: rich and Typer size their
# panels and tables from these when they are first created (nothing above imports them), so
# they are fixed here, whatever the caller exported.
os.environ["COLUMNS"] = "200"
os.environ["TERMINAL_WIDTH"] = "200"
os.environ.pop("LINES", None)


@pytest.fixture(autouse=True)
def _fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may ever reach real AWS: fake credentials, a fixed region, no profiles."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    yield


class Run:
    """The outputs of one engine run, read back from disk."""

    def __init__(self, result: pipeline.Result, out: Path) -> None:
        self.result = result
        self.out = out
        self.summary = result.summary

    def text(self, report: str) -> str:
        return (self.out / reports.file_name(report)).read_bytes().decode("utf-8")  # CRs as written

    def lines(self, report: str) -> list[str]:
        return self.text(report).splitlines()

    @property
    def rejected(self) -> list[str]:
        """Rejected-rows lines without the header."""
        return self.lines(reports.REJECTED_ROWS)[1:]


RunText = Callable[..., Run]


@pytest.fixture
def run_text(tmp_path: Path) -> RunText:
    """run_text(text_or_bytes, compress=False, name="in.csv") -> Run."""
    counter = iter(range(10_000))

    def _run(text: str | bytes, compress: bool = False, name: str = "in.csv") -> Run:
        n = next(counter)
        src = write_input(tmp_path / f"{n}-{name}", text, compress)
        out = tmp_path / f"out-{n}"
        return Run(pipeline.run_file(src, out, name=name), out)

    return _run
