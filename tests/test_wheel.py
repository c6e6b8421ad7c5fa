"""The wheel works outside the checkout (issue 11: "a wheel whose every command works").

Builds the wheel from a copy of the checkout (``pip wheel --no-deps``), installs
it into a fresh virtualenv outside the checkout with exactly the locked
``requirements/demo.txt`` (``--require-hashes``), and runs each command from an
unrelated folder with an environment that knows nothing of the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_support import install_fake_tools
from tests.helpers import ROOT, SAMPLE

pytestmark = pytest.mark.slow
QUERY = "cumulative_most_profitable_region"
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    ".terraform",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "reports",
    "build",
    "dist",
    "*.egg-info",
)


def run(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", *map(str, args)], check=True)


@dataclass(frozen=True)
class Installed:
    """A virtualenv with the wheel, and a folder that has nothing to do with the checkout."""

    bin: Path
    home: Path

    def orders(
        self, *args: str | Path, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": f"{self.bin}{os.pathsep}{os.defpath}",
            "HOME": str(self.home),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-west-2",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "COLUMNS": "200",
            **(env or {}),
        }
        return subprocess.run(
            [str(self.bin / "orders"), *map(str, args)],
            cwd=self.home,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # built from a copy: the checkout gets no build/ or egg-info
    shutil.copytree(ROOT, source, ignore=COPY_IGNORE, symlinks=True)
    run("pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", base, source)
    (wheel,) = base.glob("orders_pipeline-*.whl")
    # uv (the lock tool, a dev dependency) installs the lock in seconds where pip takes a minute.
    venv = base / "venv"
    run("uv", "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    lock = ROOT / "requirements" / "demo.txt"
    run(
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "--require-hashes",
        "--no-deps",
        "-r",
        lock,
    )
    run("uv", "pip", "install", "--quiet", "--python", python, "--no-deps", wheel)
    home = base / "elsewhere"
    home.mkdir()
    return Installed(venv / "bin", home)


def test_help_and_version(installed: Installed) -> None:
    result = installed.orders("--help")
    assert result.returncode == 0, result.stderr
    for command in ("run-local", "generate", "demo", "query", "deploy", "upload", "status"):
        assert command in result.stdout
    assert installed.orders("--version").stdout.startswith("orders-pipeline ")


def test_run_local_and_generate(installed: Installed) -> None:
    result = installed.orders("run-local", SAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["reports"]["most_profitable_region"] == [
        {"region": "East", "total_profit": "1059.15"}
    ]
    assert Path(payload["files"]["summary"]) == Path("reports/sample_orders/summary.json")
    assert (installed.home / "reports" / "sample_orders" / "summary.json").is_file()

    generated = installed.orders("generate", "made.csv.gz", "--rows", "500", "--gzip", "--json")
    assert generated.returncode == 0, generated.stderr
    assert json.loads(generated.stdout)["rows"] == 500
    again = installed.orders("run-local", "made.csv.gz", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"]["rows_read"] == 500


def test_deploy_dry_run_needs_the_project_dir(installed: Installed, tmp_path: Path) -> None:
    fakes = install_fake_tools(tmp_path / "bin", tmp_path / "state", ("terraform", "docker"))
    env = {
        **fakes,
        "PATH": f"{installed.bin}{os.pathsep}{tmp_path / 'bin'}{os.pathsep}{os.defpath}",
    }
    lost = installed.orders("deploy", "--dry-run", env=env)
    assert lost.returncode == 1
    assert lost.stderr == (
        f"error: {installed.home} is not a checkout of orders-pipeline (no terraform/assignment/ "
        "in it): run from the checkout, pass --project-dir DIR or set ORDERS_PROJECT_DIR\n"
    )
    by_flag = installed.orders("deploy", "--dry-run", "--project-dir", ROOT, env=env)
    by_env = installed.orders("deploy", "--dry-run", env={**env, "ORDERS_PROJECT_DIR": str(ROOT)})
    for found in (by_flag, by_env):
        assert found.returncode == 0, found.stderr
        assert found.stderr == ""
        out = " ".join(found.stdout.split())
        assert f"terraform -chdir={ROOT / 'terraform' / 'assignment'} init" in out
        assert (
            "--platform linux/arm64 --provenance=false --sbom=false --load "
            "--tag '<ecr_repository_url>:" in out
        )
        assert out.count("[8/8]") == 1


def test_demo(installed: Installed) -> None:
    result = installed.orders("demo", "--json")
    assert result.returncode == 0, result.stderr
    (sample,) = json.loads(result.stdout)["files"]
    assert sample["status"] == "processed"
    assert sample["reports"]["most_profitable_region"] == [
        {"region": "East", "total_profit": "1059.15"}
    ]


def test_query_local_on_a_kept_demo(installed: Installed, tmp_path: Path) -> None:
    """The folder comes from the checkout's own CLI, so only the installed query is tested."""
    kept = tmp_path / "kept"
    made = subprocess.run(
        [sys.executable, "-m", "cli.main", "demo", "--keep", str(kept), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    result = installed.orders("query", QUERY, "--local", kept, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"region": "East", "total_profit": "1059.15"}]


def test_demo_keep_then_query_local(installed: Installed) -> None:
    kept = installed.orders("demo", "--keep", "kept")
    assert kept.returncode == 0, kept.stderr
    result = installed.orders("query", QUERY, "--local", "kept", "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "region,total_profit\nEast,1059.15\n"
