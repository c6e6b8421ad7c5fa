"""Overlap of download and compute on the Lambda's S3 path, from a local S3 endpoint.

Method. The file is served by ``local_s3.LocalS3`` (reads it in place, so the
endpoint costs little; moto holds objects in memory and serves large ones too
slowly to be the bottleneck we want to see: ``--moto`` adds its download-only
figure for comparison). Each measurement runs in a fresh process:

* ``download``: the function's reader alone (``ranged.object_blocks``: the same
  parallel ranged GETs), every byte read and dropped (a GET to /dev/null);
* ``engine``: ``pipeline.run_file`` on the local file (no S3 at all);
* ``end-to-end``: ``processor.process_object`` for the object, as the handler
  runs it: HEAD, idempotency LIST, ranged GETs streamed into the engine,
  report uploads, manifest.

If download and compute overlap, end to end is close to the larger of the two
(target: at most 1.25x); run one after the other, it would be their sum.

    python benchmarks/bench_s3.py --file /work/data/5m.csv [--repeat 3] [--moto]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUCKET, OUTPUT = "bench-input", "bench-output"


def _client(endpoint: str) -> object:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        region_name="us-west-2",
        endpoint_url=endpoint,
        config=Config(max_pool_connections=16),
    )


def worker(kind: str, path: Path, endpoint: str) -> None:
    from shared.aws import processor, ranged
    from shared.aws.events import ObjectEvent
    from shared.aws.layout import ObjectRef
    from shared.core import pipeline
    from shared.core.limits import Limits

    key = path.name
    if kind == "engine":
        with tempfile.TemporaryDirectory() as tmp:
            pipeline.run_file(path, Path(tmp) / "out")
        return
    client = _client(endpoint)
    if kind == "download":
        head = client.head_object(Bucket=BUCKET, Key=key)  # type: ignore[attr-defined]
        ref = ObjectRef(BUCKET, key, None, head["ETag"].strip('"'))
        total = sum(len(b) for b in ranged.object_blocks(client, ref, head["ContentLength"]))
        assert total == path.stat().st_size
        return
    # A fresh output bucket per run: the manifest of an earlier run would make this a no-op.
    output = f"{OUTPUT}-{os.getpid()}-{time.monotonic_ns()}"
    unlimited = Limits(max_input_bytes=None, max_data_bytes=None)
    settings = processor.Settings(output_bucket=output, limits=unlimited)
    outcome = processor.process_object(client, ObjectEvent(ObjectRef(BUCKET, key)), settings)
    assert outcome.status is processor.Status.PROCESSED, outcome


def _run(kind: str, path: Path, endpoint: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    }
    cmd = [sys.executable, __file__, "--worker", kind, str(path), endpoint]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    return time.perf_counter() - started


def _moto_download(path: Path) -> float:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=endpoint)
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
        s3.upload_file(str(path), BUCKET, path.name)
        return _run("download", path, endpoint)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, required=False)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--moto", action="store_true", help="also time download-only from moto")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, file, endpoint = args.worker
        worker(kind, Path(file), endpoint)
        return 0
    sys.path.insert(0, str(HERE))
    from local_s3 import LocalS3

    path: Path = args.file
    server = LocalS3({(BUCKET, path.name): path})
    server.start()
    load = os.getloadavg()[0]
    print(f"input: {path} ({path.stat().st_size / 1e6:,.0f} MB); load {load:.2f}")
    times: dict[str, list[float]] = {"download": [], "engine": [], "end-to-end": []}
    try:
        for _ in range(args.repeat):
            for kind, found in times.items():
                found.append(_run(kind, path, server.endpoint))
    finally:
        server.stop()
    med = {kind: statistics.median(found) for kind, found in times.items()}
    for kind, seconds in med.items():
        print(f"{kind:>10}: {seconds:6.2f} s (runs: {', '.join(f'{t:.2f}' for t in times[kind])})")
    ratio = med["end-to-end"] / max(med["download"], med["engine"])
    print(f"end to end / max(download, engine): {ratio:.2f}x (target <= 1.25x)")
    serial = med["download"] + med["engine"]
    print(f"end to end / (download + engine): {med['end-to-end'] / serial:.2f}")
    result = {"load_before": load, **med, "ratio": ratio}
    if args.moto:
        result["moto_download"] = _moto_download(path)
        print(f"download-only from moto: {result['moto_download']:.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
