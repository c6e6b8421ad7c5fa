"""Rich rendering of reports and summaries (no logic: what to show, not what it means)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from shared.core import reports

TITLES = {
    reports.MOST_PROFITABLE_REGION: "Most profitable region",
    reports.SHIP_MODE_BY_CATEGORY: "Most common ship mode by category",
    reports.ORDERS_BY_CATEGORY: "Orders by category and sub-category",
}
_NUMERIC = {"total_profit", "order_count"}
_COUNTS = {"rows", "valid", "rejected", "seconds"}


def report_table(name: str, rows: Sequence[Sequence[str]]) -> Table:
    """One report as a table; numbers right-aligned."""
    table = Table(title=TITLES.get(name, name), title_justify="left")
    for column in reports.COLUMNS[name]:
        table.add_column(column, justify="right" if column in _NUMERIC else "left")
    for row in rows:
        table.add_row(*row)
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
                table.add_row(f"  {sub_key}", str(sub_value))
        else:
            table.add_row(key, str(value))
    if output:
        table.add_row("output", output)
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


# --- cloud commands (orders upload/tail/status/reprocess/redrive/deploy/demo) -------------


def upload_progress(console: Console, description: str, total: int) -> tuple[Progress, TaskID]:
    """A byte progress bar; ``progress.advance(task, n)`` is safe from transfer threads."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task(description, total=total)
    return progress, task


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


def outputs_table(outputs: Mapping[str, object], names: Sequence[str]) -> Table:
    """Stack outputs, one per row (the ones the CLI uses, in a fixed order)."""
    table = Table(title="Stack outputs", title_justify="left", show_header=False)
    table.add_column("output", style="bold")
    table.add_column("value")
    for name in names:
        if outputs.get(name) is not None:
            table.add_row(name, escape(str(outputs[name])))
    return table


def config_table(values: Mapping[str, str], sources: Mapping[str, str]) -> Table:
    """Resolved settings and where each came from (flag, variable, terraform output)."""
    table = Table(title="Stack", title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value")
    table.add_column("from", style="dim")
    for name, value in values.items():
        table.add_row(name, escape(value), escape(sources.get(name, "")))
    return table


def queue_table(rows: Sequence[tuple[str, int, int, int]]) -> Table:
    """Queue depth: (name, waiting, in flight, delayed) per queue."""
    table = Table(title="Queues", title_justify="left")
    table.add_column("queue", style="bold")
    for column in ("waiting", "in flight", "delayed"):
        table.add_column(column, justify="right")
    for name, visible, in_flight, delayed in rows:
        style = "red" if name == "DLQ" and visible else ""
        table.add_row(name, str(visible), str(in_flight), str(delayed), style=style)
    return table


def processed_table(records: Sequence[Mapping[str, object]]) -> Table:
    """The latest manifests: which input, when, how many rows."""
    table = Table(title="Last processed inputs", title_justify="left")
    for column in ("processed", "input", "rows", "valid", "rejected", "seconds"):
        table.add_column(column, justify="right" if column in _COUNTS else "left")
    for record in records:
        source = record.get("input")
        key = source.get("key") if isinstance(source, Mapping) else "?"
        table.add_row(
            str(record.get("processed_at") or record.get("written") or ""),
            escape(str(key)),
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
        source = record.get("input")
        key = source.get("key") if isinstance(source, Mapping) else "?"
        table.add_row(
            str(record.get("recorded_at") or record.get("written") or ""),
            escape(str(key)),
            escape(str(record.get("error_type", ""))),
            escape(str(record.get("message", ""))),
        )
    if not records:
        table.caption = "(none)"
    return table


def query_table(name: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A named query's result; money and counts right-aligned, the name above it."""
    table = Table(title=f"[bold]{escape(name)}[/]", title_justify="left", min_width=len(name))
    for column in columns:
        table.add_column(column, justify="right" if column in _NUMERIC else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(v) for v in row))
    if not rows:
        table.caption = "(no rows)"
    return table
