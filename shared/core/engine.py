"""The analytics engine: one pass over a stream of record-aligned chunks.

``framing`` cuts the decompressed stream into chunks of whole records (and
their physical lines); each chunk is analysed on its own in a pool of
threads (Polars releases the GIL) and the partial results merge in chunk
order:

1. **Values.** Polars' CSV reader (no quoting, so rows and physical lines stay
   aligned one to one) reads the required columns, the last one and one past
   it. Text, quantity and discount columns are categoricals of a per-chunk
   dictionary, so their rules run once per distinct value, with the very
   functions of ``rows.check_record``.
2. **Field count.** A quote-free line has exactly the header's field count
   when its last field exists and the one after it does not; a line holding
   an empty field (``,,`` or a trailing comma) has its commas counted instead.
3. **Quotes.** Lines with a double quote that are complete RFC 4180 records
   are read again, together, with quoting on (a sentinel field appended to
   each line gives their field count).
4. **Fast rows** pass every rule with vectorised checks (bounded number sizes
   keep the scaled Int128 profit exact); their profit is summed per region
   and their orders set bits in ``distinct.OrderSets``. Quote-free rows with
   the right field count that break a rule get their reasons from the same
   checks.
5. **Exact path.** Every other non-blank record (multi-line, odd quoting,
   valid numbers beyond the fast ranges) goes through Python's csv module
   and the plain-Python rules of ``rows`` with ``decimal`` arithmetic.

Rejected rows are written in line order as chunks merge. Memory holds a few
chunks in flight and the distinct-order bitsets, never the file.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TextIO

import polars as pl

from shared.core import distinct, errors, money, quoting, reports, rows, schema
from shared.core.framing import Chunk, Framer
from shared.core.limits import Limits
from shared.core.source import Header, Stream

# Bytes per chunk: 16 MiB ran the 5M-row benchmark about 12 % faster than 8 MiB (fewer
# per-chunk steps) for about 190 MiB more peak memory (two workers).
DEFAULT_CHUNK_BYTES = 16 << 20
# Lines per chunk: what every line costs in columns (some 300 bytes across the frames of
# ``analyse``) stays bounded for files of blank or tiny lines; a chunk of 16 MiB of
# typical rows (~150 bytes) has about 110,000.
DEFAULT_CHUNK_LINES = 1 << 18
DEFAULT_WORKERS = max(2, min(8, os.cpu_count() or 2))  # chunk analysers (Polars frees the GIL)
_WS = schema.WHITESPACE
_PRICE_FAST = r"^[0-9]{1,12}(?:\.[0-9]{1,8})?$"
_PRICE_FAST_DIGITS = 20
_PRICE_SCALE = 8  # prices are read at 10^-8
_DISCOUNT_SCALE = 4  # discount percentages at 10^-4
_HUNDRED_PERCENT = 100 * 10**_DISCOUNT_SCALE
_PROFIT_EXPONENT = -(_PRICE_SCALE + 2 + _DISCOUNT_SCALE)  # 10^-8 price x discount / 100
_MAX_QUANTITY = 10**6 - 1
# |(L*(10^6-D) - C*10^6) * Q| < 10^20 * 10^6 * 10^6 = 10^32 per fast row, so an Int128 sum
# over at most 10^6 rows stays below 10^38 < 2^127: exact. Sums are taken over slices of
# that many rows and added as Python integers.
_SUM_ROWS = 10**6
_BLANK_LINE = r"^[ \t\r\x0b\x0c,]*$"
_SENTINELS = [chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"]
_MISSING_TOKENS = sorted(schema.MISSING_SHIP_MODE_TOKENS)
_CATEGORICAL = ("ship_mode", "region", "category", "sub_category", "quantity", "discount_percent")
_TEXT = ("region", "category", "sub_category")
_LAST = "__last"
_EXTRA = "__extra"
TRUNCATED_FIELD_CHARS = 32  # a field of a rejected row past MAX_REJECTED_ROWS


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

    def add(self, other: Counts) -> None:
        self.rows_valid += other.rows_valid
        self.rows_rejected += other.rows_rejected
        self.rows_skipped_blank += other.rows_skipped_blank
        self.rejects_by_reason.update(other.rejects_by_reason)


@dataclass
class ChunkResult:
    """What one chunk contributes; merged in chunk order."""

    index: int
    counts: Counts = field(default_factory=Counts)
    scaled_profit: dict[str, int] = field(default_factory=dict)  # 10^-10 units, fast rows
    exact_profit: dict[str, Decimal] = field(default_factory=dict)
    orders: pl.DataFrame | None = None  # oid, m_sub, m_ship, key (one row per order id)
    pairs: pl.DataFrame | None = None  # overflow groups: kind, group, oid
    rejected: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)


class Context:
    """What every chunk of one run shares: the header's layout, the limits, the sets."""

    def __init__(self, header: Header, limits: Limits, name: str) -> None:
        self.name = name  # the input, as errors name it
        self.header = header
        self.limits = limits
        self.digits = limits.max_number_digits
        self.width = len(header.names)
        self.run = uuid.uuid4().hex
        self.sets = distinct.OrderSets()
        positions = dict(header.index)
        self.names: dict[int, str] = {pos: name for name, pos in positions.items()}
        self.names.setdefault(self.width - 1, _LAST)
        self.names[self.width] = _EXTRA
        self.last = self.names[self.width - 1]
        self.projection = sorted(self.names)
        self.reasons = _reasons(self.digits)

    def schema(self, cats: pl.Categories) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {}
        for pos in range(self.width + 1):
            name = self.names.get(pos, f"__c{pos}")
            out[name] = pl.Categorical(cats) if name in _CATEGORICAL else pl.String()
        return out


