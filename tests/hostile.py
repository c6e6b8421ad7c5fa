"""Hostile and sloppy inputs (issue 13), generated at test time and scaled with the limits.

Every case is a generator of bytes (written to a file in chunks, so a 6 GB input
never sits in memory), a size parameter with two values (the figure of the issue
and a small one for the test suite), and the outcome the contract requires at a
given size under given ``Limits``: reports (with counts and rejection reasons)
or a named file-level error. ``tests/test_hostile_inputs.py`` and
``benchmarks/hostile_inputs.py`` run them through ``orders run-local`` and the
Lambda path (see ``tests/sandbox.py``).

Where the issue or the README fixes the outcome, the case says so; where it
leaves the choice to us, the case's docstring says "Policy (proposed)" and the
expectation encodes that proposal (README "Resource limits" and "Reports are
safe to open" now state each one). The limits are settings (environment
variables, read by both front ends with the same defaults).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from tests.helpers import BRIEF_HEADER, row

H = BRIEF_HEADER.encode()
KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
CHUNK = 4 * MIB

LOCAL = "local"  # `orders run-local FILE` (default output folder, in a fresh working folder)
LAMBDA = "lambda"  # the real handler, an SQS event, a moto S3 server
BOTH: tuple[str, ...] = (LOCAL, LAMBDA)

# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Report columns that hold values computed by us, not text from the input.
COMPUTED_COLUMNS = frozenset({"total_profit", "order_count", "line", "reason"})
MAX_MESSAGE_CHARS = 2_000  # proposed bound for one-line error messages (stderr, error records)


@dataclass(frozen=True)
class Limits:
    """Input limits (settings of both front ends) and the sandbox's resource ceilings."""

    max_input_bytes: int = 7_500_000_000  # the input as stored (the time budget, README)
    max_data_bytes: int = 7_500_000_000  # decompressed bytes; past it InputTooLargeError
    max_line_bytes: int = 1 * MIB  # one physical line; past it LineTooLongError
    max_header_bytes: int = 1 * MIB  # the header line; past it MalformedHeaderError
    max_columns: int = 1_024  # header fields; past it TooManyColumnsError
    max_number_digits: int = 38  # digits of one number (DECIMAL(38) in Athena)
    max_rejected_rows: int = 10_000  # rejected rows kept with all their fields
    max_order_set_bytes: int = 1 * GIB  # the distinct-order sets; past it TooManyOrdersError
    memory_ceiling: int = 3 * GIB  # the child's peak RSS (Lambda's 3,072 MB)
    tmp_ceiling: int = 1 * GIB  # the child's /tmp

    def env(self) -> dict[str, str]:
        """The settings as environment variables, for both front ends."""
        return {
            "MAX_INPUT_BYTES": str(self.max_input_bytes),
            "MAX_DATA_BYTES": str(self.max_data_bytes),
            "MAX_LINE_BYTES": str(self.max_line_bytes),
            "MAX_HEADER_BYTES": str(self.max_header_bytes),
            "MAX_COLUMNS": str(self.max_columns),
            "MAX_NUMBER_DIGITS": str(self.max_number_digits),
            "MAX_REJECTED_ROWS": str(self.max_rejected_rows),
            "MAX_ORDER_SET_BYTES": str(self.max_order_set_bytes),
        }


# The figures of the issue: Lambda's memory and a 1 GiB /tmp, the code's defaults.
ISSUE_LIMITS = Limits()
# The test suite's: every case runs in about a second. A child with Polars, boto3 and
# Powertools loaded starts at 40-110 MiB; the ceiling leaves room for any streaming engine.
SMALL_LIMITS = Limits(
    max_input_bytes=16 * MIB,
    max_data_bytes=32 * MIB,
    max_line_bytes=64 * KIB,
    max_rejected_rows=100,
    max_order_set_bytes=16 * MIB,
    memory_ceiling=384 * MIB,
    tmp_ceiling=16 * MIB,
)


@dataclass(frozen=True)
class Expect:
    """The outcome the contract requires.

    ``error`` names a file-level error type (an error record on the Lambda path,
    exit 1 with one line on stderr for ``run-local``); otherwise reports, where
    the given counts must match and every text of ``reasons`` must occur in some
    key of ``rejects_by_reason``. ``checks`` are extra case-specific checks of
    the outputs, each returning a list of problems.
    """

    error: str | None = None
    message_contains: tuple[str, ...] = ()
    rows_valid: int | None = None
    rows_rejected: int | None = None
    rows_skipped_blank: int | None = None
    min_rejected: int | None = None
    reasons: tuple[str, ...] = ()
    summary: Mapping[str, object] = field(default_factory=dict)
    checks: tuple[Callable[[Outputs], list[str]], ...] = ()

    def describe(self) -> str:
        if self.error:
            return f"error record {self.error}"
        parts = ["reports"]
        for name in ("rows_valid", "rows_rejected", "rows_skipped_blank"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name.removeprefix('rows_')}={value}")
        if self.min_rejected is not None:
            parts.append(f"rejected>={self.min_rejected}")
        if self.reasons:
            parts.append("reasons: " + " + ".join(self.reasons))
        return ", ".join(parts)


@dataclass(frozen=True)
class Outputs:
    """What one run produced, the same shape for both paths (see ``tests.sandbox``)."""

    kind: str  # reports | error | retry | crash | killed | timeout | failed
    error_type: str | None = None
    message: str = ""
    summary: Mapping[str, Any] = field(default_factory=dict)  # summary.json or the manifest
    reports: Mapping[str, bytes] = field(default_factory=dict)  # report name -> CSV bytes
    stdout: str = ""


@dataclass(frozen=True)
class Case:
    """One hostile input. ``chunks(n, limits)`` yields its bytes; ``expect(n, limits)``."""

    name: str
    source: str  # "issue 13 #N" or "ours"
    description: str  # the docstring's first line
    notes: str  # the rest of the docstring: what is required, the policy proposed
    file_name: str
    chunks: Callable[[int, Limits], Iterable[bytes]]
    expect: Callable[[int, Limits], Expect]
    issue_size: int
    small_size: int
    paths: tuple[str, ...] = BOTH
    gzip: bool = False  # gzip the chunks (streaming) when writing
    s3_denies_missing: bool = False  # Lambda path: S3 answers 403 for a missing key
    upload: bool = True  # Lambda path: False = the object is gone when the event arrives

    def size(self, scale: str) -> int:
        return self.issue_size if scale == "issue" else self.small_size

    def write(self, path: Path, n: int, limits: Limits) -> int:
        """Generate the input into ``path`` chunk by chunk; return its size in bytes."""
        with path.open("wb") as out:
            if not self.gzip:
                for chunk in self.chunks(n, limits):
                    out.write(chunk)
            else:
                z = zlib.compressobj(6, zlib.DEFLATED, 31)
                for chunk in self.chunks(n, limits):
                    out.write(z.compress(chunk))
                out.write(z.flush())
        return path.stat().st_size


CASES: dict[str, Case] = {}


