"""Run a hostile case through ``orders run-local`` or the Lambda handler in a child process,
under a memory ceiling and a bounded /tmp, and observe what it did.

Children are started by a *zygote*: a small Python process that forks one child per run
and reports its exit status and peak RSS (``ru_maxrss`` of ``wait4``: the child's own
high-water mark, exact even when it is killed). Two kinds:

- ``exec`` (the benchmark): the zygote imports nothing heavy and each child ``exec``s the
  real ``orders`` console script or a fresh interpreter running the handler, exactly as a
  user or the Lambda runtime would;
- ``local`` / ``lambda`` (the test suite): the zygote has imported the CLI or the handler
  (Polars, boto3, Powertools) once, and each child is a fork of it that runs one command,
  so a case costs milliseconds of start-up instead of a second. The limits are in the
  zygote's environment from the start, so settings read at import time see them too.

A watchdog in the parent samples the child's ``VmHWM`` and the bytes in its /tmp (a private
folder, or a tmpfs mount) every few milliseconds and kills it above the ceilings: the kill
is the finding. The Lambda path runs against a ``ThreadedMotoServer`` in the parent: the
object is uploaded, the child gets the SQS event Lambda would build, and the outcome is read
back from the output bucket (manifest and reports, or error record).

    python -m tests.sandbox zygote exec|local|lambda   # internal: the zygote's entry point
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.hostile import Case, Limits, Outputs

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-west-2"
INPUT_BUCKET = "hostile-input"
OUTPUT_BUCKET = "hostile-output"
POLL_SECONDS = 0.01
# The CLI's one-line report of an exception that is not a known error (cli/errors.py).
UNEXPECTED = "run with --debug for details"
TRACEBACK = "Traceback (most recent call last)"
ENOSPC_MARKERS = ("No space left on device", "[Errno 28]", "ENOSPC")


# --- child side (runs in the zygote and its forks: standard library only at import) ----------


def _local_child(request: Mapping[str, Any]) -> int:
    """``orders run-local`` in this (forked) process, as the console script runs it."""
    from cli.main import app

    try:
        app(args=list(request["args"]), prog_name="orders")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


class _EmptyBody:
    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield b""


def _deny_missing_objects(client: Any) -> None:
    """Answer HEAD/GET with 403 as S3 does for a missing key when the role cannot list."""
    from botocore.awsrequest import AWSResponse

    def deny(request: Any, **kwargs: Any) -> Any:
        return AWSResponse(request.url, 403, {}, _EmptyBody())

    for operation in ("HeadObject", "GetObject"):
        client.meta.events.register(f"before-send.s3.{operation}", deny)


class _Context:
    """The attributes of a Lambda context that Powertools reads."""

    aws_request_id = "hostile-inputs"
    function_name = "orders-pipeline-processor"
    function_version = "$LATEST"
    memory_limit_in_mb = 3072
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:orders"
    log_group_name = "/aws/lambda/orders"
    log_stream_name = "hostile"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def _lambda_child(request: Mapping[str, Any]) -> int:
    """``handler.lambda_handler`` on the request's event; the response goes to a file."""
    sys.path.insert(0, str(ROOT / "lambda"))
    import handler  # type: ignore[import-not-found]

    from shared.aws import lambda_app

    if request.get("deny_missing"):
        _deny_missing_objects(lambda_app.s3_client())
    response = handler.lambda_handler(request["event"], _Context())
    Path(request["result"]).write_text(json.dumps(response, default=str))
    return 0


def _preload(kind: str) -> None:
    if kind == "local":
        import polars

        import cli.main  # noqa: F401
    elif kind == "lambda":
        sys.path.insert(0, str(ROOT / "lambda"))
        import handler  # noqa: F401
        import polars  # noqa: F401

        from shared.aws import lambda_app

        # A warm container: the client (cached per process by the app) exists before the
        # invocation, as it does from the second invocation on in AWS. No request has been
        # sent yet, so no connection is shared with the forks.
        lambda_app.s3_client()


