"""File-level input errors.

Each cause is its own exception type so callers can branch on it (the Lambda
handler writes an error record, the CLI exits 1), and each message is one
line that names the file and the cause. Row-level problems are not exceptions:
they become rows of the rejected-rows report.
"""

from __future__ import annotations


class InputFileError(Exception):
    """Base class: the file as a whole cannot be processed; nothing is written for it."""

    def __init__(self, file: str, cause: str) -> None:
        self.file = file
        self.cause = cause
        super().__init__(f"{file}: {cause}")

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
            f"columns found: {', '.join(found) if found else '(none)'}",
        )


class DuplicateColumnsError(InputFileError):
    """Two or more header names normalise to the same column name."""

    def __init__(self, file: str, duplicates: dict[str, list[str]]) -> None:
        self.duplicates = duplicates
        parts = [
            f"{' and '.join(repr(n) for n in names)} both normalise to {norm!r}"
            for norm, names in duplicates.items()
        ]
        super().__init__(file, "duplicate columns: " + "; ".join(parts))


class MalformedHeaderError(InputFileError):
    """The header line is not a CSV record (e.g. an unterminated quote)."""


class InputTooLargeError(InputFileError):
    """The input is above a size limit: the stored object (``MAX_INPUT_BYTES``, checked
    before reading) or its decompressed data (``MAX_DATA_BYTES``, checked while streaming,
    so a gzip bomb stops early instead of filling memory or disk)."""


class LineTooLongError(InputFileError):
    """A physical line is longer than the engine buffers (no line break for too long)."""