def case(
    *,
    file_name: str,
    expect: Callable[[int, Limits], Expect],
    small: int = 0,
    issue: int | None = None,
    source: str = "ours",
    **options: Any,
) -> Callable[[Callable[[int, Limits], Iterable[bytes]]], Callable[[int, Limits], Iterable[bytes]]]:
    """Register a generator as a case; its docstring is the description and the policy."""

    def register(
        gen: Callable[[int, Limits], Iterable[bytes]],
    ) -> Callable[[int, Limits], Iterable[bytes]]:
        doc = (gen.__doc__ or "").strip().splitlines()
        name = gen.__name__
        assert name not in CASES, name
        CASES[name] = Case(
            name=name,
            source=source,
            description=doc[0] if doc else name,
            notes=" ".join(line.strip() for line in doc[1:] if line.strip()),
            file_name=file_name,
            chunks=gen,
            expect=expect,
            issue_size=small if issue is None else issue,
            small_size=small,
            **options,
        )
        return gen

    return register


# --- building blocks -----------------------------------------------------------------------

REGIONS = ("East", "West", "Central", "South")
CATEGORIES = (("Furniture", "Chairs"), ("Technology", "Phones"), ("Office Supplies", "Paper"))
SHIP_MODES = ("First Class", "Second Class", "Standard Class", "Same Day")


def valid_row(i: int, **overrides: str) -> str:
    """A valid data line (no newline) with order id ``O-<i>`` and a profit of 10.00."""
    category, sub = CATEGORIES[i % 3]
    values = {
        "order_id": f"O-{i}",
        "ship_mode": SHIP_MODES[i % 4],
        "region": REGIONS[i % 4],
        "category": category,
        "sub_category": sub,
    }
    values.update(overrides)
    return row(**values)


def valid_rows(n: int, start: int = 0, end: str = "\n", **overrides: str) -> Iterator[bytes]:
    """``n`` valid lines in chunks of about ``CHUNK`` bytes."""
    batch: list[str] = []
    size = 0
    for i in range(start, start + n):
        line = valid_row(i, **overrides) + end
        batch.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(batch).encode()
            batch, size = [], 0
    if batch:
        yield "".join(batch).encode()


