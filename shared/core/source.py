"""Open an input file: gzip detection and decompression, the header, UTF-8 errors.

Gzip input is recognised by its magic bytes, whatever its name, and
decompressed block by block (bounded memory) into a temporary file, so the
columnar engine always scans a plain file. Every file-level problem is found
before any report is written, so nothing is written for a bad file.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from shared.core import errors, schema
from shared.core.schema import WHITESPACE

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
BLOCK_SIZE = 8 << 20
MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class Header:
    """The header record: names as read, their normalised forms, required positions."""

    names: tuple[str, ...]
    normalised: tuple[str, ...]
    index: dict[str, int]
    line_index: int  # 0-based physical line of the header


@dataclass(frozen=True)
class PreparedInput:
    """A validated plain-text input ready for the engine."""

    name: str
    path: Path  # the plain file to scan (a temporary file for gzip input)
    input_bytes: int  # size of the file as given
    data_bytes: int  # size of the plain text
    compressed: bool
    header: Header


def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def parse_header(name: str, text: str, line_index: int) -> Header:
    """Parse and check the header line; raise the file-level error that applies."""
    if text.count('"') % 2:
        raise errors.MalformedHeaderError(
            name, f"header on line {line_index + 1} has an unterminated quote"
        )
    names = tuple(next(csv.reader([text])))
    normalised = tuple(schema.normalise_column(n) for n in names)
    seen: dict[str, list[str]] = {}
    for original, norm in zip(names, normalised, strict=True):
        seen.setdefault(norm, []).append(original)
    duplicates = {norm: found for norm, found in seen.items() if len(found) > 1}
    if duplicates:
        raise errors.DuplicateColumnsError(name, duplicates)
    missing = [c for c in schema.REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise errors.MissingColumnsError(name, missing, [n.strip() for n in names])
    index = {c: normalised.index(c) for c in schema.REQUIRED_COLUMNS}
    return Header(names, normalised, index, line_index)


def _decode(name: str, raw: bytes, offset: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.InvalidUtf8Error(name, offset + exc.start, exc.reason) from None


def read_header(path: Path, name: str) -> Header:
    """Find the first non-blank line (after an optional BOM) and parse it as the header."""
    offset = 0
    with path.open("rb") as fh:
        index = 0
        while raw := fh.readline(MAX_HEADER_BYTES):
            if len(raw) == MAX_HEADER_BYTES and not raw.endswith(b"\n"):
                raise errors.MalformedHeaderError(
                    name,
                    f"line {index + 1} is longer than {MAX_HEADER_BYTES} bytes: not a CSV header",
                )
            start = 3 if index == 0 and raw.startswith(UTF8_BOM) else 0
            text = _decode(name, raw[start:], offset + start)
            if text.strip(WHITESPACE):
                return parse_header(name, text.rstrip("\r\n"), index)
            offset += len(raw)
            index += 1
    raise errors.NoHeaderError(name, "no header line (the file holds only blank lines)")


def find_invalid_utf8(path: Path, name: str) -> errors.InvalidUtf8Error | None:
    """The first invalid UTF-8 sequence of a file, as an error, or None if it is all valid."""
    offset = 0
    carry = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(BLOCK_SIZE)
            data = carry + block
            # "\n" never occurs inside a multi-byte UTF-8 sequence: cutting there is safe.
            cut = data.rfind(b"\n") + 1 if block else len(data)
            chunk, carry = data[:cut], data[cut:]
            if not chunk.isascii():
                try:
                    chunk.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return errors.InvalidUtf8Error(name, offset + exc.start, exc.reason)
            offset += len(chunk)
            if not block:
                return None


def gunzip(path: Path, dest: Path, name: str) -> int:
    """Decompress ``path`` into ``dest`` block by block; return the plain size.

    A stream that does not decompress raises ``CorruptGzipError`` (one line, naming ``name``).
    """
    written = 0
    try:
        with gzip.open(path, "rb") as src, dest.open("wb") as out:
            while block := src.read(BLOCK_SIZE):
                out.write(block)
                written += len(block)
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise errors.CorruptGzipError(
            name, f"corrupt gzip data after {written} decompressed bytes ({exc})"
        ) from None
    return written


def prepare(path: Path, work_dir: Path, name: str | None = None) -> PreparedInput:
    """Check ``path`` up to its header and return what the engine needs.

    Raises an ``InputFileError``. ``work_dir`` receives the decompressed copy of a
    gzip input; the caller owns it. UTF-8 validity of the whole file is checked by
    the engine's first scan (see ``find_invalid_utf8`` for the error's offset).
    """
    display = name or str(path)
    input_bytes = path.stat().st_size
    if input_bytes == 0:
        raise errors.EmptyFileError(display, "file is empty (0 bytes)")
    compressed = is_gzip(path)
    plain = path
    data_bytes = input_bytes
    if compressed:
        plain = work_dir / "input.csv"
        data_bytes = gunzip(path, plain, display)
        if data_bytes == 0:
            raise errors.EmptyFileError(display, "file is empty after gzip decompression")
    return PreparedInput(
        name=display,
        path=plain,
        input_bytes=input_bytes,
        data_bytes=data_bytes,
        compressed=compressed,
        header=read_header(plain, display),
    )
