"""Resource limits of one run: every input dimension the engine bounds, and what happens past it.

Memory and ``/tmp`` must not depend on what a file holds (the engine streams
it in chunks of whole records and keeps per-order bitsets, see ``distinct``),
so each dimension that could make them grow has a limit here, with a default
and a setting of the same name (an environment variable that ``orders
run-local`` and the Lambda both read with ``Limits.from_env``: a file is
accepted or refused identically on a laptop and in AWS). The README's
resource table lists them with what happens past each one.

Time budget, the default of ``MAX_INPUT_BYTES`` and ``MAX_DATA_BYTES``: a file
the function cannot finish before its timeout would be retried into the DLQ,
so it gets an ``InputTooLargeError`` record instead. The default function
(3,072 MB, about 1.7 vCPU, 300 s) is assumed to read 50 MB/s of CSV end to
end, about what the engine sustained on a busy 2-core machine (README "Cost and
limits"); half of its timeout at that rate is ``300 s x 50 MB/s / 2 = 7.5 GB``.
Terraform's ``max_input_bytes`` validation keeps the same ratio for any timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

ASSUMED_BYTES_PER_SECOND = 50_000_000
DEFAULT_TIMEOUT_SECONDS = 300
SAFETY_FACTOR = 2


def time_budget_bytes(timeout_seconds: float) -> int:
    """Bytes of CSV the function is assumed to process in half of ``timeout_seconds``."""
    return int(timeout_seconds * ASSUMED_BYTES_PER_SECOND / SAFETY_FACTOR)


DEFAULT_MAX_INPUT_BYTES = time_budget_bytes(DEFAULT_TIMEOUT_SECONDS)
DEFAULT_MAX_DATA_BYTES = DEFAULT_MAX_INPUT_BYTES
MAX_HEADER_BYTES = 1 << 20
MAX_COLUMNS = 1_024
MAX_LINE_BYTES = 1 << 20
MAX_RECORD_BYTES = 128 << 10
MAX_NUMBER_DIGITS = 38  # the precision of Athena's DECIMAL
MAX_REJECTED_ROWS = 10_000
# Memory of the distinct-order sets (``distinct``), after merging: about 10 to 24 bytes per
# order whose id packs into 64 bits, its length plus about 30 bytes otherwise. The sets may
# hold up to twice this between merges; with the ~420 MiB the function needs besides them,
# 1 GiB fits the default 3,072 MB function.
MAX_ORDER_SET_BYTES = 1 << 30

# Ceilings of the settings themselves: a line, a record and the header are buffered whole
# (memory), and exact arithmetic on numbers of D digits needs about 3 x D digits of
# precision (``money.EXACT`` has 10,000; ``int()`` refuses strings past 4,300 digits).
_CEILINGS = {
    "max_header_bytes": 256 << 20,
    "max_columns": 100_000,
    "max_line_bytes": 256 << 20,
    "max_record_bytes": 256 << 20,
    "max_number_digits": 1_000,
}


class InvalidSettingError(ValueError):
    """A limit's setting is not a whole number in its range (a configuration problem)."""


@dataclass(frozen=True)
class Limits:
    """Limits of one run; each field is set by the environment variable of its name in
    upper case (``max_line_bytes``: ``MAX_LINE_BYTES``).

    ``max_input_bytes``: the input as stored (``None``: no limit); ``max_data_bytes``:
    decompressed data; ``max_header_bytes``: the header line; ``max_columns``: header
    fields; ``max_line_bytes``: one physical line (buffered whole); ``max_record_bytes``:
    how far a quoted field may run over line breaks before its first line is cut as a
    malformed record; ``max_number_digits``: digits of one number; ``max_rejected_rows``:
    rejected rows written with all their fields (later ones are truncated);
    ``max_order_set_bytes``: memory of the distinct-order sets once merged.
    """

    max_input_bytes: int | None = DEFAULT_MAX_INPUT_BYTES
    max_data_bytes: int | None = DEFAULT_MAX_DATA_BYTES
    max_header_bytes: int = MAX_HEADER_BYTES
    max_columns: int = MAX_COLUMNS
    max_line_bytes: int = MAX_LINE_BYTES
    max_record_bytes: int = MAX_RECORD_BYTES
    max_number_digits: int = MAX_NUMBER_DIGITS
    max_rejected_rows: int = MAX_REJECTED_ROWS
    max_order_set_bytes: int = MAX_ORDER_SET_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The limits set in ``env`` (default ``os.environ``), the defaults for the rest.

        ``MAX_DATA_BYTES`` defaults to ``MAX_INPUT_BYTES``: one time budget, since
        decompressed data may be as large as a plain input. Raises
        ``InvalidSettingError`` for a value that is not a whole number in range.
        """
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for spec in fields(cls):
            name = spec.name.upper()
            raw = env.get(name, "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                raise InvalidSettingError(f"{name} is not a whole number: {raw!r}") from None
            low = 0 if spec.name == "max_rejected_rows" else 1
            high = _CEILINGS.get(spec.name)
            if value < low or (high is not None and value > high):
                bound = f"from {low} to {high}" if high is not None else f"at least {low}"
                raise InvalidSettingError(f"{name} must be {bound}, not {value}")
            values[spec.name] = value
        if "max_input_bytes" in values:
            values.setdefault("max_data_bytes", values["max_input_bytes"])
        return cls(**values)

    def as_env(self) -> dict[str, str]:
        """The limits as the settings that give them (``None``: left out)."""
        return {
            spec.name.upper(): str(getattr(self, spec.name))
            for spec in fields(self)
            if getattr(self, spec.name) is not None
        }
