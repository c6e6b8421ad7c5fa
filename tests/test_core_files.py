"""File-level behaviour: encodings, compression, headers, and the errors that stop a file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from shared.core import errors, pipeline, reports, source
from shared.core.limits import Limits
from tests.helpers import BRIEF_HEADER, row, write_input

GOOD = f"{BRIEF_HEADER}\n{row()}\n"
EXPECTED_REGION = ["region,total_profit", "East,10.00"]


def test_bom_is_ignored(run_text) -> None:
    run = run_text(b"\xef\xbb\xbf" + GOOD.encode())
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.lines(reports.REJECTED_ROWS)[0].startswith("line,reason,Order Id,")


def test_crlf_line_ends(run_text) -> None:
    text = f"{BRIEF_HEADER}\r\n{row()}\r\n{row(order_id='O-2', region='West', list_price='5')}\r\n"
    run = run_text(text)
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.summary["rows_valid"] == 2
    assert run.summary["rows_rejected"] == 0


def test_last_line_without_newline(run_text) -> None:
    run = run_text(f"{BRIEF_HEADER}\n{row()}")
    assert run.summary["rows_valid"] == 1


@pytest.mark.parametrize("name", ["orders.csv.gz", "orders.csv", "orders.txt"])
def test_gzip_detected_by_magic_bytes_whatever_the_name(run_text, name: str) -> None:
    run = run_text(GOOD, compress=True, name=name)
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.summary["compressed"] is True
    assert run.summary["data_bytes"] == len(GOOD.encode())


def test_plain_file_named_gz_is_read_as_plain(run_text) -> None:
    run = run_text(GOOD, name="orders.csv.gz")
    assert run.summary["compressed"] is False
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION


def test_header_only_input_writes_header_only_reports(run_text) -> None:
    run = run_text(BRIEF_HEADER + "\n")
    for name in reports.ANALYTICS_REPORTS:
        assert run.lines(name) == [",".join(reports.COLUMNS[name])]
    assert run.rejected == []
    assert run.summary["rows_read"] == 0


def test_blank_lines_before_header_are_skipped(run_text) -> None:
    run = run_text(f"\n  \n{BRIEF_HEADER}\n{row()}\n{row(quantity='x')}\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.rejected[0].startswith("5,quantity: not a positive integer,")


@pytest.mark.parametrize(
    "header",
    [
        " ORDER ID ,Ship  Mode,REGION,category,Sub-Category,Cost_Price,list price,"
        "quantity,Discount-Percent",
        "order_id,ship_mode,region,category,sub_category,cost_price,list_price,"
        "quantity,discount_percent",
        "Order__Id,Ship - Mode,Region,Category,Sub _ Category,cost price,List Price,"
        "Quantity,Discount Percent",
    ],
)
def test_header_names_match_after_normalising(run_text, header: str) -> None:
    line = "O-1,First Class,East,Furniture,Chairs,10,20,1,0"
    run = run_text(f"{header}\n{line}\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.lines(reports.ORDERS_BY_CATEGORY)[1] == "Furniture,Chairs,1"


def test_column_order_is_free_and_extra_columns_are_ignored(run_text) -> None:
    header = (
        "Notes,Discount Percent,Quantity,List Price,cost price,Sub Category,Category,"
        "Region,Ship Mode,Order Id,Extra"
    )
    line = "hello,0,1,20,10,Chairs,Furniture,East,First Class,O-1,whatever"
    run = run_text(f"{header}\n{line}\n")
    assert run.lines(reports.MOST_PROFITABLE_REGION) == EXPECTED_REGION
    assert run.lines(reports.SHIP_MODE_BY_CATEGORY)[1] == "Furniture,First Class,1"


# ---- file-level errors: one exception type each, one line naming file and cause, nothing written


def _fails(tmp_path: Path, data: bytes, name: str = "bad.csv") -> errors.InputFileError:
    src = write_input(tmp_path / name, data)
    out = tmp_path / "out"
    with pytest.raises(errors.InputFileError) as info:
        pipeline.run_file(src, out, name=name)
    assert not out.exists(), "nothing may be written for a bad file"
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    exc = _fails(tmp_path, b"")
    assert isinstance(exc, errors.EmptyFileError)
    assert "empty" in str(exc)


def test_empty_gzip(tmp_path: Path) -> None:
    exc = _fails(tmp_path, gzip.compress(b""), "empty.csv.gz")
    assert isinstance(exc, errors.EmptyFileError)


def test_invalid_utf8_reports_the_byte_offset(tmp_path: Path) -> None:
    data = f"{BRIEF_HEADER}\n{row()}\n".encode() + b"O-2,\xff\xfe" + row()[4:].encode() + b"\n"
    offset = data.index(b"\xff")
    exc = _fails(tmp_path, data)
    assert isinstance(exc, errors.InvalidUtf8Error)
    assert exc.offset == offset
    assert f"byte offset {offset}" in str(exc)


def test_invalid_utf8_deep_in_a_large_file(tmp_path: Path) -> None:
    body = (row() + "\n") * 20_000
    data = f"{BRIEF_HEADER}\n{body}".encode() + b"\xc3(" + b"\n"
    exc = _fails(tmp_path, data)
    assert isinstance(exc, errors.InvalidUtf8Error)
    assert exc.offset == len(data) - 3


def test_invalid_utf8_in_the_header(tmp_path: Path) -> None:
    exc = _fails(tmp_path, b"Order Id\xff,x\n")
    assert isinstance(exc, errors.InvalidUtf8Error)
    assert exc.offset == 8


def test_corrupt_gzip(tmp_path: Path) -> None:
    good = gzip.compress(GOOD.encode() * 50)
    exc = _fails(tmp_path, good[:-30] + b"garbage-garbage-garbage-garbage", "bad.csv.gz")
    assert isinstance(exc, errors.CorruptGzipError)
    assert "corrupt gzip" in str(exc)


def test_truncated_gzip(tmp_path: Path) -> None:
    good = gzip.compress(GOOD.encode() * 50)
    exc = _fails(tmp_path, good[: len(good) // 2], "cut.csv.gz")
    assert isinstance(exc, errors.CorruptGzipError)


def test_many_gzip_members_and_padding_are_read_in_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny members and zero padding in one big block: every member's data is read, and the
    bytes handed to zlib stay proportional to the input (zlib copies what follows a member,
    so feeding it whole blocks made a file of millions of empty members quadratic)."""
    members = [gzip.compress(b"") for _ in range(20_000)]
    members.insert(10_000, b"\0" * 1000)  # padding between members
    data = b"".join(members) + gzip.compress(GOOD.encode())
    fed: list[int] = []
    real = source.zlib.decompressobj

    class Counting:
        def __init__(self, **kwargs: int) -> None:
            self._inner = real(**kwargs)

        def decompress(self, piece: bytes, limit: int) -> bytes:
            fed.append(len(piece))
            return self._inner.decompress(piece, limit)

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

    monkeypatch.setattr(source.zlib, "decompressobj", Counting)
    path = write_input(tmp_path / "members.csv.gz", data)
    result = pipeline.run_file(path, tmp_path / "out")
    assert result.summary["rows_valid"] == 1
    assert sum(fed) < 2 * len(data) + 1024 * len(members)


