"""The package's dependency direction: ``shared.aws`` -> ``shared.core``, never back.

The core computes reports from bytes; it must run on a laptop without AWS
libraries, and the CLI must be able to use it without pulling in the Lambda
runtime. This test reads every module's imports (AST, nothing is executed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

CORE = ROOT / "shared" / "core"
AWS = ROOT / "shared" / "aws"
# What the core may never import: the AWS side of the package, and AWS libraries.
FORBIDDEN_IN_CORE = ("shared.aws", "boto3", "botocore", "s3transfer", "aws_lambda_powertools")
# The Lambda side never imports the CLI (the image has no CLI).
FORBIDDEN_IN_SHARED = ("cli", "typer", "rich")


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports (``from x import y`` gives ``x`` and ``x.y``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f"{f}.") for f in forbidden)
    )


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_never_imports_the_aws_side(path: Path) -> None:
    assert violations(path, FORBIDDEN_IN_CORE) == []


@pytest.mark.parametrize(
    "path", sorted([*CORE.glob("*.py"), *AWS.glob("*.py")]), ids=lambda p: p.name
)
def test_shared_never_imports_the_cli(path: Path) -> None:
    assert violations(path, FORBIDDEN_IN_SHARED) == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from shared.aws import layout\nimport boto3.session\n")
    assert violations(bad, FORBIDDEN_IN_CORE) == [
        "boto3.session",
        "shared.aws",
        "shared.aws.layout",
    ]
