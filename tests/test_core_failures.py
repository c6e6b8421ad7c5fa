"""Which failures are final: input data raises nothing but file-level errors (issue 13).

``shared.core.errors.disposition`` is the one rule (file-level: error record; anything else:
transient, retried). These tests check its premise from both ends: every file-level error
type is documented and classified as such, and the engine fed random and hostile bytes under
tiny limits either returns reports (bad rows become rejected rows) or raises one of them.
"""

from __future__ import annotations

import gzip
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.aws import processor
from shared.core import errors, pipeline
from shared.core.limits import Limits
from tests.helpers import BRIEF_HEADER, ROOT, row

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


FILE_LEVEL = sorted(_subclasses(errors.InputFileError), key=lambda c: c.__name__)


def test_the_file_level_errors_include_the_lambdas_own() -> None:
    assert processor.InputNotFoundError in FILE_LEVEL
    assert errors.TimeBudgetError in FILE_LEVEL


@pytest.mark.parametrize("error_type", FILE_LEVEL, ids=lambda c: c.__name__)
def test_every_file_level_error_is_final_and_documented(error_type: type) -> None:
    error = error_type.__new__(error_type)
    assert errors.disposition(error) is errors.Disposition.FILE
    assert f"`{error_type.__name__}`" in README


@pytest.mark.parametrize("exc", [OSError("disk"), ValueError("bug"), RuntimeError("x")])
def test_everything_else_is_transient(exc: Exception) -> None:
    assert errors.disposition(exc) is errors.Disposition.TRANSIENT


def test_every_limit_is_a_documented_setting() -> None:
    for setting in Limits().as_env():
        assert f"| `{setting}`" in README, setting


# Tiny limits, so random inputs cross every one of them.
TINY = Limits(
    max_input_bytes=6_000,
    max_data_bytes=5_000,
    max_header_bytes=400,
    max_columns=20,
    max_line_bytes=300,
    max_record_bytes=120,
    max_number_digits=6,
    max_rejected_rows=3,
)
HOSTILE = ['"', '"', ",", "\r", "\n", "\r\n", "\x00", "\x1b", "=", "é", "\ufeff", "9" * 9, " "]


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """A valid order file with hostile edits, or raw random bytes; sometimes gzipped."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    lines = [BRIEF_HEADER] + [
        row(order_id=f"O-{i}", quantity=draw(st.sampled_from(["1", "0", "12345678"])))
        for i in range(draw(st.integers(0, 12)))
    ]
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(st.sampled_from(HOSTILE)) + text[at + cut :]
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"\xc3", b"\xff", 1)  # invalid UTF-8
    if draw(st.booleans()):
        data = gzip.compress(data, mtime=0)
        if draw(st.integers(0, 4)) == 0:
            data = data[: draw(st.integers(0, len(data)))]  # truncated or empty gzip
    return data


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=hostile_bytes(), chunk_bytes=st.integers(16, 2048))
def test_input_data_raises_nothing_but_file_level_errors(
    tmp_path: Path, data: bytes, chunk_bytes: int
) -> None:
    out = tmp_path / uuid.uuid4().hex
    try:
        result = pipeline.run_stream(
            [data], out, name="in.csv", limits=TINY, chunk_bytes=chunk_bytes
        )
    except errors.InputFileError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) <= errors.MAX_MESSAGE_CHARS
        assert not out.exists(), "a file-level error writes nothing"
        return
    summary = result.summary
    assert summary["rows_read"] == summary["rows_valid"] + summary["rows_rejected"]


def test_a_run_past_its_deadline_is_a_time_budget_error(tmp_path: Path) -> None:
    data = ("\n".join([BRIEF_HEADER, *(row(order_id=f"O-{i}") for i in range(50)), ""])).encode()
    with pytest.raises(errors.TimeBudgetError, match="time budget"):
        pipeline.run_stream([data], tmp_path / "late", name="in.csv", deadline=time.monotonic() - 1)
    assert not (tmp_path / "late").exists()
    result = pipeline.run_stream(
        [data], tmp_path / "ok", name="in.csv", deadline=time.monotonic() + 600
    )
    assert result.summary["rows_valid"] == 50
