"""Distinct-order counts in memory that grows with distinct orders, not rows.

Reports 2 and 3 count distinct order ids per (category, ship mode) and per
(category, sub-category). Instead of keeping every (group, order id) pair,
each distinct order keeps one bitset per report: bit ``g`` is set when the
order has a valid row in group ``g`` (groups are numbered in order of first
sight). A group's count is the number of orders with its bit set.

Order ids are stored as exact 64-bit keys where possible, without a
dictionary and without hashing (so no collision can merge two orders): an id
is split into a prefix and its trailing ASCII digits; when there are at most
13 digits and the prefix (at most 64 bytes) is one of the first 16,384 prefixes seen, the key is
``prefix code << 48 | digit count << 44 | value``, which is injective. Other
ids keep their text as the key. Groups beyond the first 64 of a report fall
back to exact (group, order id) pairs.

Each chunk's set (unique ids, computed in the worker threads) is kept per
slice of the key space and merged exactly (OR of the bitsets) when the parts
hold twice what the last merge left, and at the end, one slice at a time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence

import polars as pl

SUB = "sub"  # (category, sub-category): report 3
SHIP = "ship"  # (category, ship mode): report 2
KINDS = (SUB, SHIP)
MASK_BITS = 64
_MAX_DIGITS = 13
_MAX_PREFIXES = 1 << 14
_MAX_PREFIX_BYTES = 64  # longer prefixes keep their ids as text: the dictionary stays ~2 MB
_DIGITS = "0123456789"
# Merges work on 1/32 of the keys at a time: with 8 slices the allocator kept more of a
# merge's transients resident (peak RSS at 20M rows was 1.45x that at 5M; 1.23x with 32
# slices and per-report bitset widths).
_PARTITIONS = 32
_MERGE_FLOOR = 4_000_000  # rows held before the first merge (about 60 MB)


class Groups:
    """Group numbers per report, shared by the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: dict[str, dict[tuple[str, str], int]] = {kind: {} for kind in KINDS}

    def numbers(self, kind: str, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """The number of each (a, b) group, assigning new ones in order of first sight."""
        with self._lock:
            index = self._index[kind]
            return [index.setdefault(pair, len(index)) for pair in pairs]

    def names(self, kind: str) -> list[tuple[str, str]]:
        """Groups in number order."""
        with self._lock:
            return list(self._index[kind])

    def count(self, kind: str) -> int:
        with self._lock:
            return len(self._index[kind])


class OrderKeys:
    """Exact 64-bit keys for order ids (see the module docstring); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prefixes: dict[str, int] = {}

    def keys(self, oids: pl.Series) -> pl.Series:
        """UInt64 keys, null where an id has no exact 64-bit form."""
        prefix = oids.str.strip_chars_end(_DIGITS)
        digits = (oids.str.len_bytes() - prefix.str.len_bytes()).cast(pl.UInt64)
        distinct = prefix.unique(maintain_order=True).to_list()
        with self._lock:
            for p in distinct:
                if (
                    p not in self._prefixes
                    and len(self._prefixes) < _MAX_PREFIXES
                    and len(p.encode()) <= _MAX_PREFIX_BYTES
                ):
                    self._prefixes[p] = len(self._prefixes)
            known = {p: self._prefixes[p] for p in distinct if p in self._prefixes}
        code = prefix.replace_strict(
            list(known), list(known.values()), default=None, return_dtype=pl.UInt64
        )
        value = oids.str.slice(prefix.str.len_chars()).cast(pl.UInt64, strict=False).fill_null(0)
        frame = pl.DataFrame({"code": code, "digits": digits, "value": value})
        return frame.select(
            pl.when(pl.col("digits") <= _MAX_DIGITS)
            .then(pl.col("code") * (1 << 48) + pl.col("digits") * (1 << 44) + pl.col("value"))
            .alias("key")
        ).to_series()


def _mask_dtype(bits: int) -> pl.DataType:
    for dtype, width in ((pl.UInt8(), 8), (pl.UInt16(), 16), (pl.UInt32(), 32)):
        if bits <= width:
            return dtype
    return pl.UInt64()


class _Parts:
    """Rows keyed by ``keys``, value columns OR-ed together when rows merge.

    Rows are split by key into ``_PARTITIONS`` slices as they arrive and kept
    as they come (one order's rows rarely span chunks), until the rows held
    pass twice the number left by the last merge (and ``_MERGE_FLOOR``): then
    each slice is merged, so memory stays within about twice the distinct
    keys. The final merge also runs one slice at a time.
    """

    def __init__(self, keys: list[str], values: list[str], hashed: bool) -> None:
        self.keys = keys
        self.values = values
        self.hashed = hashed
        self.parts: list[list[pl.DataFrame]] = [[] for _ in range(_PARTITIONS)]
        self.rows = 0
        self.merged_rows = 0
        self.bytes = 0  # Polars' estimate of the memory the frames held take

    def _merge(self, frames: list[pl.DataFrame]) -> pl.DataFrame:
        frame = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
        if not self.values:
            return frame.unique(self.keys)
        # Parts are unique each, and an order rarely spans parts: only keys seen more
        # than once need OR-ing (lazily: Polars' eager group_by runs bitwise_or slower).
        twice = pl.struct(self.keys).is_duplicated() if len(self.keys) > 1 else None
        twice = pl.col(self.keys[0]).is_duplicated() if twice is None else twice
        split = frame.with_columns(__twice=twice)
        merged = (
            split.lazy()
            .filter("__twice")
            .group_by(self.keys)
            .agg(pl.col(v).bitwise_or() for v in self.values)
            .collect()
        )
        once = split.filter(~pl.col("__twice")).drop("__twice")
        return pl.concat([once, merged.select(once.columns)])

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        key = pl.col(self.keys[-1])
        bucket = ((key.hash() if self.hashed else key) % _PARTITIONS).alias("__part")
        for (part,), rows in (
            frame.with_columns(bucket)
            .partition_by("__part", as_dict=True, include_key=False)
            .items()
        ):
            self.parts[int(str(part))].append(rows)
            self.bytes += int(rows.estimated_size())
        self.rows += frame.height
        if self.rows > max(_MERGE_FLOOR, 2 * self.merged_rows):
            self.merge()

    def merge(self) -> None:
        """Merge every slice (one at a time: the extra memory is one slice's)."""
        for i in range(_PARTITIONS):
            if len(self.parts[i]) > 1:
                self.parts[i] = [self._merge(self.parts[i])]
        self.rows = self.merged_rows = sum(p[0].height for p in self.parts if p)
        self._measure()

    def _measure(self) -> None:
        self.bytes = int(sum(f.estimated_size() for frames in self.parts for f in frames))

    def widen(self, dtypes: dict[str, pl.DataType]) -> None:
        """Store each bitset column in its dtype (enough bits for every group so far)."""
        casts = [pl.col(column).cast(dtype) for column, dtype in dtypes.items()]
        self.parts = [[f.with_columns(casts) for f in p] for p in self.parts]
        self._measure()

    def drain(self) -> Iterator[pl.DataFrame]:
        """The merged rows, one slice at a time; the parts are released as they go."""
        for i, frames in enumerate(self.parts):
            self.parts[i] = []
            if len(frames) == 1:  # merged already, or one chunk's rows (unique per chunk)
                yield frames[0]
            elif frames:
                yield self._merge(frames)
        self.bytes = 0


class OrderSets:
    """Per distinct order, the groups of each report it belongs to."""

    def __init__(self) -> None:
        self.groups = Groups()
        self.keys = OrderKeys()
        values = [f"m_{kind}" for kind in KINDS]
        self._packed = _Parts(["key"], values, hashed=False)
        self._text = _Parts(["oid"], values, hashed=True)  # ids without a 64-bit key
        self._pairs = _Parts(["kind", "group", "oid"], [], hashed=True)
        self._dtypes: dict[str, pl.DataType] = {}

    def add(self, frame: pl.DataFrame, pairs: pl.DataFrame | None = None) -> None:
        """Add ``frame`` (key UInt64 or null, oid String, m_sub, m_ship UInt64), one row per
        order id (a chunk's orders), and optional overflow ``pairs`` (kind String, group
        UInt32, oid String), without duplicate rows."""
        dtypes = {
            f"m_{kind}": _mask_dtype(min(self.groups.count(kind), MASK_BITS)) for kind in KINDS
        }
        if dtypes != self._dtypes:  # each report's bitsets as narrow as its groups allow
            self._packed.widen(dtypes)
            self._text.widen(dtypes)
            self._dtypes = dtypes
        masks = [pl.col(column).cast(dtype) for column, dtype in dtypes.items()]
        packed = pl.col("key").is_not_null()
        self._packed.add(frame.filter(packed).select("key", *masks))
        self._text.add(frame.filter(~packed).select("oid", *masks))
        if pairs is not None:
            self._pairs.add(pairs)

    def held_bytes(self) -> int:
        """Memory of the sets as held (up to about twice their merged size)."""
        return sum(p.bytes for p in (self._packed, self._text, self._pairs))

    def merged_bytes(self) -> int:
        """Merge every part now; the memory of the distinct orders seen so far."""
        for parts in (self._packed, self._text, self._pairs):
            parts.merge()
        return self.held_bytes()

    def counts(self) -> dict[str, dict[tuple[str, str], int]]:
        """Distinct orders per group, per report (consumes the sets)."""
        per_bit: dict[str, Counter[int]] = {kind: Counter() for kind in KINDS}
        for parts in (self._packed, self._text):
            for merged in parts.drain():
                for kind in KINDS:
                    column = pl.col(f"m_{kind}").cast(pl.UInt64)
                    bits = range(min(self.groups.count(kind), MASK_BITS))
                    if not bits:
                        continue
                    found = merged.select(
                        ((column & pl.lit(1 << bit, pl.UInt64)) != 0).sum().alias(str(bit))
                        for bit in bits
                    )
                    for bit, n in zip(bits, found.row(0), strict=True):
                        per_bit[kind][bit] += n
        for merged in self._pairs.drain():
            for kind, group, n in merged.group_by("kind", "group").len().iter_rows():
                per_bit[kind][group] += n
        out: dict[str, dict[tuple[str, str], int]] = {}
        for kind in KINDS:
            names = self.groups.names(kind)
            out[kind] = {names[g]: n for g, n in per_bit[kind].items() if n}
        return out
