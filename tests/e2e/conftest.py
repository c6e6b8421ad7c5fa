"""Fixtures of ``make e2e``: one moto server, one copy of the root, one apply, timed steps.

The tests of this folder run in file order and share the session's stack:
``test_moto_gaps.py`` (stock moto vs the gap-fills, no server) first, then
``test_stack.py`` (apply, plan, pipeline, destroy). ``make test`` skips this folder
(``--ignore=tests/e2e`` in pyproject.toml); ``make e2e`` runs it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from cli.moto_stack import MotoServer
from tests.e2e.harness import Steps, Terraform, moto_server
from tests.helpers import ROOT

STEPS = Steps()
LOGS = ROOT / "reports" / "e2e"  # git-ignored


@pytest.fixture(scope="session")
def steps() -> Steps:
    return STEPS


@pytest.fixture(scope="session")
def server(steps: Steps) -> Iterator[MotoServer]:
    with ExitStack() as stack:
        with steps("moto server (gap-filled) on a free port"):
            running = stack.enter_context(moto_server())
        yield running


@pytest.fixture(scope="session")
def logs() -> Path:
    """Every Terraform command's output and the function's log, kept after the run."""
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    return LOGS


@pytest.fixture(scope="session")
def terraform(server: MotoServer, logs: Path, steps: Steps) -> Iterator[Terraform]:
    """The root's copy lives in a temporary folder, removed at the end."""
    with tempfile.TemporaryDirectory(prefix="orders-e2e-") as work:
        with steps("copy of the root + test-only override"):
            copy = Terraform(Path(work), server.endpoint, logs)
        yield copy


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STEPS.done:
        terminalreporter.write_sep("=", "make e2e: steps")
        terminalreporter.write_line(STEPS.table())
        if LOGS.is_dir():
            terminalreporter.write_line(f"Terraform's output, the function's log: {LOGS}/")
