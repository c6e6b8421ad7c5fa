"""Input as a stream of bytes: gzip detection and decompression, the header, size guards.

Whatever the input is (a local file, stdin, an S3 object read with ranged
GETs), it reaches the engine as an iterator of raw byte blocks. This module
turns it into plain (decompressed) blocks: gzip is recognised by its magic
bytes, whatever the name, and inflated as a stream in bounded pieces, so a
gzip bomb costs neither memory nor disk; ``max_data_bytes`` stops it early.
Data that is another container or compression format (gzip inside gzip, xz,
bzip2, zip, zstd, 7z) is named as such instead of failing as bad UTF-8. It
then reads the header (the first non-blank line) and hands the rest on.
Every file-level problem is an ``InputFileError``; the caller writes nothing
for a file that raises one.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from shared.core import errors, quoting, schema
from shared.core.limits import Limits
from shared.core.schema import WHITESPACE

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# Leading bytes of formats that are not CSV text (the data after any gzip layer is checked).
FORMATS: tuple[tuple[bytes, str], ...] = (
    (GZIP_MAGIC, "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"BZh", "bzip2"),  # followed by a block size digit and the block magic, checked below
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"(\xb5/\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
_BZIP2_BLOCK = b"1AY&SY"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_BYTES = 10
READ_BLOCK = 4 << 20  # raw bytes per read
INFLATE_BLOCK = 4 << 20  # at most this many plain bytes per inflate call


@dataclass(frozen=True)
class Header:
    """The header record: names as read, their normalised forms, required positions."""

    names: tuple[str, ...]
    normalised: tuple[str, ...]
    index: dict[str, int]
    line_index: int  # 0-based physical line of the header


@dataclass
class Counters:
    """Sizes seen so far; final once the stream is exhausted."""

    input_bytes: int = 0  # as stored (compressed for gzip)
    data_bytes: int = 0  # after decompression
    compressed: bool = False


@dataclass
class Stream:
    """An opened input: its header and the plain bytes that follow it."""

    name: str
    header: Header
    blocks: Iterator[bytes]  # plain bytes after the header line, in order
    first_line: int  # 1-based physical line number of the first byte of ``blocks``
    offset: int  # decompressed byte offset of the first byte of ``blocks``
    counters: Counters = field(default_factory=Counters)


def read_blocks(stream: BinaryIO, size: int = READ_BLOCK) -> Iterator[bytes]:
    """Blocks of a binary stream (a file, stdin) until its end."""
    while block := stream.read(size):
        yield block


def file_blocks(path: Path, size: int = READ_BLOCK) -> Iterator[bytes]:
    """Blocks of a local file; the file is closed when the iterator is exhausted or closed."""
    with path.open("rb") as fh:
        yield from read_blocks(fh, size)


def _counted(
    name: str, raw: Iterable[bytes], counters: Counters, limit: int | None
) -> Iterator[bytes]:
    """The raw blocks, counted; past ``limit`` (MAX_INPUT_BYTES) an ``InputTooLargeError``
    (for inputs whose size is not known before reading, such as standard input)."""
    for block in raw:
        counters.input_bytes += len(block)
        if limit is not None and counters.input_bytes > limit:
            raise errors.InputTooLargeError(
                name,
                f"input exceeds the limit of {limit} bytes (MAX_INPUT_BYTES) "
                f"after {counters.input_bytes} bytes were read",
            )
        yield block


def _corrupt(name: str, counters: Counters, detail: object) -> errors.CorruptGzipError:
    return errors.CorruptGzipError(
        name, f"corrupt gzip data after {counters.data_bytes} decompressed bytes ({detail})"
    )


def _inflate(name: str, raw: Iterator[bytes], first: bytes, counters: Counters) -> Iterator[bytes]:
    """Plain blocks of a gzip stream, in pieces of at most ``INFLATE_BLOCK`` bytes.

    Several members are read one after the other (as gzip(1) and Python's
    ``gzip`` do); zero bytes after a member are padding, anything else must be
    another member. A stream that ends inside a member is corrupt (truncated).

    The inflater is fed slices of the raw block that start small after each
    member's start and double while the member goes on (``_FEED_MIN`` to
    ``_FEED_MAX``): zlib copies the input left after a member (``unused_data``),
    so feeding it whole blocks would copy a block per member, quadratic in a
    file of millions of tiny members.
    """
    inflater = zlib.decompressobj(wbits=31)
    in_member = True
    block, pos, feed = first, 0, _FEED_MIN
    while True:
        if pos >= len(block):
            block, pos = next(raw, b""), 0
            if not block:
                break
        if not in_member:
            padding = _NOT_ZERO.search(block, pos)  # zero padding between members
            if padding is None:
                pos = len(block)
                continue
            pos = padding.start()
            inflater = zlib.decompressobj(wbits=31)  # zlib checks the next member's header
            in_member, feed = True, _FEED_MIN
        piece = memoryview(block)[pos : pos + feed]
        try:
            out = inflater.decompress(piece, INFLATE_BLOCK)
        except zlib.error as exc:
            raise _corrupt(name, counters, exc) from None
        left = len(inflater.unconsumed_tail)
        if inflater.eof:
            left += len(inflater.unused_data)
            in_member = False
        pos += len(piece) - left
        feed = min(feed * 2, _FEED_MAX)
        if out:
            yield out
    if in_member:
        raise _corrupt(name, counters, "the data ends inside a gzip member: truncated")


_FEED_MIN = 512  # raw bytes fed to the inflater at a member's start
_FEED_MAX = 256 << 10
_NOT_ZERO = re.compile(rb"[^\x00]")


def _guarded(
    name: str, plain: Iterable[bytes], counters: Counters, limit: int | None
) -> Iterator[bytes]:
    for block in plain:
        counters.data_bytes += len(block)
        if limit is not None and counters.data_bytes > limit:
            stored = "gzip" if counters.compressed else "plain"
            raise errors.InputTooLargeError(
                name,
                f"decompressed data exceeds the limit of {limit} bytes (MAX_DATA_BYTES) "
                f"after {counters.input_bytes} bytes of {stored} input were read",
            )
        yield block


def plain_blocks(
    raw: Iterable[bytes], name: str, counters: Counters, limits: Limits
) -> Iterator[bytes]:
    """Decompressed blocks of ``raw`` (gzip detected by its magic bytes), size-guarded.

    Raises ``EmptyFileError`` for no bytes at all (or an empty gzip stream),
    ``CorruptGzipError``, and ``InputTooLargeError`` past ``limits.max_data_bytes``.
    """
    source = _counted(name, raw, counters, limits.max_input_bytes)
    first = b""
    for block in source:
        first += block
        if len(first) >= len(GZIP_MAGIC):
            break
    if not first:
        raise errors.EmptyFileError(name, "file is empty (0 bytes)")
    counters.compressed = first.startswith(GZIP_MAGIC)
    if counters.compressed:
        inner: Iterator[bytes] = _inflate(name, source, first, counters)
    else:
        inner = _chain(first, source)
    plain = _guarded(name, inner, counters, limits.max_data_bytes)
    head = b""
    for block in plain:
        head += block
        if len(head) >= SNIFF_BYTES:
            break
    if not head:
        raise errors.EmptyFileError(name, "file is empty after gzip decompression")
    _check_format(name, head, counters.compressed)
    yield head
    yield from plain


def _check_format(name: str, head: bytes, compressed: bool) -> None:
    """Name the format of data that is not text: ``UnsupportedFormatError``, or an
    ``InvalidUtf8Error`` that says UTF-16 for a UTF-16 byte order mark."""
    for magic, label in FORMATS:
        if not head.startswith(magic):
            continue
        if label == "bzip2" and head[4 : 4 + len(_BZIP2_BLOCK)] != _BZIP2_BLOCK:
            continue  # text that merely starts with "BZh"
        where = "the gzip stream holds" if compressed else "the file is"
        extra = " (compressed twice)" if compressed and label == "gzip" else ""
        raise errors.UnsupportedFormatError(
            name,
            f"{where} {label} data{extra}, not CSV text: decompress or extract it, "
            "and upload the CSV itself (one layer of gzip is fine)",
        )
    if head.startswith(UTF16_BOMS):
        raise errors.InvalidUtf8Error(
            name, 0, "a UTF-16 byte order mark: the file is UTF-16, save it as UTF-8"
        )


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def parse_header(name: str, text: str, line_index: int, limits: Limits) -> Header:
    """Parse and check the header line; raise the file-level error that applies."""
    where = f"header on line {line_index + 1}"
    if "\r" in text:
        raise errors.MalformedHeaderError(name, f"{where} {_CR_LINE_ENDS}")
    if quoting.opens(text):
        raise errors.MalformedHeaderError(name, f"{where} has an unterminated quote")
    names = tuple(next(csv.reader([text])))
    if len(names) > limits.max_columns:
        raise errors.TooManyColumnsError(
            name,
            f"{where} has {len(names)} columns, more than the limit of {limits.max_columns} "
            "(MAX_COLUMNS)",
        )
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


_CR_LINE_ENDS = (
    "holds a carriage return (CR) that is not part of a CRLF line end: lines must end "
    "with LF or CRLF (CR-only line ends, as in classic Mac OS exports, are not supported)"
)


def decode(name: str, raw: bytes, offset: int) -> str:
    """``raw`` as UTF-8, or ``InvalidUtf8Error`` with the absolute offset of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.InvalidUtf8Error(name, offset + exc.start, exc.reason) from None


