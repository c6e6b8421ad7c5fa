"""Cut plain bytes into chunks of whole records, with their line numbers and byte offsets.

Where one record ends is decided here, once, by a rule that depends only on
the bytes (never on where a read or a chunk happened to end), so every chunk
size gives the same records:

* A record is one physical line, unless the line, read from the start of a
  record, ends inside a quoted field (``quoting.OPENS``: a field that starts with
  a quote and is not closed on the line). Then the record runs to the first
  later line that, read from inside the quoted field, ends outside it
  (``quoting.CLOSES``), if that line ends at most ``max_record_bytes`` after the
  record began (line lengths without terminators, plus one per line break).
* Resynchronisation: when there is no such line (the quote is never closed
  within the limit, or before the end of the data), the opening line alone is
  one malformed record and reading starts afresh on the next line. A stray
  quote therefore costs one line, never the rest of the file.

Chunks hold at most about ``chunk_bytes`` and ``chunk_lines`` (memory per line
is what a file of blank lines would otherwise make grow); a line longer than
``max_line_bytes`` is a ``LineTooLongError``. Each chunk is validated as UTF-8
(so ``InvalidUtf8Error`` carries the offset in the decompressed stream) and
split into physical lines with Polars, which the engine reuses.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from shared.core import errors, quoting
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


def read_lines(data: bytes, limit: int | None = None) -> pl.Series:
    """The physical lines of ``data`` (split at ``\\n``; a ``\\r`` before it is dropped), at
    most the first ``limit`` of them."""
    for sep in _SEPARATORS:
        if sep.encode() not in data:
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=sep,
                quote_char=None,
                schema={"line": pl.String},
                n_rows=limit,
            )
            return frame.to_series()
    # Every control character occurs in this chunk: split in Python instead.
    parts = data.split(b"\n", -1 if limit is None else limit)
    if limit is not None and len(parts) > limit:
        parts.pop()  # the rest of the data, after the first ``limit`` lines
    elif data.endswith(b"\n"):
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

    Returns the quote flags (None when no line has a quote), the groups (multi-line
    records, and opening lines cut as malformed), and the first line of a record
    that cannot be decided without the bytes after the chunk (None if there is
    none; never when ``final``, the chunk ending at the end of the data).
    """
    quoted = lines.str.contains('"', literal=True).fill_null(False)
    if not quoted.any():
        return None, [], None
    candidates = quoted.arg_true()
    texts = lines.gather(candidates)
    openers = candidates.filter(texts.str.contains(quoting.OPENS)).to_list()
    if not openers:
        return quoted, [], None
    closers = candidates.filter(texts.str.contains(quoting.CLOSES)).to_list()
    ends = (lines.str.len_bytes().fill_null(0).cast(pl.Int64) + 1).cum_sum().to_list()
    groups: list[Group] = []
    done = 0  # lines before this one are decided
    for first in openers:
        if first < done:
            continue  # inside the record of an earlier opener
        begin = ends[first - 1] if first else 0
        k = bisect.bisect_right(closers, first)
        closer = closers[k] if k < len(closers) else None
        if closer is not None and ends[closer] - begin <= max_record_bytes:
            groups.append(Group(first, closer, malformed=False))
            done = closer + 1
        elif closer is not None or final or ends[-1] - begin >= max_record_bytes:
            groups.append(Group(first, first, malformed=True))
            done = first + 1
        else:  # a closing line could still come, within the limit, after this chunk
            return quoted, groups, first
    return quoted, groups, None


def _cap_lines(data: bytes, end: int, cap: int) -> int:
    """The end of the first ``cap`` lines of ``data[:end]`` (``end`` if it has no more)."""
    if data.count(b"\n", 0, end) <= cap:
        return end
    low, high = 0, end  # the first position p with cap line breaks in data[:p]
    while low < high:
        mid = (low + high) // 2
        if data.count(b"\n", 0, mid) >= cap:
            high = mid
        else:
            low = mid + 1
    return low


class Framer:
    """Turns plain blocks (after the header) into chunks of about ``chunk_bytes`` and at
    most ``chunk_lines`` lines (more only while one record needs them)."""

    def __init__(
        self,
        name: str,
        first_line: int,
        offset: int,
        limits: Limits,
        *,
        chunk_bytes: int,
        chunk_lines: int,
    ) -> None:
        self.name = name
        self.first_line = first_line
        self.offset = offset
        self.limits = limits
        self.chunk_bytes = max(1, chunk_bytes)
        self.chunk_lines = max(1, chunk_lines)
        self.dense = False  # the last piece had more lines than the cap (short lines)

    def _too_long(self, line: int) -> errors.LineTooLongError:
        limit = self.limits.max_line_bytes
        return errors.LineTooLongError(
            self.name, f"line {line} is longer than {limit} bytes (MAX_LINE_BYTES)"
        )

    def chunks(self, blocks: Iterator[bytes]) -> Iterator[Chunk]:
        pending = b""  # not yet emitted; always starts at a record boundary
        need, cap = self.chunk_bytes, self.chunk_lines
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
                    raise self._too_long(self.first_line)
                pending, need = buf, len(buf) + self.chunk_bytes
                continue
            if self.dense:  # the last piece passed the line cap: cut first, then read
                capped = _cap_lines(buf, cut, cap)
                self.dense = capped < cut
                cut = capped
                piece = buf[:cut]
                check_utf8(self.name, piece, self.offset)
                lines = read_lines(piece)
            else:  # read at most cap + 1 lines; count line breaks (holding the GIL) only then
                piece = buf[:cut]
                check_utf8(self.name, piece, self.offset)
                lines = read_lines(piece, cap + 1)
                # (Not cut when the line past the cap is the data's last, unterminated one.)
                if len(lines) > cap and (capped := _cap_lines(buf, cut, cap)) < cut:
                    cut, self.dense = capped, True
                    piece, lines = buf[:cut], lines.head(cap)
            rest = buf[cut:]
            too_long = lines.str.len_bytes().fill_null(0) > self.limits.max_line_bytes
            if too_long.any():
                raise self._too_long(self.first_line + int(too_long.arg_true()[0]))
            final = exhausted and not rest
            quoted, groups, open_from = find_groups(lines, final, self.limits.max_record_bytes)
            if open_from is not None:
                start = _line_start(piece, len(lines) - open_from)
                if start == 0:  # one undecided record fills the piece: read on
                    pending, need, cap = buf, len(buf) + self.chunk_bytes, cap + self.chunk_lines
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
            pending, need, cap = rest, self.chunk_bytes, self.chunk_lines
