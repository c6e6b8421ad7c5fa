"""Lock files: every environment the project installs, pinned with hashes, from setup.cfg.

The version ranges live in ``setup.cfg`` (and the build requirements in ``pyproject.toml``);
the exact pins live here, one file per environment, each the whole dependency closure with
``--hash`` lines so ``pip install --require-hashes`` installs the same bytes on any day:

    requirements/dev.txt    CLI + lambda + demo + dev tools + build backend (make install, CI)
    requirements/cli.txt    what `pip install orders-pipeline` needs (the CLI)
    requirements/demo.txt   the CLI + `orders demo` / `orders query --local`
    requirements/bench.txt  the CLI + the benchmark's peers (pandas, DuckDB)
    lambda/requirements.txt the Lambda image: CPython 3.12, manylinux aarch64, wheels only

The first four are universal locks (``uv pip compile --universal``): one file valid for
CPython 3.11 and 3.12 on Linux (x86_64, aarch64) and macOS, with environment markers where a
platform needs something else. The others are resolved with ``dev.txt``'s pins as constraints,
and the image lock with every pin of ``dev.txt`` as a constraint: a package the image shares
with the test environment has the same version in both, by construction.

Each file starts with ``# inputs-sha256: <digest>`` of the requirements it was made from, so
``--check`` (standard library only: it runs before anything is installed) tells a stale lock
from a fresh one without the network.

    python scripts/lock.py            # regenerate every lock (needs uv and PyPI): `make lock`
    python scripts/lock.py --check    # exit 1 with one line if setup.cfg and the locks disagree
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP_CFG = ROOT / "setup.cfg"
PYPROJECT = ROOT / "pyproject.toml"
DIGEST_PREFIX = "# inputs-sha256: "
PYTHON_MIN = "3.11"  # setup.cfg's python_requires floor: a universal lock covers 3.11 and later
IMAGE_PYTHON = "3.12"  # the Lambda base image (public.ecr.aws/lambda/python:3.12)
IMAGE_PLATFORM = "aarch64-manylinux_2_28"  # arm64 Lambda (Amazon Linux 2023, glibc 2.34)
# Dependencies of the CLI alone: the image has no CLI, so its lock leaves them out.
CLI_ONLY = frozenset({"typer", "rich"})
# Names of the generated inputs, as the files' "via" annotations show them.
SOURCE_NAME = "setup.cfg.in"
CONSTRAINTS_NAME = "requirements-dev.pins"
UNIVERSAL = ("--universal", "--python-version", PYTHON_MIN)
IMAGE = ("--python-platform", IMAGE_PLATFORM, "--python-version", IMAGE_PYTHON)
IMAGE += ("--only-binary", ":all:")


@dataclass(frozen=True)
class Lock:
    """One lock file: where it goes, what it is made of, how it is resolved."""

    path: str
    purpose: str
    requirements: tuple[str, ...]
    options: tuple[str, ...]
    constrained_by_dev: bool = True


def _lines(value: str) -> list[str]:
    return [ln.split("#")[0].strip() for ln in value.splitlines() if ln.split("#")[0].strip()]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else requirement


def locks() -> list[Lock]:
    """Every lock, with its inputs read from setup.cfg and pyproject.toml."""
    cfg = configparser.ConfigParser()
    cfg.read(SETUP_CFG)
    runtime = _lines(cfg["options"]["install_requires"])
    extras = {name: _lines(value) for name, value in cfg["options.extras_require"].items()}
    build = list(tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"])
    image = [r for r in runtime if _name(r) not in CLI_ONLY] + extras["lambda"]
    dev = [*runtime, *extras["lambda"], *extras["demo"], *extras["dev"], *build]
    return [
        Lock("requirements/dev.txt", "development and CI", tuple(dev), UNIVERSAL, False),
        Lock("requirements/cli.txt", "the orders CLI", tuple(runtime), UNIVERSAL),
        Lock("requirements/demo.txt", "orders demo", (*runtime, *extras["demo"]), UNIVERSAL),
        Lock("requirements/bench.txt", "make bench", (*runtime, *extras["bench"]), UNIVERSAL),
        Lock("lambda/requirements.txt", "the Lambda image", tuple(image), IMAGE),
    ]


def digest(lock: Lock) -> str:
    """What the lock depends on: its requirements and how it is resolved."""
    text = "\n".join([*sorted(set(lock.requirements)), *lock.options])
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    for line in path.read_text().splitlines()[:10]:
        if line.startswith(DIGEST_PREFIX):
            return line.removeprefix(DIGEST_PREFIX).strip()
    return None


def check() -> int:
    stale = [lock.path for lock in locks() if recorded_digest(ROOT / lock.path) != digest(lock)]
    if stale:
        print(
            f"lock files out of date with setup.cfg/pyproject.toml ({', '.join(stale)}): "
            "run `make lock` and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


def pins(path: Path) -> list[str]:
    """``name==version ; markers`` lines of a lock (hashes and comments dropped)."""
    out = []
    for line in path.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            out.append(line.rstrip(" \\"))
    return out


def compile_lock(uv: str, lock: Lock, constraints: list[str] | None) -> None:
    """Resolve ``lock`` with uv; the inputs are written to a temporary folder under stable
    names, so the "via" annotations read the same on every machine."""
    target = ROOT / lock.path
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / SOURCE_NAME).write_text("\n".join(lock.requirements) + "\n")
        command = [uv, "pip", "compile", SOURCE_NAME, "--quiet", "--generate-hashes"]
        command += ["--no-header", "--annotation-style", "line", *lock.options]
        command += ["--output-file", "out.txt"]
        if constraints is not None:
            (work / CONSTRAINTS_NAME).write_text("\n".join(constraints) + "\n")
            command += ["--constraints", CONSTRAINTS_NAME]
        env = {**os.environ, "UV_NO_CONFIG": "1", "UV_INDEX_URL": "https://pypi.org/simple"}
        env.pop("UV_EXTRA_INDEX_URL", None)
        subprocess.run(command, check=True, env=env, cwd=work)
        body = (work / "out.txt").read_text()
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Lock file for {lock.purpose}: generated by `make lock` (scripts/lock.py) from "
        "setup.cfg.\n# Do not edit: change the ranges in setup.cfg, then run `make lock`.\n"
        f"{DIGEST_PREFIX}{digest(lock)}\n"
    )
    target.write_text(header + body)
    print(f"wrote {lock.path} ({len(pins(target))} pins)")


def generate() -> int:
    uv = shutil.which("uv", path=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    if uv is None:
        print("uv not found: run `make install` first (uv is a dev dependency)", file=sys.stderr)
        return 1
    all_locks = locks()
    dev = all_locks[0]
    compile_lock(uv, dev, None)
    dev_pins = pins(ROOT / dev.path)
    for lock in all_locks[1:]:
        compile_lock(uv, lock, dev_pins if lock.constrained_by_dev else None)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that locks are fresh")
    args = parser.parse_args()
    return check() if args.check else generate()


if __name__ == "__main__":
    sys.exit(main())
