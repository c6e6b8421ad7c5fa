"""The Athena named queries, run by DuckDB over local copies of the buckets, against the core.

The cumulative queries over the ``orders`` table must give exactly the reports the core computes
for the concatenation of the same files; ``latest_report_per_input`` must give, per input file,
the core's report of that file's latest version. The layout comes from the real processor
(moto S3), so the report keys, partitions and manifests are the ones the Lambda writes.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from cli import query
from cli.demo import export_bucket
from shared.aws import processor, records
from shared.aws.events import ObjectEvent
from shared.aws.layout import PARTITION, ObjectRef
from shared.core import generate, pipeline, reports, schema
from shared.core.source import GZIP_MAGIC
from tests.helpers import BRIEF_HEADER, ROOT, SAMPLE, row

INPUT, OUTPUT = "orders-in", "orders-out"
CUMULATIVE = {name: f"cumulative_{name}" for name in reports.ANALYTICS_REPORTS}


def core_rows(tmp: Path, data: bytes) -> dict[str, list[tuple[str, ...]]]:
    """The core's three reports for ``data``, as rows of text without the header."""
    src = tmp / "core-input.csv"
    src.write_bytes(data)
    result = pipeline.run_file(src, tmp / "core-out", name="core-input.csv")
    return {name: result.reports.rows(name) for name in reports.ANALYTICS_REPORTS}


def concatenate(files: list[bytes]) -> bytes:
    """One file with the shared header and every file's data lines."""
    texts = [(gzip.decompress(f) if f.startswith(GZIP_MAGIC) else f).decode("utf-8") for f in files]
    heads, bodies = zip(*(t.split("\n", 1) for t in texts), strict=True)
    assert len(set(heads)) == 1 and all(b.endswith("\n") for b in bodies)
    return (heads[0] + "\n" + "".join(bodies)).encode("utf-8")


def run_sql(name: str, root: Path) -> list[tuple[str | None, ...]]:
    return query.run_local(name, root).rows


class Buckets:
    """Moto S3 with the two buckets, the real processor, and a local export of both."""

    def __init__(self, s3: Any, root: Path) -> None:
        self.s3 = s3
        self.root = root

    def upload(self, key: str, data: bytes) -> None:
        put = self.s3.put_object(Bucket=INPUT, Key=key, Body=data)
        ref = ObjectRef(INPUT, key, put.get("VersionId"), put["ETag"])
        outcome = processor.process_object(
            self.s3, ObjectEvent(ref), processor.Settings(output_bucket=OUTPUT)
        )
        assert outcome.status in (processor.Status.PROCESSED, processor.Status.REJECTED)

    def export(self) -> Path:
        export_bucket(self.s3, INPUT, self.root / "input")
        export_bucket(self.s3, OUTPUT, self.root / "output")
        return self.root


@pytest.fixture
def buckets(tmp_path: Path) -> Iterator[Buckets]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-west-2")
        for name in (INPUT, OUTPUT):
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
            )
        s3.put_bucket_versioning(Bucket=INPUT, VersioningConfiguration={"Status": "Enabled"})
        yield Buckets(s3, tmp_path / "layout")


def test_every_sql_file_is_a_known_query() -> None:
    assert query.query_names() == sorted([*CUMULATIVE.values(), "latest_report_per_input"])


def glue_locals() -> dict[str, Any]:
    """The analytics module's table definitions, as Terraform reads them."""
    import hcl2

    with (ROOT / "terraform" / "modules" / "analytics" / "main.tf").open() as fh:
        blocks = hcl2.load(fh)["locals"]
    return {k: v for block in blocks for k, v in block.items()}


def test_glue_tables_are_the_python_contracts() -> None:
    """The Glue columns (HCL cannot import Python) equal the definitions they mirror."""
    glue = glue_locals()
    assert glue["report_columns"] == {n: list(reports.COLUMNS[n]) for n in reports.REPORT_NAMES}
    assert glue["order_columns"] == [schema.normalise_column(c) for c in schema.BRIEF_HEADER]
    assert glue["input_struct"] == records.INPUT_TYPE
    tables = {
        table: [
            (c["name"], c["type"].replace("${local.input_struct}", glue["input_struct"]))
            for c in columns
        ]
        for table, columns in glue["json_columns"].items()
    }
    assert tables == {t: list(cols) for t, (_prefix, cols) in records.GLUE_TABLES.items()}


