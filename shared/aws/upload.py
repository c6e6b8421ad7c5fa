"""An S3 object written as a stream: bytes go up in parts while they are produced.

``rejected_rows.csv`` grows with the number of rejected rows, which a file
decides, not us: staged on ``/tmp`` it could fill the function's ephemeral
storage. Written through ``StreamingUpload`` it never touches the disk and
memory holds one part at a time. Nothing is visible at the key until
``complete``: a run that fails calls ``abort`` and leaves no object (parts of
an upload a crash interrupted are removed by the bucket's lifecycle rule for
incomplete multipart uploads).
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

PART_BYTES = 8 << 20  # S3: at least 5 MiB but the last; at most 10,000 parts (80 GB here)

# Managed transfers of whole files (the function's reports, ``orders upload``): 16 MiB
# parts, 8 threads. The function reads its input with as many parallel ranged GETs
# (``ranged``), so the client's connection pool, sized from this, serves both.
TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=16 << 20,
    multipart_chunksize=16 << 20,
    max_concurrency=8,
    use_threads=True,
)


class StreamingUpload(io.RawIOBase):
    """A write-only binary stream into ``s3://bucket/key``: a single ``PutObject`` when the
    data fits one part, else a multipart upload whose parts are sent as they fill."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        *,
        content_type: str,
        part_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.bucket = bucket
        self.key = key
        self.content_type = content_type
        self.part_bytes = part_bytes or PART_BYTES
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._buffer += chunk
        self.size += len(chunk)
        while len(self._buffer) >= self.part_bytes:
            self._send(bytes(self._buffer[: self.part_bytes]))
            del self._buffer[: self.part_bytes]
        return len(chunk)

    def _send(self, part: bytes) -> None:
        if self._upload_id is None:
            started = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type
            )
            self._upload_id = str(started["UploadId"])
        number = len(self._parts) + 1
        sent = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=part,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def complete(self) -> None:
        """Make the object visible at its key with every byte written."""
        if self._upload_id is None:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=bytes(self._buffer),
                ContentType=self.content_type,
            )
        else:
            if self._buffer:
                self._send(bytes(self._buffer))
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()

    def abort(self) -> None:
        """Drop what was sent (best effort: the lifecycle rule removes what this cannot)."""
        self._buffer.clear()
        if self._upload_id is not None:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self._upload_id
                )
            self._upload_id = None