def test_no_header(tmp_path: Path) -> None:
    exc = _fails(tmp_path, b"\n   \r\n\n")
    assert isinstance(exc, errors.NoHeaderError)


def test_missing_columns_lists_missing_and_found(tmp_path: Path) -> None:
    exc = _fails(tmp_path, b"Order Id,Region,Category,Sub Category\nO-1,East,F,C\n")
    assert isinstance(exc, errors.MissingColumnsError)
    assert exc.missing == ["ship_mode", "cost_price", "list_price", "quantity", "discount_percent"]
    assert (
        "missing required column(s) ship_mode, cost_price, list_price, quantity, discount_percent"
        in str(exc)
    )
    assert "columns found: Order Id, Region, Category, Sub Category" in str(exc)


def test_data_without_header_is_missing_columns(tmp_path: Path) -> None:
    exc = _fails(tmp_path, (row() + "\n").encode())
    assert isinstance(exc, errors.MissingColumnsError)


def test_columns_that_normalise_to_the_same_name(tmp_path: Path) -> None:
    exc = _fails(tmp_path, f"{BRIEF_HEADER},Order_ID\n{row()},x\n".encode())
    assert isinstance(exc, errors.DuplicateColumnsError)
    assert "'Order Id' and 'Order_ID' both normalise to 'order_id'" in str(exc)


def test_header_with_unterminated_quote(tmp_path: Path) -> None:
    exc = _fails(tmp_path, b'Order Id,"Region\nx\n')
    assert isinstance(exc, errors.MalformedHeaderError)


def test_error_types_are_distinct() -> None:
    kinds = {
        errors.EmptyFileError,
        errors.InvalidUtf8Error,
        errors.CorruptGzipError,
        errors.NoHeaderError,
        errors.MissingColumnsError,
        errors.DuplicateColumnsError,
        errors.MalformedHeaderError,
    }
    assert len({k.__name__ for k in kinds}) == len(kinds)
    assert all(issubclass(k, errors.InputFileError) for k in kinds)


def test_input_is_never_modified(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.csv.gz", GOOD, compress=True)
    before = src.read_bytes()
    pipeline.run_file(src, tmp_path / "out")
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv.gz", "out"]


@pytest.mark.parametrize("compress", [True, False])
def test_data_beyond_max_data_bytes_is_refused_while_streaming(
    tmp_path: Path, compress: bool
) -> None:
    """A gzip bomb (or a plain file) past MAX_DATA_BYTES stops early with both sizes named."""
    plain = (BRIEF_HEADER + "\n" + (row() + "\n") * 100_000).encode()  # about 11 MB
    data = gzip.compress(plain, compresslevel=9) if compress else plain
    out = tmp_path / "out"
    with pytest.raises(errors.InputTooLargeError) as info:
        pipeline.run_stream([data], out, name="big.csv", limits=Limits(max_data_bytes=1 << 20))
    message = str(info.value)
    assert message.startswith("big.csv: decompressed data exceeds the limit of 1048576 bytes")
    kind = "gzip" if compress else "plain"
    assert f"bytes of {kind} input were read" in message
    assert not out.exists()