def repeat(data: bytes, total: int) -> Iterator[bytes]:
    """``total`` bytes made of ``data`` repeated (the last copy cut), in chunks."""
    block = data * max(1, CHUNK // len(data))
    left = total
    while left > 0:
        piece = block[:left]
        yield piece
        left -= len(piece)


def text_file(*lines: str, end: str = "\n") -> Iterator[bytes]:
    yield "".join(line + end for line in lines).encode()


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def reports_(**kwargs: Any) -> Callable[[int, Limits], Expect]:
    return lambda n, limits: Expect(**kwargs)


def error(kind: str, *contains: str) -> Callable[[int, Limits], Expect]:
    return lambda n, limits: Expect(error=kind, message_contains=contains)


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def csv_round_trip(outputs: Outputs) -> list[str]:
    """Every output CSV reads back as the records written: no unquoted CR or LF split a row.

    The analytics reports are rectangular; rejected_rows.csv has one record per rejected
    row (its fields are the row's as read, so their number varies: README).
    """
    problems = []
    for name, data in outputs.reports.items():
        rows = parse_csv(data)
        if name == "rejected_rows":
            want = outputs.summary.get("rows_rejected")
            if len(rows) - 1 != want:
                problems.append(f"{name}.csv reads back as {len(rows) - 1} rows, not {want}")
            continue
        widths = {len(r) for r in rows}
        if len(widths) > 1:
            problems.append(f"{name}.csv does not read back as records of one width: {widths}")
    return problems


def no_formula_cells(outputs: Outputs) -> list[str]:
    """No text cell taken from the input begins with a formula trigger (policy: ``'`` prefix)."""
    problems: list[str] = []
    for name, data in outputs.reports.items():
        rows = parse_csv(data)
        if not rows:
            continue
        header = rows[0]
        problems.extend(
            f"{name}.csv: header {value!r} can run as a formula"
            for value in header
            if value.startswith(FORMULA_TRIGGERS)
        )
        for record in rows[1:]:
            for column, value in zip(header, record, strict=False):
                if column not in COMPUTED_COLUMNS and value.startswith(FORMULA_TRIGGERS):
                    problems.append(f"{name}.csv: {column}={value!r} can run as a formula")
    return problems


def region_report(*lines: str) -> Callable[[Outputs], list[str]]:
    """Report 1 must be exactly these ``region,total`` lines."""
    want = "".join(f"{line}\n" for line in ("region,total_profit", *lines))

    def check(outputs: Outputs) -> list[str]:
        got = outputs.reports.get("most_profitable_region", b"").decode("utf-8", "replace")
        return [] if got == want else [f"most_profitable_region.csv is {got!r}, not {want!r}"]

    return check


def cycling_region_report(n: int, profit: str) -> Callable[[Outputs], list[str]]:
    """Report 1 of ``valid_rows(n)`` whose rows all make ``profit`` (regions cycle by row)."""
    counts = {region: len(range(k, n, len(REGIONS))) for k, region in enumerate(REGIONS)}
    top = max(counts.values())
    return region_report(
        *(
            f"{region},{_exact_total(profit, '0', '1', top)}"
            for region in sorted(r for r, c in counts.items() if c == top)
        )
    )


def clean_stdout(outputs: Outputs) -> list[str]:
    """Control characters of the data never reach the terminal raw (ESC, BEL, CR)."""
    bad = [c for c in ("\x1b", "\x07", "\r") if c in outputs.stdout]
    return [f"stdout holds raw control characters {bad!r} from the data"] if bad else []


# --- issue 13, table row 1: blank lines ------------------------------------------------------


@case(
    file_name="blank_lines.csv.gz",
    source="issue 13 #1",
    issue=50_000_000,
    small=1_500_000,
    gzip=True,
    expect=lambda n, limits: Expect(rows_valid=0, rows_rejected=0, rows_skipped_blank=n),
)
def blank_lines_gz(n: int, limits: Limits) -> Iterator[bytes]:
    """H then n blank lines, gzipped (48 KB at 50M lines).

    Required: header-only reports, every line counted in rows_skipped_blank, memory that does
    not depend on n.
    """
    yield H + b"\n"
    yield from repeat(b"\n", n)


@case(
    file_name="newlines.csv",
    source="issue 13 #1",
    issue=200_000_000,
    small=1_500_000,
    expect=lambda n, limits: Expect(rows_valid=1, rows_rejected=0, rows_skipped_blank=n),
)
def blank_lines_plain(n: int, limits: Limits) -> Iterator[bytes]:
    """H, one valid row, then n plain newlines (200 MB used 8.8 GB RSS).

    Required: reports, rows_skipped_blank = n, memory that does not depend on n.
    """
    yield H + b"\n" + valid_row(1).encode() + b"\n"
    yield from repeat(b"\n", n)


@case(
    file_name="crlf_blank.csv",
    small=1_500_000,
    issue=20_000_000,
    expect=lambda n, limits: Expect(rows_valid=1, rows_rejected=0, rows_skipped_blank=n),
)
def blank_lines_crlf(n: int, limits: Limits) -> Iterator[bytes]:
    """H and one row with CRLF ends, then n CRLF blank lines ."""
    yield H + b"\r\n" + valid_row(1).encode() + b"\r\n"
    yield from repeat(b"\r\n", 2 * n)


@case(
    file_name="commas.csv",
    small=200_000,
    issue=5_000_000,
    expect=lambda n, limits: Expect(rows_valid=0, rows_rejected=0, rows_skipped_blank=n),
)
def comma_only_lines(n: int, limits: Limits) -> Iterator[bytes]:
    """H then n lines of 15 commas (every field empty: skipped as blank, README)."""
    yield H + b"\n"
    yield from repeat(b"," * 15 + b"\n", 16 * n)


@case(
    file_name="trailing_cr.csv",
    expect=reports_(rows_valid=2, rows_rejected=0, rows_skipped_blank=1),
)
def trailing_lone_cr(n: int, limits: Limits) -> Iterator[bytes]:
    """Two rows, then a last 0-byte line that ends with only '\\r' (no LF).

    Policy (proposed): a line holding only whitespace, a lone CR included, is blank: skipped.
    """
    yield from text_file(BRIEF_HEADER, valid_row(1), valid_row(2))
    yield b"\r"


# --- issue 13 #2: gzip bomb, honest large gzip ----------------------------------------------


_BOMB_ROW = (valid_row(7) + "\n").encode()
_BOMB_BLOCK_ROWS = MIB // len(_BOMB_ROW)


def _bomb_layout(n: int) -> tuple[int, int]:
    """(full blocks, rows after them) of a bomb of about n plain bytes."""
    blocks, rest = divmod(max(0, n - len(H) - 1), _BOMB_BLOCK_ROWS * len(_BOMB_ROW))
    return blocks, rest // len(_BOMB_ROW)


def _bomb_expect(n: int, limits: Limits) -> Expect:
    blocks, rest = _bomb_layout(n)
    if n > limits.max_data_bytes:
        return Expect(error="InputTooLargeError", message_contains=(str(limits.max_data_bytes),))
    return Expect(rows_valid=blocks * _BOMB_BLOCK_ROWS + rest, rows_rejected=0)


@case(
    file_name="bomb.csv.gz",
    source="issue 13 #2",
    issue=6_400_000_000,
    small=3 * SMALL_LIMITS.max_data_bytes,
    expect=_bomb_expect,
)
def gzip_bomb(n: int, limits: Limits) -> Iterator[bytes]:
    """A small .csv.gz of one valid row repeated, inflating to n bytes (24 MB -> 6.4 GB).

    Required: above MAX_DATA_BYTES an InputTooLargeError record naming both sizes (issues 12,
    13), found while streaming: no plain copy on /tmp, bounded memory. Below it: reports.
    The deflate stream is one member, built by repeating a fully flushed block, so a 6 GB
    input takes seconds to generate.
    """
    header = H + b"\n"
    block = _BOMB_ROW * _BOMB_BLOCK_ROWS
    blocks, rest_rows = _bomb_layout(n)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header, mtime 0
    yield z.compress(header) + z.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(header)
    size = len(header)
    if blocks:
        first = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
        again = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
        yield first
        crc = zlib.crc32(block, crc)
        for _ in range(blocks - 1):
            yield again  # identical input after a full flush: identical deflate bytes
            crc = zlib.crc32(block, crc)
        size += blocks * len(block)
    tail = _BOMB_ROW * rest_rows
    crc = zlib.crc32(tail, crc)
    size += len(tail)
    yield z.compress(tail) + z.flush()
    yield crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


@case(
    file_name="honest.csv.gz",
    source="issue 13 #2",
    issue=9_000_000,
    small=170_000,
    gzip=True,
    expect=lambda n, limits: Expect(rows_valid=n, rows_rejected=0),
)
def gzip_honest(n: int, limits: Limits) -> Iterator[bytes]:
    """n distinct valid rows, gzipped (1.1 GB plain at 9M rows; 21 MB at the small size).

    Required: reports, with /tmp bounded (issue 12: no local copy, no plain copy) — today
    /tmp must hold the download and the plain copy, so even an honest .csv.gz above
    /tmp / 2 fails.
    """
    yield H + b"\n"
    yield from valid_rows(n)


@case(
    file_name="clean.csv",
    issue=1_000_000,
    small=2_000,
    expect=lambda n, limits: Expect(rows_valid=n, rows_rejected=0, rows_skipped_blank=0),
)
def clean_rows(n: int, limits: Limits) -> Iterator[bytes]:
    """n valid rows: the control for the timing ratios of issue 13 #8."""
    yield H + b"\n"
    yield from valid_rows(n)


# --- issue 13 #3: numbers past precision ------------------------------------------------------


def _digits_reason(column: str) -> Callable[[int, Limits], Expect]:
    def expect(n: int, limits: Limits) -> Expect:
        if n > limits.max_number_digits:
            return Expect(rows_valid=2, rows_rejected=1, reasons=(column,))
        return Expect(rows_valid=3, rows_rejected=0)

    return expect


@case(
    file_name="quantity_digits.csv",
    source="issue 13 #3",
    small=4_301,
    expect=_digits_reason("quantity"),
)
def quantity_4301_digits(n: int, limits: Limits) -> Iterator[bytes]:
    """One row whose quantity has n digits (4,301: past int()'s 4,300-digit limit).

    Required: a row-level problem is a rejected row with a reason, never a lost file.
    Policy (proposed): numbers have at most MAX_NUMBER_DIGITS digits (default 38, the
    precision of Athena's DECIMAL); longer ones are rejected with
    "<column>: more than <N> digits".
    """
    yield from text_file(
        BRIEF_HEADER, valid_row(1), valid_row(2, quantity="1" * n, city='"Quoted, City"')
    )
    yield (valid_row(3) + "\n").encode()


@case(
    file_name="precision.csv",
    source="issue 13 #3",
    small=6_000,
    expect=_digits_reason("list_price"),
)
def product_exceeds_precision(n: int, limits: Limits) -> Iterator[bytes]:
    """A list price of n nines minus a cost with 5,000 decimals (past decimal's 10,000 digits).

    Required: a rejected row, not decimal.Inexact. Policy (proposed): as for quantities,
    past MAX_NUMBER_DIGITS the row is rejected naming the column.
    """
    price = "9" * n
    cost = "1." + "3" * 5_000
    yield from text_file(
        BRIEF_HEADER, valid_row(1), valid_row(2, list_price=price, cost=cost), valid_row(3)
    )


def _exact_total(list_price: str, cost: str, qty: str, rows: int) -> str:
    with localcontext(prec=500):
        profit = (Decimal(list_price) - Decimal(cost)) * Decimal(qty) * rows
        return f"{profit.quantize(Decimal('0.01')):f}"


_BIG = "9" * 30


@case(
    file_name="price30.csv",
    expect=lambda n, limits: Expect(
        rows_valid=3,
        rows_rejected=0,
        checks=(region_report(f"North,{_exact_total(_BIG, '1', _BIG[:10], 1)}"),),
    ),
)
def price_30_digits(n: int, limits: Limits) -> Iterator[bytes]:
    """A list price of 30 nines and a 10-digit quantity: valid, and summed exactly.

    Policy (proposed): within MAX_NUMBER_DIGITS every number is exact (README: exact decimal
    money), whatever the fast path's 12-digit regex allows.
    """
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1),
        valid_row(2, region="North", list_price=_BIG, cost="1", quantity=_BIG[:10]),
        valid_row(3),
    )


