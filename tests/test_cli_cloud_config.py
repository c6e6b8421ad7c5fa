"""Configuration resolution (flags > environment > terraform output) and the tool runner."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import config
from cli.config import ConfigError, TerraformOutputError, resolve
from cli.main import app
from cli.tools import Runner, StepFailedError, ToolMissingError
from tests.cli_support import STACK_OUTPUTS, install_fake_tools, read_calls

runner = CliRunner()
NO_ENV: dict[str, str] = {}


def never_called() -> dict[str, Any]:
    raise AssertionError("terraform must not be asked when flags and environment suffice")


def test_flags_win_over_environment_and_terraform_is_not_asked() -> None:
    env = {"ORDERS_INPUT_BUCKET": "from-env", "ORDERS_OUTPUT_BUCKET": "out-env"}
    cfg = resolve(
        {"input_bucket": "from-flag"},
        {"input_bucket", "output_bucket"},
        env=env,
        read_outputs=never_called,
    )
    assert cfg.values["input_bucket"] == "from-flag"
    assert cfg.sources["input_bucket"] == "--input-bucket"
    assert (cfg.values["output_bucket"], cfg.sources["output_bucket"]) == (
        "out-env",
        "ORDERS_OUTPUT_BUCKET",
    )
    assert cfg.outputs is None


def test_terraform_fills_what_is_missing_and_the_optional_values() -> None:
    asked: list[int] = []

    def outputs() -> dict[str, Any]:
        asked.append(1)
        return dict(STACK_OUTPUTS)

    env = {"ORDERS_QUEUE_URL": "https://queue-from-env", "AWS_PROFILE": "dev"}
    cfg = resolve({}, {"output_bucket", "queue_url", "dlq_url"}, env=env, read_outputs=outputs)
    assert asked == [1]
    assert cfg.values["queue_url"] == "https://queue-from-env"  # env beats terraform
    assert cfg.values["dlq_url"] == STACK_OUTPUTS["dlq_url"]
    assert cfg.sources["dlq_url"] == "terraform output dlq_url"
    assert cfg.values["log_group"] == STACK_OUTPUTS["log_group_name"]
    assert cfg.values["region"] == "us-west-2"
    assert cfg.values["profile"] == "dev" and cfg.aws.profile == "dev"


def test_region_from_environment_beats_the_stack() -> None:
    cfg = resolve(
        {},
        {"output_bucket"},
        env={"AWS_DEFAULT_REGION": "eu-west-1"},
        read_outputs=lambda: dict(STACK_OUTPUTS),
    )
    assert (cfg.values["region"], cfg.sources["region"]) == ("eu-west-1", "AWS_DEFAULT_REGION")


def test_missing_value_names_the_flag_the_variable_and_why_terraform_did_not_help() -> None:
    def unavailable() -> dict[str, Any]:
        raise TerraformOutputError("terraform is not installed")

    with pytest.raises(ConfigError) as caught:
        resolve({}, {"input_bucket"}, env=NO_ENV, read_outputs=unavailable)
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "no input bucket: pass --input-bucket or set ORDERS_INPUT_BUCKET "
        "(terraform output: terraform is not installed)"
    )


def test_read_terraform_outputs_with_a_fake_terraform(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {"PATH": str(tmp_path / "bin"), **install_fake_tools(tmp_path / "bin", state)}
    (state / "outputs.json").write_text(json.dumps(STACK_OUTPUTS))
    outputs = config.read_terraform_outputs(tmp_path, env)
    assert outputs == STACK_OUTPUTS
    assert read_calls(state)[0]["argv"] == [f"-chdir={tmp_path}", "output", "-json"]
    (state / "outputs.json").unlink()
    with pytest.raises(TerraformOutputError, match="no outputs yet"):
        config.read_terraform_outputs(tmp_path, env)
    with pytest.raises(TerraformOutputError, match="not installed"):
        config.read_terraform_outputs(tmp_path, {"PATH": str(tmp_path / "nothing")})


# What Terraform 1.11 prints to stderr when `output` fails in a stack whose backend was never
# initialised, under a CLI configuration with problems (colours included).
TERRAFORM_STDERR = """There are some problems with the CLI configuration:
\u2577
\u2502 Error: The specified plugin cache dir /nonexistent/cache cannot be opened: stat \
/nonexistent/cache: no such file or directory
\u2502
\u2575

As a result of the above problems, Terraform may not behave as intended.


