"""A deliberately naive, independent implementation of the input contract and the reports.

It reads the whole text with Python's csv module and uses plain loops, dicts and
``fractions.Fraction``: slow, obviously correct, and sharing no code with the engine
(only the reason texts, which are data). Tests compare the engine to it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from fractions import Fraction

REQUIRED = (
    "order_id", "ship_mode", "region", "category", "sub_category",
    "cost_price", "list_price", "quantity", "discount_percent",
)  # fmt: skip
MISSING = {"", "not available", "unknown", "n/a", "na", "null", "none"}
WS = " \t\r\n\x0b\x0c"
DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower())


def _round_half_even_cents(value: Fraction) -> str:
    scaled = value * 100
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    sign = "-" if floor < 0 else ""
    floor = abs(floor)
    return f"{sign}{floor // 100}.{floor % 100:02d}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def oracle(text: str) -> dict[str, object]:
    """Reports (CSV text) and counts for one file's decoded text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    consumed = 0
    records: list[tuple[int, list[str]]] = []
    for fields in reader:
        start = consumed + 1
        consumed = reader.line_num
        if header is None:
            if fields and any(f.strip(WS) for f in fields):
                header = fields
            continue
        records.append((start, [f.replace("\r\n", "\n") for f in fields]))
    assert header is not None
    pos = {n: i for i, n in enumerate(_norm(h) for h in header)}
    width = len(header)
    profit: dict[str, Fraction] = defaultdict(Fraction)
    ship: dict[tuple[str, str], set[str]] = defaultdict(set)
    sub: dict[tuple[str, str], set[str]] = defaultdict(set)
    rejected: list[list[str]] = []
    valid = blank = 0
    for line, fields in records:
        if all(not f.strip(WS) for f in fields):
            blank += 1
            continue
        if len(fields) != width:
            rejected.append([str(line), "field count differs from header", *fields])
            continue
        v = {n: fields[pos[n]].strip(WS) for n in REQUIRED}
        reasons = [
            f"{n}: blank" for n in ("order_id", "region", "category", "sub_category") if not v[n]
        ]
        if not DECIMAL.fullmatch(v["cost_price"]):
            reasons.append("cost_price: not a non-negative decimal")
        if not DECIMAL.fullmatch(v["list_price"]):
            reasons.append("list_price: not a non-negative decimal")
        if not (v["quantity"].isascii() and v["quantity"].isdigit() and int(v["quantity"]) > 0):
            reasons.append("quantity: not a positive integer")
        if not (
            DECIMAL.fullmatch(v["discount_percent"]) and Fraction(v["discount_percent"]) <= 100
        ):
            reasons.append("discount_percent: not a decimal from 0 to 100")
        if reasons:
            rejected.append([str(line), "; ".join(reasons), *fields])
            continue
        valid += 1
        lp, cp, d, q = (
            Fraction(v[k]) for k in ("list_price", "cost_price", "discount_percent", "quantity")
        )
        profit[v["region"]] += (lp * (1 - d / 100) - cp) * q
        if v["ship_mode"].lower() not in MISSING:
            ship[(v["category"], v["ship_mode"])].add(v["order_id"])
        sub[(v["category"], v["sub_category"])].add(v["order_id"])
    best = max(profit.values(), default=None)
    region_rows = sorted([r, _round_half_even_cents(p)] for r, p in profit.items() if p == best)
    top: dict[str, int] = defaultdict(int)
    for (c, _m), ids in ship.items():
        top[c] = max(top[c], len(ids))
    ship_rows = sorted([c, m, str(len(ids))] for (c, m), ids in ship.items() if len(ids) == top[c])
    sub_rows = sorted([c, s, str(len(ids))] for (c, s), ids in sub.items())
    return {
        "most_profitable_region": _csv(["region", "total_profit"], region_rows),
        "most_common_ship_mode_by_category": _csv(
            ["category", "ship_mode", "order_count"], ship_rows
        ),
        "orders_by_category_and_sub_category": _csv(
            ["category", "sub_category", "order_count"], sub_rows
        ),
        "rejected_rows": _csv(["line", "reason", *header], rejected),
        "rows_valid": valid,
        "rows_rejected": len(rejected),
        "rows_skipped_blank": blank,
    }
