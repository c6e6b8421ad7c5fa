"""Where things live in the output bucket: deterministic keys per input object version.

Every key derives from the input object's identity as ``HeadObject`` reports it
(bucket, key, version id or ETag, and ``LastModified``), never from the time of
processing, so a redelivered event computes the same keys and finds its own
records. The layout is Hive-style, partitioned by the input's ``LastModified``
day, so Glue/Athena read every prefix as a table with ``ingest_date`` projected::

    reports/<report>/ingest_date=YYYY-MM-DD/<source-id>.csv        the four report CSVs
    manifests/ingest_date=YYYY-MM-DD/<countdown>-<source-id>.json  written last: "done"
    errors/ingest_date=YYYY-MM-DD/<countdown>-<source-id>.json     file-level error record

``<countdown>`` is five digits: the seconds from the input's ``LastModified``
to the end of its UTC day (``86399 - seconds since midnight``). S3 lists keys in
ascending order, so within a day a listing returns the most recently uploaded
input's record first: ``orders status`` reads the newest N records with one
``ListObjectsV2(MaxKeys=N)``, and ``orders tail`` stops listing at the first
record older than what it has shown. Nothing ever has to list all history.

IAM grants the Lambda exactly these prefixes (see terraform/).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

REPORTS_PREFIX = "reports/"
MANIFESTS_PREFIX = "manifests/"
ERRORS_PREFIX = "errors/"
OUTPUT_PREFIXES: tuple[str, ...] = (REPORTS_PREFIX, MANIFESTS_PREFIX, ERRORS_PREFIX)
RECORD_PREFIXES: tuple[str, ...] = (MANIFESTS_PREFIX, ERRORS_PREFIX)
INPUT_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz")
PARTITION = "ingest_date"  # the Hive partition key of every prefix (Glue projects it)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STEM_MAX = 64
_LAST_SECOND = 86399
_RECORD_NAME = re.compile(
    rf"^(?P<prefix>[a-z]+/){PARTITION}=(?P<day>\d{{4}}-\d{{2}}-\d{{2}})/"
    r"(?P<countdown>\d{5})-(?P<sid>[^/]+)\.json$"
)


@dataclass(frozen=True)
class ObjectRef:
    """The identity of one input object version.

    ``last_modified`` is set when the identity comes from ``HeadObject`` (the
    processor's and the CLI's), never from an event: it places the version's
    manifest or error record (``manifest_key``, ``error_key``).
    """

    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None

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


def partition(day: date) -> str:
    """``ingest_date=YYYY-MM-DD/``: one day's folder under any prefix."""
    return f"{PARTITION}={day.isoformat()}/"


def report_key(report: str, ingest_date: date, sid: str) -> str:
    """``reports/<report>/ingest_date=YYYY-MM-DD/<source-id>.csv``."""
    return f"{REPORTS_PREFIX}{report}/{partition(ingest_date)}{sid}.csv"


def day_prefix(prefix: str, day: date) -> str:
    """``manifests/ingest_date=YYYY-MM-DD/`` (or ``errors/...``): one day of records."""
    return f"{prefix}{partition(day)}"


def _record_key(prefix: str, sid: str, uploaded: datetime) -> str:
    moment = uploaded.astimezone(UTC)
    countdown = _LAST_SECOND - (moment.hour * 3600 + moment.minute * 60 + moment.second)
    return f"{day_prefix(prefix, moment.date())}{countdown:05d}-{sid}.json"


def manifest_key(sid: str, uploaded: datetime) -> str:
    """The manifest of the input version ``sid`` whose ``LastModified`` is ``uploaded``."""
    return _record_key(MANIFESTS_PREFIX, sid, uploaded)


def error_key(sid: str, uploaded: datetime) -> str:
    """The error record of the input version ``sid`` whose ``LastModified`` is ``uploaded``."""
    return _record_key(ERRORS_PREFIX, sid, uploaded)


@dataclass(frozen=True)
class RecordKey:
    """What a manifest's or error record's key says: prefix, upload second, source id."""

    prefix: str
    uploaded: datetime  # the input's LastModified, to the second (UTC)
    source_id: str


def parse_record_key(key: str) -> RecordKey | None:
    """The parts of a record key of this layout; None for anything else."""
    match = _RECORD_NAME.match(key)
    if match is None or match["prefix"] not in RECORD_PREFIXES:
        return None
    seconds = _LAST_SECOND - int(match["countdown"])
    if seconds < 0:
        return None
    midnight = datetime.combine(date.fromisoformat(match["day"]), time(), tzinfo=UTC)
    return RecordKey(match["prefix"], midnight + timedelta(seconds=seconds), match["sid"])
