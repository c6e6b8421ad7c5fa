"""Benchmark: the project engine against a straightforward pandas implementation.

Makes (or takes) an order file of N rows, runs each implementation in its own
fresh process (so peak RSS is that implementation's alone), checks that both
produce the same three reports, and prints wall time, rows/s, peak RSS and the
ratios. Ratios compare runs on the same machine in the same session; absolute
times depend on the machine.

    python benchmarks/bench_engine.py --rows 5000000          # generate, then compare
    python benchmarks/bench_engine.py --file orders.csv       # use an existing file

Exit status 1 when the reports differ.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORTS = (
    "most_profitable_region",
    "most_common_ship_mode_by_category",
    "orders_by_category_and_sub_category",
)


def run_engine(path: Path, out: Path) -> None:
    """The project: exactly what `orders run-local` runs."""
    from shared.core.pipeline import run_file

    run_file(path, out)


def run_pandas(path: Path, out: Path) -> None:
    """The usual approach: read everything into a DataFrame, validate with vectorised
    string checks, compute float profit, group. Same rules as the contract for the
    kinds of bad rows the generator makes (the reports are compared, so it must be)."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip", engine="c")
    df.columns = [c.strip().lower().replace(" ", "_") for c in df.columns]
    text = ["order_id", "ship_mode", "region", "category", "sub_category"]
    for col in text:
        df[col] = df[col].str.strip()
    dec = r"[0-9]+(?:\.[0-9]+)?"
    ok = (
        (df["order_id"] != "")
        & (df["region"] != "")
        & (df["category"] != "")
        & (df["sub_category"] != "")
        & df["cost_price"].str.strip().str.fullmatch(dec)
        & df["list_price"].str.strip().str.fullmatch(dec)
        & df["quantity"].str.strip().str.fullmatch(r"[0-9]+")
        & df["discount_percent"].str.strip().str.fullmatch(dec)
    )
    df = df[ok.fillna(False).astype(bool)].copy()
    for col in ("cost_price", "list_price", "discount_percent"):
        df[col] = df[col].astype(float)
    df["quantity"] = df["quantity"].astype(int)
    df = df[(df["quantity"] > 0) & (df["discount_percent"] <= 100)]
    df["profit"] = (df["list_price"] * (1 - df["discount_percent"] / 100) - df["cost_price"]) * df[
        "quantity"
    ]
    by_region = df.groupby("region")["profit"].sum().round(2)
    best = by_region[by_region == by_region.max()].sort_index()
    missing = {"", "not available", "unknown", "n/a", "na", "null", "none"}
    shipped = df[~df["ship_mode"].str.lower().isin(missing)]
    modes = shipped.groupby(["category", "ship_mode"])["order_id"].nunique().reset_index()
    top = modes.groupby("category")["order_id"].transform("max")
    modes = modes[modes["order_id"] == top].sort_values(["category", "ship_mode"])
    subs = (
        df.groupby(["category", "sub_category"])["order_id"]
        .nunique()
        .reset_index()
        .sort_values(["category", "sub_category"])
    )
    out.mkdir(parents=True, exist_ok=True)
    with (out / "most_profitable_region.csv").open("w") as fh:
        fh.write("region,total_profit\n")
        for region, total in best.items():
            fh.write(f"{region},{total:.2f}\n")
    modes.columns = ["category", "ship_mode", "order_count"]
    modes.to_csv(out / "most_common_ship_mode_by_category.csv", index=False, lineterminator="\n")
    subs.columns = ["category", "sub_category", "order_count"]
    subs.to_csv(out / "orders_by_category_and_sub_category.csv", index=False, lineterminator="\n")


def measure(kind: str, path: Path, out: Path) -> dict[str, float]:
    """Run one implementation in a fresh process; wall seconds and its own peak RSS."""
    cmd = [sys.executable, str(Path(__file__)), "--worker", kind, str(path), str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{kind} run failed with status {status}")
    return {"seconds": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--file", type=Path, help="use this file instead of generating one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--worker", nargs=3, metavar=("KIND", "FILE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        kind, file, out = args.worker
        (run_engine if kind == "engine" else run_pandas)(Path(file), Path(out))
        return 0

    if args.file:
        path = args.file
    else:
        from shared.core.generate import generate_orders

        path = HERE / "data" / f"orders-{args.rows}-seed{args.seed}.csv"
        if not path.exists():
            print(f"generating {args.rows:,} rows -> {path}")
            generate_orders(path, args.rows, seed=args.seed)
    rows = sum(1 for _ in path.open("rb")) - 1
    size_mb = path.stat().st_size / 1e6
    print(f"input: {path} ({rows:,} rows, {size_mb:,.0f} MB), cpus: {os.cpu_count()}")

    with tempfile.TemporaryDirectory() as tmp:
        results = {kind: measure(kind, path, Path(tmp) / kind) for kind in ("engine", "pandas")}
        same = all(
            (Path(tmp) / "engine" / f"{r}.csv").read_text()
            == (Path(tmp) / "pandas" / f"{r}.csv").read_text()
            for r in REPORTS
        )
    for kind, res in results.items():
        res["rows_per_second"] = rows / res["seconds"]
        print(
            f"{kind:>7}: {res['seconds']:7.2f} s  {res['rows_per_second'] / 1e6:6.2f} M rows/s  "
            f"peak RSS {res['peak_rss_mb']:8.0f} MB"
        )
    speedup = results["engine"]["rows_per_second"] / results["pandas"]["rows_per_second"]
    rss_ratio = results["engine"]["peak_rss_mb"] / results["pandas"]["peak_rss_mb"]
    print(f"throughput engine/pandas: {speedup:.1f}x (target >= 5x)")
    print(f"peak RSS engine/pandas:   {rss_ratio:.2f}x (target <= 0.4x)")
    print(f"same reports: {'yes' if same else 'NO'}")
    print(
        json.dumps(
            {
                "rows": rows,
                "speedup": round(speedup, 2),
                "rss_ratio": round(rss_ratio, 3),
                **results,
            }
        )
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
