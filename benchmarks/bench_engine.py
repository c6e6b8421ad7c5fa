"""Benchmark: the engine against naive Polars, naive DuckDB and pandas on the same file.

Each implementation runs in its own fresh process (so its peak RSS is its
own: ``ru_maxrss`` of the child), ``--repeat`` times; the table shows the
median wall time, rows/s and peak RSS, and the ratios the targets are about.

* ``engine``: exactly what ``orders run-local`` runs (every rule, exact money).
* ``polars``: ``scan_csv`` + ``group_by`` with ``n_unique``, streaming, float
  profit, no row validation (the usual "naive" Polars program).
* ``duckdb``: ``read_csv`` + ``GROUP BY`` with ``count(DISTINCT)``, float profit,
  no row validation.
* ``pandas`` (3.x, Arrow-backed strings): ``read_csv`` + vectorised checks of the
  generator's kinds of bad rows + ``groupby``.

Agreement, where they compute the same thing: on the benchmark file the
engine and pandas must give the same three reports (pandas applies the rules
the generator's bad rows break). The naive Polars and DuckDB programs skip
validation, so they are checked on a clean sample (``--check-rows`` rows, no
bad rows): all four must agree there (counts exactly, profit to the cent).

    python benchmarks/bench_engine.py --rows 5000000           # generate, then compare
    python benchmarks/bench_engine.py --file orders.csv --repeat 3

Exit status 1 when any check fails.
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
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORTS = (
    "most_profitable_region",
    "most_common_ship_mode_by_category",
    "orders_by_category_and_sub_category",
)
KINDS = ("engine", "polars", "duckdb", "pandas")
MISSING = ("", "not available", "unknown", "n/a", "na", "null", "none")
TARGETS = {"pandas": (5.0, 0.35), "polars": (1.5, None), "duckdb": (1.5, None)}


def _write(out: Path, region: list[tuple[str, float]], ship: list[tuple], sub: list[tuple]) -> None:
    """The three report CSVs in the project's format (profit with two decimals)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "most_profitable_region.csv").write_text(
        "region,total_profit\n" + "".join(f"{r},{t:.2f}\n" for r, t in region)
    )
    (out / "most_common_ship_mode_by_category.csv").write_text(
        "category,ship_mode,order_count\n" + "".join(f"{c},{m},{n}\n" for c, m, n in ship)
    )
    (out / "orders_by_category_and_sub_category.csv").write_text(
        "category,sub_category,order_count\n" + "".join(f"{c},{s},{n}\n" for c, s, n in sub)
    )


def _top(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    best: dict[str, int] = {}
    for c, _, n in rows:
        best[c] = max(best.get(c, 0), n)
    return sorted(r for r in rows if r[2] == best[r[0]])


def run_engine(path: Path, out: Path) -> None:
    """The project: exactly what `orders run-local` runs."""
    from shared.core.pipeline import run_file

    run_file(path, out)


def run_polars(path: Path, out: Path) -> None:
    """Naive Polars: lazy CSV scan, float profit, n_unique per group, streaming engine."""
    import polars as pl

    names = {
        "Order Id": "order_id",
        "Ship Mode": "ship_mode",
        "Region": "region",
        "Category": "category",
        "Sub Category": "sub_category",
    }
    lf = pl.scan_csv(path, infer_schema=False).select(
        *(pl.col(k).str.strip_chars().alias(v) for k, v in names.items()),
        c=pl.col("cost price").cast(pl.Float64, strict=False),
        lp=pl.col("List Price").cast(pl.Float64, strict=False),
        q=pl.col("Quantity").cast(pl.Int64, strict=False),
        d=pl.col("Discount Percent").cast(pl.Float64, strict=False),
    )
    profit = (pl.col("lp") * (1 - pl.col("d") / 100) - pl.col("c")) * pl.col("q")
    region = lf.group_by("region").agg(profit.sum().alias("p"))
    ship = (
        lf.filter(~pl.col("ship_mode").str.to_lowercase().is_in(MISSING))
        .group_by("category", "ship_mode")
        .agg(pl.col("order_id").n_unique().alias("n"))
    )
    sub = lf.group_by("category", "sub_category").agg(pl.col("order_id").n_unique().alias("n"))
    r, s, b = pl.collect_all([region, ship, sub], engine="streaming")
    best = r.get_column("p").max()
    _write(
        out,
        sorted((x, p) for x, p in r.iter_rows() if p == best),
        _top(list(s.iter_rows())),
        sorted(b.iter_rows()),
    )


def run_duckdb(path: Path, out: Path) -> None:
    """Naive DuckDB: read_csv, float profit, count(DISTINCT) per group."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""CREATE TEMP VIEW o AS SELECT
            trim("Order Id") AS order_id, trim("Ship Mode") AS ship_mode,
            trim("Region") AS region, trim("Category") AS category,
            trim("Sub Category") AS sub_category,
            (TRY_CAST("List Price" AS DOUBLE) * (1 - TRY_CAST("Discount Percent" AS DOUBLE) / 100)
             - TRY_CAST("cost price" AS DOUBLE)) * TRY_CAST("Quantity" AS BIGINT) AS profit
        FROM read_csv('{path}', all_varchar = true, null_padding = true, ignore_errors = true)"""
    )
    region = con.execute("SELECT region, sum(profit) p FROM o GROUP BY region").fetchall()
    missing = ", ".join(f"'{m}'" for m in MISSING)
    ship = con.execute(
        "SELECT category, ship_mode, count(DISTINCT order_id) FROM o "
        f"WHERE lower(coalesce(ship_mode, '')) NOT IN ({missing}) GROUP BY 1, 2"
    ).fetchall()
    sub = con.execute(
        "SELECT category, sub_category, count(DISTINCT order_id) FROM o GROUP BY 1, 2"
    ).fetchall()
    best = max(p for _, p in region if p is not None)
    _write(out, sorted(r for r in region if r[1] == best), _top(ship), sorted(sub))


