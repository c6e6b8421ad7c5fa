"""Where the cloud commands find the stack: flags, then the environment, then Terraform.

Resolution order for every value: a command-line flag, else an environment
variable, else ``terraform output -json`` of the root stack
(``terraform/assignment``). Terraform is asked only when a value the command
needs is still missing after flags and environment, because it is slow and
needs the state backend's credentials. A value nobody provides fails with one
line naming the flag and the variable that set it.

The region follows the same order (``--region``, ``AWS_REGION``,
``AWS_DEFAULT_REGION``, the stack's ``region`` output) and finally boto3's own
chain (the profile's configured region). The profile is ``--profile`` or
``AWS_PROFILE``; Terraform does not know it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

TERRAFORM_DIR_ENV = "ORDERS_TERRAFORM_DIR"
PROJECT_DIR_ENV = "ORDERS_PROJECT_DIR"
STACK_SUBDIR = Path("terraform") / "assignment"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CLI_CONFIG_START = "There are some problems with the CLI configuration"
_CLI_CONFIG_END = "As a result of the above problems"


class ConfigError(Exception):
    """A value is missing or unusable; the message is one line for the user."""


@dataclass(frozen=True)
class Setting:
    """One resolvable value: its flag, its environment variables, its Terraform output."""

    name: str
    flag: str | None  # None: no command takes it as a flag (read from env or Terraform only)
    env: tuple[str, ...]
    output: str | None
    label: str

    def missing_message(self, terraform_note: str | None) -> str:
        variables = " / ".join(self.env)
        where = f"pass {self.flag} or set {variables}" if self.flag else f"set {variables}"
        note = f" ({terraform_note})" if terraform_note else ""
        return f"no {self.label}: {where}{note}"


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "input_bucket",
            "--input-bucket",
            ("ORDERS_INPUT_BUCKET",),
            "input_bucket_name",
            "input bucket",
        ),
        Setting(
            "output_bucket",
            "--output-bucket",
            ("ORDERS_OUTPUT_BUCKET",),
            "output_bucket_name",
            "output bucket",
        ),
        Setting("queue_url", "--queue-url", ("ORDERS_QUEUE_URL",), "queue_url", "queue URL"),
        Setting("dlq_url", "--dlq-url", ("ORDERS_DLQ_URL",), "dlq_url", "DLQ URL"),
        Setting(
            "log_group",
            None,
            ("ORDERS_LOG_GROUP",),
            "log_group_name",
            "log group",
        ),
        Setting(
            "function_name",
            None,
            ("ORDERS_FUNCTION_NAME",),
            "function_name",
            "function name",
        ),
        Setting(
            "athena_workgroup",
            "--workgroup",
            ("ORDERS_ATHENA_WORKGROUP",),
            "athena_workgroup_name",
            "Athena workgroup",
        ),
        Setting("region", "--region", ("AWS_REGION", "AWS_DEFAULT_REGION"), "region", "region"),
        Setting("profile", "--profile", ("AWS_PROFILE",), None, "AWS profile"),
    )
}


def is_checkout(path: Path) -> bool:
    """Whether ``path`` is a checkout of this project (it holds the root stack)."""
    return (path / STACK_SUBDIR).is_dir()


def project_root(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The checkout holding ``terraform/``, ``lambda/`` and the Dockerfile.

    ``--project-dir`` (``explicit``), else ``ORDERS_PROJECT_DIR``, else the
    current directory when it is a checkout. Never the folder the package was
    installed from: an installed wheel has no Terraform or Dockerfile next to it.
    """
    env = os.environ if env is None else env
    from_env = env.get(PROJECT_DIR_ENV, "").strip()
    if explicit is None and not from_env:
        cwd = Path.cwd()
        if is_checkout(cwd):
            return cwd
        raise ConfigError(
            f"{cwd} is not a checkout of orders-pipeline (no {STACK_SUBDIR}/ in it): run from "
            f"the checkout, pass --project-dir DIR or set {PROJECT_DIR_ENV}"
        )
    chosen, source = (explicit, "--project-dir") if explicit else (Path(from_env), PROJECT_DIR_ENV)
    if not is_checkout(chosen):
        raise ConfigError(
            f"{chosen} (from {source}) is not a checkout of orders-pipeline: "
            f"no {STACK_SUBDIR}/ in it"
        )
    return chosen.resolve()