def test_local_views_are_the_glue_tables(buckets: Buckets) -> None:
    """Queries that pass on the DuckDB views see the same tables and columns in Athena."""
    buckets.upload("sample_orders.csv", SAMPLE.read_bytes())
    buckets.upload("empty.csv", b"")
    con = query.local_connection(buckets.export())
    try:
        for table, (_prefix, columns) in records.GLUE_TABLES.items():
            described = con.execute(f"DESCRIBE {table}").fetchall()
            expected = [(n, query.duckdb_type(t)) for n, t in columns] + [(PARTITION, "VARCHAR")]
            # DuckDB quotes reserved words in its type names (STRUCT(... "key" VARCHAR ...)).
            assert [(r[0], r[1].replace('"', "")) for r in described] == expected, table
        described = con.execute(f"DESCRIBE {query.ORDERS_TABLE}").fetchall()
        assert [row[0] for row in described] == list(query.ORDERS_COLUMNS)
    finally:
        con.close()


def test_duckdb_types_of_glue_types() -> None:
    assert query.duckdb_type("map<string,bigint>") == "MAP(VARCHAR, BIGINT)"
    assert query.duckdb_type(records.INPUT_TYPE) == (
        "STRUCT(bucket VARCHAR, key VARCHAR, version_id VARCHAR, etag VARCHAR, size BIGINT, "
        "last_modified VARCHAR)"
    )
    assert query.duckdb_type("struct<a:map<string,int>,b:double>") == (
        "STRUCT(a MAP(VARCHAR, INTEGER), b DOUBLE)"
    )


def test_cumulative_queries_equal_the_core_on_the_sample(buckets: Buckets, tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    buckets.upload("sample_orders.csv", data)
    root = buckets.export()
    expected = core_rows(tmp_path, data)
    assert expected[reports.MOST_PROFITABLE_REGION] == [("East", "1059.15")]
    for report, name in CUMULATIVE.items():
        assert run_sql(name, root) == expected[report], name


def test_cumulative_queries_span_files_like_one_concatenated_file(
    buckets: Buckets, tmp_path: Path
) -> None:
    # The sample plus two generated files under a prefix, one gzipped; their order ids overlap,
    # so distinct counts must merge across files. (Value-level dirt: the property test below.)
    files: dict[str, bytes] = {"sample_orders.csv": SAMPLE.read_bytes()}
    for seed, name, compress in ((1, "day1.csv", False), (2, "day2.csv.gz", True)):
        out = tmp_path / name
        generate.generate_orders(out, 3000, seed=seed, dirty_share=0.0, compress=compress)
        files[f"2026/{name}"] = out.read_bytes()
    for key, data in files.items():
        buckets.upload(key, data)
    root = buckets.export()
    expected = core_rows(tmp_path, concatenate(list(files.values())))
    for report, name in CUMULATIVE.items():
        got = run_sql(name, root)
        assert got == expected[report], name
        assert got, name


def test_latest_report_per_input_follows_the_newest_version(
    buckets: Buckets, tmp_path: Path
) -> None:
    first = f"{BRIEF_HEADER}\n{row(region='West', list_price='50')}\n".encode()
    second = f"{BRIEF_HEADER}\n{row(region='South', list_price='70')}\n".encode()
    tie = f"{BRIEF_HEADER}\n{row(region='North')}\n{row(order_id='O-2', region='Central')}\n"
    no_valid_rows = f"{BRIEF_HEADER}\n{row(quantity='0')}\n".encode()
    buckets.upload("daily/orders.csv", first)
    buckets.upload("daily/orders.csv", second)  # a new version of the same key
    buckets.upload("tie.csv", tie.encode())
    buckets.upload("bad.csv", no_valid_rows)
    buckets.upload("empty.csv", b"")  # a file-level error: an error record, no manifest
    root = buckets.export()

    got = query.run_local("latest_report_per_input", root)
    assert got.columns[:2] == ["input_key", "source_id"]
    assert got.columns[-2:] == ["region", "total_profit"]
    by_key: dict[str | None, list[tuple[str | None, ...]]] = {}
    for r in got.rows:
        by_key.setdefault(r[0], []).append((r[-2], r[-1]))
    assert by_key == {
        "bad.csv": [(None, None)],
        "daily/orders.csv": [
            tuple(r) for r in core_rows(tmp_path, second)[reports.MOST_PROFITABLE_REGION]
        ],
        "tie.csv": [("Central", "10.00"), ("North", "10.00")],
    }
    assert by_key["daily/orders.csv"] == [("South", "60.00")]


def test_rejected_rows_and_errors_tables_read_the_layout(buckets: Buckets) -> None:
    bad = f"{BRIEF_HEADER},Extra\n{row(quantity='0')},x\n".encode()
    buckets.upload("bad.csv", bad)
    buckets.upload("empty.csv", b"")
    con = query.local_connection(buckets.export())
    try:
        assert con.execute("SELECT line, reason FROM rejected_rows").fetchall() == [
            ("2", "quantity: not a positive integer")
        ]
        (error,) = con.execute("SELECT input.key, error_type FROM errors").fetchall()
        assert error == ("empty.csv", "EmptyFileError")
    finally:
        con.close()


@pytest.mark.parametrize(
    ("list_prices", "expected"),
    [
        (["0.005"], "0.00"),  # half-even: .5 of a cent goes to the even cent
        (["0.015"], "0.02"),
        (["0.025"], "0.02"),
        (["1.0051"], "1.01"),
        (["0.005", "0.01"], "0.02"),  # 1.5 cents in total
        (["0", "0.0049"], "0.00"),
    ],
)
def test_cumulative_profit_rounds_half_even_only_at_the_end(
    tmp_path: Path, list_prices: list[str], expected: str
) -> None:
    lines = [row(order_id=f"O{i}", cost="0", list_price=p) for i, p in enumerate(list_prices)]
    data = f"{BRIEF_HEADER}\n" + "".join(f"{line}\n" for line in lines)
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "orders.csv").write_text(data, encoding="utf-8")
    assert core_rows(tmp_path, data.encode())[reports.MOST_PROFITABLE_REGION] == [
        ("East", expected)
    ]
    assert run_sql(CUMULATIVE[reports.MOST_PROFITABLE_REGION], tmp_path) == [("East", expected)]


