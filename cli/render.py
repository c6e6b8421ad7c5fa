"""Everything the CLI prints: rich tables and lines for people, JSON for scripts.

Commands hand their results here and print nothing themselves. Data goes to
stdout; progress, warnings and errors go to stderr, so ``--json`` output is
always a clean document (``tail --json``: one object per line). JSON is built
from the library's own dataclasses (``jsonable``): what a command returns is
what a script reads.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import traceback as tb
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from shared.core import reports
from shared.core.errors import printable

if TYPE_CHECKING:
    from cli import cloud, deploy, query
    from cli.config import Config
    from cli.errors import Failure
    from cli.flows import UploadReport
    from shared.core.generate import GenerateResult
    from shared.core.pipeline import Result

out = Console()
err = Console(stderr=True)
_quiet = Console(quiet=True)

TITLES = {
    reports.MOST_PROFITABLE_REGION: "Most profitable region",
    reports.SHIP_MODE_BY_CATEGORY: "Most common ship mode by category",
    reports.ORDERS_BY_CATEGORY: "Orders by category and sub-category",
}
_NUMERIC = {"total_profit", "order_count"}
_COUNTS = {"rows", "valid", "rejected", "seconds"}
_TAIL_STYLES = {"manifest": "green", "report": "cyan", "error": "red"}


def screen(as_json: bool) -> Console:
    """Where a command's human output goes: stdout, or nowhere when it prints JSON."""
    return _quiet if as_json else out


# --- errors, warnings, notes (stderr) --------------------------------------------------------


