"""The analytics module's named queries: run on Athena, or on DuckDB over a local copy.

The SQL files are package data, ``cli/queries/<name>.sql``, read with
``importlib.resources`` (so an installed CLI has them); the Terraform root
passes the same files to the analytics module, which makes each one an Athena
named query. ``--local`` runs the same text on DuckDB over a folder laid out
like the two buckets::

    <root>/input/...                                                order files
    <root>/output/reports/<report>/ingest_date=YYYY-MM-DD/*.csv     report CSVs
    <root>/output/manifests/ingest_date=YYYY-MM-DD/*.json           one JSON object each
    <root>/output/errors/ingest_date=YYYY-MM-DD/*.json

(``orders demo --keep <root>`` writes exactly that.) The local views carry the
Glue tables' names and columns, derived from the same definitions (the report
columns of ``shared.core.reports``, the brief's header of ``shared.core.schema``,
the record fields of ``shared.aws.records``), so a query that passes here reads
the same tables in Athena; ``tests/test_analytics_sql.py`` checks its results
against the core's reports and the Glue tables against these definitions.
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from shared.aws import records
from shared.aws.layout import PARTITION, REPORTS_PREFIX, is_input_key
from shared.core import errors, reports, schema, source
from shared.core.limits import Limits

QUERIES_PACKAGE = "cli"
QUERIES_FOLDER = "queries"

# The Glue tables (terraform/modules/analytics) as (name, columns); every CSV column is a string.
REPORT_TABLES: dict[str, tuple[str, ...]] = {
    name: reports.COLUMNS[name] for name in reports.REPORT_NAMES
}
ORDERS_TABLE = "orders"
# The brief's header by position, normalised as the core matches names (order_id, ...).
ORDERS_COLUMNS: tuple[str, ...] = tuple(schema.normalise_column(c) for c in schema.BRIEF_HEADER)

# Glue (Hive) scalar types and the DuckDB types the local views use for them.
_SCALAR_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
}
_COMPOSITE = re.compile(r"^(struct|map)<(.*)>$")


def _split_top(text: str) -> list[str]:
    """Split ``a:int,b:map<string,int>`` on the commas outside angle brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "<") - (char == ">")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def duckdb_type(glue_type: str) -> str:
    """The DuckDB type of a Glue column type (scalars, ``struct<...>``, ``map<k,v>``)."""
    match = _COMPOSITE.match(glue_type)
    if match is None:
        return _SCALAR_TYPES[glue_type]
    kind, inner = match.groups()
    if kind == "map":
        key, value = _split_top(inner)
        return f"MAP({duckdb_type(key)}, {duckdb_type(value)})"
    fields = (part.split(":", 1) for part in _split_top(inner))
    return "STRUCT(" + ", ".join(f"{n} {duckdb_type(t)}" for n, t in fields) + ")"


# JSON tables: name -> (prefix, column -> DuckDB type), from the record contract.
JSON_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    table: (prefix, {name: duckdb_type(glue) for name, glue in columns})
    for table, (prefix, columns) in records.GLUE_TABLES.items()
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


def queries_dir() -> Traversable:
    """The ``.sql`` files shipped in the package (a folder in a checkout or a wheel)."""
    return resources.files(QUERIES_PACKAGE).joinpath(QUERIES_FOLDER)


def query_names() -> list[str]:
    """The named queries: one per ``.sql`` file, named by its stem."""
    return sorted(
        entry.name.removesuffix(".sql")
        for entry in queries_dir().iterdir()
        if entry.name.endswith(".sql") and entry.is_file()
    )


