"""Hostile and sloppy inputs (issue 13) through ``orders run-local`` and the Lambda handler.

Every case of ``tests/hostile.py`` is generated at its small size and run in a child
process (``tests/sandbox.py``) under ``SMALL_LIMITS``: a 384 MiB RSS ceiling, a 16 MiB
/tmp, the scaled-down limits as environment variables. Each test asserts the outcome the
contract requires (reports with the right counts, or the named error), the stream checks
(exit code, one line on stderr for an error and none otherwise, no traceback), peak RSS and
/tmp under their ceilings, that run-local writes nothing outside ``reports/``, and that the
Lambda path gives the same reports (bytes) or the same error cause as run-local.

A case that fails is marked in ``TODAY`` as ``xfail(strict=True)`` with what happens: the
strict mark fails the suite once it passes, until the entry is removed. Since issue 13 the
list is empty: every case ends in reports or an error record on both paths.

The runs are started up front for every selected test (two at a time on machines with more
than two cores, ``_RUNNERS``), and each test waits for its own.
"""

from __future__ import annotations

import os
import queue
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.aws import processor
from shared.core.limits import Limits
from tests.hostile import CASES, ISSUE_LIMITS, LAMBDA, LOCAL, MIB, SMALL_LIMITS
from tests.sandbox import Ceilings, Observation, Runner, S3Server

ROOT = Path(__file__).resolve().parent.parent
# Two runs at a time where there are cores to spare; one on a 2-core machine, where a second
# one only adds start-up CPU (the zygotes import Polars, boto3 and Powertools).
_RUNNERS = 2 if (os.cpu_count() or 1) > 2 else 1
CEILINGS = Ceilings(memory=SMALL_LIMITS.memory_ceiling, tmp=SMALL_LIMITS.tmp_ceiling, seconds=60.0)

# What happens today, per case (both paths) or per (case, path). Each entry makes that test a
# strict xfail; remove it when the case passes. Every case of issue 13 passes today.
TODAY: dict[str | tuple[str, str], str] = {}


def _params() -> Iterator[object]:
    for name, case in CASES.items():
        for path in case.paths:
            reason = TODAY.get((name, path)) or TODAY.get(name)
            marks = [pytest.mark.xfail(strict=True, reason=f"issue 13: {reason}")] if reason else []
            yield pytest.param(name, path, id=f"{name}-{path}", marks=marks)


class _Runs:
    """Futures of every selected run, executed by a pool of runners sharing one S3 server."""

    def __init__(self, work: Path, wanted: list[tuple[str, str]]) -> None:
        self.s3 = S3Server()
        self.runners: queue.Queue[Runner] = queue.Queue()
        self.all: list[Runner] = []
        for k in range(_RUNNERS):
            runner = Runner(work, SMALL_LIMITS, CEILINGS, self.s3, name=f"r{k}")
            self.all.append(runner)
            self.runners.put(runner)
        self.pool = ThreadPoolExecutor(max_workers=_RUNNERS)
        # Lambda runs first: their checks compare with the run-local run of the same case.
        order = sorted(set(wanted), key=lambda pair: (pair[1] != LAMBDA, pair))
        self.futures: dict[tuple[str, str], Future[Observation]] = {
            pair: self.pool.submit(self._run, *pair) for pair in order
        }

    def _run(self, name: str, path: str) -> Observation:
        runner = self.runners.get()
        try:
            case = CASES[name]
            return runner.run(case, path, case.small_size)
        finally:
            self.runners.put(runner)

    def get(self, name: str, path: str) -> Observation:
        if (name, path) not in self.futures:
            self.futures[(name, path)] = self.pool.submit(self._run, name, path)
        return self.futures[(name, path)].result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for runner in self.all:
            runner.close()
        self.s3.close()


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Runs]:
    wanted = [
        (str(item.callspec.params["name"]), str(item.callspec.params["path"]))
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.module is request.module
        if hasattr(item, "callspec") and {"name", "path"} <= set(item.callspec.params)
    ]
    # The Lambda tests compare with run-local: run both paths of every selected case.
    wanted += [(name, path) for name, _ in wanted for path in CASES[name].paths]
    with pytest.MonkeyPatch.context() as env:  # the parent's S3 client: fake and local only
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        runs = _Runs(tmp_path_factory.mktemp("hostile"), wanted)
        yield runs
        runs.close()


def _describe(obs: Observation) -> str:
    usage = obs.usage
    return (
        f"{obs.case} on {obs.path}: {obs.outcome()} {obs.outputs.message[:200]!r}; "
        f"peak RSS {usage.peak_rss / MIB:.0f} MiB, /tmp {usage.peak_tmp / MIB:.1f} MiB, "
        f"exit {usage.exit_code}, {obs.stderr_lines} stderr line(s); problems: {obs.problems}"
    )


@pytest.mark.parametrize(("name", "path"), list(_params()))
def test_hostile_input(runs: _Runs, name: str, path: str) -> None:
    obs = runs.get(name, path)
    case = CASES[name]
    what = _describe(obs)
    assert obs.input_bytes <= 20 * MIB, "keep the suite fast: small inputs stay small"
    assert obs.usage.killed is None, what
    assert obs.usage.peak_rss <= CEILINGS.memory, what
    assert CEILINGS.tmp is not None and obs.usage.peak_tmp <= CEILINGS.tmp, what
    assert not obs.enospc, what
    # The outcome; exit code, stderr lines, traceback; what run-local wrote (sandbox.py).
    assert obs.problems == [], what
    if path == LOCAL:
        return
    assert obs.usage.exit_code == 0, what
    if LOCAL not in case.paths:
        return
    local = runs.get(name, LOCAL)
    if obs.outputs.kind == local.outputs.kind == "reports":
        assert obs.outputs.reports == local.outputs.reports, "Lambda and run-local reports differ"
    elif obs.outputs.kind == local.outputs.kind == "error":
        assert obs.outputs.message == local.outputs.message, "the paths name different causes"


def _readme_default_bytes() -> int:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`MAX_INPUT_BYTES` \(Terraform `max_input_bytes`, default ([\d.]+) GB", text)
    assert found, "README no longer states the MAX_INPUT_BYTES default"
    return int(float(found.group(1)) * 10**9)


def _terraform_default_bytes() -> int:
    text = (ROOT / "terraform" / "assignment" / "variables.tf").read_text(encoding="utf-8")
    found = re.search(r'variable "max_input_bytes" \{.*?default\s*=\s*(\d+)', text, re.S)
    assert found, "terraform/assignment/variables.tf has no max_input_bytes default"
    return int(found.group(1))


def test_max_input_bytes_default_is_the_same_in_code_readme_and_terraform() -> None:
    assert _readme_default_bytes() == _terraform_default_bytes()
    assert _readme_default_bytes() == processor.DEFAULT_MAX_INPUT_BYTES
    assert Limits().max_input_bytes == Limits().max_data_bytes == processor.DEFAULT_MAX_INPUT_BYTES


def test_the_harness_limits_are_the_code_defaults() -> None:
    """The issue-scale figures (benchmarks/hostile_inputs.py) run under the real defaults."""
    defaults = Limits().as_env()
    assert {name: defaults[name] for name in ISSUE_LIMITS.env()} == ISSUE_LIMITS.env()


def test_every_case_has_an_expectation_at_both_sizes() -> None:
    """The catalogue itself: every case generates, and says what it requires at both sizes."""
    for name, case in CASES.items():
        for scale in ("issue", "small"):
            expect = case.expect(case.size(scale), SMALL_LIMITS)
            assert expect.describe(), name
        assert case.description and case.paths, name
