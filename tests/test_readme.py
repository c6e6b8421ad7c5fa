"""The README's commands exist: every `make` target, every `orders` command and its flags."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
runner = CliRunner()


def code_text() -> str:
    """Fenced blocks and inline code spans: where the README writes commands."""
    fenced = re.findall(r"^```[a-z]*\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^```.*?^```", "", README, flags=re.MULTILINE | re.DOTALL)
    return "\n".join([*fenced, *re.findall(r"`([^`\n]+)`", prose)])


def readme_orders_uses() -> list[tuple[str, list[str]]]:
    """(command, flags) for every ``orders <command> ...`` in the README's code."""
    uses = []
    for line in code_text().splitlines():
        for match in re.finditer(r"\borders ([a-z][a-z-]*)([^#|]*)", line):
            flags = sorted(set(re.findall(r"(--[a-z][a-z-]*)", match.group(2))))
            uses.append((match.group(1), flags))
    return uses


def test_every_make_target_in_the_readme_exists() -> None:
    targets = set(re.findall(r"^([a-z0-9-]+):", MAKEFILE, re.MULTILINE))
    mentioned = set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", code_text()))
    assert mentioned, "the README names no make target"
    assert mentioned <= targets, mentioned - targets


@pytest.mark.parametrize(("command", "flags"), readme_orders_uses())
def test_every_orders_command_and_flag_in_the_readme_exists(command: str, flags: list[str]) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=250)
    assert result.exit_code == 0, f"orders {command}: {result.output}"
    for flag in flags:
        assert flag in result.output, f"orders {command} has no {flag}"


def test_the_readme_names_every_cli_command() -> None:
    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    assert commands <= {command for command, _ in readme_orders_uses()}


def test_the_readme_documents_every_rejection_reason() -> None:
    """The reason texts are a stable contract (summary counts, rejected_rows.csv): each one is
    in the README's table, in the order the rows are checked."""
    from shared.core import schema

    positions = [README.find(f"`{reason}`") for reason in schema.ALL_REASONS]
    assert -1 not in positions, [
        r for r, p in zip(schema.ALL_REASONS, positions, strict=True) if p == -1
    ]
    assert positions == sorted(positions)
