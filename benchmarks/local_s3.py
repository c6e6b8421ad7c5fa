"""A minimal local S3 endpoint for benchmarks (dev tool, not a test double of S3).

moto keeps every object in memory and serves a 759 MB object slowly, which
would measure moto rather than the function. This endpoint serves input
objects straight from local files (``HEAD``, ranged ``GET`` with ``If-Match``)
and keeps what the function writes in memory (``PUT``, multipart uploads,
``ListObjectsV2``, ``GET``): exactly the calls the handler makes, path-style.
Clients must not send aws-chunked checksums: set
``AWS_REQUEST_CHECKSUM_CALCULATION=when_required``.

    server = LocalS3({("input", "orders.csv"): Path("orders.csv")}); server.start()
    ... endpoint_url=server.endpoint ...; server.stop()
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

_CHUNK = 1 << 20


class LocalS3:
    """Serve ``files`` ((bucket, key) -> path) read-only; accept writes to any other key."""

    def __init__(self, files: dict[tuple[str, str], Path]) -> None:
        self.files = files
        self.stored: dict[tuple[str, str], bytes] = {}
        self.uploads: dict[str, dict[int, bytes]] = {}
        self.bytes_served = 0
        self._lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _target(self) -> tuple[str, str, dict[str, list[str]]]:
                url = urlparse(self.path)
                bucket, _, key = url.path.lstrip("/").partition("/")
                return bucket, unquote(key), parse_qs(url.query, keep_blank_values=True)

            def _reply(
                self, code: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(code)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                bucket, key, query = self._target()
                if not key:
                    self._list(bucket, query)
                    return
                if (bucket, key) in store.files:
                    self._file(store.files[(bucket, key)])
                    return
                data = store.stored.get((bucket, key))
                if data is None:
                    self._reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
                    return
                self._reply(200, data, {"ETag": f'"{hashlib.md5(data).hexdigest()}"'})

            def _file(self, path: Path) -> None:
                size = path.stat().st_size
                etag = f'"{size:x}-{int(path.stat().st_mtime)}"'
                meta = {"ETag": etag, "Last-Modified": formatdate(usegmt=True)}
                if self.headers.get("If-Match") not in (None, etag):
                    self._reply(412, b"<Error><Code>PreconditionFailed</Code></Error>")
                    return
                start, end = 0, size
                code = 200
                if rng := self.headers.get("Range"):
                    first, _, last = rng.removeprefix("bytes=").partition("-")
                    start, end, code = int(first), min(int(last) + 1, size), 206
                    meta["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
                self.send_response(code)
                for name, value in meta.items():
                    self.send_header(name, value)
                self.send_header(
                    "Content-Length", str(size if self.command == "HEAD" else end - start)
                )
                self.end_headers()
                if self.command == "HEAD":
                    return
                with path.open("rb") as fh:
                    fh.seek(start)
                    left = end - start
                    while left:
                        block = fh.read(min(_CHUNK, left))
                        self.wfile.write(block)
                        left -= len(block)
                with store._lock:
                    store.bytes_served += end - start

            def _list(self, bucket: str, query: dict[str, list[str]]) -> None:
                prefix = query.get("prefix", [""])[0]
                keys = sorted(
                    k
                    for b, k in [*store.stored, *store.files]
                    if b == bucket and k.startswith(prefix)
                )
                items = "".join(
                    f"<Contents><Key>{escape(k)}</Key><Size>0</Size></Contents>" for k in keys
                )
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
                    f"<Name>{bucket}</Name><Prefix>{escape(prefix)}</Prefix><KeyCount>{len(keys)}</KeyCount>"
                    f"<IsTruncated>false</IsTruncated>{items}</ListBucketResult>"
                ).encode()
                self._reply(200, body, {"Content-Type": "application/xml"})

            def do_PUT(self) -> None:
                bucket, key, query = self._target()
                data = self._body()
                etag = f'"{hashlib.md5(data).hexdigest()}"'
                if "uploadId" in query:
                    store.uploads[query["uploadId"][0]][int(query["partNumber"][0])] = data
                else:
                    store.stored[(bucket, key)] = data
                self._reply(200, b"", {"ETag": etag})

            def do_POST(self) -> None:
                bucket, key, query = self._target()
                self._body()
                if "uploads" in query:
                    upload = uuid.uuid4().hex
                    store.uploads[upload] = {}
                    body = (
                        "<InitiateMultipartUploadResult>"
                        f"<Bucket>{bucket}</Bucket><Key>{escape(key)}</Key><UploadId>{upload}</UploadId>"
                        "</InitiateMultipartUploadResult>"
                    ).encode()
                    self._reply(200, body)
                    return
                parts = store.uploads.pop(query["uploadId"][0])
                data = b"".join(parts[n] for n in sorted(parts))
                store.stored[(bucket, key)] = data
                body = (
                    "<CompleteMultipartUploadResult>"
                    f'<Bucket>{bucket}</Bucket><Key>{escape(key)}</Key><ETag>"x-{len(parts)}"</ETag>'
                    "</CompleteMultipartUploadResult>"
                ).encode()
                self._reply(200, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