def _child(request: Mapping[str, Any]) -> None:
    """In the forked child: working folder, environment, output files, then the work."""
    code = 70
    try:
        os.chdir(request["cwd"])
        os.environ.update(request.get("env", {}))
        import tempfile

        tempfile.tempdir = None  # TMPDIR may have changed since the zygote started
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        if "exec" in request:
            os.execve(request["exec"][0], request["exec"], os.environ)
        code = _local_child(request) if request["kind"] == "local" else _lambda_child(request)
    except BaseException:  # the child must never return into the zygote's loop
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # nothing left to report it to
                stream.flush()
        os._exit(code)


def _zygote(kind: str) -> None:
    """Read one JSON request per line; fork, report the pid, wait, report the status."""
    _preload(kind)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status, usage = os.wait4(pid, 0)
        print(
            json.dumps(
                {
                    "pid": pid,
                    "exit_code": os.waitstatus_to_exitcode(status),
                    "maxrss": usage.ru_maxrss * 1024,
                }
            ),
            flush=True,
        )


# --- parent side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ceilings:
    """When the watchdog kills a child (``tmp`` None: a tmpfs enforces it with ENOSPC)."""

    memory: int
    tmp: int | None
    seconds: float


@dataclass
class Usage:
    """How a child ended and what it used."""

    exit_code: int | None  # negative: killed by that signal
    killed: str | None  # why the watchdog killed it: memory, tmp, timeout
    peak_rss: int  # bytes (VmHWM / ru_maxrss)
    peak_tmp: int  # bytes
    seconds: float


class Zygote:
    """A long-lived child process that forks the runs (see the module docstring)."""

    def __init__(self, kind: str, env: Mapping[str, str]) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.sandbox", "zygote", kind],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def start(self, request: Mapping[str, Any]) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.kind} zygote died (exit {self.proc.wait()})")
        return int(json.loads(line)["pid"])

    def finished(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        result: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return result

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:  # noqa: PTH123
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def tree_bytes(path: Path) -> int:
    """Bytes allocated under ``path`` (files being written included)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512  # noqa: PTH118
            except FileNotFoundError:
                continue
    return total


def mount_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def supervise(
    zygote: Zygote, request: Mapping[str, Any], tmp: Path, ceilings: Ceilings, tmpfs: bool
) -> Usage:
    """Start a run and watch it until it ends; kill it above a ceiling."""
    used = mount_bytes if tmpfs else tree_bytes
    started = time.perf_counter()
    pid = zygote.start(request)
    peak_rss = peak_tmp = 0
    killed: str | None = None
    while True:
        done = zygote.finished(POLL_SECONDS)
        if done is not None:
            break
        peak_rss = max(peak_rss, _vm_hwm(pid))
        peak_tmp = max(peak_tmp, used(tmp))
        reason = None
        if peak_rss > ceilings.memory:
            reason = "memory"
        elif ceilings.tmp is not None and peak_tmp > ceilings.tmp:
            reason = "tmp"
        elif time.perf_counter() - started > ceilings.seconds:
            reason = "timeout"
        if reason and killed is None:
            killed = reason
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    seconds = time.perf_counter() - started
    return Usage(
        exit_code=done["exit_code"],
        killed=killed,
        peak_rss=max(peak_rss, int(done["maxrss"])),
        peak_tmp=max(peak_tmp, used(tmp)),
        seconds=seconds,
    )


class S3Server:
    """A moto S3 server in this process, with a versioned input bucket (runs share it)."""

    def __init__(self) -> None:
        import logging

        import boto3
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.s3 = boto3.client(
            "s3",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.create_bucket(INPUT_BUCKET)
        self.s3.put_bucket_versioning(
            Bucket=INPUT_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )

    def create_bucket(self, name: str) -> None:
        self.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def put(self, key: str, path: Path) -> dict[str, Any]:
        """Upload an input; return what its S3 notification would say about it."""
        size = path.stat().st_size
        if size <= 16 * 1024 * 1024:
            put = self.s3.put_object(Bucket=INPUT_BUCKET, Key=key, Body=path.read_bytes())
        else:
            self.s3.upload_file(str(path), INPUT_BUCKET, key)
            put = self.s3.head_object(Bucket=INPUT_BUCKET, Key=key)
        return {
            "key": key,
            "size": size,
            "eTag": put["ETag"].strip('"'),
            "versionId": put.get("VersionId"),
        }

    def delete(self, obj: Mapping[str, Any]) -> None:
        """Remove an uploaded input (the version ``put`` returned)."""
        version = {"VersionId": obj["versionId"]} if obj.get("versionId") else {}
        self.s3.delete_object(Bucket=INPUT_BUCKET, Key=obj["key"], **version)

    def take_records(self, bucket: str) -> dict[str, tuple[dict[str, Any], dict[str, bytes]]]:
        """Empty ``bucket``; return its manifests and error records by input key, each with
        the report objects a manifest lists (report name -> bytes)."""
        listing = self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        found: dict[str, tuple[dict[str, Any], dict[str, bytes]]] = {}
        for item in listing:
            if item["Key"].startswith(("manifests/", "errors/")):
                body = json.loads(self.get(bucket, item["Key"]))
                outputs = body.get("outputs", {})
                reports = {name: self.get(bucket, key) for name, key in outputs.items()}
                found[body.get("input", {}).get("key")] = (body, reports)
        if listing:
            objects = [{"Key": item["Key"]} for item in listing]
            self.s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        return found

    def get(self, bucket: str, key: str) -> bytes:
        data: bytes = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return data

    def close(self) -> None:
        self.server.stop()


def sqs_event(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The SQS event Lambda builds around the S3 notification of ``obj``."""
    from urllib.parse import quote_plus

    s3_object = {"key": quote_plus(obj["key"])}
    s3_object.update({k: obj[k] for k in ("size", "eTag", "versionId") if obj.get(k)})
    notification = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": INPUT_BUCKET, "arn": f"arn:aws:s3:::{INPUT_BUCKET}"},
                    "object": s3_object,
                },
            }
        ]
    }
    return {
        "Records": [
            {
                "messageId": "00000000-0000-4000-8000-000000000000",
                "receiptHandle": "hostile",
                "body": json.dumps(notification),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:orders",
                "awsRegion": REGION,
            }
        ]
    }


