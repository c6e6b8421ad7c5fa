"""Row rules: every rejection reason, missing ship modes, blank rows, quoting, line numbers."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from shared.core import reports, rows, schema
from tests.helpers import BRIEF_HEADER, row

GOOD = row()


def one_reject(run_text, line: str) -> tuple[str, str]:
    """Run header + a good row + ``line``; return (line number, reason) of the single reject."""
    run = run_text(f"{BRIEF_HEADER}\n{GOOD}\n{line}\n")
    assert run.summary["rows_rejected"] == 1, run.rejected
    assert run.summary["rows_valid"] == 1
    # the valid row alone makes the reports: the rejected one is excluded everywhere
    assert run.lines(reports.MOST_PROFITABLE_REGION) == ["region,total_profit", "East,10.00"]
    number, reason, *_ = next(csv.reader(run.rejected))
    return number, reason


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"order_id": ""}, schema.REASON_BLANK["order_id"]),
        ({"order_id": "   "}, schema.REASON_BLANK["order_id"]),
        ({"region": ""}, schema.REASON_BLANK["region"]),
        ({"category": " \t"}, schema.REASON_BLANK["category"]),
        ({"sub_category": ""}, schema.REASON_BLANK["sub_category"]),
        ({"cost": "-1"}, schema.REASON_COST_PRICE),
        ({"cost": "abc"}, schema.REASON_COST_PRICE),
        ({"cost": ""}, schema.REASON_COST_PRICE),
        ({"cost": "1e3"}, schema.REASON_COST_PRICE),
        ({"list_price": "7."}, schema.REASON_LIST_PRICE),
        ({"list_price": ".5"}, schema.REASON_LIST_PRICE),
        ({"list_price": "+5"}, schema.REASON_LIST_PRICE),
        ({"list_price": '"1,000.00"'}, schema.REASON_LIST_PRICE),
        ({"quantity": "0"}, schema.REASON_QUANTITY),
        ({"quantity": "000"}, schema.REASON_QUANTITY),
        ({"quantity": "-2"}, schema.REASON_QUANTITY),
        ({"quantity": "1.5"}, schema.REASON_QUANTITY),
        ({"quantity": ""}, schema.REASON_QUANTITY),
        ({"discount": "100.01"}, schema.REASON_DISCOUNT),
        ({"discount": "150"}, schema.REASON_DISCOUNT),
        ({"discount": "-1"}, schema.REASON_DISCOUNT),
        ({"discount": "10%"}, schema.REASON_DISCOUNT),
        ({"discount": ""}, schema.REASON_DISCOUNT),
    ],
)
def test_each_rejection_reason(run_text, kwargs: dict[str, str], reason: str) -> None:
    number, got = one_reject(run_text, row(**kwargs))
    assert (number, got) == ("3", reason)


def test_field_count_is_checked_before_anything_else(run_text) -> None:
    short = GOOD.rsplit(",", 1)[0]
    assert one_reject(run_text, short) == ("3", schema.REASON_FIELD_COUNT)
    assert one_reject(run_text, GOOD + ",") == ("3", schema.REASON_FIELD_COUNT)
    assert one_reject(run_text, GOOD + ",extra") == ("3", schema.REASON_FIELD_COUNT)
    # a quoted comma is not a separator: this row is fine
    run = run_text(f"{BRIEF_HEADER}\n{row(city=chr(34) + 'Washington, D.C.' + chr(34))}\n")
    assert run.summary["rows_rejected"] == 0


def test_several_reasons_are_all_listed_in_rule_order(run_text) -> None:
    bad = row(order_id="", region=" ", cost="x", list_price="-1", quantity="0", discount="101")
    run = run_text(f"{BRIEF_HEADER}\n{bad}\n")
    expected = "; ".join(
        [
            schema.REASON_BLANK["order_id"],
            schema.REASON_BLANK["region"],
            schema.REASON_COST_PRICE,
            schema.REASON_LIST_PRICE,
            schema.REASON_QUANTITY,
            schema.REASON_DISCOUNT,
        ]
    )
    # The list price "-1" is written "'-1": a formula trigger (README "Reports are safe").
    written = bad.replace(",-1,", ",'-1,")
    assert run.rejected == [f"2,{expected},{written}"]
    assert run.summary["rejects_by_reason"] == dict.fromkeys(sorted(expected.split("; ")), 1)


def test_rejected_rows_keep_original_fields_as_read(run_text) -> None:
    bad = row(region="  ", city='"Washington, D.C."', quantity=" 0 ")
    run = run_text(f"{BRIEF_HEADER}\n{bad}\n")
    header = run.lines(reports.REJECTED_ROWS)[0]
    assert header == "line,reason," + BRIEF_HEADER
    # fields as read: untrimmed, unquoted by the parser and re-quoted by the writer where needed
    assert run.rejected == [
        "2,region: blank; quantity: not a positive integer,"
        + row(region="  ", city='"Washington, D.C."', quantity=" 0 ")
    ]


def test_rejected_row_with_extra_fields_keeps_them_all(run_text) -> None:
    run = run_text(f"{BRIEF_HEADER}\n{GOOD},x,y\n")
    assert run.rejected == [f"2,{schema.REASON_FIELD_COUNT},{GOOD},x,y"]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "  ",
        "Not Available",
        "NOT AVAILABLE",
        "unknown",
        "N/A",
        "n/a",
        "NA",
        "null",
        "NULL",
        "none",
        " None ",
    ],
)
def test_missing_ship_mode_counts_in_reports_1_and_3_not_2(run_text, token: str) -> None:
    run = run_text(f"{BRIEF_HEADER}\n{row(ship_mode=token, category='Tech')}\n{GOOD}\n")
    assert run.summary["rows_valid"] == 2
    assert run.lines(reports.MOST_PROFITABLE_REGION) == ["region,total_profit", "East,20.00"]
    assert run.lines(reports.SHIP_MODE_BY_CATEGORY) == [
        "category,ship_mode,order_count",
        "Furniture,First Class,1",
    ]
    assert "Tech,Chairs,1" in run.lines(reports.ORDERS_BY_CATEGORY)


def test_ship_mode_values_are_trimmed_but_case_sensitive(run_text) -> None:
    lines = [
        row(order_id="A", ship_mode=" First Class "),
        row(order_id="B", ship_mode="first class"),
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.lines(reports.SHIP_MODE_BY_CATEGORY)[1:] == [
        "Furniture,First Class,1",
        "Furniture,first class,1",
    ]


def test_blank_lines_and_all_empty_rows_are_skipped_not_rejected(run_text) -> None:
    empty = "," * 15
    text = f'{BRIEF_HEADER}\n\n{GOOD}\n   \n{empty}\n ,  ,\n"",""\n\r\n{row(quantity="0")}\n'
    run = run_text(text)
    assert run.summary["rows_valid"] == 1
    assert run.summary["rows_skipped_blank"] == 6
    assert run.summary["rows_rejected"] == 1
    assert run.rejected[0].startswith("9,")


def test_text_values_are_trimmed(run_text) -> None:
    run = run_text(
        f"{BRIEF_HEADER}\n{row(region=' East ', category=' Furniture', sub_category='Chairs  ')}\n"
    )
    assert run.lines(reports.MOST_PROFITABLE_REGION)[1] == "East,10.00"
    assert run.lines(reports.ORDERS_BY_CATEGORY)[1] == "Furniture,Chairs,1"


def test_quoted_fields_with_commas_quotes_and_line_breaks(run_text) -> None:
    lines = [
        row(order_id='"O-1"', category='"Furniture, Home"', sub_category='"Chairs ""Deluxe"""'),
        row(order_id="O-2", city='"Spring\nfield"'),  # a line break inside a quoted field
        row(
            order_id="O-3", quantity="0"
        ),  # rejected: its physical line number must count the break
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.summary["rows_valid"] == 2
    assert run.lines(reports.ORDERS_BY_CATEGORY)[1:] == [
        "Furniture,Chairs,1",
        '"Furniture, Home","Chairs ""Deluxe""",1',
    ]
    assert run.rejected[0].startswith("5,quantity: not a positive integer,O-3,")