def _read_fields(data: bytes, ctx: Context, cats: pl.Categories, quote: str | None) -> pl.DataFrame:
    return pl.read_csv(
        data,
        has_header=False,
        separator=",",
        quote_char=quote,
        schema=ctx.schema(cats),
        columns=ctx.projection,
        truncate_ragged_lines=True,
        missing_columns="insert",
        extra_columns="ignore",
    )


_BITS = [1 << i for i in range(distinct.MASK_BITS)]
_DENSE_PAIRS = 512  # per-chunk categories up to which pair lookups use a dense table


def _lookups(cats: pl.Categories, digits: int) -> pl.DataFrame:
    """Per category code of this chunk: its trimmed text and the row rules' verdicts.

    Quantity: a positive integer (below 10^6 for the fast path); discount: a
    plain decimal of at most 100 (at most 4 decimals for the fast path), as a
    count of 10^-4; ``long``: a plain decimal of more than ``digits`` digits,
    which is neither. Small dictionaries use the very functions of
    ``rows.check_record``; large ones the same rules vectorised.
    """
    values = cats.to_series()
    if values.len() > _PYTHON_LOOKUPS:
        return _lookups_vectorised(values, digits)
    columns: dict[str, list[object]] = {name: [] for name in _LOOKUP_SCHEMA}
    for raw in values.to_list():
        trimmed = (raw or "").strip(_WS)
        long = money.is_decimal(trimmed) and money.digits(trimmed) > digits
        number = None if long else money.parse_positive_int(trimmed)
        percent = None if long else money.parse_decimal(trimmed)
        for name, value in (
            ("text", trimmed),
            ("nonblank", bool(trimmed)),
            ("usable", rows.usable_ship_mode(trimmed) is not None),
            ("quantity", number if number is not None and number <= _MAX_QUANTITY else None),
            ("discount", None if long else _scaled_percent(trimmed)),
            ("qvalid", number is not None),
            ("dvalid", percent is not None and percent <= money.HUNDRED),
            ("long", long),
        ):
            columns[name].append(value)
    return pl.DataFrame(columns, schema=_LOOKUP_SCHEMA)


_PYTHON_LOOKUPS = 4096


def _scaled_percent(text: str) -> int | None:
    """A valid discount with at most 4 decimals, in 10^-4 units; else None."""
    percent = money.parse_decimal(text)
    if percent is None or percent > money.HUNDRED:
        return None
    scaled = percent.scaleb(_DISCOUNT_SCALE)
    return int(scaled) if scaled == scaled.to_integral_value() else None


_LOOKUP_SCHEMA = {
    "text": pl.String,
    "nonblank": pl.Boolean,
    "usable": pl.Boolean,
    "quantity": pl.Int64,
    "discount": pl.Int64,
    "qvalid": pl.Boolean,
    "dvalid": pl.Boolean,
    "long": pl.Boolean,
}