@dataclass
class Observation:
    """One run of one case on one path: outcome, resources, and the stream checks."""

    case: str
    path: str
    size: int
    input_bytes: int
    outputs: Outputs
    usage: Usage
    stderr_lines: int
    traceback: bool
    enospc: bool
    written: list[str] = field(default_factory=list)  # files in the working folder afterwards
    problems: list[str] = field(default_factory=list)  # against the case's expectation

    @property
    def stray_files(self) -> list[str]:
        """What run-local wrote outside ``reports/`` (the issue's ``...csv`` case)."""
        return [name for name in self.written if not name.startswith("reports/")]

    def outcome(self) -> str:
        """A short label: reports / error:Type / retry:Type / crash:Type / killed:why."""
        out = self.outputs
        if out.kind == "killed":
            return f"killed:{self.usage.killed}"
        label = out.kind
        if out.error_type:
            label += f":{out.error_type}"
        if self.enospc:
            label += " (ENOSPC)"
        return label

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "path": self.path,
            "size": self.size,
            "input_bytes": self.input_bytes,
            "outcome": self.outcome(),
            "message": self.outputs.message[:500],
            "exit_code": self.usage.exit_code,
            "killed": self.usage.killed,
            "peak_rss_bytes": self.usage.peak_rss,
            "peak_tmp_bytes": self.usage.peak_tmp,
            "seconds": round(self.usage.seconds, 3),
            "stderr_lines": self.stderr_lines,
            "traceback": self.traceback,
            "enospc": self.enospc,
            "written": self.written[:10],
            "summary": {
                k: self.outputs.summary.get(k)
                for k in ("rows_valid", "rows_rejected", "rows_skipped_blank")
                if k in self.outputs.summary
            },
            "problems": self.problems,
        }


def _last_exception(text: str) -> tuple[str | None, str]:
    """(exception type, line) of the last 'SomeError: message' line of a traceback."""
    for line in reversed(text.strip().splitlines()):
        head = line.split(":", 1)[0].strip()
        if head and " " not in head and (head.endswith(("Error", "Exception")) or "." in head):
            return head.rsplit(".", 1)[-1], line.strip()
    return None, text.strip().splitlines()[-1] if text.strip() else ""


