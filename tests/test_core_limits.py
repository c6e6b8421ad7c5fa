"""Issue 13's rules in the core: quotes, limits as settings, safe CSV cells, stale work folders."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest

from shared.core import errors, quoting, reports, scratch
from shared.core.limits import InvalidSettingError, Limits
from tests.helpers import BRIEF_HEADER, row

# --- the quote rule: README "Quotes", line by line -------------------------------------------


@pytest.mark.parametrize(
    ("city", "read_as"),
    [
        ('"Washington, D.C."', "Washington, D.C."),
        ('Spring"field', 'Spring"field'),  # a quote inside an unquoted field is a character
        ('"ab"c"d', 'abc"d'),  # text after a closing quote is kept, its quotes literal
        ('"Multi\nline"', "Multi\nline"),  # one record over two lines
        ('"East\rWest"', "East\rWest"),  # a CR inside quotes is kept
    ],
)
def test_fields_are_read_as_the_readme_says(run_text, city: str, read_as: str) -> None:
    run = run_text(f"{BRIEF_HEADER}\n{row(city=city, quantity='0')}\n")
    data = run.text(reports.REJECTED_ROWS)
    (record,) = list(csv.reader(io.StringIO(data, newline="")))[1:]
    assert record[2 + BRIEF_HEADER.split(",").index("City")] == read_as
    assert run.summary["rows_rejected"] == 1


def test_an_unclosed_quote_costs_its_line_only(run_text) -> None:
    lines = [row(order_id="O-0", city='"Springfield')] + [row(order_id=f"O-{i}") for i in (1, 2)]
    run = run_text("\n".join([BRIEF_HEADER, *lines]) + "\n")
    assert run.summary["rows_valid"] == 2
    assert run.rejected == [f'2,malformed CSV record,"{lines[0].replace(chr(34), 2 * chr(34))}"']


def test_a_record_past_max_record_bytes_costs_its_first_line(tmp_path: Path) -> None:
    from shared.core import pipeline

    opener = row(order_id="O-0", city='"Multi')
    long_field = ["x" * 50] * 4  # 204 bytes before the closing line
    closing = 'end",' + row(order_id="O-9").split(",", 6)[-1]
    data = "\n".join([BRIEF_HEADER, opener, *long_field, closing, row(order_id="O-1")]) + "\n"
    result = pipeline.run_stream(
        [data.encode()], tmp_path / "out", name="in.csv", limits=Limits(max_record_bytes=200)
    )
    by_reason = result.summary["rejects_by_reason"]
    # Line 2 alone is malformed; the four x lines and the closing line are records of their own.
    assert by_reason == {"malformed CSV record": 1, "field count differs from header": 5}
    assert result.summary["rows_valid"] == 1
    whole = pipeline.run_stream([data.encode()], tmp_path / "whole", name="in.csv")
    assert (whole.summary["rows_valid"], whole.summary["rows_rejected"]) == (2, 0)  # one record


@pytest.mark.parametrize(
    ("line", "opens"),
    [
        ("a,b", False),
        ('a,"b', True),
        ('a,"b,c"', False),
        ('a,b"c', False),
        ('"a""', True),
        ('"a""",b', False),
        ('"ab"c"d', False),
        ('x,"', True),
    ],
)
def test_which_lines_open_a_quoted_field(line: str, opens: bool) -> None:
    assert quoting.opens(line) is opens


@pytest.mark.parametrize(
    ("record", "bare"),
    [("a,b", False), ("a\rb,c", True), ('"a\rb",c', False), ('"a"\r,c', True), ("a,\r", True)],
)
def test_bare_carriage_returns(record: str, bare: bool) -> None:
    assert quoting.has_bare_cr(record) is bare


# --- limits are settings -------------------------------------------------------------------


def test_limits_come_from_the_environment_with_the_same_defaults_everywhere() -> None:
    assert Limits.from_env({}) == Limits()
    found = Limits.from_env({"MAX_INPUT_BYTES": "1000", "MAX_COLUMNS": " 50 ", "X": "1"})
    assert found.max_input_bytes == found.max_data_bytes == 1000
    assert found.max_columns == 50
    assert Limits.from_env({"MAX_REJECTED_ROWS": "0"}).max_rejected_rows == 0
    assert Limits.from_env(Limits(max_line_bytes=77).as_env()).max_line_bytes == 77


@pytest.mark.parametrize(
    "env",
    [
        {"MAX_LINE_BYTES": "1e6"},
        {"MAX_LINE_BYTES": "0"},
        {"MAX_NUMBER_DIGITS": "1001"},
        {"MAX_COLUMNS": "-5"},
        {"MAX_REJECTED_ROWS": "-1"},
    ],
)
def test_bad_settings_are_refused_in_one_line(env: dict[str, str]) -> None:
    with pytest.raises(InvalidSettingError, match=next(iter(env))):
        Limits.from_env(env)


