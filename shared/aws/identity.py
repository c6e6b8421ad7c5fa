"""An S3 object's identity as ``HeadObject`` reports it, and S3's error codes.

The processor (what the Lambda reads) and the CLI (what ``orders upload`` and
``orders reprocess`` wait for) must compute the same identity for the same
object version, hence the same source id and record keys: both call ``head``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shared.aws.layout import ObjectRef

# Codes S3 uses for "no such object or version" (HeadObject answers with the bare status).
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound"})
# Without s3:ListBucket on a bucket, S3 answers 403 for a key that does not exist.
DENIED_CODES = frozenset({"403", "AccessDenied"})


def error_code(exc: BaseException) -> str:
    """The ``Error.Code`` of a botocore ``ClientError`` (empty for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class InputObject:
    """One object version as S3 describes it: identity, size, user metadata."""

    ref: ObjectRef  # with the version id, ETag and LastModified S3 reported
    size: int
    metadata: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def last_modified(self) -> datetime:
        assert self.ref.last_modified is not None  # always set by ``head``
        return self.ref.last_modified

    @property
    def ingest_date(self) -> date:
        """The partition date: the object's ``LastModified`` day in UTC, never 'now'."""
        return self.last_modified.astimezone(UTC).date()


def head(client: Any, ref: ObjectRef) -> InputObject:
    """``HeadObject`` (of ``ref.version_id`` when given); ``ClientError`` propagates."""
    args: dict[str, str] = {"Bucket": ref.bucket, "Key": ref.key}
    if ref.version_id and ref.version_id != "null":
        args["VersionId"] = ref.version_id
    response = client.head_object(**args)
    found = ObjectRef(
        bucket=ref.bucket,
        key=ref.key,
        version_id=response.get("VersionId") or None,
        etag=str(response.get("ETag", "")).strip('"') or None,
        last_modified=response["LastModified"],
    )
    return InputObject(
        ref=found,
        size=int(response["ContentLength"]),
        metadata=dict(response.get("Metadata") or {}),
    )
