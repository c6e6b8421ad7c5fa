"""The input contract: header names, required columns, row rules and reason texts.

Everything a reader of the data might ask ("which columns are needed?", "what
counts as a missing ship mode?", "what does this rejection reason mean?") is
answered by a constant in this module, so the engine, the tests, the README
and the Lambda handler all quote one source.
"""

from __future__ import annotations

import re

BRIEF_HEADER: tuple[str, ...] = (
    "Order Id",
    "Order Date",
    "Ship Mode",
    "Segment",
    "Country",
    "City",
    "State",
    "Postal Code",
    "Region",
    "Category",
    "Sub Category",
    "Product Id",
    "cost price",
    "List Price",
    "Quantity",
    "Discount Percent",
)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "order_id",
    "ship_mode",
    "region",
    "category",
    "sub_category",
    "cost_price",
    "list_price",
    "quantity",
    "discount_percent",
)

# Text columns that must not be blank for a row to be valid.
NON_BLANK_COLUMNS: tuple[str, ...] = ("order_id", "region", "category", "sub_category")

# Ship-mode values that mean "unknown" (compared case-insensitively after trimming).
MISSING_SHIP_MODE_TOKENS: frozenset[str] = frozenset(
    {"", "not available", "unknown", "n/a", "na", "null", "none"}
)

# Rejection reasons, in the order they are checked and reported. The texts are
# stable: the summary counts rejects per reason text, and the README documents them.
REASON_FIELD_COUNT = "field count differs from header"
REASON_MALFORMED = "malformed CSV record"
REASON_BLANK = {col: f"{col}: blank" for col in NON_BLANK_COLUMNS}
REASON_COST_PRICE = "cost_price: not a non-negative decimal"
REASON_LIST_PRICE = "list_price: not a non-negative decimal"
REASON_QUANTITY = "quantity: not a positive integer"
REASON_DISCOUNT = "discount_percent: not a decimal from 0 to 100"
REASON_SEPARATOR = "; "
NUMBER_COLUMNS: tuple[str, ...] = ("cost_price", "list_price", "quantity", "discount_percent")


def reason_digits(column: str, limit: int) -> str:
    """The reason of a number with more than ``limit`` digits (``MAX_NUMBER_DIGITS``)."""
    return f"{column}: more than {limit} digits"


ALL_REASONS: tuple[str, ...] = (
    REASON_FIELD_COUNT,
    REASON_MALFORMED,
    *REASON_BLANK.values(),
    REASON_COST_PRICE,
    REASON_LIST_PRICE,
    REASON_QUANTITY,
    REASON_DISCOUNT,
)

# What "trimmed" removes, everywhere: ASCII whitespace (Python and Polars agree on it).
WHITESPACE = " \t\r\n\x0b\x0c"

_SEPARATOR_RUN = re.compile(r"[\s_\-]+")


def normalise_column(name: str) -> str:
    """Trim, lower-case and collapse runs of spaces, underscores and hyphens to ``_``.

    ``" ORDER ID "``, ``Order_ID``, ``Sub-Category`` and ``Ship  Mode`` all map to
    the same names as the brief's header.
    """
    return _SEPARATOR_RUN.sub("_", name.strip().lower())