def _lookups_vectorised(values: pl.Series, digits: int) -> pl.DataFrame:
    trimmed = values.str.strip_chars(_WS)
    decimal = trimmed.str.contains(r"^[0-9]+(?:\.[0-9]+)?$").fill_null(False)
    long = decimal & (trimmed.str.count_matches("[0-9]") > digits).fill_null(False)
    quantity = pl.when(trimmed.str.contains(r"^[0-9]+$") & ~long).then(
        trimmed.cast(pl.UInt64, strict=False)
    )
    discount = pl.when(trimmed.str.contains(r"^[0-9]{1,3}(?:\.[0-9]{1,4})?$") & ~long).then(
        trimmed.cast(pl.Decimal(38, _DISCOUNT_SCALE), strict=False).to_physical()
    )
    return pl.select(
        text=trimmed.fill_null(""),
        nonblank=(trimmed.str.len_bytes() > 0).fill_null(False),
        usable=~trimmed.fill_null("").str.to_lowercase().is_in(_MISSING_TOKENS),
        quantity=pl.when(quantity.is_between(1, _MAX_QUANTITY)).then(quantity).cast(pl.Int64),
        discount=pl.when(discount <= _HUNDRED_PERCENT).then(discount).cast(pl.Int64),
        qvalid=trimmed.str.contains(r"^[0-9]*[1-9][0-9]*$").fill_null(False) & ~long,
        dvalid=decimal
        & ~long
        & (
            trimmed.str.strip_chars_start("0").str.contains(r"^(?:[0-9]{0,2}|100)(?:\.|$)")
            & ~trimmed.str.contains(r"^0*100\.[0-9]*[1-9]")
        ).fill_null(False),
        long=long,
    )


def _checked(
    frame: pl.DataFrame, look: pl.DataFrame, counted: pl.Series, ctx: Context
) -> pl.DataFrame:
    """Every row with ``ok`` (all rules pass, vectorised) and what the fast path needs."""

    def at(column: str, what: str) -> pl.Expr:
        return pl.lit(look.get_column(what)).gather(pl.col(column).to_physical())

    oid = pl.col("order_id").str.strip_chars(_WS)
    quantity = at("quantity", "quantity")
    discount = at("discount_percent", "discount")
    return frame.select(
        "cost_price",
        "list_price",
        oid=oid,
        region=pl.col("region").to_physical(),
        category=pl.col("category").to_physical(),
        sub=pl.col("sub_category").to_physical(),
        ship=pl.col("ship_mode").to_physical(),
        q=quantity,
        d=discount,
        qc=pl.col("quantity").to_physical(),
        dc=pl.col("discount_percent").to_physical(),
        ok=(
            pl.lit(counted)
            & (oid.str.len_bytes() > 0)
            & at("region", "nonblank")
            & at("category", "nonblank")
            & at("sub_category", "nonblank")
            & _fast_price("cost_price", ctx.digits)
            & _fast_price("list_price", ctx.digits)
            & quantity.is_not_null()
            & discount.is_not_null()
        ).fill_null(False),
    )


def _fast_price(column: str, digits: int) -> pl.Expr:
    """A price the fast path reads exactly at 10^-8 (and within ``MAX_NUMBER_DIGITS``)."""
    fast = pl.col(column).str.contains(_PRICE_FAST)
    if digits < _PRICE_FAST_DIGITS:
        fast = fast & (pl.col(column).str.count_matches("[0-9]") <= digits)
    return fast


_SPACE = "[ \\t\\r\\n\\x0B\\x0C]"
_DECIMAL_FIELD = rf"^{_SPACE}*[0-9]+(?:\.[0-9]+)?{_SPACE}*$"  # a decimal once trimmed
_NUMBER_FLAGS = {
    "cost_price": ("cost", schema.REASON_COST_PRICE),
    "list_price": ("list", schema.REASON_LIST_PRICE),
    "quantity": ("quantity", schema.REASON_QUANTITY),
    "discount_percent": ("discount", schema.REASON_DISCOUNT),
}


def _reasons(digits: int) -> tuple[tuple[str, str], ...]:
    """(reason, flag column of ``_reject_plain``) in the order ``rows.check_record`` checks:
    each number column is either not a valid value (``b_``) or too long (``l_``)."""
    reasons = [(schema.REASON_BLANK[c], f"b_{c}") for c in schema.NON_BLANK_COLUMNS]
    for column, (flag, reason) in _NUMBER_FLAGS.items():
        reasons += [(reason, f"b_{flag}"), (schema.reason_digits(column, digits), f"l_{flag}")]
    return tuple(reasons)


