"""The container image's layout, reproduced on the host (no Docker engine here).

The test replays the Dockerfile itself: the builder stage's ``COPY`` steps fill a
build context (honouring ``.dockerignore``), its ``RUN pip install ...`` steps run
with the host's pip into a temporary ``/opt/task``, and the final stage's ``COPY``
steps assemble the task root. The handler named by ``CMD`` is then invoked from that
folder in a subprocess of the bare base interpreter (``-S``: no site-packages, so
only what the image would hold is importable) against a ``ThreadedMotoServer``.

Differences from the real build, on purpose: the host platform's wheels are
installed (the image's arm64 wheels cannot run here) under the host's CPython, and
``--no-cache-dir`` is dropped so pip's cache keeps the test fast. PyPI must be
reachable for the first run.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import (
    INPUT_BUCKET,
    MISSING_COLUMNS_CSV,
    OUTPUT_BUCKET,
    REGION,
    ROOT,
    create_stack,
    sqs_event,
)
from moto.server import ThreadedMotoServer
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shared.aws.layout import error_key, manifest_key, report_key, source_id
from shared.core import pipeline, reports

pytestmark = pytest.mark.slow

DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS = ROOT / "lambda" / "requirements.txt"
TASK_ROOT_VAR = "${LAMBDA_TASK_ROOT}"
IMAGE_PYTHON = "3.12"  # the base image's CPython, for evaluating dependency markers


@dataclass
class Stage:
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages and their (INSTRUCTION, arguments), with continuations joined."""
    stages: list[Stage] = []
    joined = re.sub(r"\\\n", " ", text)
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, args = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            match = re.search(r"\bAS\s+(\S+)", args, re.IGNORECASE)
            stages.append(Stage(match.group(1) if match else None))
        elif stages:
            stages[-1].instructions.append((op, args.strip()))
    return stages


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [p.strip().rstrip("/") for p in lines if p.strip() and not p.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
        for pattern in patterns
        for prefix in prefixes
    )


def copy_from_context(src: str, dest: Path, patterns: list[str]) -> None:
    """``COPY src dest`` from the repository as the build context."""
    source = ROOT / src.rstrip("/")
    assert source.exists(), f"COPY source {src} does not exist"
    assert not ignored(src.rstrip("/"), patterns), f"COPY source {src} is in .dockerignore"
    if source.is_dir():
        for path in source.rglob("*"):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and not ignored(rel, patterns):
                target = dest / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    else:
        target = dest / source.name if str(dest).endswith("/") or dest.is_dir() else dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def resolve(dest: str, workdir: Path, mapping: dict[str, Path]) -> Path:
    for prefix, real in mapping.items():
        if dest.startswith(prefix):
            rest = dest[len(prefix) :].lstrip("/")
            return real / rest if rest else real
    return workdir / dest


def build_task_root(tmp: Path) -> tuple[Path, str]:
    """Replay the Dockerfile; return the task root and the CMD handler."""
    stages = parse_dockerfile(DOCKERFILE.read_text())
    assert [s.name for s in stages] == ["builder", None], "expected a builder and a final stage"
    patterns = dockerignore_patterns()
    opt_task = tmp / "opt-task"
    task_root = tmp / "task-root"
    context = tmp / "build"
    context.mkdir()
    mapping = {"/opt/task": opt_task, TASK_ROOT_VAR: task_root}

    workdir = context
    for op, args in stages[0].instructions:
        if op == "WORKDIR":
            workdir = context  # the builder's working folder is the replayed context
        elif op == "COPY":
            *sources, dest = shlex.split(args)
            for src in sources:
                dest_path = resolve(dest, workdir, mapping)
                if dest.endswith("/") and not src.endswith("/"):
                    dest_path.mkdir(parents=True, exist_ok=True)
                copy_from_context(src, dest_path, patterns)
        elif op == "RUN":
            for command in args.split("&&"):
                words = [w for w in shlex.split(command) if w != "--no-cache-dir"]
                words = [
                    str(resolve(w, workdir, mapping)) if w.startswith("/opt/task") else w
                    for w in words
                ]
                if words[:2] == ["pip", "install"]:
                    subprocess.run(
                        [sys.executable, "-m", "pip", "install", "--quiet", *words[2:]],
                        cwd=workdir,
                        check=True,
                        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
                    )
                elif words[:2] == ["rm", "-rf"]:
                    for target in words[2:]:
                        assert target.startswith(str(tmp)), target
                        shutil.rmtree(target, ignore_errors=True)
                else:
                    pytest.fail(f"the test cannot replay RUN {command!r}: teach it or simplify")
        else:
            pytest.fail(f"the test cannot replay {op} in the builder stage")

    cmd: str | None = None
    for op, args in stages[1].instructions:
        if op == "COPY":
            words = shlex.split(args)
            if words[0].startswith("--from="):
                assert words[0] == "--from=builder"
                src, dest = words[1:]
                shutil.copytree(resolve(src, workdir, mapping), resolve(dest, task_root, mapping))
            else:
                *sources, dest = words
                dest_path = resolve(dest, task_root, mapping)
                dest_path.mkdir(parents=True, exist_ok=True)
                for src in sources:
                    copy_from_context(src, dest_path, patterns)
        elif op == "CMD":
            (cmd,) = json.loads(args)
        else:
            pytest.fail(f"the test cannot replay {op} in the final stage")
    assert cmd is not None, "no CMD"
    return task_root, cmd


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_task_root(tmp_path_factory.mktemp("image"))


