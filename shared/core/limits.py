"""Resource limits of one run: what the engine refuses to read, and why.

Memory and ``/tmp`` do not grow with the file (the engine streams it in
chunks and keeps per-order bitsets, see ``distinct``), so what is left to
bound is time and a few per-record buffers. Every limit is a setting with a
documented default; the Lambda reads its own from the environment.

Time budget, the default of ``MAX_INPUT_BYTES`` and ``MAX_DATA_BYTES``: a file
the function cannot finish before its timeout would be retried into the DLQ,
so it gets an ``InputTooLargeError`` record instead. The default function
(3,072 MB, about 1.7 vCPU, 300 s) is assumed to read 50 MB/s of CSV end to
end, about what the engine sustained on a busy 2-core machine (README "Cost and
limits"); half of its timeout at that rate is ``300 s x 50 MB/s / 2 = 7.5 GB``.
Terraform's ``max_input_bytes`` validation keeps the same ratio for any timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

ASSUMED_BYTES_PER_SECOND = 50_000_000
DEFAULT_TIMEOUT_SECONDS = 300
SAFETY_FACTOR = 2


def time_budget_bytes(timeout_seconds: float) -> int:
    """Bytes of CSV the function is assumed to process in half of ``timeout_seconds``."""
    return int(timeout_seconds * ASSUMED_BYTES_PER_SECOND / SAFETY_FACTOR)


DEFAULT_MAX_DATA_BYTES = time_budget_bytes(DEFAULT_TIMEOUT_SECONDS)
MAX_HEADER_BYTES = 1 << 20
MAX_RECORD_BYTES = 128 << 10
MAX_LINE_BYTES = 256 << 20


@dataclass(frozen=True)
class Limits:
    """Limits of one run (all in bytes).

    ``max_data_bytes``: decompressed data (``None``: no limit); ``max_header_bytes``:
    the header line; ``max_record_bytes``: how far a quoted field may run past a line
    break before the record is cut as malformed and reading resynchronises;
    ``max_line_bytes``: one physical line (a line is buffered whole).
    """

    max_data_bytes: int | None = DEFAULT_MAX_DATA_BYTES
    max_header_bytes: int = MAX_HEADER_BYTES
    max_record_bytes: int = MAX_RECORD_BYTES
    max_line_bytes: int = MAX_LINE_BYTES
