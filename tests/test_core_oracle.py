"""Property test: on random small files the engine agrees with the naive oracle, byte for byte."""

from __future__ import annotations

import csv
import gzip
import io
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.core import engine, pipeline, reports
from shared.core.limits import Limits
from tests.oracle import oracle

COLUMNS = [
    ("Order Id", "order_id"),
    ("Ship Mode", "ship_mode"),
    ("Region", "region"),
    ("Category", "category"),
    ("Sub Category", "sub_category"),
    ("cost price", "cost_price"),
    ("List Price", "list_price"),
    ("Quantity", "quantity"),
    ("Discount Percent", "discount_percent"),
    ("City", None),
    ("Notes", None),
]


def mostly(valid: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """Valid values four times out of five, so most rows survive and the reports have content."""
    return st.sampled_from(valid * (4 * max(1, len(odd)) // max(1, len(valid)) + 1) + odd)


text_value = mostly(["A", "B", "Ä"], ["b", "A B", " A", "A ", "", "  ", "x,y", 'q"t', "é"])
ship_value = mostly(
    ["First Class", "Same Day"],
    ["first class", " Same Day ", "", "N/A", "Not Available", "null", "NA", "none"],
)
price_value = st.one_of(
    mostly(
        ["0", "1", "10.5", "0.005", "2.25"],
        ["007", "1.123456", "99999999999999", "-1", "x", "", "1.", " 3 "],
    ),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(str),
)
quantity_value = mostly(["1", "2", "3", "10"], ["007", "0", "00", "-1", "1.5", "", "x", "1000000"])
discount_value = mostly(
    ["0", "5", "12.5", "100"], ["33.3333", "100.0", "100.01", "101", "-5", "", "x", "00.5"]
)
order_value = mostly(["O1", "O2", "O3"], [" O1", "O1 ", "", "o1"])


# Stray and unbalanced quotes (and bare CRs) anywhere in a data line: (line, position, text).
stray_edits = st.lists(
    st.tuples(
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.sampled_from(['"', '"', '"', '""', '","', '"\n', '\n"', "\r", '"\r']),
    ),
    max_size=4,
)


def _stray(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each edit's characters inserted into a data line (never the header),
    e.g. ``E"ast``, ``"East``, ``East"``, ``a,"b``, or a quote opening a field for good."""
    lines = text.splitlines(keepends=True)
    for line_pick, position, insert in edits:
        if len(lines) < 2:
            break
        k = 1 + line_pick % (len(lines) - 1)
        body = lines[k].rstrip("\r\n")
        at = position % (len(body) + 1)
        lines[k] = body[:at] + insert + body[at:] + lines[k][len(body) :]
    return "".join(lines)


@st.composite
def order_files(draw: st.DrawFn) -> bytes:
    cols = draw(st.permutations(COLUMNS))
    header = [
        draw(st.sampled_from([name, name.upper(), name.replace(" ", "_"), f" {name} "]))
        for name, _ in cols
    ]
    strategies = {
        "order_id": order_value,
        "ship_mode": ship_value,
        "region": mostly(["East", "West"], [" East", "", "east"]),
        "category": text_value,
        "sub_category": text_value,
        "cost_price": price_value,
        "list_price": price_value,
        "quantity": quantity_value,
        "discount_percent": discount_value,
        None: st.sampled_from(["", "note", "a,b", 'say "hi"', "two\nlines", "tab\tx"]),
    }
    records: list[list[str] | str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "short", "long", "empty"]))
        fields = [draw(strategies[key]) for _, key in cols]
        if kind == "blank":
            records.append(draw(st.sampled_from(["", "   ", "\t"])))
        elif kind == "short":
            records.append(fields[:-1])
        elif kind == "long":
            records.append([*fields, "extra"])
        elif kind == "empty":
            records.append([""] * len(fields))
        else:
            records.append(fields)
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    for record in records:
        if isinstance(record, str):
            buf.write(record + newline)
        else:
            writer.writerow(record)
    text = _stray(buf.getvalue(), draw(stray_edits))
    if draw(st.booleans()):
        text = "\ufeff" + text
    if draw(st.booleans()) and text.endswith(newline):
        text = text[: -len(newline)]
    return text.encode("utf-8")


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=order_files())
def test_engine_matches_oracle(run_text, data: bytes) -> None:
    expected = oracle(data.decode("utf-8"))
    run = run_text(data)
    for name in reports.REPORT_NAMES:
        assert run.text(name) == expected[name], name
    for key in ("rows_valid", "rows_rejected", "rows_skipped_blank"):
        assert run.summary[key] == expected[key], key


def _run_chunked(
    data: bytes,
    out: Path,
    chunk_bytes: int,
    block: int,
    limits: Limits,
    *,
    chunk_lines: int = engine.DEFAULT_CHUNK_LINES,
) -> dict[str, object]:
    """Reports (text), summary counts; the input fed in raw blocks of ``block`` bytes."""
    blocks = [data[i : i + block] for i in range(0, len(data), block)]
    result = pipeline.run_stream(
        iter(blocks),
        out,
        name="in.csv",
        chunk_bytes=chunk_bytes,
        chunk_lines=chunk_lines,
        limits=limits,
    )
    found: dict[str, object] = {
        name: result.files[name].read_bytes().decode("utf-8") for name in reports.REPORT_NAMES
    }
    for key in ("rows_valid", "rows_rejected", "rows_skipped_blank", "rejects_by_reason"):
        found[key] = result.summary[key]
    return found


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=order_files(),
    chunk_bytes=st.one_of(st.integers(1, 64), st.integers(65, 4096)),
    block=st.integers(1, 97),
    compress=st.booleans(),
    max_record=st.sampled_from([128 << 10, 40, 120, 400]),
    chunk_lines=st.one_of(st.just(engine.DEFAULT_CHUNK_LINES), st.integers(1, 6)),
)
def test_tiny_chunks_match_whole_file_and_oracle(
    tmp_path: Path,
    *,
    data: bytes,
    chunk_bytes: int,
    block: int,
    compress: bool,
    max_record: int,
    chunk_lines: int,
) -> None:
    """Chunk and read boundaries anywhere (inside quoted fields, CRLF pairs, multi-byte
    characters, the BOM, a gzip stream), and chunks cut by their line cap, change nothing:
    same bytes as one whole-file chunk, same as the oracle; so does where a record that is
    too long is cut (MAX_RECORD_BYTES)."""
    raw = gzip.compress(data, mtime=0) if compress else data
    out = tmp_path / uuid.uuid4().hex
    limits = Limits(max_record_bytes=max_record)
    whole = _run_chunked(raw, out / "whole", 1 << 30, 1 << 30, limits)
    chunked = _run_chunked(
        raw, out / "chunked", chunk_bytes, block, limits, chunk_lines=chunk_lines
    )
    assert chunked == whole
    expected = oracle(data.decode("utf-8"), max_record_bytes=max_record)
    for name in reports.REPORT_NAMES:
        assert chunked[name] == expected[name], name
    for key in ("rows_valid", "rows_rejected", "rows_skipped_blank"):
        assert chunked[key] == expected[key], key
