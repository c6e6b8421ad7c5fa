"""`orders run-local`, `orders generate` and `orders --version` through Typer's CliRunner."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from shared import __version__
from shared.core import reports
from tests.helpers import BRIEF_HEADER, SAMPLE, row

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"orders-pipeline {__version__}"


def test_run_local_writes_files_and_renders_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run-local", str(SAMPLE), "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(reports.file_name(n) for n in reports.REPORT_NAMES), "summary.json"]
    )
    assert "Most profitable region" in result.stdout
    assert "1059.15" in result.stdout
    assert "Office Supplies" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows_valid"] == 29
    assert summary["input_bytes"] == SAMPLE.stat().st_size
    assert set(summary) >= {"rows_read", "rows_rejected", "rejects_by_reason", "duration_seconds"}


def test_run_local_default_output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "My Orders.csv.gz"
    import gzip

    src.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    result = runner.invoke(app, ["run-local", str(src)])
    assert result.exit_code == 0, result.output
    # The folder is the S3 layout's safe stem of the name (shared.aws.layout.key_stem).
    assert (tmp_path / "reports" / "My-Orders" / "most_profitable_region.csv").read_text() == (
        "region,total_profit\nEast,1059.15\n"
    )


@pytest.mark.parametrize(("name", "folder"), [("..csv", "input"), ("...csv.gz", "input")])
def test_run_local_default_output_dir_stays_inside_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, folder: str
) -> None:
    """A name that sanitises to nothing gets a safe default, never `reports/..`."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / name
    src.write_bytes(SAMPLE.read_bytes())
    result = runner.invoke(app, ["run-local", str(src), "--json"])
    assert result.exit_code == 0, result.output
    written = Path(json.loads(result.stdout)["files"]["summary"])
    assert written.parent == Path("reports") / folder


@pytest.mark.parametrize("flag", [["--json"], ["--format", "json"], ["-f", "json"]])
def test_run_local_json(tmp_path: Path, flag: list[str]) -> None:
    result = runner.invoke(app, ["run-local", str(SAMPLE), "-o", str(tmp_path), *flag])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["reports"]["most_profitable_region"] == [
        {"region": "East", "total_profit": "1059.15"}
    ]
    assert {"category": "Technology", "ship_mode": "Same Day", "order_count": 2} in payload[
        "reports"
    ]["most_common_ship_mode_by_category"]
    assert payload["summary"]["rows_read"] == 29
    assert Path(payload["files"]["rejected_rows"]).exists()


