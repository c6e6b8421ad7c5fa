"""Cut plain bytes into chunks of whole records, with their line numbers and byte offsets.

Where one record ends is decided here, once, by a rule that depends only on
the bytes (never on where a read or a chunk happened to end), so every chunk
size gives the same records:

* A record is one physical line, unless the line has an odd number of double
  quotes: then it opens a quoted field with a line break (RFC 4180), and the
  record runs to the next line with an odd number of quotes (a *group*).
* Resynchronisation: a group longer than ``max_record_bytes`` (counted as
  line lengths without terminators, plus one per line break) ends at the line
  where it passes the limit; it is one malformed record, and the next line
  starts afresh. A stray quote therefore costs at most that many bytes of
  records, never the rest of the file.
* A group still open at the end of the data runs to the end (the csv module
  reads it as it stands).

Each chunk is validated as UTF-8 (so ``InvalidUtf8Error`` carries the offset
in the decompressed stream) and split into physical lines with Polars, which
the engine reuses.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from shared.core import errors
from shared.core.limits import Limits
from shared.core.source import check_utf8

# Line reads need a separator byte that does not occur in the chunk.
_SEPARATORS = [chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"]


@dataclass(frozen=True)
class Group:
    """Consecutive lines (0-based, ``end`` included) that form one record, or a malformed one."""

    start: int
    end: int
    malformed: bool  # cut by the resynchronisation limit


@dataclass(frozen=True)
class Chunk:
    """Whole records: their bytes, where they are in the stream, their lines."""

    index: int
    data: bytes
    first_line: int  # 1-based physical line number of data's first line
    offset: int  # decompressed byte offset of data[0]
    lines: pl.Series  # String, one per physical line, without terminators (null: empty line)
    quoted: pl.Series | None  # Boolean: the line holds a double quote (None: no quote at all)
    groups: tuple[Group, ...]  # multi-line records and malformed ones, in line order


def read_lines(data: bytes) -> pl.Series:
    """The physical lines of ``data`` (split at ``\\n``; a ``\\r`` before it is dropped)."""
    for sep in _SEPARATORS:
        if sep.encode() not in data:
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=sep,
                quote_char=None,
                schema={"line": pl.String},
            )
            return frame.to_series()
    # Every control character occurs in this chunk: split in Python instead.
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    return pl.Series(
        "line",
        [p.removesuffix(b"\r").decode() or None for p in parts],
        dtype=pl.String,
    )


def _line_start(data: bytes, from_end: int) -> int:
    """Byte offset where the line ``from_end`` lines before the end of ``data`` starts."""
    pos = len(data) - 1  # data ends with a line break here
    for _ in range(from_end):
        pos = data.rfind(b"\n", 0, pos)
    return pos + 1


def find_groups(
    lines: pl.Series, final: bool, max_record_bytes: int
) -> tuple[pl.Series | None, list[Group], int | None]:
    """Apply the record rule to the lines of a chunk that starts at a record boundary.

    Returns the quote flags (None when no line has a quote), the groups, and
    the first line of a group still open at the end (None if there is none, or
    if ``final``: then the open group runs to the last line).
    """
    quoted = lines.str.contains('"', literal=True).fill_null(False)
    if not quoted.any():
        return None, [], None
    candidates = quoted.arg_true()
    odd_flags = lines.gather(candidates).str.count_matches('"', literal=True) % 2 == 1
    odd = candidates.filter(odd_flags).to_list()
    if not odd:
        return quoted, [], None
    sizes = lines.str.len_bytes().fill_null(0).cast(pl.Int64) + 1
    ends = sizes.cum_sum()
    total = len(lines)
    groups: list[Group] = []
    k = 0
    while k < len(odd):
        first = odd[k]
        begin = int(ends[first]) - int(sizes[first])
        past_limit = int(ends.search_sorted(begin + max_record_bytes, side="right"))
        closer = odd[k + 1] if k + 1 < len(odd) else None
        if closer is not None and closer < past_limit:
            groups.append(Group(first, closer, malformed=False))
            k += 2
        elif past_limit < total:
            groups.append(Group(first, past_limit, malformed=True))
            k = bisect.bisect_right(odd, past_limit)
        elif final:
            groups.append(Group(first, total - 1, malformed=False))
            break
        else:
            return quoted, groups, first
    return quoted, groups, None


class Framer:
    """Turns plain blocks (after the header) into chunks of about ``chunk_bytes``."""

    def __init__(
        self, name: str, first_line: int, offset: int, limits: Limits, chunk_bytes: int
    ) -> None:
        self.name = name
        self.first_line = first_line
        self.offset = offset
        self.limits = limits
        self.chunk_bytes = max(1, chunk_bytes)

    def chunks(self, blocks: Iterator[bytes]) -> Iterator[Chunk]:
        pending = b""  # not yet emitted; always starts at a record boundary
        need = self.chunk_bytes
        exhausted = False
        index = 0
        while True:
            parts = [pending]
            size = len(pending)
            while size < need and not exhausted:
                block = next(blocks, None)
                if block is None:
                    exhausted = True
                elif block:
                    parts.append(block)
                    size += len(block)
            buf = b"".join(parts)
            if not buf:
                return
            cut = len(buf) if exhausted else buf.rfind(b"\n") + 1
            if cut == 0:  # no line break yet: a line longer than what we hold
                if len(buf) > self.limits.max_line_bytes:
                    raise errors.LineTooLongError(
                        self.name,
                        f"line {self.first_line} is longer than {self.limits.max_line_bytes} bytes",
                    )
                pending, need = buf, len(buf) + self.chunk_bytes
                continue
            piece, rest = buf[:cut], buf[cut:]
            check_utf8(self.name, piece, self.offset)
            lines = read_lines(piece)
            quoted, groups, open_from = find_groups(lines, exhausted, self.limits.max_record_bytes)
            if open_from is not None:
                start = _line_start(piece, len(lines) - open_from)
                if start == 0:  # one open record fills the piece: read on
                    pending, need = buf, len(buf) + self.chunk_bytes
                    continue
                piece, rest = piece[:start], piece[start:] + rest
                lines = lines.slice(0, open_from)
                quoted = None if quoted is None else quoted.slice(0, open_from)
            yield Chunk(
                index=index,
                data=piece,
                first_line=self.first_line,
                offset=self.offset,
                lines=lines,
                quoted=quoted,
                groups=tuple(groups),
            )
            index += 1
            self.first_line += len(lines)
            self.offset += len(piece)
            pending, need = rest, self.chunk_bytes