@case(
    file_name="price39.csv",
    expect=lambda n, limits: Expect(rows_valid=1, rows_rejected=1, reasons=("cost_price",)),
)
def price_39_digits(n: int, limits: Limits) -> Iterator[bytes]:
    """A cost price of 39 digits, one past the proposed MAX_NUMBER_DIGITS default of 38.

    Policy (proposed): rejected, "cost_price: more than 38 digits".
    """
    yield from text_file(BRIEF_HEADER, valid_row(1), valid_row(2, cost="1" * 39))


@case(
    file_name="exponents.csv",
    expect=reports_(
        rows_valid=1,
        rows_rejected=5,
        reasons=("cost_price", "list_price", "quantity", "discount_percent"),
    ),
)
def exponent_forms(n: int, limits: Limits) -> Iterator[bytes]:
    """Prices, quantity and discount in exponent forms (1e3, 1E+3, 2.5E-1, 1e2).

    Required (README): only plain ASCII digits with an optional fraction; every one rejected.
    """
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1),
        valid_row(2, cost="1e3"),
        valid_row(3, list_price="1E+3"),
        valid_row(4, quantity="1e2"),
        valid_row(5, discount="2.5E-1"),
        valid_row(6, cost="0x10", list_price="1_000"),
    )


@case(
    file_name="unicode_digits.csv",
    expect=reports_(
        rows_valid=1,
        rows_rejected=5,
        reasons=("cost_price", "list_price", "quantity", "discount_percent"),
    ),
)
def unicode_digits(n: int, limits: Limits) -> Iterator[bytes]:
    """Arabic-Indic '١٢', fullwidth (U+FF11 U+FF12), superscript '²' and Mongolian '᠑' digits.

    Required (README): ASCII digits only (Python's int() and Decimal() accept these: the
    contract must not).
    """
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1),
        valid_row(2, cost="١٢"),
        valid_row(3, list_price="１２"),
        valid_row(4, quantity="²"),
        valid_row(5, discount="᠑"),
        valid_row(6, quantity="١"),
    )


@case(
    file_name="special_numbers.csv",
    expect=reports_(
        rows_valid=1,
        rows_rejected=6,
        reasons=("cost_price", "list_price", "quantity", "discount_percent"),
    ),
)
def infinity_nan(n: int, limits: Limits) -> Iterator[bytes]:
    """'∞', 'Infinity', 'inf', 'NaN', 'sNaN', '+5' as numbers: all rejected (README)."""
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1),
        valid_row(2, cost="∞"),
        valid_row(3, list_price="Infinity"),
        valid_row(4, list_price="inf"),
        valid_row(5, cost="NaN"),
        valid_row(6, discount="sNaN"),
        valid_row(7, quantity="+5"),
    )


@case(
    file_name="negative_zero.csv",
    expect=reports_(
        rows_valid=1,
        rows_rejected=4,
        reasons=("cost_price", "list_price", "quantity", "discount_percent"),
    ),
)
def negative_zero(n: int, limits: Limits) -> Iterator[bytes]:
    """'-0', '-0.00' as prices, '-0' as quantity and discount: no sign allowed (README)."""
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1),
        valid_row(2, cost="-0"),
        valid_row(3, list_price="-0.00"),
        valid_row(4, quantity="-0"),
        valid_row(5, discount="-0"),
    )


@case(
    file_name="five_decimals.csv",
    source="issue 13 #8",
    issue=1_000_000,
    small=2_000,
    expect=lambda n, limits: Expect(
        rows_valid=n,
        rows_rejected=0,
        checks=(cycling_region_report(n, "10.12344"),),
    ),
)
def five_decimal_prices(n: int, limits: Limits) -> Iterator[bytes]:
    """n valid rows whose prices all have 5 decimals (about 14x slower today: exact path).

    Required: reports, exact; issue target <= 2x the clean file's time (benchmark only).
    """
    yield H + b"\n"
    yield from valid_rows(n, list_price="20.12345", cost="10.00001")


# --- issue 13 #4: headers ---------------------------------------------------------------------


@case(
    file_name="header_cr.csv",
    source="issue 13 #4",
    expect=error("MalformedHeaderError"),
)
def header_bare_cr(n: int, limits: Limits) -> Iterator[bytes]:
    """A header with a bare CR inside a name ('Ship\\rMode'), LF line ends.

    Required: a documented error type, not _csv.Error. Policy (proposed): a bare CR outside
    quotes is never a line end (README: LF or CRLF), so the header is malformed.
    """
    yield from text_file(BRIEF_HEADER.replace("Ship Mode", "Ship\rMode"), valid_row(1))


@case(
    file_name="mac.csv",
    source="issue 13 #4",
    small=100,
    expect=error("MalformedHeaderError", "CR"),
)
def cr_only_line_ends(n: int, limits: Limits) -> Iterator[bytes]:
    """A file whose lines all end with a bare CR (classic Mac OS export).

    Policy (proposed): not supported (README: LF or CRLF): MalformedHeaderError whose message
    names the CR line ends, so the producer knows what to change.
    """
    yield "\r".join([BRIEF_HEADER, *(valid_row(i) for i in range(n))]).encode() + b"\r"


@case(
    file_name="header_field.csv",
    source="issue 13 #4",
    small=200 * KIB,
    expect=lambda n, limits: (
        Expect(error="MalformedHeaderError")
        if n + len(H) > limits.max_header_bytes
        else Expect(rows_valid=2, rows_rejected=0)
    ),
)
def header_field_over_128k(n: int, limits: Limits) -> Iterator[bytes]:
    """An extra header field of n bytes (200 KiB: past the csv module's 128 KiB field limit).

    Policy (proposed): the header is bounded by MAX_HEADER_BYTES only; a long name of an
    extra column is just ignored: reports. Past MAX_HEADER_BYTES: MalformedHeaderError.
    """
    yield H + b"," + b"n" * n + b"\n"
    yield from text_file(valid_row(1) + ",x", valid_row(2) + ",y")


def _columns_expect(n: int, limits: Limits) -> Expect:
    if n + 16 > limits.max_columns:
        return Expect(error="TooManyColumnsError", message_contains=(str(limits.max_columns),))
    return Expect(rows_valid=3, rows_rejected=0)


def _wide(n: int) -> Iterator[bytes]:
    yield H + "".join(f",x{i}" for i in range(n)).encode() + b"\n"
    extra = "," * n
    yield from text_file(*(valid_row(i) + extra for i in range(3)))


@case(file_name="cols5k.csv", source="issue 13 #4", small=5_000, expect=_columns_expect)
def columns_5000(n: int, limits: Limits) -> Iterator[bytes]:
    """The brief's header plus n empty extra columns (Polars: regex exceeds size limit).

    Required: TooManyColumnsError past MAX_COLUMNS (proposed default 1,024).
    """
    yield from _wide(n)


@case(file_name="cols10k.csv", source="issue 13 #4", small=10_000, expect=_columns_expect)
def columns_10000(n: int, limits: Limits) -> Iterator[bytes]:
    """The brief's header plus n = 10,000 extra columns."""
    yield from _wide(n)


@case(file_name="cols100k.csv", small=100_000, expect=_columns_expect)
def columns_100000(n: int, limits: Limits) -> Iterator[bytes]:
    """The brief's header plus n = 100,000 extra columns (a 700 KB header, under 1 MiB)."""
    yield from _wide(n)


