"""The manifest and the error record: their fields, defined once, and their bodies.

This is the one definition of both JSON documents. Everything else derives
from it or is checked against it by a test:

- ``manifest_body``/``error_body`` below build the documents in field order and
  refuse a body whose keys differ from the fields;
- the DuckDB views of ``orders query --local`` (``cli/query.py``) are built from
  ``GLUE_TABLES``;
- the Glue tables (``terraform/modules/analytics/main.tf``, HCL cannot import
  Python) are compared with ``GLUE_TABLES`` by ``tests/test_analytics_sql.py``;
- the Lambda's ``file processed`` log line and the CLI's manifest table show
  ``SUMMARY_FIELDS``.

Each document is one JSON object on one line (Athena's JSON SerDe reads one
record per line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared import __version__
from shared.aws.identity import InputObject
from shared.aws.layout import PARTITION, ObjectRef
from shared.core import errors

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Field:
    """One top-level field: its name and its Glue (Hive) type."""

    name: str
    glue_type: str
    # True when the value is also the record key's partition (ingest_date): Glue reads it
    # from the key, and a table may not have a column and a partition key of the same name.
    in_key: bool = False


# The input object's identity, as a struct in both documents.
INPUT_FIELDS: tuple[Field, ...] = (
    Field("bucket", "string"),
    Field("key", "string"),
    Field("version_id", "string"),
    Field("etag", "string"),
    Field("size", "bigint"),
    Field("last_modified", "string"),
)
INPUT_TYPE = "struct<" + ",".join(f"{f.name}:{f.glue_type}" for f in INPUT_FIELDS) + ">"

MANIFEST_FIELDS: tuple[Field, ...] = (
    Field("manifest_version", "int"),
    Field("source_id", "string"),
    Field("input", INPUT_TYPE),
    Field(PARTITION, "string", in_key=True),
    Field("compressed", "boolean"),
    Field("data_bytes", "bigint"),
    Field("rows_read", "bigint"),
    Field("rows_valid", "bigint"),
    Field("rows_rejected", "bigint"),
    Field("rows_skipped_blank", "bigint"),
    Field("rejects_by_reason", "map<string,bigint>"),
    Field("rejected_rows_truncated", "bigint"),
    Field("outputs", "map<string,string>"),
    Field("code_version", "string"),
    Field("engine_duration_seconds", "double"),
    Field("duration_seconds", "double"),
    Field("processed_at", "string"),
)

ERROR_FIELDS: tuple[Field, ...] = (
    Field("manifest_version", "int"),
    Field("source_id", "string"),
    Field("input", INPUT_TYPE),
    Field("error_type", "string"),
    Field("message", "string"),
    Field("code_version", "string"),
    Field("recorded_at", "string"),
)

# What a person reads first about a processed file: the Lambda's "file processed" log line
# and the CLI's manifest table.
SUMMARY_FIELDS: tuple[str, ...] = (
    "source_id",
    "rows_read",
    "rows_valid",
    "rows_rejected",
    "rows_skipped_blank",
    "rejects_by_reason",
    "rejected_rows_truncated",
    "duration_seconds",
    "code_version",
    "processed_at",
)

# Glue table name -> (key prefix, columns as (name, Glue type)); both partitioned by
# ingest_date. Fields carried by the key are not columns (the partition supplies them).
GLUE_TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    table: (f"{table}/", tuple((f.name, f.glue_type) for f in fields if not f.in_key))
    for table, fields in (("manifests", MANIFEST_FIELDS), ("errors", ERROR_FIELDS))
}


def summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SUMMARY_FIELDS`` a manifest has, in that order."""
    return {name: record[name] for name in SUMMARY_FIELDS if name in record}


def _ordered(fields: tuple[Field, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` in field order; a missing or unknown field is a bug, not a record."""
    names = [f.name for f in fields]
    if sorted(values) != sorted(names):
        raise ValueError(f"record fields {sorted(values)} differ from the contract {names}")
    return {name: values[name] for name in names}


def _input(ref: ObjectRef, obj: InputObject | None) -> dict[str, Any]:
    values = {
        "bucket": ref.bucket,
        "key": ref.key,
        "version_id": ref.version_id,
        "etag": ref.etag,
        "size": obj.size if obj else None,
        "last_modified": obj.last_modified.astimezone(UTC).isoformat() if obj else None,
    }
    return _ordered(INPUT_FIELDS, values)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def manifest_body(
    obj: InputObject,
    sid: str,
    summary: Mapping[str, Any],
    output_keys: Mapping[str, str],
    duration_seconds: float,
) -> dict[str, Any]:
    """The manifest: what was read, what it gave, where the reports are."""
    values = {
        "manifest_version": MANIFEST_VERSION,
        "source_id": sid,
        "input": _input(obj.ref, obj),
        PARTITION: obj.ingest_date.isoformat(),
        "compressed": summary.get("compressed"),
        "data_bytes": summary.get("data_bytes"),
        "rows_read": summary.get("rows_read"),
        "rows_valid": summary.get("rows_valid"),
        "rows_rejected": summary.get("rows_rejected"),
        "rows_skipped_blank": summary.get("rows_skipped_blank"),
        "rejects_by_reason": summary.get("rejects_by_reason", {}),
        "rejected_rows_truncated": summary.get("rejected_rows_truncated", 0),
        "outputs": dict(output_keys),
        "code_version": __version__,
        "engine_duration_seconds": summary.get("duration_seconds"),
        "duration_seconds": round(duration_seconds, 3),
        "processed_at": _now(),
    }
    return _ordered(MANIFEST_FIELDS, values)


def error_body(
    ref: ObjectRef, sid: str, error: errors.InputFileError, obj: InputObject | None
) -> dict[str, Any]:
    """The error record of a file-level input error (``obj`` is None when S3 had none)."""
    values = {
        "manifest_version": MANIFEST_VERSION,
        "source_id": sid,
        "input": _input(ref, obj),
        "error_type": error.error_type,
        "message": str(error),
        "code_version": __version__,
        "recorded_at": _now(),
    }
    return _ordered(ERROR_FIELDS, values)
