"""An S3 object as a stream of byte blocks, read with parallel ranged GETs.

The engine consumes the object as it arrives: ``concurrency`` GETs of
``part_bytes`` each are in flight, and parts are handed over in order, so
processing overlaps the download and memory holds at most
``concurrency x part_bytes`` of it (nothing goes to ``/tmp``). Every GET is
conditional on the ETag recorded by ``HeadObject`` (``If-Match``) and names
the version, so the bytes are those of the identity in the manifest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from shared.aws.layout import ObjectRef

PART_BYTES = 8 << 20
CONCURRENCY = 8


class IncompletePartError(RuntimeError):
    """S3 returned fewer bytes than the range asked for (a transient fault: retried)."""


def _get(client: Any, ref: ObjectRef, start: int, end: int) -> bytes:
    args: dict[str, str] = {
        "Bucket": ref.bucket,
        "Key": ref.key,
        "Range": f"bytes={start}-{end - 1}",
    }
    if ref.version_id and ref.version_id != "null":
        args["VersionId"] = ref.version_id
    if ref.etag:
        args["IfMatch"] = f'"{ref.etag}"'
    body = client.get_object(**args)["Body"]
    try:
        data: bytes = body.read()
    finally:
        body.close()
    if len(data) != end - start:
        raise IncompletePartError(
            f"{ref.uri}: bytes {start}-{end - 1}: got {len(data)} bytes, expected {end - start}"
        )
    return data


def object_blocks(
    client: Any,
    ref: ObjectRef,
    size: int,
    *,
    part_bytes: int | None = None,
    concurrency: int | None = None,
) -> Iterator[bytes]:
    """The ``size`` bytes of the object ``ref``, in order, ``part_bytes`` at a time.

    Errors of a GET (throttling after botocore's retries, 5xx, a changed ETag)
    propagate when its part is due. Closing the iterator early cancels the
    parts not yet started. Defaults: ``PART_BYTES``, ``CONCURRENCY``.
    """
    part_bytes = part_bytes or PART_BYTES
    concurrency = concurrency or CONCURRENCY
    ranges = iter(
        (start, min(start + part_bytes, size)) for start in range(0, size, max(1, part_bytes))
    )
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="s3-range")
    pending: deque[Future[bytes]] = deque()

    def submit() -> None:
        span = next(ranges, None)
        if span is not None:
            pending.append(pool.submit(_get, client, ref, *span))

    try:
        for _ in range(max(1, concurrency)):
            submit()
        while pending:
            data = pending.popleft().result()
            submit()
            yield data
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