\x1b[31m\u2577\x1b[0m\x1b[0m
\x1b[31m\u2502\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mBackend initialization \
required, please run "terraform init"\x1b[0m
\x1b[31m\u2502\x1b[0m \x1b[0m
\x1b[31m\u2502\x1b[0m \x1b[0m\x1b[0mReason: Initial configuration of the requested backend "s3"
\x1b[31m\u2502\x1b[0m \x1b[0m
\x1b[31m\u2502\x1b[0m \x1b[0mThe "backend" is the interface that Terraform uses to store state,
\x1b[31m\u2575\x1b[0m\x1b[0m
"""
BACKEND_CAUSE = (
    'Backend initialization required, please run "terraform init" '
    '(Reason: Initial configuration of the requested backend "s3")'
)


def test_terraform_failure_is_the_cause_not_the_preamble() -> None:
    assert config.terraform_failure(TERRAFORM_STDERR) == BACKEND_CAUSE
    only_preamble = TERRAFORM_STDERR.split("\n\n\n", maxsplit=1)[0]
    assert config.terraform_failure(only_preamble) == (
        "The specified plugin cache dir /nonexistent/cache cannot be opened: "
        "stat /nonexistent/cache: no such file or directory"
    )
    assert config.terraform_failure("plain words\nlast words\n") == "last words"
    assert config.terraform_failure("") == ""


def test_a_failing_terraform_output_names_its_cause(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "stderr.txt").write_text(TERRAFORM_STDERR)
    script = bin_dir / "terraform"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"sys.stderr.write(open({str(tmp_path / 'stderr.txt')!r}).read())\nsys.exit(1)\n"
    )
    script.chmod(0o755)
    with pytest.raises(TerraformOutputError) as caught:
        config.read_terraform_outputs(tmp_path, {"PATH": str(bin_dir)})
    assert str(caught.value) == f"terraform output failed: {BACKEND_CAUSE}"


def test_terraform_dir_from_the_environment(tmp_path: Path) -> None:
    assert config.terraform_dir({"ORDERS_TERRAFORM_DIR": str(tmp_path)}) == tmp_path
    assert config.terraform_dir({}).parts[-2:] == ("terraform", "assignment")


def test_project_root_is_the_flag_the_environment_or_the_current_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "terraform" / "assignment").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert config.project_root(checkout, {}) == checkout
    assert config.project_root(None, {"ORDERS_PROJECT_DIR": str(checkout)}) == checkout
    with pytest.raises(ConfigError) as caught:
        config.project_root(None, {})  # never the folder the package was installed from
    assert str(caught.value) == (
        f"{elsewhere} is not a checkout of orders-pipeline (no terraform/assignment/ in it): "
        "run from the checkout, pass --project-dir DIR or set ORDERS_PROJECT_DIR"
    )
    with pytest.raises(ConfigError, match=r"\(from --project-dir\) is not a checkout"):
        config.project_root(elsewhere, {"ORDERS_PROJECT_DIR": str(checkout)})
    monkeypatch.chdir(checkout)
    assert config.project_root(None, {}) == checkout


def test_retries_follow_botos_own_variables() -> None:
    assert config.retries({}) == {"mode": "standard", "max_attempts": 5}
    assert config.retries({"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "adaptive"}) == {
        "mode": "adaptive",
        "max_attempts": 1,
    }
    with pytest.raises(ConfigError, match="AWS_MAX_ATTEMPTS"):
        config.retries({"AWS_MAX_ATTEMPTS": "many"})


def test_cli_missing_config_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TERRAFORM_DIR", str(tmp_path / "no-stack"))
    for name in ("ORDERS_OUTPUT_BUCKET", "ORDERS_QUEUE_URL", "ORDERS_DLQ_URL"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no output bucket: pass --output-bucket or set ORDERS_OUTPUT_BUCKET" in lines[0]
    assert "no Terraform stack at" in lines[0]


def test_json_is_spelled_the_same_everywhere() -> None:
    for command in (
        "run-local",
        "generate",
        "upload",
        "tail",
        "status",
        "reprocess",
        "redrive",
        "query",
        "demo",
    ):
        result = runner.invoke(app, [command, "--help"], terminal_width=200)
        assert "--json" in result.output, command


def test_every_aws_command_takes_profile_and_region() -> None:
    for command in (
        "upload",
        "tail",
        "status",
        "reprocess",
        "redrive",
        "deploy",
        "destroy",
        "query",
    ):
        result = runner.invoke(app, [command, "--help"], terminal_width=200)
        assert result.exit_code == 0
        assert "--profile" in result.output and "--region" in result.output, command


# --- the tool runner --------------------------------------------------------------------


def test_dry_run_prints_and_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    for name, value in install_fake_tools(tmp_path / "bin", state).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    lines: list[str] = []
    result = Runner(dry_run=True, echo=lines.append).run(["terraform", "apply", "-var", "a=b c"])
    assert result.returncode == 0
    assert lines == ["terraform apply -var 'a=b c'"]
    assert read_calls(state) == []


def test_streamed_failure_keeps_the_stderr_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "bin" / "tool"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho out\nfor i in 1 2 3; do echo err$i >&2; done\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(script.parent))
    copied = io.StringIO()
    with pytest.raises(StepFailedError) as caught:
        Runner(stderr=copied).run(["tool", "x"], hint="do this")
    assert caught.value.returncode == 3
    assert caught.value.stderr.splitlines() == ["err1", "err2", "err3"]
    assert caught.value.hint == "do this"
    assert copied.getvalue() == "err1\nerr2\nerr3\n"  # shown as it came


def test_captured_command_gets_stdin_and_returns_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "bin" / "upper"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\ntr a-z A-Z\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    lines: list[str] = []
    done = Runner(echo=lines.append).run(
        ["upper"], capture=True, input_text="secret", stdin_note="a password"
    )
    assert done.stdout == "SECRET"
    assert lines == ["upper  <<< a password"]  # the value itself is never printed


def test_missing_tool_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match=r"^terraform not found on PATH: install Terraform"):
        Runner().require("terraform")
    with pytest.raises(ToolMissingError, match="docker not found"):
        Runner().run(["docker", "version"])
