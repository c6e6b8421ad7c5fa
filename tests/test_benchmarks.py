"""The benchmark scripts still run against the code they measure (tiny inputs, no figures).

Benchmarks are run by hand for the figures in the README; without this, an API change (as
when ``processor.Settings`` took a ``Limits``) breaks them silently until the next release.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.core.generate import generate_orders
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "orders.csv"
    generate_orders(path, 3_000, seed=1)
    return path


def _run(*args: str) -> dict[str, object]:
    command = [sys.executable, *args]
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bench_s3_runs_every_measurement(orders_file: Path) -> None:
    figures = _run("benchmarks/bench_s3.py", "--file", str(orders_file), "--repeat", "1")
    assert {"download", "engine", "end-to-end", "ratio"} <= figures.keys()


def test_bench_engine_runs_the_engine(orders_file: Path) -> None:
    args = ["--file", str(orders_file), "--repeat", "1", "--only", "engine"]
    figures = _run("benchmarks/bench_engine.py", *args, "--check-rows", "500")
    assert figures["rows"] == 3_000