@case(file_name="cols_limit.csv", small=1_024 - 16, expect=_columns_expect)
def columns_at_limit(n: int, limits: Limits) -> Iterator[bytes]:
    """Exactly MAX_COLUMNS columns (the default 1,024): reports, the limit is inclusive."""
    yield from _wide(n)


@case(
    file_name="header_big.csv",
    small=2 * MIB,
    expect=error("MalformedHeaderError"),
)
def header_over_limit(n: int, limits: Limits) -> Iterator[bytes]:
    """A header line of n bytes (2 MiB), past MAX_HEADER_BYTES (1 MiB): MalformedHeaderError."""
    yield H + b"," + b"n" * n + b"\n" + valid_row(1).encode() + b",x\n"


# --- issue 13 #5 and wide values ----------------------------------------------------------------


def _line_too_long(n: int, limits: Limits) -> Expect:
    if n > limits.max_line_bytes:
        return Expect(error="LineTooLongError", message_contains=(str(limits.max_line_bytes),))
    return Expect(rows_valid=1, rows_rejected=1)


@case(
    file_name="long_line.csv",
    source="issue 13 #5",
    issue=500_000_000,
    small=4 * SMALL_LIMITS.max_line_bytes,
    expect=_line_too_long,
)
def long_line(n: int, limits: Limits) -> Iterator[bytes]:
    """H, a valid row, then one line of n bytes without a newline (500 MB: 6.2 GB RSS).

    Required (issue): LineTooLongError past MAX_LINE_BYTES (proposed default 1 MiB), found
    while streaming, in bounded memory; no 500 MB rejected_rows.csv.
    """
    yield H + b"\n" + valid_row(1).encode() + b"\n"
    yield from repeat(b"x", n)


@case(
    file_name="wide_quoted.csv",
    issue=200_000_000,
    small=2 * SMALL_LIMITS.max_line_bytes,
    expect=lambda n, limits: (
        Expect(error="LineTooLongError")
        if n > limits.max_line_bytes
        else Expect(rows_valid=1, rows_rejected=0)
    ),
)
def wide_quoted_field_one_line(n: int, limits: Limits) -> Iterator[bytes]:
    """A row whose quoted city holds n bytes on one line (a 200 MB field at the issue scale)."""
    before, after = valid_row(1, city="@@").split("@@")
    yield H + b"\n" + before.encode() + b'"'
    yield from repeat(b"Springfield, ", n)
    yield b'"' + after.encode() + b"\n"


@case(
    file_name="wide_multiline.csv",
    issue=2_000_000,
    small=4_000,
    expect=lambda n, limits: Expect(rows_valid=10, min_rejected=1),
)
def wide_quoted_field_multiline(n: int, limits: Limits) -> Iterator[bytes]:
    """A quoted city spanning n short lines (n x 64 bytes), then ten valid rows.

    Policy (proposed): a record is bounded by MAX_LINE_BYTES too; one that is not closed
    within it is rejected as a malformed CSV record and parsing resynchronises on the line
    after the one that opened it, so the valid rows around it are kept (and memory is
    bounded whatever the record's size).
    """
    before, after = valid_row(0, city="@@").split("@@")
    yield H + b"\n" + before.encode() + b'"'
    yield from repeat(b"S" * 63 + b"\n", 64 * n)
    yield b'"' + after.encode() + b"\n"
    yield from valid_rows(10, start=1)


@case(
    file_name="many_fields.csv",
    small=30_000,
    expect=lambda n, limits: (
        Expect(error="LineTooLongError")
        if n > limits.max_line_bytes
        else Expect(rows_valid=1, rows_rejected=1, reasons=("field count",))
    ),
)
def data_row_many_fields(n: int, limits: Limits) -> Iterator[bytes]:
    """A data row of n + 1 fields ('x' and n commas): 'field count differs from header'."""
    yield from text_file(BRIEF_HEADER, valid_row(1), "x" + "," * n)


# --- issue 13 #6-#7: text that breaks spreadsheets and CSV readers ------------------------------


_FORMULAS = ("=1+2", "@SUM(A1)", "+SUM(1)", '=HYPERLINK("http://x.test/?a","click")', "-2+3")


@case(
    file_name="formulas.csv",
    source="issue 13 #6",
    expect=reports_(rows_valid=3, rows_rejected=1, checks=(no_formula_cells, csv_round_trip)),
)
def formula_values(n: int, limits: Limits) -> Iterator[bytes]:
    """=1+2, @SUM(A1), +SUM(1), =HYPERLINK(...) as region, category, ship mode, sub-category,
    and an extra column named =SUM(1+1) (the input's header is rejected_rows.csv's header).

    Policy (proposed, OWASP): in every report CSV and rejected_rows.csv, a text value from
    the input that begins with = + - @ TAB or CR is written with a leading apostrophe
    (computed numbers such as a negative total are not text and are left alone); the raw
    values stay in the manifest's rejects and in the input. The same in both paths.
    """

    def q(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    yield from text_file(
        BRIEF_HEADER + ",=SUM(1+1)",
        valid_row(1, region="=1+2", list_price="1000") + ",",
        valid_row(2, category="@SUM(A1)", ship_mode="+SUM(1)", sub_category=q(_FORMULAS[3])) + ",",
        valid_row(3, region="-2+3") + ",",
        valid_row(4, order_id="=cmd|' /C calc'!A0", quantity="0") + ",@x",
    )


@case(
    file_name="cr_value.csv",
    source="issue 13 #7",
    expect=reports_(
        rows_valid=2,
        rows_rejected=2,
        reasons=("malformed CSV record",),
        checks=(csv_round_trip,),
    ),
)
def cr_in_value(n: int, limits: Limits) -> Iterator[bytes]:
    """'East\\rWest' as a region: once on a fast-path row, once on a quoted (exact-path) row,
    and once quoted.

    Required: both paths of the engine agree, and a CR or LF in a written value is quoted.
    Policy (proposed): a bare CR outside quotes is not a line end (README: LF or CRLF) and not
    a value character: the row is a "malformed CSV record". Inside quotes it is kept.
    """
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1, region="East\rWest"),
        valid_row(2, region="East\rWest", city='"Quoted, City"'),
        valid_row(3, region='"East\rWest"'),
        valid_row(4),
    )


@case(
    file_name="crlf_value.csv",
    expect=reports_(rows_valid=2, rows_rejected=0, checks=(csv_round_trip,)),
)
def quoted_crlf_in_value(n: int, limits: Limits) -> Iterator[bytes]:
    """A quoted region 'East<CRLF>West' (README: read as 'East\\nWest'), written quoted."""
    yield from text_file(BRIEF_HEADER, valid_row(1, region='"East\r\nWest"'), valid_row(2))


@case(
    file_name="ansi.csv",
    paths=(LOCAL,),
    expect=reports_(rows_valid=2, rows_rejected=0, checks=(clean_stdout,)),
)
def terminal_escapes(n: int, limits: Limits) -> Iterator[bytes]:
    """Regions with ANSI/OSC escapes and BEL ('\\x1b[2J', an OSC 8 hyperlink).

    Policy (proposed): run-local never prints control characters of the data raw to the
    terminal (the reports keep the values as read).
    """
    yield from text_file(
        BRIEF_HEADER,
        valid_row(1, region="\x1b[2JEast", list_price="1000"),
        valid_row(2, region="\x1b]8;;http://x.test\x07West\x1b]8;;\x07"),
    )


