"""The analytics engine: two streaming Polars scans plus an exact Python path.

How a file is read (after ``source.prepare`` found its header):

1. **Line scan** (``scan_lines``): every physical line is decoded (so invalid
   UTF-8 is caught) and matched against one regex built from the header that
   accepts exactly the records the fast path may take: the header's field
   count, non-blank text without padding, short plain numbers, a discount from
   0 to 100. Lines that do not match (bad rows, quoted or multi-line fields,
   blank lines, unusual but valid numbers such as ``007``) are kept with their
   line numbers; nothing else is.
2. **Value scan** (``scan_csv``): the required columns of every other line,
   profit in scaled integers (Int128, 10^-10 units; the digit limits below
   make overflow impossible) and the columns the distinct counts need.
   Quotes are honoured only when the line scan proved that every quoted line
   is a complete, well-formed record, so CSV rows and physical lines stay
   aligned one to one (checked by counting both).
3. **Exact path**: the kept lines are parsed by Python's csv module and
   judged by ``rows.check_record`` with ``decimal`` arithmetic. Rejected
   rows stream to a CSV file as they are found.
4. Both paths' partial results are merged into the reports.

Memory is bounded by the distinct-count inputs (category, ship mode or
sub-category, order id per valid row, held in compact columns), never by
the file as Python objects.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TextIO

import polars as pl

from shared.core import money, reports, rows, schema
from shared.core.source import Header, PreparedInput, find_invalid_utf8

# Fast-path field formats (regex fragments over one CSV field, without quotes).
# The digit limits keep every product inside Int128:
# |(L*(10^6-D) - C*10^6) * Q| < 10^16 * 10^6 * 10^6 = 10^28 per row, so a sum
# stays exact for up to 10^10 rows (far beyond what one Lambda reads).
_WS = r" \t\r\n\x0b\x0c"
_TEXT = rf"[^,\"{_WS}](?:[^,\"]*[^,\"{_WS}])?"  # non-blank, no padding, no quote or comma
_QTEXT = rf"[^\"{_WS}](?:[^\"]*[^\"{_WS}])?"  # the same inside quotes (commas allowed)
_PRICE = r"[0-9]{1,12}(?:\.[0-9]{1,4})?"
_QUANTITY = r"[1-9][0-9]{0,5}"
_DISCOUNT = r"(?:100(?:\.0{1,4})?|[0-9]{1,2}(?:\.[0-9]{1,4})?)"
_FIELD_FAST = {
    "order_id": _TEXT,
    "ship_mode": rf"(?:{_TEXT})?",
    "region": _TEXT,
    "category": _TEXT,
    "sub_category": _TEXT,
    "cost_price": _PRICE,
    "list_price": _PRICE,
    "quantity": _QUANTITY,
    "discount_percent": _DISCOUNT,
}
_QUOTED_FIELD = r'"(?:[^"]|"")*"'
_ANY_FIELD = rf'(?:{_QUOTED_FIELD}|[^,"]*)'
# A line that is one complete RFC 4180 record (quotes only around whole fields).
_WELL_FORMED = rf"^{_ANY_FIELD}(?:,{_ANY_FIELD})*$"
_BLANK_LINE = r"^[ \t\r\n\x0b\x0c,]*$"
_SCALE = 10_000  # prices and discount are read at 10^-4
_PROFIT_EXPONENT = -10  # profit units: 10^-4 price x 10^-6 (discount/100)
_MISSING_TOKENS = sorted(schema.MISSING_SHIP_MODE_TOKENS)
_PY_BATCH = 50_000


@dataclass
class Counts:
    """Row counts for the summary."""

    rows_valid: int = 0
    rows_rejected: int = 0
    rows_skipped_blank: int = 0
    rejects_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def rows_read(self) -> int:
        return self.rows_valid + self.rows_rejected


@dataclass
class _Partials:
    """Aggregates both paths add to."""

    profit: dict[str, Decimal] = field(default_factory=dict)
    ship: list[pl.DataFrame] = field(default_factory=list)
    sub: list[pl.DataFrame] = field(default_factory=list)

    def add_profit(self, region: str, amount: Decimal) -> None:
        self.profit[region] = money.add(self.profit.get(region, Decimal(0)), amount)


def _scaled(col: str) -> pl.Expr:
    """A validated decimal string as an Int128 count of 10^-4 units."""
    return pl.col(col).cast(pl.Decimal(38, 4), strict=False).to_physical().cast(pl.Int128)


def line_pattern(header: Header, quoted: bool) -> str:
    """One regex that accepts exactly the lines the fast path may take.

    It pins the header's field count and each required field's fast format;
    other fields are free. With ``quoted`` a field may be a quoted RFC 4180
    field (required fields then hold clean text inside the quotes); without it
    no quote may appear on the line.
    """
    by_position = {pos: name for name, pos in header.index.items()}
    parts = []
    for pos in range(len(header.names)):
        name = by_position.get(pos)
        plain = _FIELD_FAST[name] if name else r'[^,"]*'
        if not quoted:
            parts.append(plain)
        elif name is None:
            parts.append(_ANY_FIELD)
        else:
            inner = plain.replace(_TEXT, _QTEXT)
            parts.append(rf'(?:"{inner}"|{plain})')
    return "^" + ",".join(parts) + "$"


@dataclass(frozen=True)
class _LineScan:
    """What the line scan kept: every line the fast path cannot take, and the line count."""

    kept: pl.DataFrame  # idx, line, blank, odd, well_formed, quoted_ok
    lines: int  # physical lines after the header

    @property
    def quoted_scan(self) -> bool:
        """True when every quoted line is a complete record, so a quote-aware scan stays aligned."""
        quoted = self.kept.filter("has_quote")
        return (
            quoted.height > 0
            and not quoted.get_column("odd").any()
            and bool(quoted.get_column("well_formed").all())
        )

    def multiline_ranges(self) -> list[tuple[int, int]]:
        """Line ranges of records that may span lines (an odd-quote line opens or closes one).

        An unclosed range runs to the end of the file.
        """
        odd = self.kept.filter("odd").get_column("idx").sort().to_list()
        if len(odd) % 2:
            odd.append(2**32 - 1)
        return list(zip(odd[::2], odd[1::2], strict=True))


def _lines(prep: PreparedInput) -> pl.LazyFrame:
    return pl.scan_lines(prep.path, row_index_name="idx").slice(prep.header.line_index + 1)


def _collect(prep: PreparedInput, queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Collect streaming; turn Polars' bare UTF-8 error into one with the byte offset."""
    try:
        return pl.collect_all(queries, engine="streaming")
    except pl.exceptions.ComputeError:
        bad = find_invalid_utf8(prep.path, prep.name)
        if bad is not None:
            raise bad from None
        raise