def test_multiline_field_that_looks_like_a_record_is_not_split(run_text) -> None:
    inner = row(order_id="FAKE", region="North")  # a complete record, but inside quotes
    city = '"x\n' + inner + '\ny"'
    text = f"{BRIEF_HEADER}\n{row(city=city)}\n{GOOD}\n"
    run = run_text(text)
    assert run.summary["rows_read"] == 2
    assert "North" not in run.text(reports.MOST_PROFITABLE_REGION)
    assert run.lines(reports.MOST_PROFITABLE_REGION) == ["region,total_profit", "East,20.00"]


def test_unterminated_quote_is_one_malformed_record_and_parsing_resumes(run_text) -> None:
    filler = "\n".join(["x" * 1000] * 200)  # > the csv module's 128 KiB field limit
    text = f"{BRIEF_HEADER}\n{GOOD}\n{row(order_id='O-2', city=chr(34) + 'broken')}\n{filler}\n"
    run = run_text(text)
    assert run.summary["rows_valid"] == 1
    assert run.summary["rows_rejected"] >= 1
    assert run.rejected[0].startswith(f"3,{schema.REASON_MALFORMED},")


def test_physical_line_numbers_with_crlf_and_blank_lines(run_text) -> None:
    text = f"\r\n{BRIEF_HEADER}\r\n{GOOD}\r\n\r\n{row(quantity='0')}\r\n{row(region='')}\r\n"
    run = run_text(text)
    assert [line.split(",", 1)[0] for line in run.rejected] == ["5", "6"]


