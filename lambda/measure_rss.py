"""Peak RSS, peak /tmp and wall time of the Lambda's S3 path per input (dev tool, not in the image).

    .venv/bin/python lambda/measure_rss.py /work/data/1m.csv /work/data/5m.csv ...
    .venv/bin/python lambda/measure_rss.py --endpoint moto small.csv

For each file, a local S3 endpoint in this process serves it (default: the
small disk-backed endpoint of ``benchmarks/local_s3.py``, which reads the file
in place; ``--endpoint moto``: a ``ThreadedMotoServer`` the file is uploaded
to, slow and memory-hungry beyond a few hundred MB). A child process imports
``handler`` exactly as the runtime would and processes a direct S3 event for
the object (HeadObject, idempotency LIST, ranged GETs into the engine,
uploads, manifest). The child reports its own peak RSS (``VmHWM`` of
/proc/self/status: the high-water mark of its address space since exec, so
neither the endpoint's memory nor the parent's is in it); this process polls
the child's TMPDIR every 20 ms for the peak bytes on "/tmp".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from local_s3 import LocalS3  # noqa: E402

CHILD = """
import json, sys, time

def peak_kib():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

sys.path[:0] = [sys.argv[1], sys.argv[1] + "/lambda"]
import handler
rss_after_imports = peak_kib()

class Context:
    aws_request_id = "measure-rss"
    function_name = "orders-pipeline-processor"
    memory_limit_in_mb = 3008
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:orders-pipeline"

started = time.perf_counter()
response = handler.lambda_handler(json.loads(sys.argv[2]), Context())
print("RESULT " + json.dumps({
    "response": response,
    "seconds": round(time.perf_counter() - started, 2),
    "rss_after_imports_kib": rss_after_imports,
    "peak_rss_kib": peak_kib(),
}), file=sys.stderr)
"""
INPUT, OUTPUT = "measure-input", "measure-output"


def tree_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (0 for what disappears while we look)."""
    total = 0
    with contextlib.suppress(FileNotFoundError):  # removed while we looked
        for f in path.rglob("*"):
            with contextlib.suppress(FileNotFoundError):
                total += f.stat().st_size if f.is_file() else 0
    return total


def _endpoint(kind: str, path: Path, key: str) -> tuple[str, object]:
    if kind == "local":
        server = LocalS3({(INPUT, key): path})
        server.start()
        return server.endpoint, server
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=endpoint)
    for bucket in (INPUT, OUTPUT):
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
    s3.upload_file(str(path), INPUT, key)
    return endpoint, moto


def run_handler(
    event: dict[str, Any], env: dict[str, str], tmp: Path, timeout: float | None = None
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``handler`` on ``event`` in a child (``CHILD``) with ``tmp`` as its TMPDIR.

    Returns the finished child (its stderr ends with the ``RESULT`` line) and
    the peak bytes under ``tmp``, polled every 20 ms while it ran.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), json.dumps(event)],
        env={**env, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_bytes(tmp))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    finally:
        done.set()
        watcher.join()
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr), peak


def measure(path: Path, kind: str) -> dict[str, object]:
    """Process ``path`` through the handler in a child; its figures."""
    key = f"incoming/{path.name}"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint, server = _endpoint(kind, path, key)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "OUTPUT_BUCKET": OUTPUT,
        "MAX_INPUT_BYTES": str(100 << 30),
        "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
    }
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}
    record["s3"] = {"bucket": {"name": INPUT}, "object": {"key": quote_plus(key)}}  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory(prefix="measure-rss-") as tmp:
            child, peak_tmp = run_handler({"Records": [record]}, env, Path(tmp))
    finally:
        server.stop()  # type: ignore[attr-defined]
    stdout, stderr = child.stdout, child.stderr
    if child.returncode != 0:
        sys.exit(f"child failed ({child.returncode}):\n{stderr[-4000:]}")
    (line,) = [x for x in stderr.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    rows = next(
        (
            log["rows_read"]
            for log in map(json.loads, (x for x in stdout.splitlines() if x.startswith("{")))
            if log.get("message") == "file processed"
        ),
        None,
    )
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "rows_read": rows,
        "response": result["response"],
        "seconds": result["seconds"],
        "rss_after_imports_mib": round(result["rss_after_imports_kib"] / 1024),
        "peak_rss_mib": round(result["peak_rss_kib"] / 1024),
        "peak_tmp_bytes": peak_tmp,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", type=Path, nargs="+", help="order files (CSV or gzip)")
    parser.add_argument("--endpoint", choices=("local", "moto"), default="local")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}; endpoint: {args.endpoint}")
    print("| rows | file size | child wall | peak RSS | peak /tmp |")
    print("|---|---|---|---|---|")
    results = []
    for path in args.inputs:
        res = measure(path, args.endpoint)
        results.append(res)
        print(
            f"| {res['rows_read']:,} | {res['bytes'] / 1e6:,.0f} MB | {res['seconds']} s "
            f"| {res['peak_rss_mib']:,} MiB | {res['peak_tmp_bytes'] / 1e6:.1f} MB |",
            flush=True,
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