def load_sql(name: str) -> str:
    """The text of query ``name``; an unknown name lists the known ones."""
    if name not in query_names():
        known = ", ".join(query_names()) or "none"
        raise QueryError(f"no query named {name!r} (known: {known})")
    return queries_dir().joinpath(f"{name}.sql").read_text(encoding="utf-8")


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
    uniform 16-column CSV (into the table; no file is kept). Gzip files are
    decompressed by the core's reader (``shared.core.source``): a corrupt one
    fails as its one-line ``CorruptGzipError``.
    """
    width = len(ORDERS_COLUMNS)
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in ORDERS_COLUMNS)
    con.execute(
        f"CREATE TABLE {ORDERS_TABLE} AS {_no_rows(dict.fromkeys(ORDERS_COLUMNS, 'VARCHAR'))}"
    )
    with tempfile.TemporaryDirectory(prefix="orders-query-") as tmp:
        for n, path in enumerate(files):
            uniform = Path(tmp) / f"{n}.csv"
            plain = Path(tmp) / f"{n}.plain"
            try:
                with plain.open("wb") as out:  # plain or gzip, as the pipeline reads it
                    blocks = source.file_blocks(path)
                    counters = source.Counters()
                    for block in source.plain_blocks(blocks, str(path), counters, Limits()):
                        out.write(block)
            except errors.EmptyFileError:
                continue  # no bytes, no rows (Athena reads nothing from it either)
            with plain.open(encoding="utf-8", errors="replace", newline="") as fh:
                fh.readline()  # the header line, skipped by position as Athena does
                rows = [r[:width] + [""] * (width - len(r)) for r in csv.reader(fh) if r]
            if not rows:
                continue
            with uniform.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
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
        files = sorted(folder.glob(f"{PARTITION}=*/*.csv"))
        typed = dict.fromkeys((*columns, PARTITION, "$path"), "VARCHAR")
        if not files:
            con.execute(f"CREATE VIEW {table} AS {_no_rows(typed)}")
            continue
        # The rejected-rows files end with each input's own columns: union them by name.
        select = ", ".join(f'"{c}"' for c in columns)
        con.execute(
            f"CREATE VIEW {table} AS SELECT {select}, CAST({PARTITION} AS VARCHAR) AS {PARTITION}, "
            f'filename AS "$path" FROM read_csv([{", ".join(map(_quote, files))}], {csv_options}, '
            "hive_partitioning = true, hive_types_autocast = false, union_by_name = true, "
            "filename = true)"
        )
    _load_orders(con, _csv_files(root / "input"))
    for table, (prefix, types) in JSON_TABLES.items():
        files = sorted((output / prefix).glob(f"{PARTITION}=*/*.json"))
        if not files:
            con.execute(f"CREATE VIEW {table} AS {_no_rows({**types, PARTITION: 'VARCHAR'})}")
            continue
        spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
        select = ", ".join(f'"{c}"' for c in types)
        con.execute(
            f"CREATE VIEW {table} AS SELECT {select}, CAST({PARTITION} AS VARCHAR) AS {PARTITION} "
            f"FROM read_json([{', '.join(map(_quote, files))}], format = 'newline_delimited', "
            f"columns = {{{spec}}}, hive_partitioning = true, hive_types_autocast = false)"
        )
    return con


def run_local(name: str, root: Path) -> QueryResult:
    """Run query ``name`` with DuckDB over the local layout at ``root``.

    Unreadable files under ``root`` fail as a one-line ``QueryError``.
    """
    import duckdb

    sql = load_sql(name)
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
    except errors.InputFileError as exc:
        raise QueryError(f"{name}: {exc}") from None
    return QueryResult(columns, rows, detail=f"DuckDB over {root}")


# --- Athena -----------------------------------------------------------------------------------

_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


_BATCH = 50  # BatchGetNamedQuery takes at most 50 ids


def find_named_query(athena: Any, workgroup: str, name: str) -> dict[str, Any]:
    """The named query ``name`` of ``workgroup`` (QueryString, Database, ...).

    One ``ListNamedQueries`` page and one ``BatchGetNamedQuery`` per 50 queries,
    stopping at the batch that holds ``name``.
    """
    found: dict[str, dict[str, Any]] = {}
    for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup):
        ids = page.get("NamedQueryIds", [])
        for start in range(0, len(ids), _BATCH):
            batch = athena.batch_get_named_query(NamedQueryIds=ids[start : start + _BATCH])
            for query in batch.get("NamedQueries", []):
                found[query["Name"]] = query
            if name in found:
                return found[name]
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