def terraform_dir(env: Mapping[str, str] | None = None, project_dir: Path | None = None) -> Path:
    """The root stack: ``ORDERS_TERRAFORM_DIR`` or ``<checkout>/terraform/assignment``."""
    env = os.environ if env is None else env
    override = env.get(TERRAFORM_DIR_ENV, "").strip()
    return Path(override) if override else project_root(project_dir, env) / STACK_SUBDIR


class TerraformOutputError(Exception):
    """``terraform output`` could not be read; the message says why, in a few words."""


def parse_outputs(stdout: str) -> dict[str, Any]:
    """``terraform output -json``'s stdout as ``{name: value}``."""
    try:
        raw = json.loads(stdout or "{}")
    except json.JSONDecodeError:
        raise TerraformOutputError("terraform output -json did not print JSON") from None
    if not isinstance(raw, dict):
        raise TerraformOutputError("terraform output -json did not print an object")
    return {name: item.get("value") for name, item in raw.items() if isinstance(item, dict)}


def terraform_failure(stderr: str) -> str:
    """The cause of a failed Terraform command, in one line, from its stderr.

    Terraform prints each diagnostic in a box: ``Error: <summary>``, a blank
    line, then detail paragraphs. It may first print a preamble of CLI
    configuration problems ("There are some problems with the CLI
    configuration:" ... "As a result of the above problems, ..."), which is
    rarely the cause. The result is each error outside that preamble as
    ``summary (first detail paragraph)``; the preamble's errors only when there
    are no others; else the last line printed.
    """
    paragraphs: list[list[str]] = [[]]
    for raw in stderr.splitlines():
        line = _ANSI.sub("", raw).strip().lstrip("╷│╵").strip()
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    causes: list[str] = []
    preamble: list[str] = []
    in_preamble = awaiting_detail = False
    for paragraph in filter(None, paragraphs):
        first = paragraph[0]
        if first.startswith(_CLI_CONFIG_START):
            in_preamble = True
        elif first.startswith(_CLI_CONFIG_END):
            in_preamble = False
        elif first.startswith("Error: "):
            (preamble if in_preamble else causes).append(" ".join(paragraph)[len("Error: ") :])
            awaiting_detail = True
            continue
        elif awaiting_detail:
            detail = " ".join(paragraph)
            detail = detail if len(detail) <= 200 else detail[:199] + "…"
            target = preamble if in_preamble else causes
            target[-1] += f" ({detail})"
        awaiting_detail = False
    found = causes or preamble
    if found:
        return "; ".join(found)
    printed = [line for paragraph in paragraphs for line in paragraph]
    return printed[-1] if printed else ""


