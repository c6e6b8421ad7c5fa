"""Distinct-order sets: exact 64-bit keys, and the same counts whichever way parts merge."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.core import distinct, pipeline, reports
from shared.core.generate import generate_orders


def test_order_keys_are_exact_and_fall_back_to_text() -> None:
    ids = ["US-2023-1000001", "US-2023-01000001", "US-2023-1000001 ", "7", "007", "", "A", "AB"]
    long = ["X" + "9" * 14, "X" + "9" * 13]
    keys = distinct.OrderKeys().keys(pl.Series(ids + long)).to_list()
    packed = keys[: len(ids)] + keys[-1:]
    assert None not in packed
    assert len(set(packed)) == len(packed)  # distinct ids, distinct keys ("7" vs "007" too)
    assert keys[-2] is None  # 14 trailing digits: kept as text


def test_prefixes_beyond_the_dictionary_fall_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distinct, "_MAX_PREFIXES", 2)
    keys = distinct.OrderKeys().keys(pl.Series(["A1", "B1", "C1", "A2"])).to_list()
    assert keys[0] is not None and keys[1] is not None and keys[3] is not None
    assert keys[2] is None


@pytest.mark.parametrize("floor", [1, 1_000, 40_000])
def test_merging_and_packing_parts_change_no_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, floor: int
) -> None:
    """Orders spread over many chunks, merged early or only at the end."""
    src = tmp_path / "orders.csv"
    generate_orders(src, 60_000, seed=5, dirty_share=0.02)
    plain = pipeline.run_file(src, tmp_path / "plain", chunk_bytes=1 << 20)
    monkeypatch.setattr(distinct, "_MERGE_FLOOR", floor)
    merged = pipeline.run_file(src, tmp_path / "merged", chunk_bytes=64 << 10)
    for name in reports.ANALYTICS_REPORTS:
        assert merged.files[name].read_bytes() == plain.files[name].read_bytes()


def test_groups_beyond_the_bitset_width_are_counted_exactly(tmp_path: Path) -> None:
    """More than 64 (category, sub-category) pairs: the overflow pairs count the same."""
    header = (
        "Order Id,Ship Mode,Region,Category,Sub Category,cost price,List Price,Quantity,"
        "Discount Percent"
    )
    lines = [header]
    for i in range(300):
        group = i % 80
        lines.append(f"O-{i % 37},Mode{i % 70},East,C{group % 3},S{group},1,2,1,0")
    src = tmp_path / "many.csv"
    src.write_text("\n".join(lines) + "\n")
    result = pipeline.run_file(src, tmp_path / "out", chunk_bytes=2 << 10)
    expected: dict[tuple[str, str], set[str]] = {}
    for i in range(300):
        group = i % 80
        expected.setdefault((f"C{group % 3}", f"S{group}"), set()).add(f"O-{i % 37}")
    got = {(c, s): n for c, s, n in result.reports.orders_by_category_and_sub_category}
    assert got == {k: len(v) for k, v in expected.items()}
    modes: dict[tuple[str, str], set[str]] = {}
    for i in range(300):
        modes.setdefault((f"C{i % 80 % 3}", f"Mode{i % 70}"), set()).add(f"O-{i % 37}")
    best = {c: max(len(v) for (c2, _), v in modes.items() if c2 == c) for c, _ in modes}
    assert result.reports.most_common_ship_mode_by_category == sorted(
        (c, m, len(v)) for (c, m), v in modes.items() if len(v) == best[c]
    )