def test_task_root_holds_exactly_the_runtime(image: tuple[Path, str]) -> None:
    task_root, cmd = image
    assert cmd == "handler.lambda_handler"
    assert (task_root / "handler.py").read_bytes() == (ROOT / "lambda" / "handler.py").read_bytes()
    assert (task_root / "shared" / "aws" / "processor.py").is_file()
    assert (task_root / "shared" / "core" / "engine.py").is_file()
    for unwanted in ("cli", "tests", "bin", "lambda", "Dockerfile", "setup.cfg"):
        assert not (task_root / unwanted).exists(), unwanted
    assert not list(task_root.rglob("pytest*")) and not list(task_root.rglob("moto"))

    # Installed distributions are exactly the pins, and the pins are a closed set:
    # every dependency (for CPython 3.12 on Linux) is itself pinned and installed.
    pins = {
        canonicalize_name(r.name): str(r.specifier).removeprefix("==")
        for r in map(Requirement, _requirement_lines())
    }
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in importlib.metadata.distributions(path=[str(task_root)])
    }
    # The project itself is copied, not installed: no metadata claiming the CLI's dependencies.
    assert installed == pins
    assert not list(task_root.glob("orders_pipeline*"))
    env = {**default_environment(), "python_version": IMAGE_PYTHON, "python_full_version": "3.12.0"}
    env.update(sys_platform="linux", platform_system="Linux", platform_machine="aarch64")
    for dist in importlib.metadata.distributions(path=[str(task_root)]):
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                continue
            assert canonicalize_name(req.name) in installed, f"{dist.metadata['Name']} needs {req}"


def _requirement_lines() -> list[str]:
    """``name==version`` lines of the lock (hash continuation lines and comments dropped)."""
    lines = (line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line.rstrip(" \\").strip() for line in lines if line and not line.startswith("--")]


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


RUNNER = """
import importlib, json, sys
module, _, function = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module), function)

class Context:
    aws_request_id = "image-test-request"
    function_name = "orders-pipeline-processor"
    function_version = "$LATEST"
    memory_limit_in_mb = 3008
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:orders-pipeline"
    log_group_name = "/aws/lambda/orders-pipeline-processor"
    log_stream_name = "stream"
    def get_remaining_time_in_millis(self):
        return 900000

with open(sys.argv[2]) as fh:
    event = json.load(fh)
result = handler(event, Context())
heavy = ("shared", "polars", "boto3", "aws_lambda_powertools")
origins = {name: sys.modules[name].__file__ for name in heavy}
print("RESULT " + json.dumps({"response": result, "origins": origins}))
"""


def test_handler_runs_from_the_image_layout(
    image: tuple[Path, str], moto_server: str, tmp_path: Path, sample_bytes: bytes
) -> None:
    task_root, cmd = image
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_server)
    stack = create_stack(s3, sqs)
    good = stack.upload("image test/sample orders+1.csv", sample_bytes)
    bad = stack.upload("image test/bad.csv", MISSING_COLUMNS_CSV)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(sqs_event(stack.receive_all())))

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(task_root),  # the runtime puts the task root on sys.path
        "PYTHONNOUSERSITE": "1",
        "LAMBDA_TASK_ROOT": str(task_root),
        "TMPDIR": str(tmp_path),
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "OUTPUT_BUCKET": OUTPUT_BUCKET,
        "MAX_INPUT_BYTES": "100000000",
        "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    base_python = getattr(sys, "_base_executable", sys.executable)
    proc = subprocess.run(
        [base_python, "-S", "-c", RUNNER, cmd, str(event_file)],
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    (result_line,) = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    result: dict[str, Any] = json.loads(result_line.removeprefix("RESULT "))
    assert result["response"] == {"batchItemFailures": []}
    for name, origin in result["origins"].items():
        assert origin.startswith(str(task_root)), (name, origin)
    logs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert any(line.get("message") == "file processed" for line in logs)
    assert all(
        line["function_request_id"] == "image-test-request" for line in logs if "level" in line
    )
    assert list(tmp_path.iterdir()) == [event_file]  # temporary files cleaned up

    local = tmp_path.parent / f"{tmp_path.name}-local"
    expected = pipeline.run_file(_write(local / "in.csv", sample_bytes), local / "out").files
    head = s3.head_object(Bucket=INPUT_BUCKET, Key=good.key)
    sid = source_id(good)
    for report in reports.REPORT_NAMES:
        key = report_key(report, head["LastModified"].date(), sid)
        body = s3.get_object(Bucket=OUTPUT_BUCKET, Key=key)["Body"].read()
        assert body == expected[report].read_bytes()
    s3.head_object(Bucket=OUTPUT_BUCKET, Key=manifest_key(sid, head["LastModified"]))
    bad_head = s3.head_object(Bucket=INPUT_BUCKET, Key=bad.key)
    bad_key = error_key(source_id(bad), bad_head["LastModified"])
    record = json.loads(s3.get_object(Bucket=OUTPUT_BUCKET, Key=bad_key)["Body"].read())
    assert record["error_type"] == "MissingColumnsError"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
