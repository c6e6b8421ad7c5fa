"""Peak RSS and wall time of the Lambda's S3 path for one large input (dev tool, not in the image).

    .venv/bin/python lambda/measure_rss.py /tmp/o5m.csv

A ``ThreadedMotoServer`` in this process stands in for S3: the input is uploaded
to it, then a child process imports ``handler`` exactly as the runtime would and
processes a direct S3 event for the object (HeadObject, idempotency LIST,
managed-transfer download to its TMPDIR, ``run_file``, uploads, manifest). The
child reports its own peak RSS (``VmHWM`` of /proc/self/status: the high-water
mark of its address space since exec, so neither moto's memory nor the parent's
is in it; ``ru_maxrss`` would not do, Linux carries it over from the forked
parent), after the imports and after the event.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="order file (CSV or gzip)")
    args = parser.parse_args()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
        "OUTPUT_BUCKET": "measure-output",
        "MAX_INPUT_BYTES": str(10 << 30),
        "POWERTOOLS_SERVICE_NAME": "orders-pipeline",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersPipeline",
    }
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=endpoint)
    location = {"LocationConstraint": "us-west-2"}
    for bucket in ("measure-input", "measure-output"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    key = f"incoming/{args.input.name}"
    started = time.perf_counter()
    s3.upload_file(str(args.input), "measure-input", key)
    print(f"uploaded {args.input.stat().st_size:,} bytes in {time.perf_counter() - started:.1f}s")
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "measure-input"}, "object": {"key": quote_plus(key)}},
            }
        ]
    }
    with tempfile.TemporaryDirectory(prefix="measure-rss-") as tmp:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ROOT), json.dumps(event)],
            env={**env, "TMPDIR": tmp},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stdout, stderr = child.communicate()
        status = child.returncode
    server.stop()
    if status != 0:
        sys.exit(f"child failed ({status}):\n{stderr[-4000:]}")
    (line,) = [x for x in stderr.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    print(f"handler response: {result['response']}")
    for log in (json.loads(x) for x in stdout.splitlines() if x.startswith("{")):
        if log.get("message") == "file processed":
            print(f"rows read {log['rows_read']:,}, rejected {log['rows_rejected']:,}")
    print(f"child wall time for the event: {result['seconds']} s")
    print(f"child RSS after imports: {result['rss_after_imports_kib'] / 1024:.0f} MiB")
    print(f"child peak RSS: {result['peak_rss_kib'] / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