def test_unusual_but_valid_numbers_take_the_exact_path(run_text) -> None:
    lines = [
        row(order_id="A", quantity="007", cost="0010", list_price="20.000000"),  # = 10.00
        row(order_id="B", cost="1.123456789", list_price="2.123456789"),  # 1.00, 9 decimals
        row(order_id="C", cost="9999999999999", list_price="10000000000000", discount="100.000000"),
        row(order_id="D", discount="099.5", list_price="200", cost="0"),  # 1.00
    ]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.summary["rows_valid"] == 4
    # A: 10*7 = 70; B: 1; C: (1e13*0 - 9999999999999) = -9999999999999; D: 1
    assert run.lines(reports.MOST_PROFITABLE_REGION) == [
        "region,total_profit",
        "East,-9999999999927.00",
    ]


def test_the_fast_and_exact_paths_agree(run_text, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rows through the fast path, the quote-aware fast path and the exact path."""
    calls: list[int] = []
    original = rows.check_record

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(rows, "check_record", counting)
    values = [
        ("East", "19.99", "12.5"),
        ("West", "5.55", "0"),
        ("East", "100", "33.3333"),
        ("South", "7", "100"),
    ]

    def lines(nine_decimals: bool = False) -> list[str]:
        return [
            row(
                order_id=f"O-{i}",
                region=r,
                list_price=f"{Decimal(p):.9f}" if nine_decimals else p,
                discount=d,
            )
            for i, (r, p, d) in enumerate(values)
        ]

    plain = run_text("\n".join([BRIEF_HEADER, *lines()]) + "\n")
    assert len(calls) == 0
    quoted_lines = ['"' + line.replace(",", '","') + '"' for line in lines()]
    quoted = run_text("\n".join([BRIEF_HEADER, *quoted_lines]) + "\n")
    assert len(calls) == 0
    # Nine decimals are valid, but beyond the fast path's scaled-integer range (8 decimals).
    exact = run_text("\n".join([BRIEF_HEADER, *lines(nine_decimals=True)]) + "\n")
    assert len(calls) == len(values)
    for name in reports.ANALYTICS_REPORTS:
        assert plain.text(name) == quoted.text(name) == exact.text(name)