def child_env(limits: Limits, endpoint: str, output_bucket: str) -> dict[str, str]:
    """A clean environment for the children: fake AWS, the moto endpoint, the limits."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "200",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_ENDPOINT_URL": endpoint,
        "OUTPUT_BUCKET": output_bucket,
        "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
        **limits.env(),
    }


class Runner:
    """Runs cases on both paths, one at a time (it owns its zygotes and output bucket).

    Several runners may share one ``S3Server`` and run in parallel threads: each has its
    own output bucket, working folder and key prefix.
    """

    def __init__(
        self,
        work: Path,
        limits: Limits,
        ceilings: Ceilings,
        s3: S3Server,
        *,
        name: str = "r0",
        fork: bool = True,
        tmpfs: Path | None = None,
    ) -> None:
        self.work = work / name
        self.name = name
        self.limits = limits
        self.ceilings = ceilings
        self.tmpfs = tmpfs
        self.s3 = s3
        self.bucket = f"{OUTPUT_BUCKET}-{name}"
        s3.create_bucket(self.bucket)
        env = child_env(limits, s3.endpoint, self.bucket)
        kinds = ("local", "lambda") if fork else ("exec",)
        self.zygotes = {kind: Zygote(kind, env) for kind in kinds}
        self.fork = fork
        self.counter = 0

    def close(self) -> None:
        for zygote in self.zygotes.values():
            zygote.close()

    def _tmp(self, run_dir: Path) -> Path:
        if self.tmpfs is None:
            tmp = run_dir / "tmp"
            tmp.mkdir()
            return tmp
        for child in self.tmpfs.iterdir():  # a fresh tmpfs for every run
            subprocess.run(["rm", "-rf", str(child)], check=True)
        return self.tmpfs

    def run(self, case: Case, path: str, size: int, input_path: Path | None = None) -> Observation:
        """Generate (or reuse) the case's input and run it on ``path`` ("local" or "lambda")."""
        from tests.hostile import check

        self.counter += 1
        run_dir = self.work / f"{self.counter:03d}-{case.name}-{path}"
        run_dir.mkdir(parents=True)
        if input_path is None:
            input_dir = run_dir / "input"
            input_dir.mkdir()
            input_path = input_dir / case.file_name
            case.write(input_path, size, self.limits)
        input_bytes = input_path.stat().st_size
        tmp = self._tmp(run_dir)
        cwd = run_dir / "cwd"
        cwd.mkdir()
        request: dict[str, Any] = {
            "cwd": str(cwd),
            "env": {"TMPDIR": str(tmp)},
            "stdout": str(run_dir / "stdout"),
            "stderr": str(run_dir / "stderr"),
        }
        key = f"{self.name}/{self.counter:03d}/{case.file_name}"
        if path == "local":
            request |= {"kind": "local", "args": ["run-local", str(input_path)]}
            if not self.fork:
                request["exec"] = [str(Path(sys.executable).with_name("orders")), *request["args"]]
        else:
            obj = self.s3.put(key, input_path) if case.upload else {"key": key}
            request |= {
                "kind": "lambda",
                "event": sqs_event(obj),
                "result": str(run_dir / "response.json"),
                "deny_missing": case.s3_denies_missing,
            }
            if not self.fork:
                request["exec"] = [
                    sys.executable,
                    "-m",
                    "tests.sandbox",
                    "lambda",
                    json.dumps(request),
                ]
        zygote = self.zygotes["exec" if not self.fork else path]
        usage = supervise(zygote, request, tmp, self.ceilings, tmpfs=self.tmpfs is not None)
        stdout = (run_dir / "stdout").read_text(errors="replace")
        stderr = (run_dir / "stderr").read_text(errors="replace")
        written = sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if p.is_file())
        if path == "local":
            outputs = self._local_outputs(usage, cwd, written, stdout, stderr)
        else:
            outputs = self._lambda_outputs(usage, key, run_dir, stdout, stderr)
            if case.upload:
                self.s3.delete(obj)
        # Messages name the file first ("error: PATH: cause", "s3://bucket/key: cause"):
        # keep the cause, so expectations never match text of a file name.
        for name in (f"error: {input_path}: ", f"s3://{INPUT_BUCKET}/{key}: "):
            if outputs.message.startswith(name):
                outputs = replace(outputs, message=outputs.message.removeprefix(name))
        observation = Observation(
            case=case.name,
            path=path,
            size=size,
            input_bytes=input_bytes,
            outputs=outputs,
            usage=usage,
            stderr_lines=len([line for line in stderr.splitlines() if line.strip()]),
            traceback=TRACEBACK in stdout or TRACEBACK in stderr,
            enospc=any(m in stdout or m in stderr for m in ENOSPC_MARKERS),
            written=written,
        )
        expect = case.expect(size, self.limits)
        observation.problems = check(expect, outputs) + stream_problems(
            observation, expect.error is not None
        )
        return observation

    def _local_outputs(
        self, usage: Usage, cwd: Path, written: list[str], stdout: str, stderr: str
    ) -> Outputs:
        from tests.hostile import Outputs

        if usage.killed:
            return Outputs(kind="killed", message=f"killed above the {usage.killed} ceiling")
        if usage.exit_code == 0:
            folders = {p.parent for p in cwd.rglob("summary.json")}
            if len(folders) != 1:
                return Outputs(kind="failed", message=f"summary.json in {folders}")
            (folder,) = folders
            summary = json.loads((folder / "summary.json").read_text())
            reports = {p.stem: p.read_bytes() for p in folder.glob("*.csv")}
            return Outputs("reports", summary=summary, reports=reports, stdout=stdout)
        if TRACEBACK in stderr:
            kind, line = _last_exception(stderr)
            return Outputs(kind="crash", error_type=kind, message=line)
        if usage.exit_code == 1 and stderr.startswith("error:"):
            if UNEXPECTED in stderr:  # the CLI's line for an exception it does not know
                return Outputs(kind="crash", message=stderr.strip())
            return Outputs(kind="error", message=stderr.strip())
        return Outputs(kind="failed", message=f"exit {usage.exit_code}: {stderr[-300:]}")

    def _lambda_outputs(
        self, usage: Usage, key: str, run_dir: Path, stdout: str, stderr: str
    ) -> Outputs:
        from tests.hostile import Outputs

        records = self.s3.take_records(self.bucket)
        if usage.killed:
            return Outputs(kind="killed", message=f"killed above the {usage.killed} ceiling")
        response_file = run_dir / "response.json"
        response = json.loads(response_file.read_text()) if response_file.exists() else None
        if isinstance(response, dict) and response.get("batchItemFailures"):
            kind, line = _last_exception(_failure_log(stdout))
            return Outputs(kind="retry", error_type=kind, message=line)
        if key in records:
            body, reports = records[key]
            if "error_type" in body:
                return Outputs("error", error_type=body["error_type"], message=body["message"])
            return Outputs("reports", summary=body, reports=reports, stdout=stdout)
        if usage.exit_code != 0:
            kind, line = _last_exception(stderr)
            return Outputs(kind="crash", error_type=kind, message=line)
        return Outputs(kind="failed", message=f"no manifest or error record; response {response}")


