"""Where things live in the output bucket: one deterministic key per input object.

Every key derives from the input object's identity (bucket, key, and version id
or ETag) and its ``LastModified`` date, never from the time of processing, so a
redelivered event rewrites the same keys and never adds objects. The layout is
Hive-style so Glue/Athena read each report as a table partitioned by date::

    reports/<report>/ingest_date=YYYY-MM-DD/<source-id>.csv   the four report CSVs
    manifests/<source-id>.json                                written last: "done"
    errors/<source-id>.json                                   file-level error record

IAM grants the Lambda exactly these prefixes (see terraform/).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

REPORTS_PREFIX = "reports/"
MANIFESTS_PREFIX = "manifests/"
ERRORS_PREFIX = "errors/"
OUTPUT_PREFIXES: tuple[str, ...] = (REPORTS_PREFIX, MANIFESTS_PREFIX, ERRORS_PREFIX)
INPUT_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STEM_MAX = 64


@dataclass(frozen=True)
class ObjectRef:
    """The identity of one input object version."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def revision(self) -> str:
        """Version id when the bucket is versioned, else the ETag (without quotes)."""
        if self.version_id and self.version_id != "null":
            return self.version_id
        return (self.etag or "").strip('"')


def is_input_key(key: str) -> bool:
    """Only ``.csv`` and ``.csv.gz`` keys (any case) are order files."""
    return key.lower().endswith(INPUT_SUFFIXES)


def key_stem(key: str) -> str:
    """A filesystem- and Athena-safe short name from the key's last segment."""
    name = key.rsplit("/", 1)[-1]
    for suffix in (".gz", ".csv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    stem = _UNSAFE.sub("-", name).strip("-.")[:_STEM_MAX]
    return stem or "input"


def source_id(ref: ObjectRef) -> str:
    """``<stem>-<16 hex>``: readable, and unique per bucket/key/revision."""
    identity = "\n".join((ref.bucket, ref.key, ref.revision)).encode("utf-8")
    return f"{key_stem(ref.key)}-{hashlib.sha256(identity).hexdigest()[:16]}"


def report_key(report: str, ingest_date: date, sid: str) -> str:
    """``reports/<report>/ingest_date=YYYY-MM-DD/<source-id>.csv``."""
    return f"{REPORTS_PREFIX}{report}/ingest_date={ingest_date.isoformat()}/{sid}.csv"


def manifest_key(sid: str) -> str:
    return f"{MANIFESTS_PREFIX}{sid}.json"


def error_key(sid: str) -> str:
    return f"{ERRORS_PREFIX}{sid}.json"
