"""One input in, the four report CSVs and ``summary.json`` out.

This is the single entry point both front ends call, with the input as a
stream of raw bytes: ``orders run-local`` reads a local file or stdin, the
Lambda reads its S3 object with ranged GETs; both write to a folder (the
Lambda then uploads it), so the bytes are the same in both places by
construction.
"""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from shared import __version__
from shared.core import engine, errors, reports, scratch, source
from shared.core.limits import Limits

SUMMARY_FILE = "summary.json"
STAGING_PREFIX = "orders-"  # the staging folder: orders-<pid>-<random> (``scratch``)


@dataclass(frozen=True)
class Result:
    """What one run produced."""

    reports: reports.Reports
    summary: dict[str, object]
    files: dict[str, Path]  # report name (and "summary") -> written file
    header: tuple[str, ...]  # the input's header names as read


def _rejected_header(header: tuple[str, ...]) -> bytes:
    names = (reports.cell(name) for name in header)
    return reports.to_csv((*reports.COLUMNS[reports.REJECTED_ROWS], *names), [])


def run_file(
    input_path: Path,
    output_dir: Path,
    *,
    name: str | None = None,
    work_dir: Path | None = None,
    limits: Limits | None = None,
    chunk_bytes: int = engine.DEFAULT_CHUNK_BYTES,
) -> Result:
    """Analyse the local file ``input_path`` and write its outputs into ``output_dir``.

    See ``run_stream``; ``name`` defaults to the path. A file above
    ``limits.max_input_bytes`` is refused before it is read, as the Lambda does.
    """
    limits = limits or Limits()
    size = input_path.stat().st_size
    if limits.max_input_bytes is not None and size > limits.max_input_bytes:
        raise errors.too_large(name or str(input_path), size, limits.max_input_bytes)
    return run_stream(
        source.file_blocks(input_path),
        output_dir,
        name=name or str(input_path),
        work_dir=work_dir,
        limits=limits,
        chunk_bytes=chunk_bytes,
    )


def run_stream(
    raw: Iterable[bytes],
    output_dir: Path,
    *,
    name: str,
    work_dir: Path | None = None,
    limits: Limits | None = None,
    chunk_bytes: int = engine.DEFAULT_CHUNK_BYTES,
    chunk_lines: int = engine.DEFAULT_CHUNK_LINES,
    rejected_sink: io.RawIOBase | None = None,
    deadline: float | None = None,
) -> Result:
    """Analyse the input whose raw (possibly gzipped) bytes ``raw`` yields, in one pass.

    Raises ``shared.core.errors.InputFileError`` for a file-level problem, in
    which case nothing is written to ``output_dir``. ``name`` is how the input
    is called in messages and the summary (a path, ``-`` for stdin, an S3 URI);
    a staging folder in ``work_dir`` (default: the system's temporary folder)
    holds the outputs while they are written (only they: the input is never
    copied), so a failed run leaves nothing behind; a killed run's staging
    folder is removed by the next run (``scratch``). With ``rejected_sink``,
    ``rejected_rows.csv`` is written there instead (the Lambda streams it to S3:
    its size is the file's choice), and ``Result.files`` has no entry for it.
    Past ``deadline`` (``time.monotonic()``) it raises ``TimeBudgetError``.
    """
    started = time.perf_counter()
    limits = limits or Limits()
    blocks = iter(raw)
    scratch.remove_stale(STAGING_PREFIX, work_dir)
    try:
        with scratch.folder(STAGING_PREFIX, work_dir) as tmp:
            staged = tmp / "out"
            staged.mkdir()
            stream = source.open_stream(blocks, name, limits)
            with _rejected_rows(staged, rejected_sink) as rejected:
                rejected.write(_rejected_header(stream.header.names).decode("utf-8"))
                result, summary = engine.analyze(
                    stream,
                    rejected,
                    limits=limits,
                    chunk_bytes=chunk_bytes,
                    chunk_lines=chunk_lines,
                    deadline=deadline,
                )
            for report in reports.ANALYTICS_REPORTS:
                data = reports.to_csv(reports.COLUMNS[report], result.csv_rows(report))
                (staged / reports.file_name(report)).write_bytes(data)
            summary_dict: dict[str, object] = {
                **summary.as_dict(),
                "duration_seconds": round(time.perf_counter() - started, 3),
                "engine_version": __version__,
            }
            (staged / SUMMARY_FILE).write_text(json.dumps(summary_dict, indent=2) + "\n")
            files = _publish(staged, output_dir)
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:  # stop a reader (S3 parts in flight) that an error cut short
            close()
    return Result(result, summary_dict, files, stream.header.names)


@contextmanager
def _rejected_rows(staged: Path, sink: io.RawIOBase | None) -> Iterator[TextIO]:
    """Where the rejected rows' CSV text goes: a staged file, or ``sink`` (left open)."""
    if sink is None:
        path = staged / reports.file_name(reports.REJECTED_ROWS)
        with path.open("w", encoding="utf-8", newline="") as text:
            yield text
        return
    buffered = io.BufferedWriter(sink, buffer_size=1 << 20)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()
        buffered.detach()  # flushed, not closed: the caller completes or aborts the sink


def _publish(staged: Path, output_dir: Path) -> dict[str, Path]:
    """Move the staged files into ``output_dir`` (created if needed), replacing old ones."""
    output_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    names = [*reports.REPORT_NAMES, "summary"]
    for name in names:
        file = SUMMARY_FILE if name == "summary" else reports.file_name(name)
        if not (staged / file).exists():
            continue  # rejected rows written to a sink
        target = output_dir / file
        try:
            (staged / file).replace(target)
        except OSError:  # another filesystem: copy instead of rename
            shutil.copyfile(staged / file, target)
        files[name] = target
    return files
