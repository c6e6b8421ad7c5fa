"""Before/after figures for issue 13: every hostile case through both paths, in child processes.

Each case of ``tests/hostile.py`` is generated (streamed to disk, never held in memory) at the
issue's size and/or the test suite's small size, then run

- through ``orders run-local FILE`` (the console script, exec'd in a fresh working folder), and
- through the Lambda path: the object is uploaded to a moto S3 server in this process and a
  fresh interpreter runs ``handler.lambda_handler`` on the SQS event Lambda would build,

each in a child process watched by ``tests/sandbox.py``: peak RSS (``ru_maxrss``/``VmHWM``),
a memory ceiling (the child is killed above it: default 3 GiB, the function's memory), its
own /tmp (a private 1 GiB tmpfs when run as root, where a full disk is a real ENOSPC; else a
watched folder and a kill above 1 GiB), a time cap (default 120 s), the outcome (reports,
error record and its type, retried exception, crash, kill), stderr lines and tracebacks.

    python benchmarks/hostile_inputs.py                       # both scales, every case
    python benchmarks/hostile_inputs.py --scale small --json small.json
    python benchmarks/hostile_inputs.py --scale issue --case gzip_bomb --case long_line

At the issue's scale the limits are the proposed defaults (``hostile.ISSUE_LIMITS``); at the
small scale, the test suite's (``hostile.SMALL_LIMITS``) with this script's ceilings. Cases
without an issue figure run at the small size only. The machine's load is printed before
and after: timings are comparable only within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.sandbox import Ceilings, Observation, Runner, S3Server  # noqa: E402

MIB = 1 << 20


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _load() -> str:
    with open("/proc/loadavg") as fh:  # noqa: PTH123
        return " ".join(fh.read().split()[:3])


def _mb(n: int) -> str:
    return f"{n / MIB:,.0f}" if n >= MIB else f"{n / MIB:.1f}"


def _bytes(n: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


class Tmpfs:
    """A private tmpfs for the children's /tmp (root only), unmounted on exit."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        path.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs", str(path)],
            check=True,
        )

    def close(self) -> None:
        subprocess.run(["umount", str(self.path)], check=False)


def row(obs: Observation, scale: str) -> list[str]:
    usage = obs.usage
    ok = "yes" if not obs.problems else "no"
    return [
        obs.case,
        scale,
        _bytes(obs.input_bytes),
        obs.path,
        obs.outcome()[:38],
        ok,
        _mb(usage.peak_rss),
        _mb(usage.peak_tmp),
        f"{usage.seconds:.1f}",
        str(obs.stderr_lines),
        "yes" if obs.traceback else "",
    ]


HEADERS = ["case", "scale", "input", "path", "outcome", "as required", "peak RSS MiB"]
HEADERS += ["peak /tmp MiB", "seconds", "stderr lines", "traceback"]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def ratios(results: list[dict[str, object]]) -> list[str]:
    """Issue 13 #8: the stray-quote and 5-decimal files against the clean file of each scale."""
    lines = []
    by = {(r["case"], r["scale"], r["path"]): r for r in results}
    for scale in ("issue", "small"):
        for path in (hostile.LOCAL, hostile.LAMBDA):
            clean = by.get(("clean_rows", scale, path))
            if not clean or clean["outcome"] != "reports":
                continue
            for name, target in (("stray_quote_line2", 1.5), ("five_decimal_prices", 2.0)):
                other = by.get((name, scale, path))
                if other and other["outcome"] == "reports" and other["size"] == clean["size"]:
                    ratio = float(other["seconds"]) / float(clean["seconds"])  # type: ignore[arg-type]
                    lines.append(
                        f"{scale} {path}: {name} {other['seconds']} s vs clean "
                        f"{clean['seconds']} s = {ratio:.1f}x (issue target <= {target}x)"
                    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["issue", "small", "both"], default="both")
    parser.add_argument("--case", action="append", help="run only these cases (repeatable)")
    parser.add_argument("--skip", action="append", default=[], help="leave these cases out")
    parser.add_argument("--path", choices=[hostile.LOCAL, hostile.LAMBDA], action="append")
    parser.add_argument("--memory", default="3GiB", help="RSS ceiling at the issue scale")
    parser.add_argument("--tmp", default="1GiB", help="/tmp size at the issue scale")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    parser.add_argument(
        "--max-upload", default="1.5GiB", help="larger inputs skip the Lambda path (moto RAM)"
    )
    parser.add_argument("--fork", action="store_true", help="fork warm children (fast, tests)")
    parser.add_argument("--no-tmpfs", action="store_true", help="a watched folder even as root")
    parser.add_argument("--json", type=Path, help="write every observation here")
    parser.add_argument("--work", type=Path, help="where inputs are generated (default: temp)")
    args = parser.parse_args()

    names = args.case or [n for n in hostile.CASES if n not in args.skip]
    unknown = [n for n in names if n not in hostile.CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    paths = args.path or list(hostile.BOTH)
    scales = ["issue", "small"] if args.scale == "both" else [args.scale]
    max_upload = _size(args.max_upload)
    issue_limits = replace(
        hostile.ISSUE_LIMITS, memory_ceiling=_size(args.memory), tmp_ceiling=_size(args.tmp)
    )
    use_tmpfs = os.geteuid() == 0 and not args.no_tmpfs
    started_load = _load()
    print(f"load average before: {started_load} ({os.cpu_count()} cores)", flush=True)

    work = Path(tempfile.mkdtemp(prefix="hostile-bench-", dir=args.work))
    s3 = S3Server()
    rows: list[list[str]] = []
    results: list[dict[str, object]] = []
    try:
        for scale in scales:
            limits = issue_limits if scale == "issue" else hostile.SMALL_LIMITS
            tmpfs = Tmpfs(work / f"tmpfs-{scale}", limits.tmp_ceiling) if use_tmpfs else None
            ceilings = Ceilings(
                memory=limits.memory_ceiling,
                tmp=None if tmpfs else limits.tmp_ceiling,
                seconds=args.timeout,
            )
            runner = Runner(
                work, limits, ceilings, s3, name=scale, fork=args.fork,
                tmpfs=tmpfs.path if tmpfs else None,
            )  # fmt: skip
            try:
                for name in names:
                    case = hostile.CASES[name]
                    if scale == "issue" and case.issue_size == case.small_size:
                        continue
                    size = case.size(scale)
                    input_dir = work / "inputs"
                    input_dir.mkdir(exist_ok=True)
                    source = input_dir / case.file_name
                    began = time.perf_counter()
                    input_bytes = case.write(source, size, limits)
                    generated = time.perf_counter() - began
                    for path in (p for p in paths if p in case.paths):
                        if path == hostile.LAMBDA and case.upload and input_bytes > max_upload:
                            print(f"  {name} {scale}: {path} skipped ({_bytes(input_bytes)})")
                            continue
                        obs = runner.run(case, path, size, input_path=source)
                        rows.append(row(obs, scale))
                        results.append(
                            {**obs.as_dict(), "scale": scale, "generated_seconds": generated}
                        )
                        print("  " + " | ".join(rows[-1]), flush=True)
                    shutil.rmtree(input_dir)
            finally:
                runner.close()
                if tmpfs:
                    tmpfs.close()
    finally:
        s3.close()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print_table(rows)
    for line in ratios(results):
        print(line)
    finished_load = _load()
    print(f"load average before: {started_load}, after: {finished_load} ({os.cpu_count()} cores)")
    if args.json:
        payload = {
            "load_before": started_load,
            "load_after": finished_load,
            "cores": os.cpu_count(),
            "tmpfs": use_tmpfs,
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
