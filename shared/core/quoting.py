"""The quote rule of the input contract, as regular expressions over physical lines.

RFC 4180 made total, as Python's csv module reads it (``strict=False``), so every
line has exactly one meaning (README "Quotes"):

* A field that **starts** with ``"`` is quoted: it runs to the next ``"`` that is
  not doubled (``""`` is one quote) and may hold commas and line breaks. Text
  after its closing quote, up to the next comma, is kept as part of the field
  (``"ab"c`` reads ``abc``), and any quote in that text is literal.
* A quote anywhere else (``Spring"field``, ``5"``) is an ordinary character.
* A record ends at the first line break outside a quoted field. A CR that is not
  part of a CRLF line end is not a line end: outside quotes it makes the record
  malformed, inside quotes it is kept.

Whether a record continues on the next line is decided per line by two
patterns: ``OPENS`` (a line read from the start of a record ends inside a
quoted field) and ``CLOSES`` (a line read from inside a quoted field ends
outside it). Both are linear-time for Polars (Rust's regex) and safe for
Python's ``re`` (fields are delimited by commas, so backtracking is bounded).
The limits on how far an open record may run are ``framing``'s business.
"""

from __future__ import annotations

import csv
import re

_IN_QUOTES = r'(?:[^"]|"")*'  # inside a quoted field, up to (not including) its closing quote
_REST = r'(?:[^,"][^,]*)?'  # an unquoted field, or text after a closing quote: quotes literal
_FIELD = rf'(?:"{_IN_QUOTES}"{_REST}|{_REST})'
OPENS = rf'^(?:{_FIELD},)*"{_IN_QUOTES}$'
CLOSES = rf'^{_IN_QUOTES}"{_REST}(?:,{_FIELD})*$'
# A complete RFC 4180 record (quoted fields are whole fields, no text after a closing quote,
# no quote in an unquoted field): Polars' quoting reader reads these exactly as csv does.
WELL_FORMED = r'^(?:"(?:[^"]|"")*"|[^,"]*)(?:,(?:"(?:[^"]|"")*"|[^,"]*))*$'
# A complete record whose CRs are all inside quoted fields.
_REST_NO_CR = r'(?:[^,"\r][^,\r]*)?'
_FIELD_NO_CR = rf'(?:"{_IN_QUOTES}"{_REST_NO_CR}|{_REST_NO_CR})'
_NO_BARE_CR = re.compile(rf"{_FIELD_NO_CR}(?:,{_FIELD_NO_CR})*")
_OPENS = re.compile(OPENS)

# Our own limits bound every line and record far below this; the csv module's default
# (128 KiB per field) would otherwise turn a long but valid field into a parse error.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def opens(line: str) -> bool:
    """Whether ``line``, read from the start of a record, ends inside a quoted field."""
    return '"' in line and _OPENS.match(line) is not None


def has_bare_cr(record: str) -> bool:
    """Whether the text of one complete record holds a CR outside its quoted fields."""
    return "\r" in record and _NO_BARE_CR.fullmatch(record) is None