@case(
    file_name="nul_value.csv",
    expect=reports_(rows_valid=2, rows_rejected=0, checks=(csv_round_trip,)),
)
def nul_in_value(n: int, limits: Limits) -> Iterator[bytes]:
    """NUL bytes inside a city and a region value.

    Policy (proposed): NUL is valid UTF-8 text: the row is judged like any other and both
    paths agree (here: valid).
    """
    yield from text_file(
        BRIEF_HEADER, valid_row(1, city="Spring\x00field"), valid_row(2, region="Ea\x00st")
    )


@case(file_name="nul.csv", small=4 * KIB, expect=error("MissingColumnsError"))
def nul_file(n: int, limits: Limits) -> Iterator[bytes]:
    """n NUL bytes and no newline (a preallocated or zero-filled upload).

    Required: a file-level error in one line. Policy (proposed): error messages are at most
    2,000 characters; lists (columns found) are cut with '… (N more)'.
    """
    yield bytes(n)


# --- issue 13 #8: quotes ------------------------------------------------------------------------


@case(
    file_name="stray_quote.csv",
    source="issue 13 #8",
    issue=1_000_000,
    small=2_000,
    expect=lambda n, limits: Expect(rows_valid=n, rows_rejected=0),
)
def stray_quote_line2(n: int, limits: Limits) -> Iterator[bytes]:
    """n rows; the first (line 2) has one unmatched '"' inside its city (Spring"field).

    Required: reports; issue target <= 1.5x the clean file's time (benchmark only).
    Policy (proposed, today's exact path and Python's csv): a quote inside an unquoted field
    is a literal character, so every row is valid.
    """
    yield H + b"\n" + (valid_row(0, city='Spring"field') + "\n").encode()
    yield from valid_rows(n - 1, start=1)


@case(
    file_name="unterminated.csv",
    issue=1_000_000,
    small=2_000,
    expect=lambda n, limits: Expect(rows_valid=n - 1, rows_rejected=1),
)
def unterminated_quote_line2(n: int, limits: Limits) -> Iterator[bytes]:
    """n rows; the first opens a quoted city that never closes ('"Springfield').

    Policy (proposed): resynchronise after a bad record: the record is rejected as a
    malformed CSV record and parsing resumes on the next line, so one bad byte costs one
    row (today a 128 KiB run of ~850 rows is swallowed).
    """
    yield H + b"\n" + (valid_row(0, city='"Springfield') + "\n").encode()
    yield from valid_rows(n - 1, start=1)


@case(
    file_name="mixed_ends.csv",
    expect=reports_(rows_valid=4, rows_rejected=1, reasons=("malformed CSV record",)),
)
def mixed_line_ends(n: int, limits: Limits) -> Iterator[bytes]:
    """LF and CRLF rows mixed (fine), and one row ended by a bare CR (joined to the next).

    Policy (proposed, as for cr_in_value): the physical line holding the bare CR is one
    malformed CSV record.
    """
    yield (BRIEF_HEADER + "\r\n" + valid_row(1) + "\n" + valid_row(2) + "\r\n").encode()
    yield (valid_row(3) + "\r" + valid_row(4) + "\n" + valid_row(5) + "\r\n").encode()
    yield (valid_row(6) + "\n").encode()


# --- encodings -----------------------------------------------------------------------------------


@case(file_name="utf16.csv", expect=error("InvalidUtf8Error"))
def utf16_bom(n: int, limits: Limits) -> Iterator[bytes]:
    """UTF-16 LE with a BOM (Excel's 'Unicode text'): not UTF-8 (README).

    Policy (proposed): InvalidUtf8Error, whose message may name the UTF-16 BOM.
    """
    text = "".join(line + "\r\n" for line in (BRIEF_HEADER, valid_row(1)))
    yield codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _after(prefix: str) -> int:
    return len(prefix.encode())


_SURROGATE_PREFIX = f"{BRIEF_HEADER}\n{valid_row(1)}\nO-2,2024-01-01,First Class,Consumer,US,"


@case(
    file_name="cesu8.csv",
    expect=error("InvalidUtf8Error", f"offset {_after(_SURROGATE_PREFIX) + len('Spring')}"),
)
def cesu8_lone_surrogate(n: int, limits: Limits) -> Iterator[bytes]:
    """A lone surrogate encoded CESU-8 style (ED A0 80) in a city (README: the byte offset).

    Required: InvalidUtf8Error with the offset of the first bad byte.
    """
    yield _SURROGATE_PREFIX.encode() + b"Spring\xed\xa0\x80field,IL,1,East,C,S,P,1,2,1,0\n"


@case(file_name="cesu8_pair.csv", expect=error("InvalidUtf8Error"))
def cesu8_surrogate_pair(n: int, limits: Limits) -> Iterator[bytes]:
    """U+1F600 as a CESU-8 surrogate pair (ED A0 BD ED B8 80) instead of 4-byte UTF-8."""
    yield _SURROGATE_PREFIX.encode() + b"\xed\xa0\xbd\xed\xb8\x80,IL,1,East,C,S,P,1,2,1,0\n"


@case(file_name="overlong.csv", expect=error("InvalidUtf8Error"))
def overlong_utf8(n: int, limits: Limits) -> Iterator[bytes]:
    """An overlong encoding of '/' (C0 AF) in a value."""
    yield _SURROGATE_PREFIX.encode() + b"a\xc0\xafb,IL,1,East,C,S,P,1,2,1,0\n"


@case(file_name="latin1.csv", expect=error("InvalidUtf8Error"))
def latin1_text(n: int, limits: Limits) -> Iterator[bytes]:
    """A Latin-1 'Café' (E9) from a sloppy export."""
    yield (BRIEF_HEADER + "\n" + valid_row(1, city="Caf\xe9") + "\n").encode("latin-1")


@case(file_name="truncated_utf8.csv", expect=error("InvalidUtf8Error"))
def truncated_utf8_at_eof(n: int, limits: Limits) -> Iterator[bytes]:
    """The file ends inside a 3-byte sequence (E2 82 of '€'), no newline."""
    yield (BRIEF_HEADER + "\n" + valid_row(1)).encode() + b",\xe2\x82"


@case(
    file_name="late_bad_byte.csv",
    small=60_000,
    issue=1_000_000,
    expect=lambda n, limits: Expect(error="InvalidUtf8Error"),
)
def invalid_utf8_late(n: int, limits: Limits) -> Iterator[bytes]:
    """n valid rows (past the 8 MiB read block at the small size), then a 0xFF byte."""
    yield H + b"\n"
    yield from valid_rows(n)
    yield b"O-x,2024,\xff\n"


@case(file_name="bom2.csv", expect=error("MissingColumnsError", "order_id"))
def bom_twice(n: int, limits: Limits) -> Iterator[bytes]:
    """Two UTF-8 BOMs (a re-saved file). Policy (proposed): one BOM is stripped, the second
    is part of the first name: MissingColumnsError naming order_id."""
    yield codecs.BOM_UTF8 * 2 + H + b"\n" + valid_row(1).encode() + b"\n"


# --- empty and minimal files ---------------------------------------------------------------------


@case(file_name="empty.csv", expect=error("EmptyFileError"))
def empty_file(n: int, limits: Limits) -> Iterator[bytes]:
    """0 bytes (README: EmptyFileError)."""
    yield b""


