"""Deterministic synthetic order files in the brief's schema.

Used for demos, tests and benchmarks. Every value derives from a splitmix64
hash of (seed, stream, row or order number) computed with Polars' wrapping
unsigned arithmetic, so the same seed gives the same bytes on every machine
and the generator runs at columnar speed (5M rows in seconds).

The data looks like a US retailer's order lines: orders of one to several
lines that share date, ship mode and address; prices with cents; mostly whole
discounts with some fractional ones; a few missing ship modes; cities whose
names contain a comma (so quoting is exercised). A ``dirty_share`` of rows is
corrupted in one of the ways the validator rejects.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import polars as pl

from shared.core.schema import BRIEF_HEADER

_CHUNK_ROWS = 500_000
_MASK53 = float(1 << 53)

# (city, state, postal code, region)
_PLACES: tuple[tuple[str, str, str, str], ...] = (
    ("New York City", "New York", "10024", "East"),
    ("Philadelphia", "Pennsylvania", "19140", "East"),
    ("Boston", "Massachusetts", "02108", "East"),
    ("Washington, D.C.", "District of Columbia", "20016", "East"),
    ("Columbus", "Ohio", "43229", "East"),
    ("Los Angeles", "California", "90036", "West"),
    ("San Francisco", "California", "94122", "West"),
    ("Seattle", "Washington", "98103", "West"),
    ("Portland", "Oregon", "97206", "West"),
    ("Denver", "Colorado", "80219", "West"),
    ("Houston", "Texas", "77095", "Central"),
    ("Chicago", "Illinois", "60653", "Central"),
    ("Dallas", "Texas", "75217", "Central"),
    ("Minneapolis", "Minnesota", "55407", "Central"),
    ("Detroit", "Michigan", "48234", "Central"),
    ("Atlanta", "Georgia", "30318", "South"),
    ("Jacksonville", "Florida", "32216", "South"),
    ("Miami", "Florida", "33142", "South"),
    ("Louisville", "Kentucky", "40214", "South"),
    ("Nashville", "Tennessee", "37211", "South"),
)
_PLACE_WEIGHTS = (14, 8, 3, 2, 4, 12, 8, 6, 2, 2, 6, 6, 3, 2, 2, 4, 3, 2, 2, 2)

# (category, sub category, product-id prefix, typical list price in cents)
_PRODUCTS: tuple[tuple[str, str, str, int], ...] = (
    ("Furniture", "Bookcases", "FUR-BO", 21000),
    ("Furniture", "Chairs", "FUR-CH", 26000),
    ("Furniture", "Furnishings", "FUR-FU", 4500),
    ("Furniture", "Tables", "FUR-TA", 48000),
    ("Office Supplies", "Appliances", "OFF-AP", 18000),
    ("Office Supplies", "Art", "OFF-AR", 1200),
    ("Office Supplies", "Binders", "OFF-BI", 2000),
    ("Office Supplies", "Envelopes", "OFF-EN", 1500),
    ("Office Supplies", "Fasteners", "OFF-FA", 600),
    ("Office Supplies", "Labels", "OFF-LA", 800),
    ("Office Supplies", "Paper", "OFF-PA", 2500),
    ("Office Supplies", "Storage", "OFF-ST", 14000),
    ("Office Supplies", "Supplies", "OFF-SU", 1700),
    ("Technology", "Accessories", "TEC-AC", 11000),
    ("Technology", "Copiers", "TEC-CO", 140000),
    ("Technology", "Machines", "TEC-MA", 60000),
    ("Technology", "Phones", "TEC-PH", 32000),
)
_PRODUCT_WEIGHTS = (4, 11, 9, 3, 4, 8, 15, 3, 3, 4, 14, 8, 2, 8, 1, 2, 9)

_SHIP_MODES = ("Standard Class", "Second Class", "First Class", "Same Day")
_SHIP_WEIGHTS = (58, 19, 15, 5)
_MISSING_SHIP = ("", "Not Available", "N/A", "unknown")
_SEGMENTS = ("Consumer", "Corporate", "Home Office")
_SEGMENT_WEIGHTS = (52, 30, 18)
_DISCOUNTS = ("0", "5", "10", "15", "20", "25", "30", "40", "50", "12.5", "7.25")
_DISCOUNT_WEIGHTS = (55, 8, 8, 6, 8, 3, 4, 3, 2, 2, 1)

DIRTY_KINDS = (
    "blank_region",
    "bad_list_price",
    "zero_quantity",
    "discount_over_100",
    "blank_order_id",
    "missing_field",
    "extra_field",
)


@dataclass(frozen=True)
class GenerateResult:
    """What ``generate_orders`` wrote."""

    path: Path
    rows: int
    bytes_written: int


def _splitmix(x: pl.Series) -> pl.Series:
    """splitmix64 finaliser on a UInt64 series (wrapping arithmetic)."""
    z = x * 0x9E3779B97F4A7C15
    z = (z ^ (z // (1 << 30))) * 0xBF58476D1CE4E5B9
    z = (z ^ (z // (1 << 27))) * 0x94D049BB133111EB
    return z ^ (z // (1 << 31))


def _hash(keys: pl.Series, seed: int, stream: int) -> pl.Series:
    salt = ((seed & 0xFFFFFFFF) << 20) ^ (stream << 52) ^ stream
    return _splitmix(keys.cast(pl.UInt64) + (salt & 0xFFFFFFFFFFFFFFFF))


def _uniform(h: pl.Series) -> pl.Series:
    return (h // (1 << 11)).cast(pl.Float64) / _MASK53


def _pick(h: pl.Series, values: tuple[str, ...], weights: tuple[int, ...]) -> pl.Series:
    """Weighted choice: index a slot table by hash modulo its length."""
    slots = pl.Series([i for i, w in enumerate(weights) for _ in range(w)], dtype=pl.UInt32)
    idx = slots.gather((h % len(slots)).cast(pl.UInt32))
    return pl.Series(values, dtype=pl.String).gather(idx)


def _pick_index(h: pl.Series, weights: tuple[int, ...]) -> pl.Series:
    slots = pl.Series([i for i, w in enumerate(weights) for _ in range(w)], dtype=pl.UInt32)
    return slots.gather((h % len(slots)).cast(pl.UInt32))


def _cents(series: pl.Series) -> pl.Series:
    """Integer cents to a plain decimal string with two places."""
    units = (series // 100).cast(pl.String)
    frac = (series % 100).cast(pl.String).str.zfill(2)
    return units + "." + frac


def _chunk(
    start: int, rows: int, first_order: int, seed: int, dirty_share: float
) -> tuple[pl.Series, int]:
    """Build ``rows`` CSV lines starting at row ``start``; return lines and next order number."""
    idx = pl.Series("i", range(start, start + rows), dtype=pl.UInt64)
    new_order = (_hash(idx, seed, 1) % 100) < 45
    if start == 0:
        new_order[0] = True
    order_no = new_order.cast(pl.UInt64).cum_sum() + (first_order - 1)
    next_order = int(order_no[-1]) + 1 if rows else first_order

    # order-level attributes
    year = 2022 + (_hash(order_no, seed, 2) % 4)
    day = _hash(order_no, seed, 3) % 365
    order_date = (
        pl.select(
            pl.date(pl.lit(year.cast(pl.Int32)), 1, 1)
            + pl.duration(days=pl.lit(day.cast(pl.Int64)))
        )
        .to_series()
        .dt.strftime("%Y-%m-%d")
    )
    order_id = "US-" + year.cast(pl.String) + "-" + (order_no + 1_000_000).cast(pl.String)
    ship_mode = _pick(_hash(order_no, seed, 4), _SHIP_MODES, _SHIP_WEIGHTS)
    missing = _uniform(_hash(order_no, seed, 5)) < 0.02
    missing_token = _pick(_hash(order_no, seed, 6), _MISSING_SHIP, (1, 1, 1, 1))
    ship_mode = pl.select(pl.when(missing).then(missing_token).otherwise(ship_mode)).to_series()
    segment = _pick(_hash(order_no, seed, 7), _SEGMENTS, _SEGMENT_WEIGHTS)
    place = _pick_index(_hash(order_no, seed, 8), _PLACE_WEIGHTS)
    city = pl.Series([p[0] for p in _PLACES]).gather(place)
    city = pl.select(
        pl.when(city.str.contains(",", literal=True)).then('"' + city + '"').otherwise(city)
    ).to_series()
    state = pl.Series([p[1] for p in _PLACES]).gather(place)
    postal = pl.Series([p[2] for p in _PLACES]).gather(place)
    region = pl.Series([p[3] for p in _PLACES]).gather(place)

    # line-level attributes
    product = _pick_index(_hash(idx, seed, 9), _PRODUCT_WEIGHTS)
    category = pl.Series([p[0] for p in _PRODUCTS]).gather(product)
    sub_category = pl.Series([p[1] for p in _PRODUCTS]).gather(product)
    product_id = (
        pl.Series([p[2] for p in _PRODUCTS]).gather(product)
        + "-"
        + (10_000_000 + _hash(idx, seed, 10) % 4000).cast(pl.String)
    )
    base = pl.Series([p[3] for p in _PRODUCTS], dtype=pl.UInt64).gather(product)
    list_cents = base * (40 + _hash(idx, seed, 11) % 140) // 100 + 99
    cost_cents = list_cents * (55 + _hash(idx, seed, 12) % 45) // 100
    qh = _hash(idx, seed, 13) % 100
    quantity = (1 + qh * qh // 770).cast(pl.String)
    discount = _pick(_hash(idx, seed, 14), _DISCOUNTS, _DISCOUNT_WEIGHTS)
    list_price = _cents(list_cents)
    cost_price = _cents(cost_cents)

    # dirty rows: one corruption each
    dirty = _uniform(_hash(idx, seed, 15)) < dirty_share
    kind = (_hash(idx, seed, 16) % len(DIRTY_KINDS)).cast(pl.Int64)
    frame = pl.DataFrame(
        {
            "order_id": order_id,
            "order_date": order_date,
            "ship_mode": ship_mode,
            "segment": segment,
            "country": pl.Series(["United States"] * rows),
            "city": city,
            "state": state,
            "postal": postal,
            "region": region,
            "category": category,
            "sub_category": sub_category,
            "product_id": product_id,
            "cost_price": cost_price,
            "list_price": list_price,
            "quantity": quantity,
            "discount": discount,
            "dirty": dirty,
            "kind": kind,
        }
    )

    def is_kind(kind_name: str) -> pl.Expr:
        return pl.col("dirty") & (pl.col("kind") == DIRTY_KINDS.index(kind_name))

    def corrupt(col: str, kind_name: str, value: str) -> pl.Expr:
        return pl.when(is_kind(kind_name)).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)

    frame = frame.with_columns(
        corrupt("region", "blank_region", ""),
        corrupt("list_price", "bad_list_price", "n/a"),
        corrupt("quantity", "zero_quantity", "0"),
        corrupt("discount", "discount_over_100", "150"),
        corrupt("order_id", "blank_order_id", " "),
    )
    fields = [c for c in frame.columns if c not in ("dirty", "kind")]
    short = [c for c in fields if c != "discount"]
    lines = frame.select(
        pl.when(is_kind("missing_field"))
        .then(pl.concat_str(short, separator=","))
        .when(is_kind("extra_field"))
        .then(pl.concat_str([*fields, pl.lit("EXTRA")], separator=","))
        .otherwise(pl.concat_str(fields, separator=","))
        .alias("line")
    ).to_series()
    return lines, next_order


def write_orders(out: IO[bytes], rows: int, seed: int = 0, dirty_share: float = 0.01) -> None:
    """Write a header and ``rows`` generated order lines to a binary stream."""
    out.write((",".join(BRIEF_HEADER) + "\n").encode())
    next_order = 1
    for start in range(0, rows, _CHUNK_ROWS):
        n = min(_CHUNK_ROWS, rows - start)
        lines, next_order = _chunk(start, n, next_order, seed, dirty_share)
        pl.DataFrame({"line": lines}).write_csv(out, include_header=False, quote_style="never")


def generate_orders(
    path: Path, rows: int, seed: int = 0, dirty_share: float = 0.01, compress: bool = False
) -> GenerateResult:
    """Write a synthetic order file; gzip it when ``compress`` is set."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if not 0.0 <= dirty_share <= 1.0:
        raise ValueError("dirty_share must be between 0 and 1")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if compress:
            # mtime=0 and no file name keep the gzip bytes deterministic
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz:
                write_orders(cast(IO[bytes], gz), rows, seed, dirty_share)
        else:
            write_orders(raw, rows, seed, dirty_share)
    return GenerateResult(path=path, rows=rows, bytes_written=path.stat().st_size)
