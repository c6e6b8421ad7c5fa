"""The three reports and the rejected-rows report: their contract and CSV bytes.

Reports are computed from small aggregates (totals per region, distinct order
counts per group), so everything here is plain Python over a handful of rows.
CSV bytes come from one writer with fixed settings (``\\n`` line ends, minimal
quoting, and every value with a CR or LF quoted), which is what makes a laptop
run and a Lambda run byte-identical.

Reports are safe to open in a spreadsheet (OWASP "CSV injection"): a text
value taken from the input that begins with ``=``, ``+``, ``-``, ``@``, a tab,
a CR or ``'`` is written with a leading ``'`` (``cell``), in every report CSV
and in ``rejected_rows.csv`` (its input fields and the input's header names).
Values we compute (totals, counts, line numbers, reasons) are never changed.
Removing the first character of every text cell that starts with ``'`` gives
the value as read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TextIO

from shared.core.money import format_cents

MOST_PROFITABLE_REGION = "most_profitable_region"
SHIP_MODE_BY_CATEGORY = "most_common_ship_mode_by_category"
ORDERS_BY_CATEGORY = "orders_by_category_and_sub_category"
REJECTED_ROWS = "rejected_rows"

# Report stem -> leading columns. The rejected-rows report continues with the
# input's own header names.
COLUMNS: dict[str, tuple[str, ...]] = {
    MOST_PROFITABLE_REGION: ("region", "total_profit"),
    SHIP_MODE_BY_CATEGORY: ("category", "ship_mode", "order_count"),
    ORDERS_BY_CATEGORY: ("category", "sub_category", "order_count"),
    REJECTED_ROWS: ("line", "reason"),
}
REPORT_NAMES: tuple[str, ...] = tuple(COLUMNS)
# Columns whose values we compute: never escaped as spreadsheet formulas.
COMPUTED_COLUMNS = frozenset({"total_profit", "order_count", "line", "reason"})
# First characters that make a spreadsheet read a cell as a formula, and the escape itself.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
ANALYTICS_REPORTS: tuple[str, ...] = REPORT_NAMES[:3]


def file_name(report: str) -> str:
    """The CSV file name of a report, e.g. ``most_profitable_region.csv``."""
    return f"{report}.csv"


@dataclass(frozen=True)
class Reports:
    """The rows of the three analytics reports, already sorted and tie-expanded."""

    most_profitable_region: list[tuple[str, Decimal]] = field(default_factory=list)
    most_common_ship_mode_by_category: list[tuple[str, str, int]] = field(default_factory=list)
    orders_by_category_and_sub_category: list[tuple[str, str, int]] = field(default_factory=list)

    def csv_rows(self, report: str) -> list[tuple[str, ...]]:
        """Rows of one report as written to its CSV: text cells made spreadsheet-safe."""
        numeric = [column in COMPUTED_COLUMNS for column in COLUMNS[report]]
        return [
            tuple(v if computed else cell(v) for v, computed in zip(row, numeric, strict=True))
            for row in self.rows(report)
        ]

    def rows(self, report: str) -> list[tuple[str, ...]]:
        """Rows of one report as strings, values as read (``csv_rows``: as written)."""
        if report == MOST_PROFITABLE_REGION:
            return [(region, format_cents(total)) for region, total in self.most_profitable_region]
        if report == SHIP_MODE_BY_CATEGORY:
            return [(c, m, str(n)) for c, m, n in self.most_common_ship_mode_by_category]
        if report == ORDERS_BY_CATEGORY:
            return [(c, s, str(n)) for c, s, n in self.orders_by_category_and_sub_category]
        raise KeyError(report)

    def as_dict(self) -> dict[str, list[dict[str, str | int]]]:
        """JSON-ready form: report name -> rows; money stays an exact decimal string."""
        return {name: records(name, self.rows(name)) for name in ANALYTICS_REPORTS}


def records(report: str, rows: Iterable[Sequence[str]]) -> list[dict[str, str | int]]:
    """A report's CSV rows as JSON-ready objects: counts as integers, money as exact decimal
    strings (the same shape whether the rows were computed here or read back from S3)."""
    return [
        {
            col: int(value) if col == "order_count" else value
            for col, value in zip(COLUMNS[report], row, strict=True)
        }
        for row in rows
    ]


def most_profitable_regions(totals: Mapping[str, Decimal]) -> list[tuple[str, Decimal]]:
    """Region(s) with the highest exact total; ties give every tied region, ascending."""
    if not totals:
        return []
    best = max(totals.values())
    return sorted((r, t) for r, t in totals.items() if t == best)


def most_common_ship_modes(counts: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Per category, the ship mode(s) with the most distinct orders; ties give every mode."""
    best: dict[str, int] = {}
    rows = list(counts)
    for category, _, n in rows:
        best[category] = max(best.get(category, 0), n)
    return sorted((c, m, n) for c, m, n in rows if n == best[c])


def cell(value: str) -> str:
    """An input value as a CSV cell: ``'`` first when it could run as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes with the project's fixed dialect."""
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


class RowWriter(Protocol):
    """What ``csv_writer`` returns."""

    def writerow(self, row: Iterable[Any], /) -> Any: ...
    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None: ...


class _Writer:
    """``csv.writer`` with ``\\n`` line ends and minimal quoting, except that a row with a CR
    in a value is formatted here: the csv module (3.11) quotes only the line terminator's
    characters, so a bare CR would be written unquoted and split the row for readers."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._csv = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def writerow(self, row: Iterable[Any], /) -> None:
        values = ["" if v is None else str(v) for v in row]
        if not any("\r" in v for v in values):
            self._csv.writerow(values)
            return
        self._stream.write(",".join(_quoted(v) for v in values) + "\n")

    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None:
        for row in rows:
            self.writerow(row)


def _quoted(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_writer(stream: TextIO) -> RowWriter:
    """The project's one CSV writer: ``\\n`` line ends, minimal quoting, CR and LF quoted."""
    return _Writer(stream)
