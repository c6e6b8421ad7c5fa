"""One input file in, the four report CSVs and ``summary.json`` out.

This is the single entry point both front ends call: ``orders run-local``
writes to a local folder and the Lambda handler writes to a temporary folder it
then uploads, so the bytes are the same in both places by construction.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from shared import __version__
from shared.core import engine, reports, source

SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class Result:
    """What one run produced."""

    reports: reports.Reports
    summary: dict[str, object]
    files: dict[str, Path]  # report name (and "summary") -> written file
    header: tuple[str, ...]  # the input's header names as read


def _rejected_header(header: tuple[str, ...]) -> bytes:
    return reports.to_csv((*reports.COLUMNS[reports.REJECTED_ROWS], *header), [])


def run_file(
    input_path: Path,
    output_dir: Path,
    *,
    name: str | None = None,
    work_dir: Path | None = None,
) -> Result:
    """Analyse ``input_path`` and write its outputs into ``output_dir``.

    Raises ``shared.core.errors.InputFileError`` for a file-level problem, in which
    case nothing is written. ``name`` is how the input is called in messages
    and the summary (an S3 URI, say); ``work_dir`` holds temporary files
    (the decompressed copy of a gzip input, the rejected rows being written).
    """
    started = time.perf_counter()
    display = name or str(input_path)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="orders-") as tmp:
        tmp_dir = Path(tmp)
        prepared = source.prepare(input_path, tmp_dir, display)
        staged = tmp_dir / "out"
        staged.mkdir()
        rejected_path = staged / reports.file_name(reports.REJECTED_ROWS)
        with rejected_path.open("wb") as raw:
            raw.write(_rejected_header(prepared.header.names))
        with rejected_path.open("a", encoding="utf-8", newline="") as rejected:
            result, summary = engine.analyze(prepared, rejected)
        for report in reports.ANALYTICS_REPORTS:
            data = reports.to_csv(reports.COLUMNS[report], result.rows(report))
            (staged / reports.file_name(report)).write_bytes(data)
        summary_dict: dict[str, object] = {
            **summary.as_dict(),
            "duration_seconds": round(time.perf_counter() - started, 3),
            "engine_version": __version__,
        }
        (staged / SUMMARY_FILE).write_text(json.dumps(summary_dict, indent=2) + "\n")
        files = _publish(staged, output_dir)
    return Result(result, summary_dict, files, prepared.header.names)


def _publish(staged: Path, output_dir: Path) -> dict[str, Path]:
    """Move the staged files into ``output_dir`` (created if needed), replacing old ones."""
    output_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    names = [*reports.REPORT_NAMES, "summary"]
    for name in names:
        file = SUMMARY_FILE if name == "summary" else reports.file_name(name)
        target = output_dir / file
        try:
            (staged / file).replace(target)
        except OSError:  # another filesystem: copy instead of rename
            shutil.copyfile(staged / file, target)
        files[name] = target
    return files