def check_utf8(name: str, raw: bytes, offset: int) -> None:
    """Raise ``InvalidUtf8Error`` unless ``raw`` (starting at ``offset``) is valid UTF-8."""
    if not raw.isascii():
        decode(name, raw, offset)


def open_stream(
    raw: Iterable[bytes], name: str, limits: Limits, counters: Counters | None = None
) -> Stream:
    """Decompress ``raw`` as needed, find and parse the header; the rest stays a stream.

    The header is the first non-blank line after an optional BOM. Raises the
    ``InputFileError`` that applies (empty, gzip, UTF-8, no header, header checks).
    """
    counters = counters or Counters()
    plain = plain_blocks(raw, name, counters, limits)
    buf = b""
    while len(buf) < len(UTF8_BOM) and (block := next(plain, None)) is not None:
        buf += block
    start = len(UTF8_BOM) if buf.startswith(UTF8_BOM) else 0  # start of the current line
    offset = 0  # decompressed offset of buf[0]
    line_index = 0
    exhausted = False
    while True:
        # Skip blank lines in bulk: a million of them cost one search, not a million loops.
        found = _NON_BLANK.search(buf, start)
        skip_to = buf.rfind(b"\n", start, found.start() if found else len(buf)) + 1
        if skip_to > start:
            line_index += buf.count(b"\n", start, skip_to)
            start = skip_to
        newline = buf.find(b"\n", start) if found else -1
        if newline < 0 and not exhausted:
            if len(buf) - start > limits.max_header_bytes:
                raise _long_header_line(name, buf[start:], line_index, limits)
            block = next(plain, None)
            if block is None:
                exhausted = True
            else:
                offset += start
                buf = buf[start:] + block
                start = 0
            continue
        if not found:
            raise errors.NoHeaderError(name, "no header line (the file holds only blank lines)")
        if newline < 0:
            newline = len(buf)  # the last line has no line break
        if newline - start > limits.max_header_bytes:
            raise _long_header_line(name, buf[start:newline], line_index, limits)
        text = decode(name, buf[start:newline], offset + start)
        end = min(newline + 1, len(buf))
        return Stream(
            name=name,
            header=parse_header(name, text.removesuffix("\r"), line_index, limits),
            blocks=_chain(buf[end:], plain),
            first_line=line_index + 2,
            offset=offset + end,
            counters=counters,
        )


_NON_BLANK = re.compile(b"[^" + re.escape(WHITESPACE.encode()) + b"]")


def _long_header_line(
    name: str, line: bytes, line_index: int, limits: Limits
) -> errors.MalformedHeaderError:
    cause = (
        f"line {line_index + 1} is longer than {limits.max_header_bytes} bytes (MAX_HEADER_BYTES)"
    )
    if b"\r" in line:
        cause += f" and {_CR_LINE_ENDS}"
    return errors.MalformedHeaderError(name, f"{cause}: not a CSV header")
