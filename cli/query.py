"""The analytics module's named queries: run on Athena, or on DuckDB over a local copy.

The SQL lives in ``terraform/modules/analytics/queries/<name>.sql``; Terraform
turns each file into an Athena named query, and ``--local`` runs the same text
on DuckDB over a folder laid out like the two buckets::

    <root>/input/...                                   order files (.csv, .csv.gz)
    <root>/output/reports/<report>/ingest_date=.../    report CSVs
    <root>/output/manifests/*.json                     one JSON object per file
    <root>/output/errors/*.json

(``orders demo --keep <root>`` writes exactly that.) The local views carry the
Glue tables' names and columns, all text as in the catalog, so a query that
passes here reads the same tables in Athena; ``tests/test_analytics_sql.py``
checks its results against the core's reports.
"""

from __future__ import annotations

import csv
import gzip
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.config import project_root
from shared.aws.layout import ERRORS_PREFIX, MANIFESTS_PREFIX, REPORTS_PREFIX, is_input_key
from shared.core import reports
from shared.core.source import GZIP_MAGIC

QUERIES_SUBDIR = Path("terraform") / "modules" / "analytics" / "queries"

# The Glue tables (terraform/modules/analytics) as (name, columns); every CSV column is a string.
REPORT_TABLES: dict[str, tuple[str, ...]] = {
    name: reports.COLUMNS[name] for name in reports.REPORT_NAMES
}
ORDERS_TABLE = "orders"
ORDERS_COLUMNS: tuple[str, ...] = (
    "order_id",
    "order_date",
    "ship_mode",
    "segment",
    "country",
    "city",
    "state",
    "postal_code",
    "region",
    "category",
    "sub_category",
    "product_id",
    "cost_price",
    "list_price",
    "quantity",
    "discount_percent",
)
_INPUT_STRUCT = (
    "STRUCT(bucket VARCHAR, key VARCHAR, version_id VARCHAR, etag VARCHAR, size BIGINT, "
    "last_modified VARCHAR)"
)
# JSON tables: column -> DuckDB type matching the Glue type.
JSON_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "manifests": (
        MANIFESTS_PREFIX,
        {
            "manifest_version": "INTEGER",
            "source_id": "VARCHAR",
            "input": _INPUT_STRUCT,
            "ingest_date": "VARCHAR",
            "compressed": "BOOLEAN",
            "data_bytes": "BIGINT",
            "rows_read": "BIGINT",
            "rows_valid": "BIGINT",
            "rows_rejected": "BIGINT",
            "rows_skipped_blank": "BIGINT",
            "rejects_by_reason": "MAP(VARCHAR, BIGINT)",
            "outputs": "MAP(VARCHAR, VARCHAR)",
            "code_version": "VARCHAR",
            "engine_duration_seconds": "DOUBLE",
            "duration_seconds": "DOUBLE",
            "processed_at": "VARCHAR",
        },
    ),
    "errors": (
        ERRORS_PREFIX,
        {
            "manifest_version": "INTEGER",
            "source_id": "VARCHAR",
            "input": _INPUT_STRUCT,
            "error_type": "VARCHAR",
            "message": "VARCHAR",
            "code_version": "VARCHAR",
            "recorded_at": "VARCHAR",
        },
    ),
}


class QueryError(Exception):
    """A query cannot run or failed; the message is one line for the user."""


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows as text (None for NULL), as Athena returns them."""

    columns: list[str]
    rows: list[tuple[str | None, ...]]
    detail: str = ""  # engine facts worth a line: query id, data scanned


# --- the SQL files --------------------------------------------------------------------------------


def queries_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / QUERIES_SUBDIR


def query_names(directory: Path | None = None) -> list[str]:
    """The named queries: one per ``.sql`` file, named by its stem."""
    directory = directory or queries_dir()
    return sorted(p.stem for p in directory.glob("*.sql"))


def load_sql(name: str, directory: Path | None = None) -> str:
    """The text of query ``name``; an unknown name lists the known ones."""
    directory = directory or queries_dir()
    path = directory / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(query_names(directory)) or f"none in {directory}"
        raise QueryError(f"no query named {name!r} (known: {known})")
    return path.read_text(encoding="utf-8")


# --- local: DuckDB over a folder ------------------------------------------------------------------


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _csv_files(folder: Path) -> list[Path]:
    """Order files as the pipeline sees them: ``.csv`` / ``.csv.gz`` keys, any case."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_input_key(p.name))


def _no_rows(columns: Mapping[str, str]) -> str:
    """A SELECT with ``columns`` (name -> type) and no rows: an empty table's shape."""
    cols = ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in columns.items())
    return f"SELECT {cols} WHERE false"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _load_orders(con: Any, files: Sequence[Path]) -> None:
    """The ``orders`` table as Athena's CSV SerDe sees the input bucket.

    Columns map by position in the brief's order, whatever each file's header
    says; the first line of each file is skipped; a short line leaves the last
    columns empty and a long line's extra fields are dropped. DuckDB's reader
    rejects files whose widths differ, so each file is re-written first as a
    uniform 16-column CSV (into the table; no file is kept).
    """
    width = len(ORDERS_COLUMNS)
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in ORDERS_COLUMNS)
    con.execute(
        f"CREATE TABLE {ORDERS_TABLE} AS {_no_rows(dict.fromkeys(ORDERS_COLUMNS, 'VARCHAR'))}"
    )
    with tempfile.TemporaryDirectory(prefix="orders-query-") as tmp:
        for n, path in enumerate(files):
            uniform = Path(tmp) / f"{n}.csv"
            data = path.read_bytes()
            if data.startswith(GZIP_MAGIC):
                data = gzip.decompress(data)
            lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)[1:]
            records = [r[:width] + [""] * (width - len(r)) for r in csv.reader(lines) if r]
            if not records:
                continue
            with uniform.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(records)
            con.execute(
                f"INSERT INTO {ORDERS_TABLE} SELECT * FROM read_csv({_quote(uniform)}, "
                f"header = false, columns = {{{columns}}}, delim = ',', quote = '\"', "
                "escape = '\"')"
            )