def failure(problem: Failure) -> None:
    """``error: <message>``: one line; a failed tool's stderr and the hint after it if any."""
    line = f"[bold red]error:[/] {escape(printable(problem.message))}"
    if problem.hint and not problem.detail:
        line += f" ({escape(problem.hint)})"
    err.print(line, highlight=False, soft_wrap=True)
    if problem.detail:
        err.print(problem.detail, highlight=False, markup=False, soft_wrap=True)
        if problem.hint:
            err.print(f"[bold]hint:[/] {escape(problem.hint)}", highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """A problem with one item that does not stop the command (a file of the demo)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def warning(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def note(message: str) -> None:
    err.print(escape(message), highlight=False, soft_wrap=True)


def traceback(exc: BaseException) -> None:
    """The full traceback (``orders --debug``)."""
    tb.print_exception(exc, file=sys.stderr)


# --- JSON -------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Dataclasses, mappings, sequences, dates, paths and decimals as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def json_document(value: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n")


def json_line(value: Any) -> None:
    """One JSON object on one line (a stream of them: ``tail --json``)."""
    sys.stdout.write(json.dumps(jsonable(value), ensure_ascii=False) + "\n")
    sys.stdout.flush()


# --- reports (run-local, upload, demo) -------------------------------------------------------


def report_table(name: str, rows: Sequence[Sequence[str]]) -> Table:
    """One report as a table; numbers right-aligned."""
    table = Table(title=TITLES.get(name, name), title_justify="left")
    for column in reports.COLUMNS[name]:
        table.add_column(column, justify="right" if column in _NUMERIC else "left")
    for row in rows:  # values of the data: never raw control characters on a terminal
        table.add_row(*(escape(printable(v)) for v in row))
    if not rows:
        table.caption = "(no rows)"
    return table


def summary_table(summary: Mapping[str, object], output: str | None = None) -> Table:
    """The run summary, one key per row, rejects per reason indented."""
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    for key, value in summary.items():
        if isinstance(value, Mapping):
            table.add_row(key, "" if value else "none")
            for sub_key, sub_value in value.items():
                table.add_row(f"  {escape(printable(str(sub_key)))}", escape(str(sub_value)))
        else:
            table.add_row(key, escape(printable(str(value))))
    if output:
        table.add_row("output", escape(output))
    return table


def print_reports(
    console: Console,
    report_rows: Mapping[str, Sequence[Sequence[str]]],
    summary: Mapping[str, object] | None = None,
    output: str | None = None,
) -> None:
    """Print the three reports, then the summary when given."""
    for name in reports.ANALYTICS_REPORTS:
        console.print(report_table(name, report_rows.get(name, [])))
        console.print()
    if summary is not None:
        console.print(summary_table(summary, output))


def local_run(result: Result, target: Path, as_json: bool) -> None:
    """``orders run-local``: the reports and summary, or all of it with the files as JSON."""
    if as_json:
        json_document(
            {"summary": result.summary, "reports": result.reports.as_dict(), "files": result.files}
        )
        return
    rows = {name: result.reports.rows(name) for name in reports.ANALYTICS_REPORTS}
    print_reports(out, rows, result.summary, output=f"{target}/")


def generated(result: GenerateResult, as_json: bool) -> None:
    if as_json:
        json_document(result)
        return
    out.print(
        escape(
            f"wrote {result.rows:,} rows to {result.path} ({result.bytes_written / 1e6:,.1f} MB)"
        ),
        highlight=False,
    )


# --- upload and the demo ---------------------------------------------------------------------


@contextmanager
def upload_progress(console: Console, path: Path) -> Iterator[Callable[[int], None]]:
    """A byte progress bar; the callback it yields is safe from transfer threads."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task(escape(f"upload {path.name}"), total=path.stat().st_size)
    with progress:
        yield lambda n: progress.advance(task, n)


def uploaded(console: Console, bucket: str, item: cloud.Uploaded) -> None:
    version = f" version {item.ref.version_id}" if item.ref.version_id else ""
    console.print(
        escape(
            f"uploaded s3://{bucket}/{item.ref.key}{version} ({item.size:,} bytes), "
            f"source id {item.source_id}"
        ),
        highlight=False,
    )


def error_record_table(record: Mapping[str, object], key: str) -> Table:
    """A file-level error record (the input was rejected as a whole)."""
    table = Table(title="Input rejected", title_justify="left", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    source = record.get("input")
    if isinstance(source, Mapping):
        table.add_row("input", escape(f"s3://{source.get('bucket')}/{source.get('key')}"))
    for name in ("error_type", "message", "source_id", "recorded_at"):
        if name in record:
            table.add_row(name, escape(str(record[name])))
    table.add_row("record", escape(key))
    return table


def outcome(console: Console, output_bucket: str, report: UploadReport) -> None:
    """What the pipeline made of an upload: its reports and summary, or its error record."""
    from cli.cloud import manifest_summary

    found = report.outcome
    if found is None:
        return
    if found.manifest is None:
        console.print(error_record_table(found.error or {}, found.record_key))
        return
    output = f"s3://{output_bucket}/{found.record_key}"
    print_reports(console, report.reports, manifest_summary(found.manifest), output=output)


def upload_record(report: UploadReport) -> dict[str, Any]:
    """``orders upload --json`` (and each file of ``orders demo --json``)."""
    found = report.outcome
    source: dict[str, Any] = {"bucket": report.bucket, "key": report.key}
    if report.uploaded is not None:
        source |= jsonable(report.uploaded.ref)
        source |= {"size": report.uploaded.size, "source_id": report.uploaded.source_id}
    return {
        "status": report.status,
        "input": source,
        "record": found.record_key if found else None,
        "manifest": found.manifest if found else None,
        "error": found.error if found else None,
        "reports": {name: reports.records(name, rows) for name, rows in report.reports.items()},
        "problem": report.problem or None,
    }


# --- tail, status, reprocess, redrive --------------------------------------------------------


def tail_event(event: cloud.TailEvent, as_json: bool) -> None:
    if as_json:
        json_line(event)
        return
    style = _TAIL_STYLES.get(event.kind, "")
    out.print(
        f"{event.last_modified:%Y-%m-%d %H:%M:%S} [{style}]{event.kind:<8}[/] "
        f"{escape(event.key)}  [dim]{escape(event.detail)}[/]",
        highlight=False,
        soft_wrap=True,
    )


def config_table(values: Mapping[str, str], sources: Mapping[str, str]) -> Table:
    """Resolved settings and where each came from (flag, variable, terraform output)."""
    table = Table(title="Stack", title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value")
    table.add_column("from", style="dim")
    for name, value in values.items():
        table.add_row(name, escape(value), escape(sources.get(name, "")))
    return table


def queue_table(depths: Sequence[tuple[str, cloud.QueueDepth]]) -> Table:
    """Queue depth: messages waiting, in flight and delayed per queue."""
    table = Table(title="Queues", title_justify="left")
    table.add_column("queue", style="bold")
    for column in ("waiting", "in flight", "delayed"):
        table.add_column(column, justify="right")
    for name, q in depths:
        style = "red" if name == "DLQ" and q.visible else ""
        table.add_row(name, str(q.visible), str(q.in_flight), str(q.delayed), style=style)
    return table


def _input_key(record: Mapping[str, object]) -> str:
    source = record.get("input")
    return str(source.get("key")) if isinstance(source, Mapping) else "?"


def processed_table(records: Sequence[Mapping[str, object]]) -> Table:
    """The latest manifests: which input, when, how many rows."""
    table = Table(title="Last processed inputs", title_justify="left")
    for column in ("processed", "input", "rows", "valid", "rejected", "seconds"):
        table.add_column(column, justify="right" if column in _COUNTS else "left")
    for record in records:
        table.add_row(
            str(record.get("processed_at") or record.get("written") or ""),
            escape(_input_key(record)),
            *(str(record.get(n, "")) for n in ("rows_read", "rows_valid", "rows_rejected")),
            str(record.get("duration_seconds", "")),
        )
    if not records:
        table.caption = "(none)"
    return table


def errors_table(records: Sequence[Mapping[str, object]]) -> Table:
    """The latest error records: which input, which error."""
    table = Table(title="Last errors", title_justify="left")
    for column in ("recorded", "input", "error", "message"):
        table.add_column(column)
    for record in records:
        table.add_row(
            str(record.get("recorded_at") or record.get("written") or ""),
            escape(_input_key(record)),
            escape(str(record.get("error_type", ""))),
            escape(str(record.get("message", ""))),
        )
    if not records:
        table.caption = "(none)"
    return table


def settings(cfg: Config) -> None:
    """``orders status``'s first table, printed before AWS is asked anything."""
    out.print(config_table(cfg.values, cfg.sources))


def status(info: cloud.StackStatus) -> None:
    depths = [(name, q) for name, q in (("queue", info.queue), ("DLQ", info.dlq)) if q is not None]
    out.print(queue_table(depths))
    out.print(processed_table(info.processed))
    out.print(errors_table(info.errors))
    if info.dlq is not None and info.dlq.visible:
        out.print(
            f"[red]{info.dlq.visible} message(s) in the DLQ[/]: fix the cause (the function's "
            "logs), then `orders redrive`.",
            highlight=False,
        )


def status_record(cfg: Config, info: cloud.StackStatus) -> dict[str, Any]:
    """``orders status --json``: the settings and where each came from, then the status."""
    found = {name: {"value": v, "from": cfg.sources.get(name)} for name, v in cfg.values.items()}
    return {"settings": found, **jsonable(info)}


def reprocessed(bucket: str, results: Sequence[cloud.Reprocessed]) -> None:
    """One line per key (a missing key is the command's error, raised after this)."""
    for item in results:
        uri = escape(f"s3://{bucket}/{item.key}")
        detail = escape(item.detail)
        if item.status == "queued":
            out.print(f"[green]queued[/] {uri} (source id {detail})", highlight=False)
        elif item.status == "new-version":
            out.print(
                f"[green]new version[/] {uri} {detail}: S3's notification triggers the pipeline",
                highlight=False,
            )
        elif item.status in ("already-processed", "already-rejected"):
            what = "processed" if item.status == "already-processed" else "rejected"
            out.print(
                f"[yellow]skipped[/] {uri}: already {what} ({detail}); the handler would "
                "skip it. --new-version processes it again as a new version",
                highlight=False,
            )


def move_progress(progress: cloud.MoveProgress) -> None:
    """One stderr line per progress report of a DLQ move task."""
    total = "?" if progress.to_move is None else progress.to_move
    note(f"move task {progress.status.lower()}: {progress.moved}/{total} message(s)")


def redriven(result: cloud.Redriven) -> None:
    out.print(f"moved {result.moved} message(s) from the DLQ back to the queue", highlight=False)


# --- query -----------------------------------------------------------------------------------


def query_table(name: str, columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> Table:
    """A named query's result; money and counts right-aligned, NULL an empty cell."""
    table = Table(title=f"[bold]{escape(name)}[/]", title_justify="left", min_width=len(name))
    for column in columns:
        table.add_column(column, justify="right" if column in _NUMERIC else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(v or "") for v in row))
    if not rows:
        table.caption = "(no rows)"
    return table


def query_result(name: str, result: query.QueryResult, fmt: str) -> None:
    """``table`` (with the engine's line on stderr), ``csv`` or ``json`` (a list of objects,
    NULL as null)."""
    from cli.query import as_table_rows

    if fmt == "json":
        json_document([dict(zip(result.columns, row, strict=True)) for row in result.rows])
    elif fmt == "csv":
        writer = reports.csv_writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(as_table_rows(result))
    else:
        out.print(query_table(name, result.columns, as_table_rows(result)))
        err.print(f"[dim]{escape(result.detail)}[/]", highlight=False)


# --- deploy and destroy ----------------------------------------------------------------------


class StepLog:
    """One status line per step: ``[n/8] title``, then ``✓``/``✗`` with the time taken."""

    def __init__(self, total: int, *, dry_run: bool = False) -> None:
        self.total = total
        self.dry_run = dry_run
        self.number = 0
        self.note = ""

    @contextmanager
    def step(self, title: str) -> Iterator[StepLog]:
        self.number += 1
        self.note = ""
        out.print(
            f"[bold cyan]\\[{self.number}/{self.total}][/] [bold]{escape(title)}[/]",
            highlight=False,
        )
        started = time.monotonic()
        try:
            yield self
        except BaseException:
            out.print(f"    [red]✗ {escape(title)} failed[/]", highlight=False)
            raise
        if self.dry_run:
            return
        elapsed = time.monotonic() - started
        note = f": {self.note}" if self.note else ""
        out.print(
            f"    [green]✓[/] {escape(f'{title} ({elapsed:.1f}s){note}')}",
            highlight=False,
            soft_wrap=True,
        )

    def command(self, line: str) -> None:
        """Echo a command line (every command is shown, run or not)."""
        out.print(f"    [dim]$ {escape(line)}[/]", highlight=False, soft_wrap=True)


def dry_run_banner() -> None:
    out.print("[bold]dry run:[/] commands are printed, nothing runs", highlight=False)


def outputs_table(outputs: Mapping[str, object], names: Sequence[str]) -> Table:
    """Stack outputs, one per row (the ones the CLI uses, in a fixed order)."""
    table = Table(title="Stack outputs", title_justify="left", show_header=False)
    table.add_column("output", style="bold")
    table.add_column("value")
    for name in names:
        if outputs.get(name) is not None:
            table.add_row(name, escape(str(outputs[name])))
    return table


def deployed(result: deploy.DeployResult, profile: str | None) -> None:
    """The stack's outputs, the deployed image and what to try next."""
    from cli.deploy import SHOWN_OUTPUTS

    out.print(outputs_table(result.outputs, SHOWN_OUTPUTS))
    flag = escape(f" --profile {profile}") if profile else ""
    out.print(escape(f"deployed {result.image_uri}"), highlight=False, soft_wrap=True)
    out.print(
        f"next: [bold]orders upload assessment_assets/sample_orders.csv{flag}[/] "
        f"(then `orders status{flag}`)",
        highlight=False,
    )
