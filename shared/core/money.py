"""Exact decimal money: parsing, line profit and the cents format of the reports.

Input values are finite decimal strings, so every sum and product of them is a
finite decimal: ``decimal`` arithmetic in a context with ample precision and the
``Inexact`` trap set is exact or raises, never silently rounds.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact

# "digits, optional fraction": ASCII digits only (no sign, exponent, or bare point).
DECIMAL_PATTERN = r"[0-9]+(?:\.[0-9]+)?"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
_INTEGER_RE = re.compile(r"[0-9]+")

EXACT = Context(prec=10_000, traps=[Inexact])
_ROUNDING = Context(prec=10_000, rounding=ROUND_HALF_EVEN)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def is_decimal(text: str) -> bool:
    """Whether ``text`` is a plain non-negative decimal (digits, optional fraction)."""
    return _DECIMAL_RE.fullmatch(text) is not None


def digits(text: str) -> int:
    """How many digits a plain decimal string has (leading zeros and decimals count)."""
    return len(text) - text.count(".")


def parse_decimal(text: str) -> Decimal | None:
    """The value of a plain non-negative decimal string, or None if it is not one."""
    if not _DECIMAL_RE.fullmatch(text):
        return None
    return Decimal(text)


def parse_positive_int(text: str) -> int | None:
    """The value of a string of ASCII digits if it is greater than zero, else None."""
    if not _INTEGER_RE.fullmatch(text):
        return None
    value = int(text)
    return value if value > 0 else None


def line_profit(list_price: Decimal, cost_price: Decimal, discount: Decimal, qty: int) -> Decimal:
    """(list x (1 - discount/100) - cost) x quantity, exactly."""
    net = EXACT.multiply(list_price, EXACT.subtract(1, EXACT.divide(discount, HUNDRED)))
    return EXACT.multiply(EXACT.subtract(net, cost_price), qty)


def add(a: Decimal, b: Decimal) -> Decimal:
    """a + b, exactly (the default context would round past 28 digits)."""
    return EXACT.add(a, b)


def from_scaled(units: int, exponent: int) -> Decimal:
    """The exact value of ``units`` x 10^``exponent``."""
    return Decimal(units).scaleb(exponent, context=EXACT)


def format_cents(value: Decimal) -> str:
    """Round half-even to cents and write a plain decimal with exactly two places."""
    rounded = value.quantize(CENT, context=_ROUNDING)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0.00"
    return f"{rounded:f}"
