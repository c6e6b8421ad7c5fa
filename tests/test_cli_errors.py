"""Every command, made to fail: exit 1 or 2, one line on stderr, never a traceback.

Each case gives a command an input that makes it fail the way a user's would:
a missing file, a corrupt gzip, an AWS endpoint nobody listens on, no
terraform or no docker on PATH. Unexpected errors (bugs) are one line too,
unless ``orders --debug`` / ``ORDERS_DEBUG=1`` asks for the traceback.
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli_support import install_fake_tools
from tests.helpers import SAMPLE

runner = CliRunner()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def unreachable(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    """Settings from the environment, an endpoint that refuses connections, no retries."""
    mp.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    mp.setenv("AWS_MAX_ATTEMPTS", "1")
    for name, value in {
        "ORDERS_INPUT_BUCKET": "in",
        "ORDERS_OUTPUT_BUCKET": "out",
        "ORDERS_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/123456789012/q",
        "ORDERS_DLQ_URL": "https://sqs.us-west-2.amazonaws.com/123456789012/dlq",
        "ORDERS_ATHENA_WORKGROUP": "wg",
        "ORDERS_TERRAFORM_DIR": str(tmp / "no-stack"),
    }.items():
        mp.setenv(name, value)


def no_settings_no_terraform(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    for name in ("ORDERS_OUTPUT_BUCKET", "ORDERS_QUEUE_URL", "ORDERS_DLQ_URL"):
        mp.delenv(name, raising=False)
    (tmp / "empty-bin").mkdir()
    mp.setenv("PATH", str(tmp / "empty-bin"))


def only_tools(*tools: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """A stack folder with its variables file, and only ``tools`` (fakes) on PATH."""

    def setup(tmp: Path, mp: pytest.MonkeyPatch) -> None:
        for name, value in install_fake_tools(tmp / "bin", tmp / "state", tools).items():
            mp.setenv(name, value)
        mp.setenv("PATH", str(tmp / "bin"))
        (tmp / "stack").mkdir()
        (tmp / "stack" / "vars.tfvars").write_text("")
        mp.setenv("ORDERS_TERRAFORM_DIR", str(tmp / "stack"))

    return setup


def a_file(path: Path) -> Path:
    path.write_text("")
    return path


def corrupt_gzip(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(SAMPLE.read_bytes())[:60])  # gzip magic, truncated stream
    return path


Args = Callable[[Path], list[str]]
Setup = Callable[[Path, pytest.MonkeyPatch], None] | None
CASES = [  # (what, the command line, its environment, exit code, what the line says)
    ("run-local missing file", lambda t: ["run-local", f"{t}/nope.csv"], None, 2, "does not exist"),
    (
        "run-local corrupt gzip",
        lambda t: ["run-local", str(corrupt_gzip(t / "bad.csv.gz")), "-o", str(t / "o")],
        None,
        1,
        "bad.csv.gz: ",
    ),
    (
        "generate under a file",
        lambda t: ["generate", str(a_file(t / "plain") / "x.csv"), "-n", "5"],
        None,
        1,
        "plain: File exists",
    ),
    ("generate bad rows", lambda t: ["generate", f"{t}/x.csv", "-n", "-1"], None, 2, "--rows"),
    ("upload missing file", lambda t: ["upload", f"{t}/nope.csv"], None, 2, "does not exist"),
    ("upload unreachable", lambda t: ["upload", str(SAMPLE)], unreachable, 1, "Could not connect"),
    ("tail unreachable", lambda t: ["tail", "--no-follow"], unreachable, 1, "Could not connect"),
    ("status unreachable", lambda t: ["status", "--json"], unreachable, 1, "Could not connect"),
    (
        "status without settings or terraform",
        lambda t: ["status"],
        no_settings_no_terraform,
        1,
        "no output bucket: pass --output-bucket or set ORDERS_OUTPUT_BUCKET "
        "(terraform output: terraform is not installed)",
    ),
    ("reprocess unreachable", lambda t: ["reprocess", "a.csv"], unreachable, 1, "Could not"),
    ("redrive unreachable", lambda t: ["redrive"], unreachable, 1, "Could not connect"),
    (
        "query unreachable",
        lambda t: ["query", "cumulative_most_profitable_region"],
        unreachable,
        1,
        "Could not connect",
    ),
    (
        "query --local corrupt gzip",
        lambda t: [
            "query",
            "cumulative_most_profitable_region",
            "--local",
            str(corrupt_gzip(t / "kept" / "input" / "bad.csv.gz").parents[1]),
        ],
        None,
        1,
        "",  # cli/query.py reads gzip with its own code today; through shared.source, it will
        # be a CorruptGzipError naming the file (branch ops)
    ),
    ("query unknown name", lambda t: ["query", "nope", "--local", str(t)], None, 1, "no query"),
    (
        "deploy without terraform",
        lambda t: ["deploy"],
        only_tools("docker", "git"),
        1,
        "terraform not found on PATH: install Terraform",
    ),
    (
        "deploy without docker",
        lambda t: ["deploy"],
        only_tools("terraform", "git"),
        1,
        "docker not found on PATH: install Docker",
    ),
    (
        "destroy without terraform",
        lambda t: ["destroy", "--yes"],
        only_tools("git"),
        1,
        "terraform not found",
    ),
    ("demo missing file", lambda t: ["demo", "-f", f"{t}/nope.csv"], None, 2, "does not exist"),
    ("demo --keep is a file", lambda t: ["demo", "--keep", str(SAMPLE)], None, 2, "is a file"),
    (
        "unknown command",
        lambda t: ["nope"],
        None,
        2,
        "No such command 'nope'. (see: orders --help)",
    ),
    ("unknown option", lambda t: ["status", "--nope"], None, 2, "No such option: --nope"),
]


@pytest.mark.parametrize(
    ("args", "setup", "code", "says"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_every_failure_is_one_line(  # noqa: PLR0917
    args: Args,
    setup: Setup,
    code: int,
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if setup is not None:
        setup(tmp_path, monkeypatch)
    result = runner.invoke(app, args(tmp_path))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0]


def boom(*_: object, **__: object) -> None:
    raise RuntimeError("the engine broke")


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.core.pipeline.run_file", boom)
    result = runner.invoke(app, ["run-local", str(SAMPLE)])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unexpected RuntimeError: the engine broke (run with --debug for details)\n"
    )


@pytest.mark.parametrize(
    ("args", "env"), [(["--debug"], {}), ([], {"ORDERS_DEBUG": "1"})], ids=["flag", "env"]
)
def test_debug_shows_the_traceback(
    args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.core.pipeline.run_file", boom)
    result = runner.invoke(app, [*args, "run-local", str(SAMPLE)], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert 'raise RuntimeError("the engine broke")' in result.stderr
    assert result.stderr.endswith("error: unexpected RuntimeError: the engine broke\n")