def run_pandas(path: Path, out: Path) -> None:
    """The usual approach: read everything into a DataFrame, validate with vectorised
    string checks (the rules the generator's bad rows break), float profit, groupby."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip", engine="c")
    df.columns = [c.strip().lower().replace(" ", "_") for c in df.columns]
    for col in ["order_id", "ship_mode", "region", "category", "sub_category"]:
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
    by_region = df.groupby("region")["profit"].sum()
    best = by_region.max()
    shipped = df[~df["ship_mode"].str.lower().isin(MISSING)]
    modes = shipped.groupby(["category", "ship_mode"])["order_id"].nunique()
    subs = df.groupby(["category", "sub_category"])["order_id"].nunique()
    _write(
        out,
        sorted((r, t) for r, t in by_region.items() if t == best),
        _top([(c, m, int(n)) for (c, m), n in modes.items()]),
        sorted((c, s, int(n)) for (c, s), n in subs.items()),
    )


RUNNERS: dict[str, Callable[[Path, Path], None]] = {
    "engine": run_engine,
    "polars": run_polars,
    "duckdb": run_duckdb,
    "pandas": run_pandas,
}


def measure(kind: str, path: Path, out: Path) -> dict[str, float]:
    """Run one implementation in a fresh process; wall seconds and its own peak RSS."""
    cmd = [sys.executable, str(Path(__file__)), "--worker", kind, str(path), str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{kind} run failed with status {status}")
    return {"seconds": wall, "peak_rss_mib": usage.ru_maxrss / 1024}


def _reports(out: Path) -> dict[str, list[list[str]]]:
    return {
        r: [line.split(",") for line in (out / f"{r}.csv").read_text().splitlines()]
        for r in REPORTS
    }


def _agree(a: Path, b: Path, cents: bool) -> bool:
    """Same reports; with ``cents``, profits may differ by rounding float sums (<= 0.01)."""
    ra, rb = _reports(a), _reports(b)
    for name in REPORTS:
        if len(ra[name]) != len(rb[name]):
            return False
        for x, y in zip(ra[name], rb[name], strict=True):
            if name == "most_profitable_region" and cents and x[0] == y[0] != "region":
                if abs(float(x[1]) - float(y[1])) > 0.0100001:
                    return False
            elif x != y:
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--file", type=Path, help="use this file instead of generating one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per implementation")
    parser.add_argument("--check-rows", type=int, default=200_000)
    parser.add_argument("--only", default=",".join(KINDS), help="comma-separated subset")
    parser.add_argument(
        "--worker", nargs=3, metavar=("KIND", "FILE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        kind, file, out = args.worker
        RUNNERS[kind](Path(file), Path(out))
        return 0

    from shared.core.generate import generate_orders

    data = HERE / "data"
    path = args.file or data / f"orders-{args.rows}-seed{args.seed}.csv"
    if not path.exists():
        print(f"generating {args.rows:,} rows -> {path}")
        generate_orders(path, args.rows, seed=args.seed)
    clean = data / f"clean-{args.check_rows}-seed{args.seed}.csv"
    if not clean.exists():
        generate_orders(clean, args.check_rows, seed=args.seed, dirty_share=0.0)
    kinds = [k for k in KINDS if k in args.only.split(",")]
    with path.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1
    size_mb = path.stat().st_size / 1e6
    load = os.getloadavg()[0]
    print(
        f"input: {path} ({rows:,} rows, {size_mb:,.0f} MB); cpus: {os.cpu_count()}; load {load:.2f}"
    )

    ok = True
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for kind in kinds:
            measure(kind, clean, base / "clean" / kind)
        for kind in kinds:
            if kind != "engine" and "engine" in kinds:
                same = _agree(base / "clean" / "engine", base / "clean" / kind, cents=True)
                print(f"clean sample: {kind} agrees with the engine: {'yes' if same else 'NO'}")
                ok &= same
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
        for i in range(args.repeat):
            for kind in kinds:  # interleaved, so load changes hit every implementation
                runs[kind].append(measure(kind, path, base / f"run{i}" / kind))
        if "engine" in kinds and "pandas" in kinds:
            same = _agree(base / "run0" / "engine", base / "run0" / "pandas", cents=False)
            print(f"benchmark file: pandas gives the engine's reports: {'yes' if same else 'NO'}")
            ok &= same
    for kind, found in runs.items():
        results[kind] = {
            "seconds": statistics.median(r["seconds"] for r in found),
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in found),
            "runs": [round(r["seconds"], 2) for r in found],  # type: ignore[dict-item]
        }
        results[kind]["rows_per_second"] = rows / results[kind]["seconds"]
    print(f"\n| implementation | wall (median of {args.repeat}) | rows/s | peak RSS |")
    print("|---|---|---|---|")
    for kind, res in results.items():
        print(
            f"| {kind} | {res['seconds']:.2f} s | {res['rows_per_second'] / 1e6:.2f} M "
            f"| {res['peak_rss_mib']:,.0f} MiB |"
        )
    if "engine" in results:
        engine = results["engine"]
        for kind, (speed_target, rss_target) in TARGETS.items():
            if kind not in results:
                continue
            speed = engine["rows_per_second"] / results[kind]["rows_per_second"]
            rss = engine["peak_rss_mib"] / results[kind]["peak_rss_mib"]
            line = f"engine vs {kind}: throughput {speed:.2f}x (target >= {speed_target}x)"
            if rss_target is not None:
                line += f", peak RSS {rss:.2f}x (target <= {rss_target}x)"
            print(line)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps({"rows": rows, "load_before": load, **results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