def _scan_lines(prep: PreparedInput) -> _LineScan:
    line = pl.col("line")
    lines = _lines(prep)
    kept = (
        lines.filter(~line.str.contains(line_pattern(prep.header, quoted=False)))
        # ``+ ""`` copies the few kept strings, so they do not pin whole read buffers.
        .select("idx", line + "")
        .with_columns(
            blank=line.str.contains(_BLANK_LINE),
            has_quote=line.str.contains('"', literal=True),
            odd=line.str.count_matches('"', literal=True) % 2 == 1,
            well_formed=line.str.contains(_WELL_FORMED),
            quoted_ok=line.str.contains(line_pattern(prep.header, quoted=True)),
        )
    )
    kept_df, count_df = _collect(prep, [kept, lines.select(pl.len())])
    return _LineScan(kept=kept_df, lines=int(count_df.item()))


def _in_ranges(ranges: list[tuple[int, int]]) -> pl.Expr:
    if not ranges:
        return pl.lit(False)
    starts = pl.Series([s for s, _ in ranges], dtype=pl.Int64)
    ends = pl.Series([e for _, e in ranges], dtype=pl.Int64)
    idx = pl.col("idx").cast(pl.Int64)
    k = pl.lit(starts).search_sorted(idx, side="right").cast(pl.Int64) - 1
    return (k >= 0) & (idx <= pl.lit(ends).gather(k.clip(0)))