@case(file_name="blank.csv", expect=error("NoHeaderError"))
def whitespace_only(n: int, limits: Limits) -> Iterator[bytes]:
    """Spaces, tabs and newlines only (README: NoHeaderError)."""
    yield b" \t\n\r\n   \n"


@case(file_name="bom_only.csv", expect=error("NoHeaderError"))
def bom_only(n: int, limits: Limits) -> Iterator[bytes]:
    """A UTF-8 BOM and nothing else: no header line."""
    yield codecs.BOM_UTF8


@case(file_name="header_only.csv", expect=reports_(rows_valid=0, rows_rejected=0))
def header_only(n: int, limits: Limits) -> Iterator[bytes]:
    """The header without a newline (README: a header-only input succeeds)."""
    yield H


@case(
    file_name="tiny.csv",
    issue=1_000_000,
    small=50_000,
    expect=lambda n, limits: Expect(rows_valid=n, rows_rejected=0),
)
def tiny_rows(n: int, limits: Limits) -> Iterator[bytes]:
    """n minimal valid rows (one-character text fields; distinct order ids)."""
    yield b"order_id,ship_mode,region,category,sub_category,cost_price,list_price,quantity,discount_percent\n"  # noqa: E501
    template = "{},S,{},C,s,1,2,1,0\n"
    for start in range(0, n, 200_000):
        stop = min(n, start + 200_000)
        yield "".join(template.format(i, "EW"[i % 2]) for i in range(start, stop)).encode()


def _rejected_cap(n: int, limits: Limits) -> Expect:
    def check(outputs: Outputs) -> list[str]:
        lines = parse_csv(outputs.reports.get("rejected_rows", b""))
        problems = []
        if len(lines) - 1 != n:
            problems.append(f"rejected_rows.csv has {len(lines) - 1} rows, not {n}")
        full = sum(1 for r in lines[1:] if any(len(v) >= 1_000 for v in r))
        if full > limits.max_rejected_rows:
            problems.append(f"{full} rejected rows kept in full, cap {limits.max_rejected_rows}")
        return problems

    truncated = max(0, n - limits.max_rejected_rows)
    return Expect(
        rows_valid=1,
        rows_rejected=n,
        summary={"rejected_rows_truncated": truncated},
        checks=(check,),
    )


@case(file_name="rejects.csv", issue=1_000_000, small=10_000, expect=_rejected_cap)
def many_rejected_rows(n: int, limits: Limits) -> Iterator[bytes]:
    """n rejected rows (quantity 0) each carrying a 1,000-byte extra value.

    Required (issue): past a cap (proposed MAX_REJECTED_ROWS, default 10,000), rejected rows
    keep their line and reason but their stored fields are truncated, and the summary and
    the manifest say so (proposed key "rejected_rows_truncated": how many were cut).
    """
    yield (BRIEF_HEADER + ",Note\n" + valid_row(0) + ",ok\n").encode()
    note = "n" * 1_000
    for start in range(1, n + 1, 10_000):
        stop = min(n + 1, start + 10_000)
        yield "".join(
            valid_row(i, quantity="0") + f",{note}\n" for i in range(start, stop)
        ).encode()


# --- compression and containers -------------------------------------------------------------------


_GOOD = f"{BRIEF_HEADER}\n{valid_row(1)}\n{valid_row(2)}\n".encode()


@case(file_name="members.csv.gz", expect=reports_(rows_valid=6, rows_rejected=0))
def gzip_multi_member(n: int, limits: Limits) -> Iterator[bytes]:
    """Three gzip members concatenated (cat a.gz b.gz c.gz): one stream (RFC 1952)."""
    yield _gz(_GOOD)
    yield _gz("".join(valid_row(i) + "\n" for i in (3, 4)).encode())
    yield _gz((valid_row(5) + "\n" + valid_row(6) + "\n").encode())


@case(file_name="garbage.csv.gz", expect=error("CorruptGzipError"))
def gzip_trailing_garbage(n: int, limits: Limits) -> Iterator[bytes]:
    """A valid gzip member followed by 'trailing garbage'.

    Policy (proposed): bytes after the last member that are not a member are an error
    (CorruptGzipError), not ignored: the file is not what its producer meant to send.
    """
    yield _gz(_GOOD) + b"trailing garbage\n"


@case(file_name="zeros.csv.gz", expect=reports_(rows_valid=2, rows_rejected=0))
def gzip_trailing_zeros(n: int, limits: Limits) -> Iterator[bytes]:
    """A valid gzip member followed by 1 KiB of zero padding (tape/block padding).

    Policy (proposed): zero padding after the last member is ignored, as GNU gzip and
    Python's gzip module do: nothing is lost, so reports (unlike trailing garbage).
    """
    yield _gz(_GOOD) + bytes(KIB)


