"""`orders query`: named queries on Athena (moto) and on DuckDB over a local folder."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from typer.testing import CliRunner

from cli import query
from cli.main import app
from shared.core import pipeline, reports
from tests.helpers import ROOT, SAMPLE

runner = CliRunner()
WORKGROUP = "orders-analytics"
NAME = "cumulative_most_profitable_region"


@pytest.fixture
def athena() -> Iterator[Any]:
    """Moto Athena with the workgroup and the named queries Terraform creates."""
    with mock_aws():
        client = boto3.client("athena", region_name="us-west-2")
        client.create_work_group(Name=WORKGROUP, Configuration={})
        for name in query.query_names():
            client.create_named_query(
                Name=name,
                Database="orders_db",
                QueryString=query.load_sql(name),
                WorkGroup=WORKGROUP,
            )
        yield client


def seed_result(rows: list[list[str]]) -> None:
    """The rows moto returns for the next query (moto does not run SQL)."""
    body = {
        "region": "us-west-2",
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": v} for v in r]} for r in rows],
                "column_info": [{"Name": c, "Type": "varchar"} for c in rows[0]],
            }
        ],
    }
    url = "http://motoapi.amazonaws.com/moto-api/static/athena/query-results"
    assert requests.post(url, json=body, timeout=5).status_code == 201


def test_query_runs_the_named_query_in_the_workgroup(athena: Any) -> None:
    seed_result([["region", "total_profit"], ["East", "1059.15"]])
    result = runner.invoke(
        app, ["query", NAME, "--workgroup", WORKGROUP, "--csv"], terminal_width=160
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "region,total_profit\nEast,1059.15\n"
    (execution_id,) = athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
    assert execution["Query"] == query.load_sql(NAME)
    assert execution["QueryExecutionContext"]["Database"] == "orders_db"
    assert execution["WorkGroup"] == WORKGROUP


def test_query_table_output_names_the_execution(
    athena: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERS_ATHENA_WORKGROUP", WORKGROUP)
    seed_result([["category", "sub_category", "order_count"], ["Furniture", "Chairs", "3"]])
    result = runner.invoke(
        app, ["query", "cumulative_orders_by_category_and_sub_category"], terminal_width=160
    )
    assert result.exit_code == 0, result.output
    assert "Furniture" in result.stdout and "Chairs" in result.stdout
    assert f"in {WORKGROUP}" in result.stderr


def test_a_workgroup_without_the_named_query_says_what_creates_it(athena: Any) -> None:
    athena.create_work_group(Name="empty", Configuration={})
    result = runner.invoke(app, ["query", NAME, "--workgroup", "empty"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: workgroup empty has no named query '{NAME}' (known: none); "
        "`orders deploy` creates them"
    ]


def test_unknown_query_fails_before_asking_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TERRAFORM_DIR", "/nonexistent")
    result = runner.invoke(app, ["query", "nope"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: no query named 'nope' (known: cumulative_most_common_ship_mode")


def test_missing_workgroup_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TERRAFORM_DIR", str(tmp_path / "no-stack"))
    monkeypatch.delenv("ORDERS_ATHENA_WORKGROUP", raising=False)
    result = runner.invoke(app, ["query", NAME])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "no Athena workgroup: pass --workgroup or set ORDERS_ATHENA_WORKGROUP" in line


class FakeAthena:
    """Just enough Athena for the states moto never reaches (FAILED, still RUNNING)."""

    def __init__(self, states: list[str]) -> None:
        self.states = states
        self.stopped: list[str] = []

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_named_queries"
        pages = [{"NamedQueryIds": ["q1"]}]
        return type("P", (), {"paginate": lambda _self, **_kw: pages})()

    def batch_get_named_query(self, NamedQueryIds: list[str]) -> dict[str, Any]:
        return {"NamedQueries": [{"Name": NAME, "Database": "db", "QueryString": "SELECT 1"}]}

    def start_query_execution(self, **_kw: Any) -> dict[str, str]:
        return {"QueryExecutionId": "exec-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        status = {"State": state, "StateChangeReason": "TABLE_NOT_FOUND: orders"}
        return {"QueryExecution": {"Status": status}}

    def stop_query_execution(self, QueryExecutionId: str) -> None:
        self.stopped.append(QueryExecutionId)


def test_failed_query_reports_athena_reason() -> None:
    fake = FakeAthena(["QUEUED", "RUNNING", "FAILED"])
    with pytest.raises(query.QueryError, match=r"FAILED \(exec-1\): TABLE_NOT_FOUND: orders"):
        query.run_athena(fake, NAME, workgroup="wg", sleep=lambda _s: None)


def test_query_still_running_at_the_timeout_is_stopped() -> None:
    fake = FakeAthena(["RUNNING"])
    with pytest.raises(query.QueryError, match="still RUNNING"):
        query.run_athena(fake, NAME, workgroup="wg", timeout=0, sleep=lambda _s: None)
    assert fake.stopped == ["exec-1"]


def test_local_query_prints_the_core_report_bytes(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "sample_orders.csv").write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "core"
    pipeline.run_file(SAMPLE, out, name="sample")
    for report in reports.ANALYTICS_REPORTS:
        result = runner.invoke(
            app, ["query", f"cumulative_{report}", "--local", str(tmp_path), "--csv"]
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == (out / reports.file_name(report)).read_text(), report


def test_local_query_on_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", NAME, "--local", str(tmp_path / "nope")])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "no such folder" in line


def athena_calls(client: Any) -> list[str]:
    """Record the operation name of every call ``client`` makes (a botocore event hook)."""
    calls: list[str] = []
    client.meta.events.register(
        "before-call.athena.*", lambda model, **_kw: calls.append(model.name)
    )
    return calls


def test_finding_a_named_query_batches_the_reads(athena: Any) -> None:
    for n in range(120):  # other queries of the workgroup, created before ours
        athena.create_named_query(
            Name=f"other_{n:03}", Database="orders_db", QueryString="SELECT 1", WorkGroup=WORKGROUP
        )
    calls = athena_calls(athena)
    found = query.find_named_query(athena, WORKGROUP, NAME)
    assert found["QueryString"] == query.load_sql(NAME)
    # 124 queries: one ListNamedQueries page (50 ids) at a time, one BatchGetNamedQuery per 50.
    assert "GetNamedQuery" not in calls
    assert calls.count("BatchGetNamedQuery") <= 3
    assert calls.count("ListNamedQueries") <= 3


def test_an_unknown_named_query_lists_the_known_ones_from_batches(athena: Any) -> None:
    calls = athena_calls(athena)
    with pytest.raises(query.QueryError, match="known: cumulative_most_common"):
        query.find_named_query(athena, WORKGROUP, "nope")
    assert calls == ["ListNamedQueries", "BatchGetNamedQuery"]


def test_the_queries_are_package_data() -> None:
    """The SQL ships inside the package (setup.cfg package_data), not read from the checkout."""
    folder = query.queries_dir()
    assert str(folder).endswith(str(Path("cli") / "queries"))
    assert query.query_names() == sorted(
        [f"cumulative_{r}" for r in reports.ANALYTICS_REPORTS] + ["latest_report_per_input"]
    )
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert "queries/*.sql" in cfg["options.package_data"]["cli"].split()


def test_local_query_on_a_corrupt_gzip_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    good = gzip.compress(SAMPLE.read_bytes())
    (tmp_path / "input" / "broken.csv.gz").write_bytes(good[: len(good) // 2])
    result = runner.invoke(app, ["query", NAME, "--local", str(tmp_path)])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "broken.csv.gz" in line and "corrupt gzip data" in line
    assert "Traceback" not in result.output


def test_local_query_reads_gzip_through_the_core(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "sample.csv.gz").write_bytes(gzip.compress(SAMPLE.read_bytes()))
    result = runner.invoke(app, ["query", NAME, "--local", str(tmp_path), "--csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["East,1059.15"]