def _reject_plain(
    bad: pl.DataFrame, look: pl.DataFrame, chunk: Chunk, ctx: Context, result: ChunkResult
) -> pl.Series:
    """Reasons of quote-free rows with the right field count that fail a rule, vectorised
    (the rules of ``rows.check_record``; blank records are counted as skipped); returns
    the idx left for the exact path: valid rows beyond the fast path's number ranges,
    and lines with a NUL inside."""

    def at(column: str, what: str) -> pl.Expr:
        return pl.lit(look.get_column(what)).gather(pl.col(column)).fill_null(False)

    def decimal(column: str) -> pl.Expr:
        return pl.col(column).str.contains(_DECIMAL_FIELD).fill_null(False)

    def long(column: str) -> pl.Expr:
        return decimal(column) & (pl.col(column).str.count_matches("[0-9]") > ctx.digits)

    flags = bad.select(
        "idx",
        "line",
        b_order_id=(pl.col("oid").str.len_bytes() == 0).fill_null(True),
        b_region=~at("region", "nonblank"),
        b_category=~at("category", "nonblank"),
        b_sub_category=~at("sub", "nonblank"),
        b_cost=~decimal("cost_price"),
        l_cost=long("cost_price"),
        b_list=~decimal("list_price"),
        l_list=long("list_price"),
        b_quantity=~at("qc", "qvalid") & ~at("qc", "long"),
        l_quantity=at("qc", "long"),
        b_discount=~at("dc", "dvalid") & ~at("dc", "long"),
        l_discount=at("dc", "long"),
        odd=pl.col("line").str.contains("\x00", literal=True),
        blank=pl.col("line").str.contains(_BLANK_LINE),
    )
    names = [column for _, column in ctx.reasons]
    failing = pl.any_horizontal(names) & ~pl.col("odd") & ~pl.col("blank")
    counts = result.counts
    counts.rows_skipped_blank += int(flags.get_column("blank").sum())
    first = chunk.first_line
    for idx, line, *found in flags.filter(failing).select("idx", "line", *names).iter_rows():
        reasons = [reason for (reason, _), hit in zip(ctx.reasons, found, strict=True) if hit]
        counts.rows_rejected += 1
        counts.rejects_by_reason.update(reasons)
        result.rejected.append(
            (first + idx, schema.REASON_SEPARATOR.join(reasons), tuple(line.split(",")))
        )
    return flags.filter(~failing & ~pl.col("blank")).get_column("idx")


def _reject_field_count(plain: pl.DataFrame, chunk: Chunk, result: ChunkResult) -> None:
    """Quote-free lines (no CR) without the header's field count: blank ones (whitespace and
    commas only) are skipped, the others rejected, their fields split at the commas (what
    the csv module reads from such a line)."""
    blank = plain.get_column("line").is_null() | plain.get_column("line").str.contains(_BLANK_LINE)
    counts = result.counts
    counts.rows_skipped_blank += int(blank.sum())
    bad = plain.filter(~blank)
    if not bad.height:
        return
    counts.rows_rejected += bad.height
    counts.rejects_by_reason[schema.REASON_FIELD_COUNT] += bad.height
    first = chunk.first_line
    for idx, line in bad.select("idx", "line").iter_rows():
        result.rejected.append((first + idx, schema.REASON_FIELD_COUNT, tuple(line.split(","))))


def _counted_plain(fields: pl.DataFrame, lines: pl.Series, ctx: Context) -> pl.Series:
    """Quote-free lines: True where the line has exactly the header's field count.

    Its last field exists and the next one does not; a line with an empty field
    (``,,`` or a trailing comma) has its commas counted instead.
    """
    has_empty = (lines.str.contains(",,", literal=True) | lines.str.ends_with(",")).fill_null(False)
    counted = (
        fields.get_column(ctx.last).is_not_null() & fields.get_column(_EXTRA).is_null() & ~has_empty
    )
    flagged = has_empty.arg_true()
    if flagged.len():
        commas = lines.gather(flagged).str.count_matches(",", literal=True)
        counted = counted.scatter(flagged, commas == ctx.width - 1)
    return counted