@case(file_name="truncated.csv.gz", expect=error("CorruptGzipError"))
def gzip_truncated(n: int, limits: Limits) -> Iterator[bytes]:
    """A gzip cut in the middle of its deflate stream (README: CorruptGzipError)."""
    data = _gz(_GOOD * 50)
    yield data[: len(data) // 2]


@case(file_name="nested.csv.gz", expect=error("UnsupportedFormatError", "gzip"))
def gzip_of_gzip(n: int, limits: Limits) -> Iterator[bytes]:
    """A gzip whose content is another gzip (today: 'invalid UTF-8 at offset 1').

    Required (issue): name the real cause. Policy (proposed): a new error type
    UnsupportedFormatError for content that is a known container or compressed format (gzip
    inside gzip, xz, bzip2, zip/xlsx, zstd), naming the format; never decompressed twice.
    """
    yield _gz(_gz(_GOOD))


@case(file_name="orders_xz.csv", expect=error("UnsupportedFormatError", "xz"))
def xz_named_csv(n: int, limits: Limits) -> Iterator[bytes]:
    """An xz file named .csv. Policy (proposed): UnsupportedFormatError naming xz."""
    yield lzma.compress(_GOOD)


@case(file_name="orders_bz2.csv", expect=error("UnsupportedFormatError", "bzip2"))
def bzip2_named_csv(n: int, limits: Limits) -> Iterator[bytes]:
    """A bzip2 file named .csv (starts 'BZh9': ASCII, so today it reads as a header)."""
    yield bz2.compress(_GOOD)


@case(file_name="orders_zip.csv", expect=error("UnsupportedFormatError", "zip"))
def zip_named_csv(n: int, limits: Limits) -> Iterator[bytes]:
    """A zip archive holding orders.csv, named .csv (as an .xlsx renamed .csv would be)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", _GOOD)
    yield buffer.getvalue()


@case(file_name="plain.csv.gz", expect=reports_(rows_valid=2, rows_rejected=0))
def csv_gz_plain_text(n: int, limits: Limits) -> Iterator[bytes]:
    """Plain CSV named .csv.gz (README: gzip is recognised by its magic bytes only)."""
    yield _GOOD


# --- issue 13 #9-#10: deleted input, hostile file names ---------------------------------------


@case(
    file_name="deleted.csv",
    source="issue 13 #9",
    paths=(LAMBDA,),
    upload=False,
    s3_denies_missing=True,
    expect=error("InputNotFoundError"),
)
def deleted_input_403(n: int, limits: Limits) -> Iterator[bytes]:
    """The object is gone when the event arrives, and S3 answers 403 (no s3:ListBucket).

    Required (issue): an InputNotFoundError record, not a retry into the DLQ. moto does not
    enforce IAM: the Lambda child's S3 client answers 403 for the missing key itself.
    """
    yield _GOOD


@case(
    file_name="deleted404.csv",
    paths=(LAMBDA,),
    upload=False,
    expect=error("InputNotFoundError"),
)
def deleted_input_404(n: int, limits: Limits) -> Iterator[bytes]:
    """The object is gone and S3 answers 404 (a role with s3:ListBucket): InputNotFoundError."""
    yield _GOOD


@case(
    file_name="...csv",
    source="issue 13 #10",
    expect=reports_(rows_valid=2, rows_rejected=0),
)
def dots_file_name(n: int, limits: Limits) -> Iterator[bytes]:
    """A file named '...csv': run-local's default folder was reports/.. (the working folder).

    Required (issue): the default output folder is always inside reports/; a name that
    sanitises to nothing gets a safe default (the sandbox checks nothing is written elsewhere).
    """
    yield _GOOD


@case(file_name=".csv.gz", expect=reports_(rows_valid=2, rows_rejected=0), gzip=True)
def dot_csv_gz_name(n: int, limits: Limits) -> Iterator[bytes]:
    """A file named '.csv.gz' (its stem is empty)."""
    yield _GOOD


# --- more limits at their boundaries, and memory that grows with the data ----------------------


@case(
    file_name="big_plain.csv",
    small=SMALL_LIMITS.max_input_bytes + MIB,
    issue=ISSUE_LIMITS.max_input_bytes + MIB,
    expect=lambda n, limits: (
        Expect(error="InputTooLargeError", message_contains=(str(limits.max_input_bytes),))
        if n > limits.max_input_bytes
        else Expect(rows_valid=n // len(_BOMB_ROW))
    ),
)
def input_over_max_input_bytes(n: int, limits: Limits) -> Iterator[bytes]:
    """A plain CSV of about n bytes (valid rows), 1 MiB past MAX_INPUT_BYTES.

    Required (README): InputTooLargeError on the Lambda path. Policy (proposed): run-local
    applies the same settings (same environment variables, same defaults), so a file is
    accepted or refused identically on a laptop and in AWS.
    """
    yield H + b"\n"
    yield from repeat(_BOMB_ROW, n - len(H) - 1)


@case(
    file_name="line_at_limit.csv",
    expect=reports_(rows_valid=2, rows_rejected=0),
)
def line_at_limit(n: int, limits: Limits) -> Iterator[bytes]:
    """A valid row exactly MAX_LINE_BYTES long (a long unquoted city): the limit is inclusive."""
    short = valid_row(2, city="")
    yield from text_file(BRIEF_HEADER, valid_row(1))
    yield (valid_row(2, city="c" * (limits.max_line_bytes - len(short))) + "\n").encode()


@case(
    file_name="empty_members.csv.gz",
    small=20_000,
    issue=2_000_000,
    expect=reports_(rows_valid=2, rows_rejected=0),
)
def gzip_many_empty_members(n: int, limits: Limits) -> Iterator[bytes]:
    """n empty gzip members (20 bytes each), then one member with the data.

    Required: reports; time and memory must not grow per member beyond the bytes read.
    """
    empty = _gz(b"")
    yield from repeat(empty, n * len(empty))
    yield _gz(_GOOD)


@case(
    file_name="long_ids.csv.gz",
    small=10_000,
    issue=800_000,
    gzip=True,
    expect=lambda n, limits: Expect(rows_valid=n, rows_rejected=0),
)
def long_unique_order_ids(n: int, limits: Limits) -> Iterator[bytes]:
    """n rows with distinct 1,000-character order ids, gzipped (0.9 GB plain at 800k rows).

    The distinct-count sets hold every id that does not pack into 64 bits, so their memory
    grows with the data; ``MAX_ORDER_SET_BYTES`` bounds it. Within it (this case):
    reports; past it: ``too_many_long_order_ids``.
    """
    yield H + b"\n"
    for start in range(0, n, 2_000):
        stop = min(n, start + 2_000)
        yield "".join(
            valid_row(i, order_id=f"{i:0>1000}") + "\n" for i in range(start, stop)
        ).encode()


@case(
    file_name="longer_ids.csv.gz",
    small=40_000,
    issue=2_400_000,
    gzip=True,
    expect=error("TooManyOrdersError", "MAX_ORDER_SET_BYTES"),
)
def too_many_long_order_ids(n: int, limits: Limits) -> Iterator[bytes]:
    """n rows with distinct 500-character ids whose sets pass ``MAX_ORDER_SET_BYTES``
    (1.2 GB of ids at 2.4M rows).

    Required: ``TooManyOrdersError`` naming the setting, memory within about twice the
    limit (not an out-of-memory kill of the function, retried into the DLQ).
    """
    yield H + b"\n"
    for start in range(0, n, 2_000):
        stop = min(n, start + 2_000)
        yield "".join(
            valid_row(i, order_id=f"{i:x>499}z") + "\n" for i in range(start, stop)
        ).encode()


@case(file_name="semicolons.csv", expect=error("MissingColumnsError", "order_id"))
def semicolon_delimited(n: int, limits: Limits) -> Iterator[bytes]:
    """A semicolon-delimited export (European Excel): one column named 'Order Id;Order Date;…'.

    Required (README: comma-delimited): MissingColumnsError, in one bounded line.
    """
    yield from text_file(BRIEF_HEADER.replace(",", ";"), valid_row(1).replace(",", ";"))


def check(expect: Expect, outputs: Outputs) -> list[str]:
    """Problems of an outcome against what the contract requires (empty: as required)."""
    problems: list[str] = []
    if expect.error is not None:
        if outputs.kind != "error":
            return [f"expected error {expect.error}, got {outputs.kind}: {outputs.message[:300]}"]
        if outputs.error_type is not None and outputs.error_type != expect.error:
            problems.append(f"error type {outputs.error_type}, not {expect.error}")
        problems.extend(
            f"message lacks {text!r}"
            for text in expect.message_contains
            if text not in outputs.message
        )
        if len(outputs.message) > MAX_MESSAGE_CHARS:
            problems.append(f"message of {len(outputs.message)} characters")
        return problems
    if outputs.kind != "reports":
        return [f"expected reports, got {outputs.kind}: {outputs.message[:300]}"]
    summary = outputs.summary
    for name in ("rows_valid", "rows_rejected", "rows_skipped_blank"):
        want = getattr(expect, name)
        if want is not None and summary.get(name) != want:
            problems.append(f"{name} = {summary.get(name)}, not {want}")
    rejected = summary.get("rows_rejected")
    if expect.min_rejected is not None and (rejected or 0) < expect.min_rejected:
        problems.append(f"rows_rejected = {rejected}, expected at least {expect.min_rejected}")
    by_reason = summary.get("rejects_by_reason") or {}
    for text in expect.reasons:
        if not any(text in reason for reason in by_reason):
            problems.append(f"no rejection reason mentions {text!r}: {sorted(by_reason)}")
    for key, want in expect.summary.items():
        if summary.get(key) != want:
            problems.append(f"summary {key} = {summary.get(key)!r}, not {want!r}")
    for extra in expect.checks:
        problems.extend(extra(outputs))
    return problems
