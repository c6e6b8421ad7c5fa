"""The three reports: money, ties, distinct orders, sorting, and the sample's expected output."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.core import money, reports
from tests.helpers import BRIEF_HEADER, SAMPLE, row

SAMPLE_EXPECTED = {
    reports.MOST_PROFITABLE_REGION: "region,total_profit\nEast,1059.15\n",
    reports.SHIP_MODE_BY_CATEGORY: (
        "category,ship_mode,order_count\n"
        "Furniture,Standard Class,3\n"
        "Office Supplies,Second Class,5\n"
        "Office Supplies,Standard Class,5\n"
        "Technology,Same Day,2\n"
        "Technology,Standard Class,2\n"
    ),
    reports.ORDERS_BY_CATEGORY: (
        "category,sub_category,order_count\n"
        "Furniture,Bookcases,1\n"
        "Furniture,Chairs,2\n"
        "Furniture,Furnishings,2\n"
        "Furniture,Tables,2\n"
        "Office Supplies,Appliances,1\n"
        "Office Supplies,Art,2\n"
        "Office Supplies,Binders,3\n"
        "Office Supplies,Envelopes,1\n"
        "Office Supplies,Labels,2\n"
        "Office Supplies,Paper,1\n"
        "Office Supplies,Storage,3\n"
        "Technology,Accessories,2\n"
        "Technology,Machines,1\n"
        "Technology,Phones,5\n"
    ),
    reports.REJECTED_ROWS: "line,reason," + BRIEF_HEADER + "\n",
}


def test_sample_reports_byte_for_byte(run_text) -> None:
    """Hand-checked: East = 1059.149 -> 1059.15; two ship-mode ties; CA-2021-115812 has
    two Technology/Phones lines and counts once; the Not Available row counts in reports
    1 and 3 only."""
    run = run_text(SAMPLE.read_bytes())
    for name, expected in SAMPLE_EXPECTED.items():
        assert run.text(name) == expected, name
    assert run.summary["rows_read"] == 29
    assert run.summary["rows_valid"] == 29


def test_line_profit_formula() -> None:
    # (list x (1 - d/100) - cost) x qty with unit prices
    assert money.line_profit(Decimal("260"), Decimal("240"), Decimal("2"), 2) == Decimal("29.6")
    assert money.line_profit(Decimal("18.50"), Decimal("12"), Decimal("12.5"), 3) == Decimal(
        "12.5625"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2465.5", "2465.50"),
        ("-12", "-12.00"),
        ("0.005", "0.00"),  # half-even: to the even cent
        ("0.015", "0.02"),
        ("0.025", "0.02"),
        ("-0.025", "-0.02"),
        ("-0.004", "0.00"),  # never "-0.00"
        ("1e-30", "0.00"),
        ("12345678901234567890.125", "12345678901234567890.12"),
    ],
)
def test_cents_are_half_even_with_two_places(value: str, text: str) -> None:
    assert money.format_cents(Decimal(value)) == text


def test_half_even_applies_to_the_total_not_to_each_line(run_text) -> None:
    # three lines of 0.005 profit each: total 0.015 -> 0.02 (per-line rounding would give 0.00)
    lines = [row(order_id=f"O{i}", cost="0", list_price="0.005") for i in range(3)]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION)[1] == "East,0.02"


def test_no_binary_float_drift_over_many_rows(run_text) -> None:
    # 0.1 profit x 10,000 rows is exactly 1000.00 (float sums drift)
    lines = [row(order_id=f"O{i}", cost="0", list_price="0.1") for i in range(10_000)]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION)[1] == "East,1000.00"


def test_region_tie_gives_one_row_per_region_ascending(run_text) -> None:
    lines = [
        row(order_id="1", region="West", list_price="30"),
        row(order_id="2", region="East", list_price="30"),
        row(order_id="3", region="Central", list_price="25"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == [
        "region,total_profit",
        "East,20.00",
        "West,20.00",
    ]


def test_region_tie_is_decided_on_exact_totals_not_rounded_ones(run_text) -> None:
    lines = [
        row(order_id="1", region="West", cost="0", list_price="1.004"),
        row(order_id="2", region="East", cost="0", list_price="1.001"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == ["region,total_profit", "West,1.00"]


def test_negative_totals_still_have_a_most_profitable_region(run_text) -> None:
    lines = [
        row(order_id="1", region="West", cost="50", list_price="20"),
        row(order_id="2", region="East", cost="30", list_price="20"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == ["region,total_profit", "East,-10.00"]


def test_ship_mode_counts_distinct_orders_and_keeps_ties(run_text) -> None:
    lines = [
        # order A has three lines in Furniture by Second Class: counts once
        row(order_id="A", ship_mode="Second Class"),
        row(order_id="A", ship_mode="Second Class", sub_category="Tables"),
        row(order_id="A", ship_mode="Second Class", sub_category="Bookcases"),
        row(order_id="B", ship_mode="First Class"),
        # Technology: Same Day 1 order vs Standard Class 1 order -> tie
        row(order_id="C", ship_mode="Same Day", category="Technology", sub_category="Phones"),
        row(order_id="D", ship_mode="Standard Class", category="Technology", sub_category="Phones"),
        # Office Supplies only has a missing ship mode: left out of report 2
        row(order_id="E", ship_mode="N/A", category="Office Supplies", sub_category="Paper"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.SHIP_MODE_BY_CATEGORY) == [
        "category,ship_mode,order_count",
        "Furniture,First Class,1",
        "Furniture,Second Class,1",
        "Technology,Same Day,1",
        "Technology,Standard Class,1",
    ]


def test_orders_by_category_counts_an_order_once_per_pair(run_text) -> None:
    lines = [
        row(order_id="A"),
        row(order_id="A"),
        row(order_id="A", sub_category="Tables"),
        row(order_id="B"),
        row(order_id=" B "),  # trimmed: the same order
        row(order_id="C", category="Technology", sub_category="Phones"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.ORDERS_BY_CATEGORY) == [
        "category,sub_category,order_count",
        "Furniture,Chairs,2",
        "Furniture,Tables,1",
        "Technology,Phones,1",
    ]


def test_sorting_is_by_code_point(run_text) -> None:
    lines = [
        row(order_id="1", category="b", sub_category="x"),
        row(order_id="2", category="B", sub_category="x"),
        row(order_id="3", category="Ä", sub_category="x"),
        row(order_id="4", category="a", sub_category="y"),
        row(order_id="5", category="a", sub_category="X"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert [
        line.split(",")[0] + line.split(",")[1]
        for line in run.lines(reports.ORDERS_BY_CATEGORY)[1:]
    ] == [
        "Bx",
        "aX",
        "ay",
        "bx",
        "Äx",
    ]


def test_report_helpers_directly() -> None:
    assert reports.most_profitable_regions({}) == []
    assert reports.most_common_ship_modes([("C", "b", 2), ("C", "a", 2), ("C", "c", 1)]) == [
        ("C", "a", 2),
        ("C", "b", 2),
    ]