def stream_problems(obs: Observation, error_expected: bool) -> list[str]:
    """The README's promises about the streams: exit code, one-line errors, no traceback,
    nothing written outside ``reports/`` (run-local) and nothing on stderr (Lambda)."""
    problems = []
    if obs.traceback:
        problems.append("a traceback was printed or logged")
    if obs.path == "local":
        want_exit, want_lines = (1, 1) if error_expected else (0, 0)
        if obs.usage.exit_code != want_exit:
            problems.append(f"exit code {obs.usage.exit_code}, not {want_exit}")
        if obs.stderr_lines != want_lines:
            problems.append(f"{obs.stderr_lines} line(s) on stderr, not {want_lines}")
        if obs.stray_files:
            problems.append(f"wrote outside reports/: {', '.join(obs.stray_files[:5])}")
        if error_expected and obs.written:
            problems.append(f"wrote outputs for a bad file: {', '.join(obs.written[:5])}")
    elif obs.stderr_lines:
        problems.append(f"{obs.stderr_lines} line(s) on stderr (the function logs on stdout)")
    return problems


def _failure_log(stdout: str) -> str:
    """The exception text of the handler's 'processing failed' log line, if any."""
    for line in stdout.splitlines():
        if '"processing failed' in line:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            return str(entry.get("exception") or entry.get("message"))
    return stdout[-2000:]


def main(argv: list[str]) -> None:
    if argv[:1] == ["zygote"]:
        _zygote(argv[1])
    elif argv[:1] == ["lambda"]:  # an exec'd Lambda child
        sys.exit(_lambda_child(json.loads(argv[1])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
