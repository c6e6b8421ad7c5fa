"""The e2e harness: a moto server with the gap-fills, Terraform on a copy of the root, step times.

Terraform runs on a temporary copy of ``terraform/assignment`` and ``terraform/modules``
with one extra file, ``e2e_override.tf``, written into the copy only: fake
credentials, every service endpoint pointed at the moto server, path-style S3, no
credential/metadata checks, a local backend. The stack's own files are never
changed; every command has a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

from cli.moto_stack import MotoServer
from tests.e2e.moto_gaps import all_gap_fills
from tests.helpers import ROOT

ACCOUNT = "123456789012"  # moto's account for any credentials
REGION = "us-west-2"
CANDIDATE = "e2e"
NAME_PREFIX = f"nmd-assignment-{CANDIDATE}"
# Digest form, as the root requires; moto never pulls the image.
FAKE_IMAGE_URI = (
    f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{NAME_PREFIX}"
    f"@sha256:{hashlib.sha256(b'orders-pipeline e2e').hexdigest()}"
)
FAKE_CREDENTIALS = ("e2e", "e2e")
APPLY_TIMEOUT = 300  # seconds, each apply or destroy (a full apply takes ~100 s here)
PLAN_TIMEOUT = 180
# The provider sleeps while SQS and lifecycle settings propagate (25 s, 55 s) and every sleeping
# resource holds one of terraform's 10 default slots: more slots, a shorter critical path.
PARALLELISM = "-parallelism=30"
# Every service the root (and modules added later) may call.
SERVICES = (
    *("athena", "cloudwatch", "ecr", "events", "glue", "iam", "kms"),
    *("lambda", "logs", "s3", "sns", "sqs", "sts"),
)


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool


@dataclass
class Steps:
    """Named, timed steps; printed as a table at the end of the run."""

    done: list[Step] = field(default_factory=list)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.done.append(Step(name, time.monotonic() - start, ok))

    def table(self) -> str:
        width = max([len(s.name) for s in self.done] + [4])
        lines = [f"{'step':<{width}}  {'seconds':>7}  result", "-" * (width + 18)]
        lines += [
            f"{s.name:<{width}}  {s.seconds:7.1f}  {'ok' if s.ok else 'FAILED'}" for s in self.done
        ]
        lines.append(f"{'total':<{width}}  {sum(s.seconds for s in self.done):7.1f}")
        return "\n".join(lines)


@contextmanager
def local_trigger_only() -> Iterator[None]:
    """Keep moto from serving the applied event source mapping itself: on every SendMessage it
    would run the function's image in Docker; the local runtime polls the queue instead."""
    from moto.sqs.models import Queue

    original = Queue.add_message

    def add_message(self: Any, message: Any) -> None:
        mappings, self.lambda_event_source_mappings = self.lambda_event_source_mappings, {}
        try:
            original(self, message)
        finally:
            self.lambda_event_source_mappings = mappings

    with patch.object(Queue, "add_message", add_message):
        yield


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """moto on a free loopback port, gap-filled, the event source mapping left to us.

    moto is plain HTTP and gives no ``aws:SecureTransport``, so with the conditions fill
    the TLS-only Deny statements do not apply: requests pass as they would over TLS.
    """
    with all_gap_fills(), local_trigger_only(), MotoServer(REGION) as server:
        yield server