def test_a_stored_input_above_max_input_bytes_is_not_read(tmp_path: Path) -> None:
    from shared.core import pipeline

    src = tmp_path / "in.csv"
    src.write_text(f"{BRIEF_HEADER}\n{row()}\n")
    with pytest.raises(errors.InputTooLargeError, match="MAX_INPUT_BYTES"):
        pipeline.run_file(src, tmp_path / "out", limits=Limits(max_input_bytes=100))
    with pytest.raises(errors.InputTooLargeError, match="after 150 bytes"):
        data = src.read_bytes()
        blocks = [data[i : i + 50] for i in range(0, len(data), 50)]  # stdin: size unknown
        pipeline.run_stream(blocks, tmp_path / "o2", name="-", limits=Limits(max_input_bytes=100))


# --- spreadsheet-safe cells, and CRs always quoted -----------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(1)", "'+SUM(1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'s-Hertogenbosch", "''s-Hertogenbosch"),
        ("East", "East"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_triggers_get_a_leading_apostrophe(value: str, written: str) -> None:
    assert reports.cell(value) == written
    assert written[1:] == value if written.startswith("'") else written == value


def test_the_writer_quotes_every_cr_and_lf_and_otherwise_matches_csv() -> None:
    rows = [["East\rWest", "a\nb", "x", None, 5], ["a", 'b"c', "d,e", ""], ["\r"]]
    buf = io.StringIO()
    reports.csv_writer(buf).writerows(rows)
    text = buf.getvalue()
    assert text == '"East\rWest","a\nb",x,,5\na,"b""c","d,e",\n"\r"\n'
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back == [["East\rWest", "a\nb", "x", "", "5"], ["a", 'b"c', "d,e", ""], ["\r"]]
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerow(rows[1])
    assert plain.getvalue() in text  # rows without a CR: the csv module's own bytes


def test_formula_values_are_escaped_in_reports_and_rejected_rows(run_text) -> None:
    lines = [row(order_id="O-1", region="=1+2"), row(order_id="O-2", region="@x", quantity="0")]
    run = run_text("\n".join([BRIEF_HEADER + ",=SUM(1)", *(f"{x}," for x in lines)]) + "\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION)[1].startswith("'=1+2,")
    header, rejected = run.lines(reports.REJECTED_ROWS)
    assert header.endswith(",'=SUM(1)")
    assert ",'@x," in rejected
    assert run.summary["rows_valid"] == 1


# --- work folders of processes that are gone ------------------------------------------------


def test_only_folders_of_processes_that_are_gone_are_removed(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / f"orders-{gone.pid}-abc"
    stale.mkdir()
    (stale / "rejected_rows.csv").write_text("x")
    live = tmp_path / f"orders-{os.getppid()}-def"  # the parent of this process is alive
    live.mkdir()
    other = tmp_path / "orders-query-1"
    other.mkdir()
    with scratch.folder("orders-", tmp_path) as mine:
        assert scratch.remove_stale("orders-", tmp_path) == [stale]
        assert mine.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


# --- the distinct-order sets: MAX_ORDER_SET_BYTES ---------------------------------------------


def _long_ids(n: int) -> bytes:
    """n rows whose ids do not pack into 64 bits (a letter after the digits), ~200 bytes each."""
    rows = [row(order_id=f"{'X' * 190}{i}Z") for i in range(n)]
    return ("\n".join([BRIEF_HEADER, *rows]) + "\n").encode()


@pytest.mark.parametrize("chunk_bytes", [64 << 10, 8 << 20])
def test_distinct_orders_past_max_order_set_bytes_are_a_file_level_error(
    tmp_path: Path, chunk_bytes: int
) -> None:
    from shared.core import pipeline

    data = _long_ids(20_000)  # ~4 MB of distinct ids
    with pytest.raises(errors.TooManyOrdersError) as caught:
        pipeline.run_stream(
            [data],
            tmp_path / "out",
            name="ids.csv",
            limits=Limits(max_order_set_bytes=1 << 20),
            chunk_bytes=chunk_bytes,
        )
    assert "MAX_ORDER_SET_BYTES" in str(caught.value)
    assert errors.disposition(caught.value) is errors.Disposition.FILE
    assert not (tmp_path / "out").exists()
    within = pipeline.run_stream(
        [data],
        tmp_path / "ok",
        name="ids.csv",
        limits=Limits(max_order_set_bytes=64 << 20),
        chunk_bytes=chunk_bytes,
    )
    assert within.summary["rows_valid"] == 20_000
    assert within.reports.orders_by_category_and_sub_category[0][2] == 20_000


def test_max_order_set_bytes_is_a_setting() -> None:
    assert Limits.from_env({"MAX_ORDER_SET_BYTES": "12345"}).max_order_set_bytes == 12345
    with pytest.raises(InvalidSettingError):
        Limits.from_env({"MAX_ORDER_SET_BYTES": "0"})