def test_run_local_with_rejected_rows_still_exits_0(tmp_path: Path) -> None:
    src = tmp_path / "messy.csv"
    src.write_text(f"{BRIEF_HEADER}\n{row()}\n{row(quantity='zero')}\n")
    result = runner.invoke(app, ["run-local", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "quantity: not a positive integer" in result.stdout
    assert (
        (tmp_path / "out" / "rejected_rows.csv")
        .read_text()
        .splitlines()[1]
        .startswith("3,quantity")
    )


def test_file_level_error_exits_1_with_one_line_on_stderr(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("Order Id,Region\nA,East\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run-local", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {src}: missing required column(s) ship_mode")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_file_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run-local", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: Invalid value for 'FILE'")
    assert f"{tmp_path / 'nope.csv'}' does not exist" in line
    assert line.endswith("(see: orders run-local --help)")


def test_bad_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["run-local", str(SAMPLE), "--format", "xml"])
    assert result.exit_code == 2


def test_generate_is_deterministic_and_readable(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, "7"), (b, "7"), (c, "8")):
        result = runner.invoke(app, ["generate", str(path), "--rows", "3000", "--seed", seed])
        assert result.exit_code == 0, result.output
        assert "wrote 3,000 rows" in result.stdout
    d = tmp_path / "d.csv"
    as_json = runner.invoke(app, ["generate", str(d), "-n", "10", "--json"])
    assert json.loads(as_json.stdout) == {
        "path": str(d),
        "rows": 10,
        "bytes_written": d.stat().st_size,
    }
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert a.read_text().splitlines()[0] == BRIEF_HEADER
    assert len(a.read_text().splitlines()) == 3001


def test_generate_gzip_and_dirty_share(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.csv.gz", tmp_path / "dirty.csv.gz"
    assert (
        runner.invoke(
            app, ["generate", str(clean), "-n", "5000", "--dirty-share", "0", "--gzip"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["generate", str(dirty), "-n", "5000", "--dirty-share", "0.2", "--gzip"]
        ).exit_code
        == 0
    )
    assert clean.read_bytes()[:2] == b"\x1f\x8b"
    r_clean = runner.invoke(app, ["run-local", str(clean), "-o", str(tmp_path / "c"), "-f", "json"])
    r_dirty = runner.invoke(app, ["run-local", str(dirty), "-o", str(tmp_path / "d"), "-f", "json"])
    s_clean = json.loads(r_clean.stdout)["summary"]
    s_dirty = json.loads(r_dirty.stdout)["summary"]
    assert s_clean["rows_rejected"] == 0
    assert s_clean["rows_valid"] == 5000
    assert 700 < s_dirty["rows_rejected"] < 1300  # about 20%
    assert len(s_dirty["rejects_by_reason"]) == 6  # every kind of corruption shows up


def test_generate_rejects_bad_arguments(tmp_path: Path) -> None:
    assert runner.invoke(app, ["generate", str(tmp_path / "x.csv"), "--rows", "-1"]).exit_code == 2
    assert (
        runner.invoke(
            app, ["generate", str(tmp_path / "x.csv"), "-n", "1", "--dirty-share", "2"]
        ).exit_code
        == 2
    )


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["run-local"], "Usage: orders run-local [OPTIONS] FILE"),
        (["generate"], "Usage: orders generate [OPTIONS] OUT"),
        (["upload"], "Usage: orders upload [OPTIONS] FILE"),
    ],
)
def test_help_names_arguments_in_capitals_and_options_without_types(
    command: list[str], usage: str
) -> None:
    """typer 0.27+ prints `{file}` and `<bool>` here (the reason for setup.cfg's typer range)."""
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert usage in result.stdout
    assert "{" not in result.stdout.split("\n", 3)[1]
    assert "<bool>" not in result.stdout and "<str>" not in result.stdout


def test_run_local_reads_standard_input(tmp_path: Path) -> None:
    """`orders run-local -` streams stdin (gzip too) through the same engine as a file."""
    from_file = runner.invoke(app, ["run-local", str(SAMPLE), "-o", str(tmp_path / "f")])
    assert from_file.exit_code == 0
    data = gzip.compress(SAMPLE.read_bytes())
    result = runner.invoke(app, ["run-local", "-", "-o", str(tmp_path / "s")], input=data)
    assert result.exit_code == 0, result.output
    for name in ("most_profitable_region", "orders_by_category_and_sub_category"):
        assert (tmp_path / "s" / f"{name}.csv").read_bytes() == (
            tmp_path / "f" / f"{name}.csv"
        ).read_bytes()
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["source"] == "-"
    assert summary["compressed"] is True
    assert summary["input_bytes"] == len(data)


def test_run_local_reads_the_lambdas_limit_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same environment variables and defaults as the function (README "Resource limits")."""
    src = tmp_path / "long.csv"
    src.write_text(f"{BRIEF_HEADER}\n{row(city='c' * 500)}\n")
    monkeypatch.setenv("MAX_LINE_BYTES", "300")
    result = runner.invoke(app, ["run-local", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "line 2 is longer than 300 bytes (MAX_LINE_BYTES)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("MAX_LINE_BYTES", "lots")
    result = runner.invoke(app, ["run-local", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "MAX_LINE_BYTES is not a whole number: 'lots'" in result.stderr
    assert "--debug" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_run_local_prints_no_raw_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "ansi.csv"
    src.write_text(f"{BRIEF_HEADER}\n{row(region=chr(27) + '[2JEast')}\n")
    result = runner.invoke(app, ["run-local", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "\\x1b[2JEast" in result.stdout