def provider_mirror() -> str | None:
    """TF_PROVIDER_MIRROR (set by .ci/run), else a local filesystem mirror on this machine."""
    if os.environ.get("TF_PROVIDER_MIRROR"):
        return os.environ["TF_PROVIDER_MIRROR"]
    found = subprocess.run(
        ["bash", str(ROOT / "scripts" / "terraform-mirror.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    return found or None


def override_tf(endpoint: str) -> str:
    """The test-only provider and backend settings (never written to the stack itself)."""
    key, secret = FAKE_CREDENTIALS
    endpoints = "\n".join(f'    {name} = "{endpoint}"' for name in SERVICES)
    return f"""# Written by tests/e2e for one run on a local moto server; not part of the stack.
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "{key}"
  secret_key                  = "{secret}"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""


class CommandFailed(AssertionError):
    """A Terraform command exited with an unexpected code (its output is in the message)."""


class Terraform:
    """``terraform`` on a copy of the root, talking to one moto server."""

    def __init__(self, work: Path, endpoint: str, logs: Path) -> None:
        self.work = work
        self.root = work / "terraform" / "assignment"
        for part in ("assignment", "modules"):
            shutil.copytree(
                ROOT / "terraform" / part,
                work / "terraform" / part,
                ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "*.tfplan", "tests"),
            )
        # The root reads the named queries' SQL from the package (cli/queries/), one copy.
        shutil.copytree(ROOT / "cli" / "queries", work / "cli" / "queries")
        (self.root / "e2e_override.tf").write_text(override_tf(endpoint))
        self.env = self._environment()
        self.logs = logs
        self._count = 0

    def _environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "TF_")) and k != "CHECKPOINT_DISABLE"
        }
        cli_config = self.work / "cli.tfrc"
        mirror = provider_mirror()
        cli_config.write_text(
            ""
            if mirror is None
            else f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
"""
        )
        key, secret = FAKE_CREDENTIALS
        env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",  # no version check against checkpoint-api.hashicorp.com
            AWS_ACCESS_KEY_ID=key,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        return env

    def run(self, *args: str, timeout: float, ok: tuple[int, ...] = (0,)) -> str:
        """Run ``terraform ARGS`` in the copy; its output, or CommandFailed."""
        self._count += 1
        log = self.logs / f"terraform-{self._count:02d}-{args[0]}.log"
        command = ["terraform", *args]
        try:
            proc = subprocess.run(
                command,
                cwd=self.root,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
            log.write_text(out or "")
            raise CommandFailed(
                f"terraform {' '.join(args)} timed out after {timeout:g}s (log: {log}); output:\n"
                f"{(out or '')[-3000:]}"
            ) from None
        log.write_text(proc.stdout + proc.stderr)
        self.last_returncode = proc.returncode
        if proc.returncode not in ok:
            raise CommandFailed(
                f"terraform {' '.join(args)} exited {proc.returncode} (log: {log}):\n"
                f"{proc.stderr[-4000:]}\n{proc.stdout[-4000:]}"
            )
        return proc.stdout

    def variables(self, **extra: str) -> list[str]:
        values = {"candidate_name": CANDIDATE, "image_uri": FAKE_IMAGE_URI, **extra}
        return [f"-var={name}={value}" for name, value in values.items()]

    def init(self) -> None:
        self.run("init", "-input=false", "-no-color", timeout=180)

    def apply(self, *, refresh: bool = True, **variables: str) -> None:
        self._change("apply", refresh, variables)

    def _change(self, command: str, refresh: bool, variables: dict[str, str]) -> None:
        refreshed = f"-refresh={str(refresh).lower()}"
        self.run(
            command, "-auto-approve", "-input=false", "-no-color", refreshed, PARALLELISM,
            *self.variables(**variables), timeout=APPLY_TIMEOUT,
        )  # fmt: skip

    def plan_exit_code(self) -> tuple[int, str]:
        """``plan -detailed-exitcode``: 0 no changes, 2 changes; and the plan's text."""
        out = self.run(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", *self.variables(),
            timeout=PLAN_TIMEOUT, ok=(0, 2),
        )  # fmt: skip
        return self.last_returncode, out

    def destroy(self, *, refresh: bool = True, **variables: str) -> None:
        self._change("destroy", refresh, variables)

    def state(self) -> list[str]:
        return self.run("state", "list", timeout=60).split()

    def dependencies(self, module: str, resource_type: str) -> list[str]:
        """What the applied state records as the (transitive) dependencies of a resource."""
        state = json.loads((self.root / "terraform.tfstate").read_text())
        (resource,) = [
            r
            for r in state["resources"]
            if r.get("module") == module and r["type"] == resource_type and r["mode"] == "managed"
        ]
        deps: list[str] = resource["instances"][0].get("dependencies", [])
        return deps

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json", "-no-color", timeout=60))
        return {name: item["value"] for name, item in raw.items()}
