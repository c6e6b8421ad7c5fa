"""The lock files: fresh against setup.cfg, closed, hashed, and consistent with each other.

`scripts/lock.py --check` is what CI runs first (standard library only); these tests
also check what a stale-digest comparison cannot see: that every range in setup.cfg
is met by its lock's pins and that the image shares the test environment's versions.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import ROOT


def _load_lock_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


lock_script = _load_lock_module()
LOCKS = lock_script.locks()
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")


def pinned(path: Path) -> dict[str, set[str]]:
    """Package -> pinned versions (a universal lock may pin two, under different markers)."""
    found: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return found


def test_every_lock_is_fresh() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lock.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_a_changed_range_makes_the_check_fail_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "lock.py", copy / "scripts")
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copytree(ROOT / "requirements", copy / "requirements")
    (copy / "lambda").mkdir()
    shutil.copy(ROOT / "lambda" / "requirements.txt", copy / "lambda")
    text = (ROOT / "setup.cfg").read_text()
    (copy / "setup.cfg").write_text(text.replace("boto3>=1.34", "boto3>=1.35", 1))
    proc = subprocess.run(
        [sys.executable, str(copy / "scripts" / "lock.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "make lock" in proc.stderr and "requirements/dev.txt" in proc.stderr


@pytest.mark.parametrize("lock", LOCKS, ids=lambda lock: lock.path)
def test_every_range_of_setup_cfg_is_met_by_the_lock(lock: object) -> None:
    pins = pinned(ROOT / lock.path)  # type: ignore[attr-defined]
    for text in lock.requirements:  # type: ignore[attr-defined]
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock.path} has no pin for {text}"  # type: ignore[attr-defined]
        for version in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (text, version)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda lock: lock.path)
def test_every_pin_has_hashes(lock: object) -> None:
    lines = (ROOT / lock.path).read_text().splitlines()  # type: ignore[attr-defined]
    for i, line in enumerate(lines):
        if PIN.match(line):
            assert line.endswith("\\") and "--hash=sha256:" in lines[i + 1], line


def test_the_image_shares_the_test_environments_versions() -> None:
    dev = pinned(ROOT / "requirements" / "dev.txt")
    image = pinned(ROOT / "lambda" / "requirements.txt")
    assert image, "the image lock is empty"
    for name, versions in image.items():
        assert versions <= dev.get(name, set()), f"{name}: image {versions}, tests {dev.get(name)}"
    assert not set(image) & lock_script.CLI_ONLY, "the image has no CLI"
    assert {"polars", "boto3", "aws-lambda-powertools"} <= set(image)