def _slow_lines(prep: PreparedInput, scan: _LineScan) -> pl.DataFrame:
    """Every line the fast path does not take: idx, line, blank; sorted by idx.

    With a quote-aware value scan, quoted lines that match the fast regex are
    fast too. Otherwise every line inside a multi-line record is slow,
    including the ones that on their own look like fast records, and such a
    line is never blank (it is part of a quoted field).
    """
    kept = scan.kept
    if scan.quoted_scan:
        kept = kept.filter(~pl.col("quoted_ok"))
    else:
        ranges = scan.multiline_ranges()
        if ranges:
            inside = (
                _lines(prep)
                .filter(_in_ranges(ranges))
                .select("idx", pl.col("line") + "")
                .collect(engine="streaming")
            )
            kept = pl.concat([kept.select("idx", "line"), inside]).unique("idx")
            kept = kept.with_columns(
                blank=pl.col("line").str.contains(_BLANK_LINE) & ~_in_ranges(ranges)
            )
    return kept.select("idx", "line", "blank").sort("idx")


def _fast_rows(
    prep: PreparedInput, quoted_scan: bool, excluded: pl.Series, lines: int
) -> pl.DataFrame:
    """Value scan of every line not in ``excluded``: compact columns and scaled profit."""
    header = prep.header
    million = 100 * _SCALE
    profit = (
        _scaled("list_price") * (million - _scaled("discount_percent"))
        - _scaled("cost_price") * million
    ) * pl.col("quantity").cast(pl.Int128)
    usable = ~pl.col("ship_mode").str.to_lowercase().is_in(_MISSING_TOKENS)
    values = (
        pl.scan_csv(
            prep.path,
            has_header=False,
            quote_char='"' if quoted_scan else None,
            schema={f"c{i}": pl.String for i in range(len(header.names))},
            skip_lines=header.line_index,  # the header itself is row 0: it fixes the width
            truncate_ragged_lines=True,
            missing_columns="insert",
            extra_columns="ignore",
            row_index_name="row",
        )
        .slice(1)
        .select(
            (pl.col("row") + header.line_index).alias("idx"),
            *(pl.col(f"c{pos}").fill_null("").alias(name) for name, pos in header.index.items()),
        )
    )
    fast = values.filter(~pl.col("idx").is_in(excluded.implode())).select(
        pl.col("region", "category", "sub_category").cast(pl.Categorical),
        pl.when(usable).then(pl.col("ship_mode")).cast(pl.Categorical).alias("ship_mode"),
        pl.col("order_id") + "",  # owned copies: do not pin the read buffers
        profit.alias("profit"),
    )
    fast_df, count_df = _collect(prep, [fast, values.select(pl.len())])
    if int(count_df.item()) != lines:
        raise RuntimeError(
            f"{prep.name}: internal error: the CSV scan saw {count_df.item()} rows "
            f"but the line scan saw {lines} lines"
        )
    return fast_df


def _runs(rest: pl.DataFrame) -> Iterator[tuple[int, Iterator[str]]]:
    """Runs of consecutive lines as (1-based first line, lazy lines), read in bounded batches.

    A multi-line record never straddles two runs: all its lines are in ``rest``.
    """
    flat = (
        pair
        for batch in rest.iter_slices(_PY_BATCH)
        for pair in zip(
            batch.get_column("idx").to_list(), batch.get_column("line").to_list(), strict=True
        )
    )
    for _, group in itertools.groupby(enumerate(flat), key=lambda t: t[1][0] - t[0]):
        run = ((idx, text) for _, (idx, text) in group)
        first_idx, first_text = next(run)
        yield first_idx + 1, itertools.chain([first_text], (text for _, text in run))