def _quoted_fields(
    lines: pl.Series, idx: pl.Series, ctx: Context, cats: pl.Categories
) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """Lines with quotes that are complete RFC 4180 records, read with quoting on.

    Returns their values, whether each has the header's field count, and the
    idx of the quoted lines that are not such records. A sentinel field
    appended to every line lands in the column after the last exactly when a
    line has the header's field count.
    """
    texts = lines.gather(idx)
    well_formed = texts.str.contains(quoting.WELL_FORMED)
    others = idx.filter(~well_formed)
    idx = idx.filter(well_formed)
    text = "\n".join(texts.filter(well_formed).to_list())
    sentinel = next((s for s in _SENTINELS if s not in text), None)
    if not idx.len() or sentinel is None:
        return _EMPTY, pl.Series(dtype=pl.Boolean), pl.concat([others, idx])
    data = (text.replace("\n", f",{sentinel}\n") + f",{sentinel}\n").encode()
    values = _read_fields(data, ctx, cats, '"').with_columns(idx=idx)
    return values, values.get_column(_EXTRA).eq_missing(sentinel), others


_EMPTY = pl.DataFrame()


def _pair_masks(
    fast: pl.DataFrame, column: str, kind: str, ctx: Context, look: pl.DataFrame
) -> tuple[pl.Expr, pl.DataFrame | None]:
    """Per row, the bitset of its (category, ``column``) group; overflow (kind, group, oid)."""
    size = look.height
    code = pl.col("category").cast(pl.UInt64) * size + pl.col(column).cast(pl.UInt64)
    found = fast.select(code.alias("pair")).get_column("pair").drop_nulls().unique().to_list()
    text = look.get_column("text").to_list()
    if kind == distinct.SHIP:
        usable = look.get_column("usable").to_list()
        found = [pair for pair in found if usable[pair % size]]
    numbers = ctx.sets.groups.numbers(kind, [(text[p // size], text[p % size]) for p in found])
    keys = pl.Series(found, dtype=pl.UInt64)
    masks = pl.Series([_BITS[n] if n < distinct.MASK_BITS else 0 for n in numbers], dtype=pl.UInt64)
    if size <= _DENSE_PAIRS:
        table = pl.zeros(size * size, dtype=pl.UInt64, eager=True).scatter(keys, masks)
        mask = pl.lit(table).gather(code).fill_null(0)
    else:
        mask = code.replace_strict(keys, masks, default=0, return_dtype=pl.UInt64)
    overflow = None
    big = [(p, n) for p, n in zip(found, numbers, strict=True) if n >= distinct.MASK_BITS]
    if big:
        table_big = pl.DataFrame(big, schema={"pair": pl.UInt64, "group": pl.UInt32}, orient="row")
        overflow = (
            fast.with_columns(pair=code)
            .join(table_big, on="pair")
            .select(kind=pl.lit(kind), group="group", oid="oid")
        )
    return mask, overflow


def _account_fast(
    fast: pl.DataFrame, ctx: Context, look: pl.DataFrame, result: ChunkResult
) -> pl.DataFrame:
    """Profit per region of the fast rows; their (oid, m_sub, m_ship) bitsets."""
    result.counts.rows_valid += fast.height
    profit = (
        _scaled("list_price") * (_HUNDRED_PERCENT - pl.col("d"))
        - _scaled("cost_price") * _HUNDRED_PERCENT
    ) * pl.col("q")
    text = look.get_column("text")
    for offset in range(0, fast.height, _SUM_ROWS):
        by_region = fast.slice(offset, _SUM_ROWS).group_by("region").agg(profit.sum())
        for code, total in by_region.iter_rows():
            name = text[code]
            result.scaled_profit[name] = result.scaled_profit.get(name, 0) + int(total)
    sub, sub_overflow = _pair_masks(fast, "sub", distinct.SUB, ctx, look)
    ship, ship_overflow = _pair_masks(fast, "ship", distinct.SHIP, ctx, look)
    overflow = [f for f in (sub_overflow, ship_overflow) if f is not None]
    if overflow:
        result.pairs = pl.concat(overflow).unique()
    return fast.select("oid", m_sub=sub, m_ship=ship)


def _scaled(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Decimal(38, _PRICE_SCALE)).to_physical()


def _exact(chunk: Chunk, slow: list[int], ctx: Context, result: ChunkResult) -> pl.DataFrame:
    """Judge the remaining lines and the multi-line groups with the plain-Python rules.

    Returns the (oid, m_sub, m_ship) bitsets of the valid rows found.
    """
    singles = dict(zip(slow, chunk.lines.gather(slow).to_list(), strict=True))
    items: list[tuple[int, int, bool]] = [(i, i, False) for i in slow]
    items.extend((g.start, g.end, g.malformed) for g in chunk.groups)
    items.sort()
    counts = result.counts
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in distinct.KINDS}
    oids: dict[str, list[str]] = {kind: [] for kind in distinct.KINDS}
    header = ctx.header
    for start, end, malformed in items:
        if start == end and start in singles:
            texts = [singles[start] or ""]
        else:
            texts = [t or "" for t in chunk.lines.slice(start, end - start + 1).to_list()]
        record = rows.read_record(chunk.first_line + start, texts, malformed)
        outcome: rows.ValidRow | rows.RejectedRow
        if record.malformed:
            outcome = rows.RejectedRow(
                record.line, (schema.REASON_MALFORMED,), tuple(record.fields)
            )
        elif rows.is_blank_record(record.fields):
            counts.rows_skipped_blank += 1
            continue
        else:
            outcome = rows.check_record(
                record.fields, ctx.width, header.index, record.line, ctx.digits
            )
        if isinstance(outcome, rows.RejectedRow):
            counts.rows_rejected += 1
            counts.rejects_by_reason.update(outcome.reasons)
            result.rejected.append((outcome.line, outcome.reason, outcome.fields))
            continue
        counts.rows_valid += 1
        region = outcome.region
        result.exact_profit[region] = money.add(
            result.exact_profit.get(region, Decimal(0)), outcome.profit
        )
        found[distinct.SUB].append((outcome.category, outcome.sub_category))
        oids[distinct.SUB].append(outcome.order_id)
        if outcome.ship_mode is not None:
            found[distinct.SHIP].append((outcome.category, outcome.ship_mode))
            oids[distinct.SHIP].append(outcome.order_id)
    frames = []
    overflow = []
    for kind in distinct.KINDS:
        if not found[kind]:
            continue
        numbers = ctx.sets.groups.numbers(kind, found[kind])
        masks = [_BITS[n] if n < distinct.MASK_BITS else 0 for n in numbers]
        frames.append(
            pl.DataFrame(
                {
                    "oid": oids[kind],
                    **{f"m_{k}": masks if k == kind else [0] * len(masks) for k in distinct.KINDS},
                },
                schema={"oid": pl.String, "m_sub": pl.UInt64, "m_ship": pl.UInt64},
            )
        )
        big = [
            (kind, n, o)
            for n, o in zip(numbers, oids[kind], strict=True)
            if n >= distinct.MASK_BITS
        ]
        if big:
            overflow.append(pl.DataFrame(big, schema=_PAIRS_SCHEMA, orient="row"))
    if overflow:
        pairs = [result.pairs] if result.pairs is not None else []
        result.pairs = pl.concat([*pairs, *overflow]).unique()
    return pl.concat(frames) if frames else _NO_BITS


_PAIRS_SCHEMA = {"kind": pl.String, "group": pl.UInt32, "oid": pl.String}
_NO_BITS = pl.DataFrame(schema={"oid": pl.String, "m_sub": pl.UInt64, "m_ship": pl.UInt64})


def analyse(chunk: Chunk, ctx: Context) -> ChunkResult:
    """Everything one chunk contributes (runs in a worker thread)."""
    result = ChunkResult(chunk.index)
    cats = pl.Categories(f"orders-{ctx.run}-{chunk.index}")
    lines = chunk.lines
    total = len(lines)
    fields = _read_fields(chunk.data, ctx, cats, None)
    if fields.height != total:
        raise RuntimeError(
            f"internal error: {fields.height} CSV rows but {total} lines in chunk {chunk.index}"
        )
    # Lines the plain path must not take: those of groups (multi-line records, opening
    # lines cut as malformed), quoted ones (read again with quoting on, or exactly) and
    # lines with a CR (the exact path tells a CR inside quotes from a bare one).
    grouped = pl.repeat(False, total, eager=True)
    if chunk.groups:
        grouped.scatter([i for g in chunk.groups for i in range(g.start, g.end + 1)], True)
    cr = lines.str.contains("\r", literal=True).fill_null(False)
    special = grouped | cr if chunk.quoted is None else grouped | cr | chunk.quoted
    look = _lookups(cats, ctx.digits)
    counted = _counted_plain(fields, lines, ctx) & ~special
    checked = _checked(fields, look, counted, ctx).with_columns(
        idx=pl.int_range(total, dtype=pl.UInt32), line=lines, counted=counted, special=special
    )
    fast = [checked.filter("ok").drop("idx", "line", "counted", "special")]
    rest = checked.filter(~pl.col("ok"))
    _reject_field_count(rest.filter(~pl.col("counted") & ~pl.col("special")), chunk, result)
    slow = [
        _reject_plain(rest.filter("counted"), look, chunk, ctx, result),
        (cr & ~grouped).arg_true(),
    ]
    if chunk.quoted is not None:
        quoted = (chunk.quoted & ~grouped & ~cr).arg_true()
        values, counted, others = _quoted_fields(lines, quoted, ctx, cats)
        if values.height:
            look = _lookups(cats, ctx.digits)  # the quoted values may have added categories
            again = _checked(values, look, counted, ctx).with_columns(idx=values.get_column("idx"))
            fast.append(again.filter("ok").drop("idx"))
            others = pl.concat([others, again.filter(~pl.col("ok")).get_column("idx")])
        slow.append(others)
    slow_idx = pl.concat([idx.cast(pl.UInt32) for idx in slow])
    frames = []
    good = pl.concat(fast, how="vertical_relaxed") if len(fast) > 1 else fast[0]
    if good.height:
        frames.append(_account_fast(good, ctx, look, result))
    if slow_idx.len():
        texts = lines.gather(slow_idx)
        blank = texts.is_null() | texts.str.contains(_BLANK_LINE)
        result.counts.rows_skipped_blank += int(blank.sum())
        slow_idx = slow_idx.filter(~blank).sort()
    if slow_idx.len() or chunk.groups:
        frames.append(_exact(chunk, slow_idx.to_list(), ctx, result))
    result.rejected.sort(key=lambda rejected: rejected[0])
    frames = [f for f in frames if f.height]
    if frames:
        merged = pl.concat(frames) if len(frames) > 1 else frames[0]
        # Lazy: Polars' eager group_by runs bitwise_or several times slower.
        query = merged.lazy().group_by("oid").agg(pl.col("m_sub", "m_ship").bitwise_or())
        orders = query.collect()
        result.orders = orders.with_columns(key=ctx.sets.keys.keys(orders.get_column("oid")))
    return result


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
    rejected_rows_truncated: int  # rejected rows past MAX_REJECTED_ROWS: fields cut
    duration_seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Totals:
    """The merged partial results of every chunk so far (main thread)."""

    def __init__(self, ctx: Context, rejected: TextIO) -> None:
        self.ctx = ctx
        self.counts = Counts()
        self.scaled: dict[str, int] = {}
        self.exact: dict[str, Decimal] = {}
        self.writer = reports.csv_writer(rejected)
        self.written = 0  # rejected rows so far
        self.truncated = 0
        self.merge_above = ctx.limits.max_order_set_bytes  # held bytes that force a merge

    def _check_order_sets(self, final: bool = False) -> None:
        """``TooManyOrdersError`` once the merged sets pass ``MAX_ORDER_SET_BYTES``.

        The sets are merged when what they hold passes the limit, and the next forced
        merge waits until another limit's worth was added: memory stays within about
        twice the limit and merge work within a constant per byte added. The ``final``
        check, on the merged sets of the whole file, makes the verdict the same
        whatever the merges before it found.
        """
        sets, limit = self.ctx.sets, self.ctx.limits.max_order_set_bytes
        if not final and sets.held_bytes() <= self.merge_above:
            return
        merged = sets.merged_bytes()
        if merged > limit:
            raise errors.TooManyOrdersError(
                self.ctx.name,
                f"the distinct orders of reports 2 and 3 need {merged} bytes after "
                f"{self.counts.rows_read} rows, above the limit of {limit} bytes "
                "(MAX_ORDER_SET_BYTES)",
            )
        self.merge_above = merged + limit

    def add(self, result: ChunkResult) -> None:
        self.counts.add(result.counts)
        for region, units in result.scaled_profit.items():
            self.scaled[region] = self.scaled.get(region, 0) + units
        for region, amount in result.exact_profit.items():
            self.exact[region] = money.add(self.exact.get(region, Decimal(0)), amount)
        if result.orders is not None or result.pairs is not None:
            orders = result.orders if result.orders is not None else _NO_ORDERS
            self.ctx.sets.add(orders, result.pairs)
            self._check_order_sets()
        keep = self.ctx.limits.max_rejected_rows
        for line, reason, fields in result.rejected:
            self.written += 1
            kept = fields
            if self.written > keep:  # line and reason stay; a header's width of short fields
                self.truncated += 1
                kept = tuple(f[:TRUNCATED_FIELD_CHARS] for f in fields[: self.ctx.width])
            self.writer.writerow((line, reason, *map(reports.cell, kept)))

    def reports(self) -> reports.Reports:
        self._check_order_sets(final=True)
        profit = dict(self.exact)
        for region, units in self.scaled.items():
            amount = money.from_scaled(units, _PROFIT_EXPONENT)
            profit[region] = money.add(profit.get(region, Decimal(0)), amount)
        counts = self.ctx.sets.counts()
        ship = [(c, m, n) for (c, m), n in counts[distinct.SHIP].items()]
        sub = sorted((c, s, n) for (c, s), n in counts[distinct.SUB].items())
        return reports.Reports(
            most_profitable_region=reports.most_profitable_regions(profit),
            most_common_ship_mode_by_category=reports.most_common_ship_modes(ship),
            orders_by_category_and_sub_category=sub,
        )


_NO_ORDERS = pl.DataFrame(
    schema={"oid": pl.String, "m_sub": pl.UInt64, "m_ship": pl.UInt64, "key": pl.UInt64}
)
_DONE = object()


def _produce(chunks: Iterator[Chunk], out: queue.Queue[object], stop: threading.Event) -> None:
    """Feed chunks (or the exception that ended them) into ``out`` until done or stopped."""
    try:
        for chunk in chunks:
            while not stop.is_set():
                try:
                    out.put(chunk, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
                return
        item: object = _DONE
    except BaseException as exc:  # handed to the consumer, which re-raises it
        item = exc
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _check_deadline(deadline: float | None, stream: Stream, totals: _Totals) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise errors.TimeBudgetError(
            stream.name,
            "processing did not finish within the time budget of the function's timeout: "
            f"stopped after {totals.counts.rows_read + totals.counts.rows_skipped_blank} "
            f"records and {stream.counters.data_bytes} bytes read",
        )


def analyze(
    stream: Stream,
    rejected: TextIO,
    *,
    limits: Limits | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    chunk_lines: int = DEFAULT_CHUNK_LINES,
    workers: int = DEFAULT_WORKERS,
    deadline: float | None = None,
) -> tuple[reports.Reports, Summary]:
    """Compute the reports of an opened input; write rejected rows (no header) to ``rejected``.

    Reading and framing run in a background thread, chunk analysis in
    ``workers`` threads (Polars releases the GIL), merging in this one, in
    chunk order. At most ``workers + 2`` chunks are in flight. Raises the
    ``InputFileError`` the stream raises (``InvalidUtf8Error``, gzip errors,
    size limits) after part of the rejected rows may have been written: the
    caller discards them. Past ``deadline`` (``time.monotonic()``), checked as
    each chunk is merged, it raises ``TimeBudgetError``.
    """
    started = time.perf_counter()
    limits = limits or Limits()
    ctx = Context(stream.header, limits, stream.name)
    totals = _Totals(ctx, rejected)
    framer = Framer(
        stream.name,
        stream.first_line,
        stream.offset,
        limits,
        chunk_bytes=chunk_bytes,
        chunk_lines=chunk_lines,
    )
    inbox: queue.Queue[object] = queue.Queue(maxsize=2)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce, args=(framer.chunks(stream.blocks), inbox, stop), daemon=True
    )
    producer.start()
    pending: deque[Future[ChunkResult]] = deque()
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            while True:
                item = inbox.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Chunk)
                pending.append(pool.submit(analyse, item, ctx))
                while len(pending) > max(1, workers) or (pending and pending[0].done()):
                    totals.add(pending.popleft().result())
                    _check_deadline(deadline, stream, totals)
            while pending:
                totals.add(pending.popleft().result())
                _check_deadline(deadline, stream, totals)
    finally:
        stop.set()
        for future in pending:
            future.cancel()
        producer.join()
    result = totals.reports()
    counters = stream.counters
    counts = totals.counts
    summary = Summary(
        source=stream.name,
        input_bytes=counters.input_bytes,
        data_bytes=counters.data_bytes,
        compressed=counters.compressed,
        rows_read=counts.rows_read,
        rows_valid=counts.rows_valid,
        rows_rejected=counts.rows_rejected,
        rows_skipped_blank=counts.rows_skipped_blank,
        rejects_by_reason=dict(sorted(counts.rejects_by_reason.items())),
        rejected_rows_truncated=totals.truncated,
        duration_seconds=round(time.perf_counter() - started, 3),
    )
    return result, summary
