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
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from shared.core import money, quoting, schema
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


def _discount(text: str) -> Decimal | None:
    percent = money.parse_decimal(text)
    return percent if percent is not None and percent <= money.HUNDRED else None


# Number column -> (its rule: the value or None, the reason when it fails), in reason order.
_NUMBER_RULES: dict[str, tuple[Callable[[str], Decimal | int | None], str]] = {
    "cost_price": (money.parse_decimal, schema.REASON_COST_PRICE),
    "list_price": (money.parse_decimal, schema.REASON_LIST_PRICE),
    "quantity": (money.parse_positive_int, schema.REASON_QUANTITY),
    "discount_percent": (_discount, schema.REASON_DISCOUNT),
}


def check_record(
    fields: list[str], width: int, index: dict[str, int], line: int, max_digits: int
) -> ValidRow | RejectedRow:
    """Apply the row rules to one non-blank record.

    ``width`` is the header's field count and ``index`` maps each required
    (normalised) column to its position; a number (cost, list price, quantity,
    discount) of more than ``max_digits`` digits is rejected before its value is
    computed, so no value is ever too large to be exact.
    """
    if len(fields) != width:
        # Values cannot be attributed to columns, so no other rule is checked.
        return RejectedRow(line, (schema.REASON_FIELD_COUNT,), tuple(fields))

    def value(name: str) -> str:
        return fields[index[name]].strip(WHITESPACE)

    reasons = [schema.REASON_BLANK[name] for name in schema.NON_BLANK_COLUMNS if not value(name)]
    numbers: dict[str, Decimal | int] = {}
    for name, (rule, reason) in _NUMBER_RULES.items():
        text = value(name)
        if money.is_decimal(text) and money.digits(text) > max_digits:
            reasons.append(schema.reason_digits(name, max_digits))
            continue
        number = rule(text)
        if number is None:
            reasons.append(reason)
        else:
            numbers[name] = number
    if reasons:
        return RejectedRow(line, tuple(reasons), tuple(fields))
    cost, list_price, qty, discount = (numbers[name] for name in schema.NUMBER_COLUMNS)
    assert isinstance(qty, int)
    return ValidRow(
        order_id=value("order_id"),
        ship_mode=usable_ship_mode(value("ship_mode")),
        region=value("region"),
        category=value("category"),
        sub_category=value("sub_category"),
        profit=money.line_profit(Decimal(list_price), Decimal(cost), Decimal(discount), qty),
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: 1-based line of its first physical line, its fields, parse error."""

    line: int
    fields: list[str]
    malformed: bool = False


def read_record(line: int, texts: list[str], malformed: bool = False) -> Record:
    """The record framed from the physical lines ``texts`` (``framing``), starting on line
    ``line``; one malformed record holding the raw text when framing cut it
    (``malformed``), when it has a CR outside quotes, or when csv cannot read it as
    exactly one record. Python's csv module reads the fields (the quote rule of
    ``quoting`` is its own, ``strict=False``)."""
    text = "\n".join(texts)
    if malformed or quoting.has_bare_cr(text):
        return Record(line, [text], malformed=True)
    try:
        records = list(csv.reader([t + "\n" for t in texts], strict=False))
    except csv.Error:
        records = []
    if len(records) > 1 or (not records and text):
        return Record(line, [text], malformed=True)
    return Record(line, records[0] if records else [])