class _Triples:
    """Distinct-count inputs from the exact path, moved to Polars in batches."""

    def __init__(self, target: list[pl.DataFrame], columns: list[str]) -> None:
        self.target = target
        self.columns = columns
        self.buffer: list[tuple[str, str, str]] = []

    def add(self, row: tuple[str, str, str]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= _PY_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            frame = (
                pl.DataFrame(self.buffer, schema=self.columns, orient="row")
                .unique()
                .with_columns(pl.col(self.columns[:2]).cast(pl.Categorical))
            )
            self.target.append(frame)
            self.buffer = []
        if len(self.target) > 64:  # keep the partial sets compact
            self.target[:] = [pl.concat(self.target).unique()]


def _exact_path(
    prep: PreparedInput,
    rest: pl.DataFrame,
    partials: _Partials,
    counts: Counts,
    rejected: TextIO,
) -> None:
    """Judge every remaining line with the exact rules; stream rejects to ``rejected``."""
    writer = reports.csv_writer(rejected)
    width = len(prep.header.names)
    ship = _Triples(partials.ship, ["category", "ship_mode", "order_id"])
    sub = _Triples(partials.sub, ["category", "sub_category", "order_id"])
    for first_line, lines in _runs(rest):
        for record in rows.parse_run(first_line, lines):
            outcome: rows.ValidRow | rows.RejectedRow
            if record.malformed:
                outcome = rows.RejectedRow(
                    record.line, (schema.REASON_MALFORMED,), tuple(record.fields)
                )
            elif rows.is_blank_record(record.fields):
                counts.rows_skipped_blank += 1
                continue
            else:
                outcome = rows.check_record(record.fields, width, prep.header.index, record.line)
            if isinstance(outcome, rows.RejectedRow):
                counts.rows_rejected += 1
                counts.rejects_by_reason.update(outcome.reasons)
                writer.writerow((outcome.line, outcome.reason, *outcome.fields))
                continue
            counts.rows_valid += 1
            partials.add_profit(outcome.region, outcome.profit)
            if outcome.ship_mode is not None:
                ship.add((outcome.category, outcome.ship_mode, outcome.order_id))
            sub.add((outcome.category, outcome.sub_category, outcome.order_id))
    ship.flush()
    sub.flush()


def _distinct_counts(
    frames: list[pl.DataFrame], keys: tuple[str, str]
) -> list[tuple[str, str, int]]:
    """Distinct order ids per key pair over the union of both paths' rows."""
    if not frames:
        return []
    counted = (
        pl.concat(frames)
        .group_by(*keys)
        .agg(pl.col("order_id").n_unique().alias("n"))
        .with_columns(pl.col(*keys).cast(pl.String))
        .sort(*keys)
    )
    return [(a, b, int(n)) for a, b, n in counted.iter_rows()]


@dataclass(frozen=True)
class Summary:
    """What happened to one input: the content of ``summary.json``."""

    source: str
    input_bytes: int
    data_bytes: int
    compressed: bool
    rows_read: int
    rows_valid: int
    rows_rejected: int
    rows_skipped_blank: int
    rejects_by_reason: dict[str, int]
    duration_seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def analyze(prep: PreparedInput, rejected: TextIO) -> tuple[reports.Reports, Summary]:
    """Compute the reports of a prepared input; write rejected rows (no header) to ``rejected``.

    Raises ``InvalidUtf8Error`` (before anything is written to ``rejected``) when
    a line is not UTF-8.
    """
    started = time.perf_counter()
    partials = _Partials()
    counts = Counts()
    scan = _scan_lines(prep)
    slow = _slow_lines(prep, scan)
    counts.rows_skipped_blank = int(slow.get_column("blank").sum())
    fast = _fast_rows(prep, scan.quoted_scan, slow.get_column("idx"), scan.lines)
    by_region = (
        fast.group_by("region")
        .agg(pl.col("profit").sum())
        .with_columns(pl.col("region").cast(pl.String))
    )
    for region, scaled in by_region.iter_rows():
        partials.add_profit(region, money.from_scaled(scaled, _PROFIT_EXPONENT))
    partials.ship.append(fast.select("category", "ship_mode", "order_id").drop_nulls("ship_mode"))
    partials.sub.append(fast.select("category", "sub_category", "order_id"))
    counts.rows_valid += fast.height
    del fast
    _exact_path(prep, slow.filter(~pl.col("blank")), partials, counts, rejected)
    result = reports.Reports(
        most_profitable_region=reports.most_profitable_regions(partials.profit),
        most_common_ship_mode_by_category=reports.most_common_ship_modes(
            _distinct_counts(partials.ship, ("category", "ship_mode"))
        ),
        orders_by_category_and_sub_category=_distinct_counts(
            partials.sub, ("category", "sub_category")
        ),
    )
    summary = Summary(
        source=prep.name,
        input_bytes=prep.input_bytes,
        data_bytes=prep.data_bytes,
        compressed=prep.compressed,
        rows_read=counts.rows_read,
        rows_valid=counts.rows_valid,
        rows_rejected=counts.rows_rejected,
        rows_skipped_blank=counts.rows_skipped_blank,
        rejects_by_reason=dict(sorted(counts.rejects_by_reason.items())),
        duration_seconds=round(time.perf_counter() - started, 3),
    )
    return result, summary
