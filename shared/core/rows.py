"""The row rules in plain Python, for every record the columnar fast path does not take.

The engine's Polars query accepts only records it can prove valid with cheap
vectorised checks (no quotes, right field count, short plain numbers). All
other records (quoted fields, multi-line fields, bad values, unusual but valid
numbers such as ``007`` or ``1.123456``) come here, one at a time, and get the
exact rules of the input contract. Both paths apply the same contract; the
tests compare them against an independent oracle.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from shared.core import money, schema
from shared.core.schema import WHITESPACE


@dataclass(frozen=True, slots=True)
class ValidRow:
    """The parts of a valid row the reports use."""

    order_id: str
    ship_mode: str | None  # None when the ship mode is missing
    region: str
    category: str
    sub_category: str
    profit: Decimal


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A record that breaks the row rules, with every reason and its fields as read."""

    line: int
    reasons: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def reason(self) -> str:
        return schema.REASON_SEPARATOR.join(self.reasons)


def usable_ship_mode(value: str) -> str | None:
    """The trimmed ship mode, or None if it is one of the missing-value tokens."""
    return None if value.lower() in schema.MISSING_SHIP_MODE_TOKENS else value


def is_blank_record(fields: list[str]) -> bool:
    """A blank line or a record whose fields are all empty (after trimming)."""
    return all(not f.strip(WHITESPACE) for f in fields)


def check_record(
    fields: list[str], width: int, index: dict[str, int], line: int
) -> ValidRow | RejectedRow:
    """Apply the row rules to one non-blank record.

    ``width`` is the header's field count and ``index`` maps each required
    (normalised) column to its position.
    """
    if len(fields) != width:
        # Values cannot be attributed to columns, so no other rule is checked.
        return RejectedRow(line, (schema.REASON_FIELD_COUNT,), tuple(fields))

    def value(name: str) -> str:
        return fields[index[name]].strip(WHITESPACE)

    reasons = [schema.REASON_BLANK[name] for name in schema.NON_BLANK_COLUMNS if not value(name)]
    cost = money.parse_decimal(value("cost_price"))
    if cost is None:
        reasons.append(schema.REASON_COST_PRICE)
    list_price = money.parse_decimal(value("list_price"))
    if list_price is None:
        reasons.append(schema.REASON_LIST_PRICE)
    qty = money.parse_positive_int(value("quantity"))
    if qty is None:
        reasons.append(schema.REASON_QUANTITY)
    discount = money.parse_decimal(value("discount_percent"))
    if discount is None or discount > money.HUNDRED:
        reasons.append(schema.REASON_DISCOUNT)
    if reasons:
        return RejectedRow(line, tuple(reasons), tuple(fields))
    assert cost is not None and list_price is not None and qty is not None
    assert discount is not None
    return ValidRow(
        order_id=value("order_id"),
        ship_mode=usable_ship_mode(value("ship_mode")),
        region=value("region"),
        category=value("category"),
        sub_category=value("sub_category"),
        profit=money.line_profit(list_price, cost, discount, qty),
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: 1-based line of its first physical line, its fields, parse error."""

    line: int
    fields: list[str]
    malformed: bool = False


class _Lines:
    """An iterator over physical lines that remembers what the current record consumed."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._it = iter(lines)
        self.consumed: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = next(self._it)
        self.consumed.append(text)
        return text + "\n"


def parse_run(first_line: int, lines: Iterable[str]) -> Iterator[Record]:
    """RFC 4180 records from consecutive physical lines starting at 1-based ``first_line``.

    Python's csv module does the parsing. A record it cannot parse becomes a
    ``Record`` with ``malformed`` set and its raw text as the only field; parsing
    resumes on the next line.
    """
    source = _Lines(lines)
    line = first_line
    while True:
        reader = csv.reader(source, strict=False)
        try:
            for fields in reader:
                yield Record(line, fields)
                line += len(source.consumed)
                source.consumed.clear()
            return
        except csv.Error:
            yield Record(line, ["\n".join(source.consumed)], malformed=True)
            line += len(source.consumed)
            source.consumed.clear()