def local_connection(root: Path) -> Any:
    """A DuckDB connection with one view per Glue table over ``root``'s input/ and output/."""
    import duckdb

    if not root.is_dir():
        raise QueryError(f"{root}: no such folder (expected input/ and output/ inside)")
    con = duckdb.connect()
    output = root / "output"
    csv_options = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
    for table, columns in REPORT_TABLES.items():
        folder = output / REPORTS_PREFIX / table
        files = sorted(folder.glob("ingest_date=*/*.csv"))
        typed = dict.fromkeys((*columns, "ingest_date", "$path"), "VARCHAR")
        if not files:
            con.execute(f"CREATE VIEW {table} AS {_no_rows(typed)}")
            continue
        # The rejected-rows files end with each input's own columns: union them by name.
        select = ", ".join(f'"{c}"' for c in columns)
        con.execute(
            f"CREATE VIEW {table} AS SELECT {select}, CAST(ingest_date AS VARCHAR) AS ingest_date, "
            f'filename AS "$path" FROM read_csv([{", ".join(map(_quote, files))}], {csv_options}, '
            "hive_partitioning = true, hive_types_autocast = false, union_by_name = true, "
            "filename = true)"
        )
    _load_orders(con, _csv_files(root / "input"))
    for table, (prefix, types) in JSON_TABLES.items():
        files = sorted((output / prefix).glob("*.json"))
        if not files:
            con.execute(f"CREATE VIEW {table} AS {_no_rows(types)}")
            continue
        spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_json([{', '.join(map(_quote, files))}], "
            f"format = 'newline_delimited', columns = {{{spec}}})"
        )
    return con


def run_local(name: str, root: Path, directory: Path | None = None) -> QueryResult:
    """Run query ``name`` with DuckDB over the local layout at ``root``.

    Unreadable files under ``root`` fail as a one-line ``QueryError``.
    """
    import duckdb

    sql = load_sql(name, directory)
    try:
        con = local_connection(root)
        try:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            rows = [tuple(_text(v) for v in row) for row in cursor.fetchall()]
        finally:
            con.close()
    except duckdb.Error as exc:
        raise QueryError(f"{name}: {str(exc).splitlines()[0]}") from None
    return QueryResult(columns, rows, detail=f"DuckDB over {root}")


# --- Athena -----------------------------------------------------------------------------------

_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


def find_named_query(athena: Any, workgroup: str, name: str) -> dict[str, Any]:
    """The named query ``name`` of ``workgroup`` (QueryString, Database, ...)."""
    found: dict[str, dict[str, Any]] = {}
    for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup):
        for query_id in page.get("NamedQueryIds", []):
            query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
            found[query["Name"]] = query
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise QueryError(
            f"workgroup {workgroup} has no named query {name!r} (known: {known}); "
            "`orders deploy` creates them"
        )
    return found[name]


def run_athena(
    athena: Any,
    name: str,
    *,
    workgroup: str,
    database: str | None = None,
    timeout: float = 300.0,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> QueryResult:
    """Run named query ``name`` in ``workgroup`` and read all of its rows.

    The workgroup enforces the result location, encryption and scan limit, so
    none is passed here. A query still running at ``timeout`` is stopped.
    """
    query = find_named_query(athena, workgroup, name)
    context = {"Database": database or query["Database"]}
    execution_id = athena.start_query_execution(
        QueryString=query["QueryString"], QueryExecutionContext=context, WorkGroup=workgroup
    )["QueryExecutionId"]
    deadline = time.monotonic() + timeout
    while True:
        execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        state = execution["Status"]["State"]
        if state in _DONE:
            break
        if time.monotonic() > deadline:
            athena.stop_query_execution(QueryExecutionId=execution_id)
            raise QueryError(f"{name}: still {state} after {timeout:.0f}s; stopped {execution_id}")
        sleep(poll)
    if state != "SUCCEEDED":
        reason = execution["Status"].get("StateChangeReason", "no reason given")
        raise QueryError(f"{name}: {state} ({execution_id}): {reason}")
    columns: list[str] = []
    rows: list[tuple[str | None, ...]] = []
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
    for page in pages:
        result = page["ResultSet"]
        if not columns:
            info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [c["Name"] for c in info]
        data = [tuple(d.get("VarCharValue") for d in r.get("Data", [])) for r in result["Rows"]]
        # A SELECT's first row repeats the column names.
        if not rows and data and columns and list(data[0]) == columns:
            data = data[1:]
        rows.extend(data)
    if not columns and rows:
        columns = [f"_col{i}" for i in range(len(rows[0]))]
    scanned = execution.get("Statistics", {}).get("DataScannedInBytes")
    detail = f"Athena {execution_id} in {workgroup}" + (
        f", {scanned} bytes scanned" if scanned is not None else ""
    )
    return QueryResult(columns, rows, detail=detail)


def as_table_rows(result: QueryResult) -> Sequence[tuple[str, ...]]:
    """Rows for display: NULL shown as an empty cell."""
    return [tuple("" if v is None else v for v in row) for row in result.rows]