def read_terraform_outputs(stack_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``terraform -chdir=<stack> output -json`` as ``{name: value}``.

    Raises ``TerraformOutputError`` when Terraform is missing, the stack is not
    initialised, or it has no outputs yet.
    """
    exe = shutil.which("terraform", path=(env or os.environ).get("PATH"))
    if exe is None:
        raise TerraformOutputError("terraform is not installed")
    if not stack_dir.is_dir():
        raise TerraformOutputError(f"no Terraform stack at {stack_dir}")
    proc = subprocess.run(
        [exe, f"-chdir={stack_dir}", "output", "-json"],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
        check=False,
    )
    if proc.returncode != 0:
        cause = terraform_failure(proc.stderr) or f"exit code {proc.returncode}"
        raise TerraformOutputError(f"terraform output failed: {cause}")
    outputs = parse_outputs(proc.stdout)
    if not outputs:
        raise TerraformOutputError(
            f"the stack in {stack_dir} has no outputs yet (deploy it with `orders deploy`)"
        )
    return outputs


OutputsReader = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class AwsTarget:
    """Which AWS account/endpoint to talk to; boto3 is imported only when a client is made."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None  # moto in the demo; AWS_ENDPOINT_URL also works
    credentials: tuple[str, str] | None = None  # explicit keys (the demo's fake ones)

    @cached_property
    def session(self) -> Any:
        import boto3

        if self.credentials:
            key, secret = self.credentials
            return boto3.session.Session(
                aws_access_key_id=key, aws_secret_access_key=secret, region_name=self.region
            )
        return boto3.session.Session(profile_name=self.profile, region_name=self.region)

    def client(self, service: str, region: str | None = None) -> Any:
        """A client for ``service``; fails with a ConfigError when no region is known."""
        from botocore.config import Config

        name = region or self.session.region_name
        if not name:
            raise ConfigError(
                "no region: pass --region or set AWS_REGION (or give the profile a region)"
            )
        return self.session.client(
            service,
            region_name=name,
            endpoint_url=self.endpoint_url,
            config=Config(retries=retries()),
        )


def retries(env: Mapping[str, str] | None = None) -> Any:
    """botocore's retry settings: standard mode, 5 attempts, unless ``AWS_RETRY_MODE`` /
    ``AWS_MAX_ATTEMPTS`` say otherwise (boto3's own variables, which an explicit config hides)."""
    env = os.environ if env is None else env
    attempts = env.get("AWS_MAX_ATTEMPTS", "").strip() or "5"
    if not attempts.isdigit() or int(attempts) < 1:
        raise ConfigError(f"AWS_MAX_ATTEMPTS={attempts!r}: expected a whole number >= 1")
    return {
        "mode": env.get("AWS_RETRY_MODE", "").strip() or "standard",
        "max_attempts": int(attempts),
    }


@dataclass
class Config:
    """Resolved values and where each came from (shown by ``orders status``)."""

    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None  # the stack's outputs when Terraform was asked
    terraform_note: str | None = None  # why Terraform gave nothing, when it was asked

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def require(self, name: str) -> str:
        """The value, or a ConfigError naming the flag and variable that set it."""
        value = self.values.get(name)
        if not value:
            raise ConfigError(SETTINGS[name].missing_message(self.terraform_note))
        return value

    @property
    def aws(self) -> AwsTarget:
        return AwsTarget(profile=self.get("profile"), region=self.get("region"))


def resolve(
    flags: Mapping[str, str | None],
    needed: Collection[str],
    *,
    env: Mapping[str, str] | None = None,
    read_outputs: OutputsReader | None = None,
) -> Config:
    """Resolve ``needed`` (and whatever else is at hand) from flags, environment, Terraform.

    ``flags`` maps setting names to option values (None when not given).
    Terraform is read only if a ``needed`` value is still missing; then it also
    fills the optional values it knows. Raises ``ConfigError`` for the first
    needed value that no source provides.
    """
    env = os.environ if env is None else env
    config = Config()
    for name, setting in SETTINGS.items():
        flag_value = (flags.get(name) or "").strip()
        if flag_value:
            config.values[name] = flag_value
            config.sources[name] = setting.flag or name
            continue
        for var in setting.env:
            env_value = env.get(var, "").strip()
            if env_value:
                config.values[name] = env_value
                config.sources[name] = var
                break
    if any(name not in config.values for name in needed if name != "region"):
        tf_env = dict(env)
        if config.values.get("profile"):  # the S3 state backend may need the same credentials
            tf_env["AWS_PROFILE"] = config.values["profile"]
        reader = read_outputs or (lambda: read_terraform_outputs(terraform_dir(env), tf_env))
        try:
            config.outputs = reader()
        except (TerraformOutputError, ConfigError) as exc:  # ConfigError: no checkout
            config.terraform_note = f"terraform output: {exc}"
        else:
            for name, setting in SETTINGS.items():
                value = config.outputs.get(setting.output) if setting.output else None
                if name not in config.values and isinstance(value, str) and value:
                    config.values[name] = value
                    config.sources[name] = f"terraform output {setting.output}"
    for name in SETTINGS:  # a fixed order, so the same value is reported first every time
        if name in needed and name != "region":
            config.require(name)
    return config
