"""Input errors, and the one place that says which failures are final and which are retried.

A problem with input data is one of two kinds, never anything else:

* **file-level**: the file as a whole cannot be processed. Each cause is its own
  subclass of ``InputFileError`` so callers can branch on it; nothing is written
  for the file, the Lambda writes an error record (the message is acknowledged,
  not retried), ``orders run-local`` exits 1 with the message on one line.
* **row-level**: one record breaks a rule. It is not an exception: the row is
  rejected with a reason (``schema.ALL_REASONS``) into ``rejected_rows.csv``.

Every other exception (throttling, 5xx, timeouts, a crash, a bug) is
**transient** as far as the pipeline can tell: the Lambda lets it propagate so
SQS retries the message and finally moves it to the DLQ. ``disposition`` is
that rule; the processor and the CLI use it, and a test feeds the engine
hostile and random inputs to check that it never raises anything but an
``InputFileError``.

Messages are one line of at most ``MAX_MESSAGE_CHARS`` characters: control
characters of the data are shown escaped (a message ends up on terminals and in
JSON records), and long lists or names are cut.
"""

from __future__ import annotations

from enum import StrEnum

MAX_MESSAGE_CHARS = 2_000
_NAME_CHARS = 80  # a header name quoted in a message


class Disposition(StrEnum):
    """What a failure means for the message that carried the file."""

    FILE = "file-level: error record, not retried"
    TRANSIENT = "transient: retried, then the DLQ"


def disposition(exc: BaseException) -> Disposition:
    """File-level for an ``InputFileError``, transient for everything else (see above)."""
    return Disposition.FILE if isinstance(exc, InputFileError) else Disposition.TRANSIENT


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\r``, ``\\u2028``),
    so data quoted in a message or a table cannot move a terminal's cursor or split a line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _ESCAPES.get(c) or _escape(c) for c in text)


_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}


def _escape(char: str) -> str:
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    suffix = f"… ({len(text) - limit} more characters)"
    return text[: max(0, limit - len(suffix))] + suffix


def quoted_name(name: str) -> str:
    """A header name as a message shows it: escaped, at most ``_NAME_CHARS`` characters."""
    return shorten(printable(name), _NAME_CHARS)


def name_list(names: list[str], limit: int = 20) -> str:
    """At most ``limit`` names, then how many more there are."""
    shown = ", ".join(quoted_name(n) for n in names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


class InputFileError(Exception):
    """Base class: the file as a whole cannot be processed; nothing is written for it."""

    def __init__(self, file: str, cause: str) -> None:
        self.file = file
        self.cause = cause
        super().__init__(shorten(printable(f"{file}: {cause}"), MAX_MESSAGE_CHARS))

    @property
    def error_type(self) -> str:
        """Stable name for error records and logs."""
        return type(self).__name__


class EmptyFileError(InputFileError):
    """The file has no bytes (after decompression)."""


class InvalidUtf8Error(InputFileError):
    """The (decompressed) bytes are not valid UTF-8."""

    def __init__(self, file: str, offset: int, detail: str) -> None:
        self.offset = offset
        super().__init__(file, f"invalid UTF-8 at byte offset {offset} ({detail})")


class CorruptGzipError(InputFileError):
    """The file starts with the gzip magic bytes but does not decompress."""


class UnsupportedFormatError(InputFileError):
    """The (decompressed) data is another container or compression format (gzip inside
    gzip, xz, bzip2, zip, zstd, 7z): named instead of being read as text."""


class NoHeaderError(InputFileError):
    """The file has bytes but no header line (only blank lines)."""


class MissingColumnsError(InputFileError):
    """Required columns are absent from the header."""

    def __init__(self, file: str, missing: list[str], found: list[str]) -> None:
        self.missing = missing
        self.found = found
        super().__init__(
            file,
            f"missing required column(s) {', '.join(missing)}; "
            f"columns found: {name_list(found) if found else '(none)'}",
        )


class DuplicateColumnsError(InputFileError):
    """Two or more header names normalise to the same column name."""

    def __init__(self, file: str, duplicates: dict[str, list[str]]) -> None:
        self.duplicates = duplicates
        parts = [
            f"{' and '.join(repr(quoted_name(n)) for n in names)} both normalise to "
            f"{quoted_name(norm)!r}"
            for norm, names in duplicates.items()
        ]
        super().__init__(file, "duplicate columns: " + "; ".join(parts))


class MalformedHeaderError(InputFileError):
    """The header line is not a CSV record (an unterminated quote, a bare CR, too long)."""


class TooManyColumnsError(InputFileError):
    """The header has more fields than ``MAX_COLUMNS``."""


class InputTooLargeError(InputFileError):
    """The input is above a size limit: the stored object (``MAX_INPUT_BYTES``, checked
    before reading when the size is known, else while reading) or its decompressed data
    (``MAX_DATA_BYTES``, checked while streaming, so a gzip bomb stops early instead of
    filling memory or disk)."""


class TimeBudgetError(InputFileError):
    """The file did not finish before its deadline (the Lambda's timeout, less a margin for
    the uploads): too slow to process however often it is retried (50 million blank lines,
    a billion one-character rejected rows). Only the first file of an invocation gets it
    as a final error; a later one is retried in a fresh invocation."""


class LineTooLongError(InputFileError):
    """A physical line is longer than ``MAX_LINE_BYTES`` (a line is buffered whole)."""


class TooManyOrdersError(InputFileError):
    """The distinct orders of reports 2 and 3 need more memory than ``MAX_ORDER_SET_BYTES``
    (the one structure that grows with the file: distinct orders, and the length of ids
    that do not pack into 64 bits)."""


def too_large(file: str, size: int, limit: int) -> InputTooLargeError:
    """The ``InputTooLargeError`` of an input whose stored size is known to be ``size``."""
    return InputTooLargeError(
        file, f"object is {size} bytes, above the limit of {limit} bytes (MAX_INPUT_BYTES)"
    )