def test_negative_totals_round_half_even_without_a_minus_zero(tmp_path: Path) -> None:
    east = row(cost="0.005", list_price="0")
    west = row(region="West", cost="0.015", list_price="0")
    data = f"{BRIEF_HEADER}\n{east}\n{west}\n"
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "orders.csv").write_text(data, encoding="utf-8")
    expected = [("East", "0.00")]  # -0.005 -> -0.00 -> 0.00, above West's -0.02
    assert core_rows(tmp_path, data.encode())[reports.MOST_PROFITABLE_REGION] == expected
    assert run_sql(CUMULATIVE[reports.MOST_PROFITABLE_REGION], tmp_path) == expected


def test_unknown_query_names_the_known_ones() -> None:
    with pytest.raises(query.QueryError, match="cumulative_most_profitable_region"):
        query.load_sql("nope")


# --- property: random value-level data, SQL == core ---------------------------------------------


def values(valid: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(valid * 3 + odd)


decimal_text = st.one_of(
    values(
        ["0", "1", "10.5", "0.005", "2.25", "0.125"], ["007", "1.12345678", "-1", "x", "", "1."]
    ),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False).map(str),
)
FIELDS = {
    "order_id": values(["O1", "O2", "O3", "O4"], [" O1", "", "o1"]),
    "ship_mode": values(["First Class", "Same Day"], ["first class", "", "N/A", "NONE", " na "]),
    "region": values(["East", "West", "North"], [" East", "", "east"]),
    "category": values(["A", "B", "Ä"], ["x,y", 'q"t', " A"]),
    "sub_category": values(["S", "T"], ["", "s"]),
    "cost": decimal_text,
    "list_price": decimal_text,
    "quantity": values(["1", "2", "3", "10"], ["007", "0", "-1", "1.5", "", "x"]),
    "discount": values(["0", "5", "12.5", "100"], ["33.3333", "100.0", "100.01", "101", "-5", ""]),
}


@st.composite
def value_level_files(draw: st.DrawFn) -> bytes:
    """Files in the brief's column order with messy values but no ragged or multi-line rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(BRIEF_HEADER.split(","))
    for _ in range(draw(st.integers(0, 30))):
        v = {k: draw(s) for k, s in FIELDS.items()}
        writer.writerow(
            [
                v["order_id"],
                "2024-01-01",
                v["ship_mode"],
                "Consumer",
                "United States",
                "X",
                "IL",
                "62701",
                v["region"],
                v["category"],
                v["sub_category"],
                "P-1",
                v["cost"],
                v["list_price"],
                v["quantity"],
                v["discount"],
            ]
        )
    return buf.getvalue().encode("utf-8")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=value_level_files())
def test_cumulative_sql_matches_the_core_on_random_values(tmp_path_factory, data: bytes) -> None:
    root = tmp_path_factory.mktemp("sql")
    (root / "input").mkdir()
    (root / "input" / "orders.csv").write_bytes(data)
    expected = core_rows(root, data)
    for report, name in CUMULATIVE.items():
        assert run_sql(name, root) == expected[report], name
