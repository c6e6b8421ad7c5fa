"""A deliberately naive, independent implementation of the input contract and the reports.

It splits the text into lines and reads records character by character with a
four-state machine written from the README's rules (quotes, CR, the record
limit, blank lines), then applies the row rules with plain loops, dicts and
``fractions.Fraction``: slow, obviously correct, and sharing no code with the
engine (only the reason texts, which are data). Tests compare the engine to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from fractions import Fraction

REQUIRED = (
    "order_id", "ship_mode", "region", "category", "sub_category",
    "cost_price", "list_price", "quantity", "discount_percent",
)  # fmt: skip
NUMBERS = ("cost_price", "list_price", "quantity", "discount_percent")
MISSING = {"", "not available", "unknown", "n/a", "na", "null", "none"}
WS = " \t\r\n\x0b\x0c"
DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
BLANK_LINE = re.compile(r"[ \t\r\x0b\x0c,]*")
FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")
MALFORMED = "malformed CSV record"
# The README's defaults.
MAX_RECORD_BYTES = 128 * 1024
MAX_DIGITS = 38
MAX_REJECTED_ROWS = 10_000
TRUNCATED_CHARS = 32


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


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA) else value


def _csv(header: list[str], rows: list[list[str]]) -> str:
    def field(value: str) -> str:
        if any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(",".join(field(v) for v in row) + "\n" for row in [header, *rows])


def _record(
    lines: list[str], first: int, max_record_bytes: int
) -> tuple[list[str], int, bool] | None:
    """The record starting at ``lines[first]``: fields, its last line, whether it has a CR
    outside quotes. None when a quoted field is not closed within the limit or the text."""
    fields: list[str] = []
    field: list[str] = []
    bare_cr = False
    state = "start"  # start of a field, plain field, quoted field, quote inside quoted field
    size = 0
    last = first
    while True:
        line = lines[last]
        size += len(line.encode("utf-8")) + 1
        for c in line:
            if state == "quoted":
                if c == '"':
                    state = "quote"
                else:
                    field.append(c)
            elif c == ",":
                fields.append("".join(field))
                field, state = [], "start"
            elif state == "start" and c == '"':
                state = "quoted"
            elif state == "quote" and c == '"':
                field.append('"')
                state = "quoted"
            else:
                field.append(c)
                bare_cr = bare_cr or c == "\r"
                state = "plain"
        if state != "quoted":
            if last > first and size > max_record_bytes:
                return None
            fields.append("".join(field))
            return fields, last, bare_cr
        if last + 1 == len(lines):
            return None
        field.append("\n")
        last += 1


def oracle(text: str, max_record_bytes: int = MAX_RECORD_BYTES) -> dict[str, object]:
    """Reports (CSV text) and counts for one file's decoded text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    start = 0
    while not lines[start].strip(WS):
        start += 1
    parsed = _record(lines, start, max_record_bytes)
    assert parsed is not None and not parsed[2] and parsed[1] == start
    header = parsed[0]
    pos = {n: i for i, n in enumerate(_norm(h) for h in header)}
    width = len(header)
    profit: dict[str, Fraction] = defaultdict(Fraction)
    ship: dict[tuple[str, str], set[str]] = defaultdict(set)
    sub: dict[tuple[str, str], set[str]] = defaultdict(set)
    rejected: list[list[str]] = []
    valid = blank = 0
    i = start + 1
    while i < len(lines):
        line = i + 1
        if BLANK_LINE.fullmatch(lines[i]):
            blank += 1
            i += 1
            continue
        found = _record(lines, i, max_record_bytes)
        if found is None:
            rejected.append([str(line), MALFORMED, lines[i]])
            i += 1
            continue
        fields, last, bare_cr = found
        raw = "\n".join(lines[i : last + 1])
        i = last + 1
        if bare_cr:
            rejected.append([str(line), MALFORMED, raw])
            continue
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
        for n in NUMBERS:
            number = v[n]
            if DECIMAL.fullmatch(number) and len(number.replace(".", "")) > MAX_DIGITS:
                reasons.append(f"{n}: more than {MAX_DIGITS} digits")
            elif n in ("cost_price", "list_price") and not DECIMAL.fullmatch(number):
                reasons.append(f"{n}: not a non-negative decimal")
            elif n == "quantity" and not (
                number.isascii() and number.isdigit() and int(number) > 0
            ):
                reasons.append("quantity: not a positive integer")
            elif n == "discount_percent" and not (
                DECIMAL.fullmatch(number) and Fraction(number) <= 100
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
    written = []
    for k, (line_no, reason, *values) in enumerate(rejected):
        kept = values if k < MAX_REJECTED_ROWS else [v[:TRUNCATED_CHARS] for v in values[:width]]
        written.append([line_no, reason, *(_cell(value) for value in kept)])
    best = max(profit.values(), default=None)
    region_rows = sorted([r, _round_half_even_cents(p)] for r, p in profit.items() if p == best)
    top: dict[str, int] = defaultdict(int)
    for (c, _m), ids in ship.items():
        top[c] = max(top[c], len(ids))
    ship_rows = sorted([c, m, str(len(ids))] for (c, m), ids in ship.items() if len(ids) == top[c])
    sub_rows = sorted([c, s, str(len(ids))] for (c, s), ids in sub.items())
    # Sorted by the values as read; text cells escaped only as they are written.
    region_rows = [[_cell(r), p] for r, p in region_rows]
    ship_rows = [[_cell(c), _cell(m), n] for c, m, n in ship_rows]
    sub_rows = [[_cell(c), _cell(s), n] for c, s, n in sub_rows]
    return {
        "most_profitable_region": _csv(["region", "total_profit"], region_rows),
        "most_common_ship_mode_by_category": _csv(
            ["category", "ship_mode", "order_count"], ship_rows
        ),
        "orders_by_category_and_sub_category": _csv(
            ["category", "sub_category", "order_count"], sub_rows
        ),
        "rejected_rows": _csv(["line", "reason", *(_cell(h) for h in header)], written),
        "rows_valid": valid,
        "rows_rejected": len(rejected),
        "rows_skipped_blank": blank,
    }
