"""``orders``: run the analytics locally, make test data, deploy and drive the cloud stack.

Commands parse arguments, call one library function and render its result;
anything worth testing on its own lives in ``shared`` or a ``cli`` module
(``cli.config``, ``cli.tools``, ``cli.deploy``, ``cli.cloud``, ``cli.demo``,
``cli.query``).
Heavy imports (boto3, moto, polars) happen inside the commands, so
``orders --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from shared import __version__

if TYPE_CHECKING:
    from cli import config as config_module
    from cli import deploy as deploy_module
    from cli.tools import Runner

app = typer.Typer(
    name="orders",
    help="Order analytics: run the reports locally, generate data, drive the AWS pipeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _version(value: bool) -> None:
    if value:
        console.print(f"orders-pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Order analytics pipeline CLI."""


def input_stem(path: Path) -> str:
    """``orders.csv.gz`` -> ``orders``: the default report folder name."""
    name = path.name
    for suffix in (".gz", ".csv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or path.name


def fail(message: str) -> typer.Exit:
    """Print a one-line error on stderr and return the exit to raise (code 1)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _input_file(value: str) -> str:
    """``-`` (standard input) or an existing file; otherwise a usage error."""
    if value != "-" and not Path(value).is_file():
        raise typer.BadParameter(f"file {value!r} does not exist.")
    return value


@app.command("run-local")
def run_local(
    file: Annotated[
        str,
        typer.Argument(
            callback=_input_file, help="Order CSV (or gzip) file; - reads standard input."
        ),
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Where to write the reports (default: reports/<file stem>/, or reports/stdin/).",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="How to print the result.")
    ] = OutputFormat.table,
) -> None:
    """Compute the reports for FILE and write the four CSVs plus summary.json."""
    from shared.core import errors, pipeline, reports, source

    stdin = file == "-"
    target = output_dir or Path("reports") / ("stdin" if stdin else input_stem(Path(file)))
    try:
        if stdin:
            result = pipeline.run_stream(source.read_blocks(sys.stdin.buffer), target, name="-")
        else:
            result = pipeline.run_file(Path(file), target)
    except errors.InputFileError as exc:
        raise fail(str(exc)) from None
    rows = {name: result.reports.rows(name) for name in reports.ANALYTICS_REPORTS}
    if fmt is OutputFormat.json:
        payload = {
            "summary": result.summary,
            "reports": result.reports.as_dict(),
            "files": {name: str(path) for name, path in result.files.items()},
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    from cli.render import print_reports

    print_reports(console, rows, result.summary, output=f"{target}/")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(dir_okay=False, help="File to write.")],
    rows: Annotated[int, typer.Option("--rows", "-n", min=0, help="Number of order lines.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 0,
    dirty_share: Annotated[
        float, typer.Option("--dirty-share", min=0.0, max=1.0, help="Share of rows to corrupt.")
    ] = 0.01,
    gzip: Annotated[bool, typer.Option("--gzip", help="Gzip the output.")] = False,
) -> None:
    """Write deterministic synthetic orders in the brief's schema."""
    from shared.core.generate import generate_orders

    result = generate_orders(out, rows, seed=seed, dirty_share=dirty_share, compress=gzip)
    console.print(
        f"wrote {result.rows:,} rows to {result.path} ({result.bytes_written / 1e6:,.1f} MB)",
        highlight=False,
    )


# --- cloud commands ----------------------------------------------------------------------
# Every value below resolves as: flag > environment variable > `terraform output -json` of
# terraform/assignment (see cli/config.py).

ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="AWS profile (env AWS_PROFILE).", show_default=False)
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region", help="AWS region (env AWS_REGION; else the stack's).", show_default=False
    ),
]
InputBucketOpt = Annotated[
    str | None,
    typer.Option(
        "--input-bucket",
        help="Input bucket (env ORDERS_INPUT_BUCKET; else terraform output).",
        show_default=False,
    ),
]
OutputBucketOpt = Annotated[
    str | None,
    typer.Option(
        "--output-bucket",
        help="Output bucket (env ORDERS_OUTPUT_BUCKET; else terraform output).",
        show_default=False,
    ),
]
QueueUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--queue-url",
        help="Queue URL (env ORDERS_QUEUE_URL; else terraform output).",
        show_default=False,
    ),
]
DlqUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--dlq-url",
        help="Dead-letter queue URL (env ORDERS_DLQ_URL; else terraform output).",
        show_default=False,
    ),
]
VarFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--var-file",
        dir_okay=False,
        help="Terraform variables file (default: terraform/assignment/vars.tfvars).",
        show_default=False,
    ),
]
StackRegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="The stack's region (-var region_name=...; default: vars.tfvars).",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print every command; run nothing, change nothing.")
]


@contextmanager
def cloud_errors() -> Iterator[None]:
    """AWS, configuration and pipeline errors end the command with one line, never a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    from cli.cloud import CloudError
    from cli.config import ConfigError

    try:
        yield
    except (BotoCoreError, ClientError, CloudError, ConfigError) as exc:
        raise fail(str(exc).replace("\n", " ")) from None


def resolve_config(needed: set[str], **flags: str | None) -> config_module.Config:
    """Resolve the stack's settings (see ``cli.config.resolve``) or fail with one line."""
    from cli.config import ConfigError, resolve

    try:
        return resolve(flags, needed)
    except ConfigError as exc:
        raise fail(str(exc)) from None


@app.command()
def upload(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Order CSV (or gzip)."),
    ],
    *,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", help="Object key; ending in / it is a prefix (default: the file name)."
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Wait for the pipeline and show the reports."),
    ] = True,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the result.")
    ] = 300,
    input_bucket: InputBucketOpt = None,
    output_bucket: OutputBucketOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Upload FILE to the input bucket, then wait for its reports (or error record)."""
    from cli import cloud
    from cli.flows import CLOUD_TIMEOUT_HINT, upload_and_report

    needed = {"input_bucket", "output_bucket"} if wait else {"input_bucket"}
    cfg = resolve_config(
        needed,
        input_bucket=input_bucket,
        output_bucket=output_bucket,
        profile=profile,
        region=region,
    )
    with cloud_errors():
        code = upload_and_report(
            console,
            err,
            cfg.aws.client("s3"),
            input_bucket=cfg.require("input_bucket"),
            output_bucket=cfg.get("output_bucket"),
            path=file,
            key=cloud.default_key(file, key),
            wait=wait,
            timeout=timeout,
            timeout_hint=CLOUD_TIMEOUT_HINT.format(log_group=cfg.get("log_group") or "<log group>"),
        )
    raise typer.Exit(code)


_TAIL_STYLES = {"manifest": "green", "report": "cyan", "error": "red"}


@app.command()
def tail(
    *,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Keep watching (Ctrl-C stops).")
    ] = True,
    since: Annotated[
        str, typer.Option("--since", help="Also show objects written this long ago (30s, 10m, 2h).")
    ] = "10m",
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between polls.")
    ] = 3.0,
    output_bucket: OutputBucketOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Print new manifests, reports and error records of the output bucket, one line each."""
    from cli import cloud

    cfg = resolve_config(
        {"output_bucket"}, output_bucket=output_bucket, profile=profile, region=region
    )
    bucket = cfg.require("output_bucket")
    with cloud_errors():
        window = cloud.parse_duration(since)
        s3 = cfg.aws.client("s3")
        if follow:
            err.print(f"watching s3://{escape(bucket)}/ (Ctrl-C to stop)", highlight=False)
        try:
            for event in cloud.tail_events(
                s3, bucket, since=window, follow=follow, interval=interval
            ):
                style = _TAIL_STYLES.get(event.kind, "")
                console.print(
                    f"{event.last_modified:%Y-%m-%d %H:%M:%S} [{style}]{event.kind:<8}[/] "
                    f"{escape(event.key)}  [dim]{escape(event.detail)}[/]",
                    highlight=False,
                    soft_wrap=True,
                )
        except KeyboardInterrupt:
            err.print("stopped", highlight=False)


@app.command()
def status(
    *,
    last: Annotated[
        int, typer.Option("--last", "-n", min=0, help="How many inputs and errors to list.")
    ] = 5,
    output_bucket: OutputBucketOpt = None,
    queue_url: QueueUrlOpt = None,
    dlq_url: DlqUrlOpt = None,
    input_bucket: InputBucketOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Stack settings, queue and DLQ depth, the last processed inputs and the last errors."""
    from cli import cloud, render

    cfg = resolve_config(
        {"output_bucket", "queue_url", "dlq_url"},
        input_bucket=input_bucket,
        output_bucket=output_bucket,
        queue_url=queue_url,
        dlq_url=dlq_url,
        profile=profile,
        region=region,
    )
    console.print(render.config_table(cfg.values, cfg.sources))
    with cloud_errors():
        aws = cfg.aws
        info = cloud.stack_status(
            aws.client("s3"),
            aws.client("sqs"),
            output_bucket=cfg.require("output_bucket"),
            queue_url=cfg.require("queue_url"),
            dlq_url=cfg.require("dlq_url"),
            last=last,
        )
    depths = [
        (name, q.visible, q.in_flight, q.delayed)
        for name, q in (("queue", info.queue), ("DLQ", info.dlq))
        if q is not None
    ]
    console.print(render.queue_table(depths))
    console.print(render.processed_table(info.processed))
    console.print(render.errors_table(info.errors))
    if info.dlq is not None and info.dlq.visible:
        console.print(
            f"[red]{info.dlq.visible} message(s) in the DLQ[/]: fix the cause (the function's "
            "logs), then `orders redrive`.",
            highlight=False,
        )


@app.command()
def reprocess(
    keys: Annotated[list[str], typer.Argument(help="Input object key(s) to process again.")],
    *,
    new_version: Annotated[
        bool,
        typer.Option(
            "--new-version",
            help="For inputs already processed (or rejected): copy the object onto itself so "
            "the pipeline processes the new version (versioned bucket).",
        ),
    ] = False,
    input_bucket: InputBucketOpt = None,
    output_bucket: OutputBucketOpt = None,
    queue_url: QueueUrlOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Send input objects through the pipeline again (notification-shaped queue messages)."""
    from cli import cloud

    cfg = resolve_config(
        {"input_bucket", "output_bucket", "queue_url"},
        input_bucket=input_bucket,
        output_bucket=output_bucket,
        queue_url=queue_url,
        profile=profile,
        region=region,
    )
    bucket = cfg.require("input_bucket")
    with cloud_errors():
        s3 = cfg.aws.client("s3")
        results = cloud.reprocess(
            s3,
            cfg.aws.client("sqs"),
            input_bucket=bucket,
            output_bucket=cfg.require("output_bucket"),
            queue_url=cfg.require("queue_url"),
            keys=keys,
            new_version=new_version,
            region=s3.meta.region_name,
        )
    for item in results:
        uri = escape(f"s3://{bucket}/{item.key}")
        detail = escape(item.detail)
        if item.status == "queued":
            console.print(f"[green]queued[/] {uri} (source id {detail})", highlight=False)
        elif item.status == "new-version":
            console.print(
                f"[green]new version[/] {uri} {detail}: S3's notification triggers the pipeline",
                highlight=False,
            )
        elif item.status == "missing":
            err.print(f"[bold red]error:[/] {detail}", highlight=False)
        else:
            what = "processed" if item.status == "already-processed" else "rejected"
            console.print(
                f"[yellow]skipped[/] {uri}: already {what} ({detail}); the handler would "
                "skip it. --new-version processes it again as a new version",
                highlight=False,
            )
    if any(item.status == "missing" for item in results):
        raise typer.Exit(1)


@app.command()
def redrive(
    limit: Annotated[
        int | None, typer.Option("--max", min=1, help="Move at most this many messages.")
    ] = None,
    queue_url: QueueUrlOpt = None,
    dlq_url: DlqUrlOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Move messages from the dead-letter queue back to the queue, to be processed again."""
    from cli import cloud

    cfg = resolve_config(
        {"queue_url", "dlq_url"},
        queue_url=queue_url,
        dlq_url=dlq_url,
        profile=profile,
        region=region,
    )
    with cloud_errors():
        result = cloud.redrive(
            cfg.aws.client("sqs"),
            dlq_url=cfg.require("dlq_url"),
            queue_url=cfg.require("queue_url"),
            limit=limit,
        )
    console.print(
        f"moved {result.moved} message(s) from the DLQ back to the queue", highlight=False
    )
    if result.failed:
        raise fail(f"{result.failed} message(s) could not be sent; they stay in the DLQ")


def _stack_setup(
    *,
    dry_run: bool,
    profile: str | None,
    var_file: Path | None,
    backend_config: list[str],
    auto_approve: bool,
    region: str | None,
) -> tuple[deploy_module.StackOptions, deploy_module.StepLog, Runner]:
    """Options, step log and runner shared by deploy and destroy; fails with one line."""
    from cli import deploy as deploy_mod
    from cli.config import terraform_dir
    from cli.tools import Runner as ToolRunner

    log = deploy_mod.StepLog(console, dry_run=dry_run)
    runner = ToolRunner(
        dry_run=dry_run, echo=log.command, env={"AWS_PROFILE": profile} if profile else {}
    )
    try:
        opts = deploy_mod.stack_options(
            terraform_dir(),
            var_file=var_file,
            backend_configs=backend_config,
            auto_approve=auto_approve,
            profile=profile,
            region=region,
        )
    except deploy_mod.DeployError as exc:
        raise fail(f"{exc} ({exc.hint})" if exc.hint else str(exc)) from None
    return opts, log, runner


def _require_tools(runner: Runner, *tools: str) -> None:
    """Stop with one line per missing tool; in a dry run only warn."""
    from cli.tools import ToolMissingError

    for tool in tools:
        try:
            runner.require(tool)
        except ToolMissingError as exc:
            if not runner.dry_run:
                raise fail(str(exc)) from None
            err.print(f"[yellow]warning:[/] {escape(str(exc))}", highlight=False)


@contextmanager
def step_errors() -> Iterator[None]:
    """A failed step: its command, the tool's stderr, a hint; exit 1."""
    from cli.deploy import DeployError
    from cli.tools import StepFailedError, ToolMissingError

    try:
        yield
    except StepFailedError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        if exc.stderr.strip():
            err.print(exc.stderr.rstrip(), highlight=False, markup=False, soft_wrap=True)
        if exc.hint:
            err.print(f"[bold]hint:[/] {escape(exc.hint)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except DeployError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        if exc.hint:
            err.print(f"[bold]hint:[/] {escape(exc.hint)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except ToolMissingError as exc:
        raise fail(str(exc)) from None


BackendConfigOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--backend-config",
        help="Backend config file or key=value, repeatable "
        "(default: terraform/assignment/backend.hcl when present).",
        show_default=False,
    ),
]


@app.command()
def deploy(
    *,
    var_file: VarFileOpt = None,
    backend_config: BackendConfigOpt = None,
    dry_run: DryRunOpt = False,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without Terraform's confirmation.")
    ] = False,
    profile: ProfileOpt = None,
    region: StackRegionOpt = None,
) -> None:
    """Init, create the ECR repository, build and push the arm64 image, apply the stack."""
    from cli import deploy as deploy_mod
    from cli.config import AwsTarget, project_root

    cfg = resolve_config(set(), profile=profile)
    profile = cfg.get("profile")
    opts, log, runner = _stack_setup(
        dry_run=dry_run,
        profile=profile,
        var_file=var_file,
        backend_config=backend_config or [],
        auto_approve=auto_approve,
        region=region,
    )
    _require_tools(runner, "terraform", "docker")
    root = project_root()
    if not (root / "Dockerfile").is_file():
        raise fail(f"no Dockerfile in {root}: run orders deploy from the repository checkout")
    if dry_run:
        console.print("[bold]dry run:[/] commands are printed, nothing runs", highlight=False)
    with step_errors():
        result = deploy_mod.deploy(
            opts,
            context_dir=root,
            runner=runner,
            log=log,
            aws=AwsTarget(profile=profile, region=region),
            tag=deploy_mod.image_tag(root),
        )
    if dry_run:
        return
    from cli.render import outputs_table

    console.print(outputs_table(result.outputs, deploy_mod.SHOWN_OUTPUTS))
    flag = escape(f" --profile {profile}") if profile else ""
    console.print(f"deployed {result.image_uri}", highlight=False, soft_wrap=True)
    console.print(
        f"next: [bold]orders upload assessment_assets/sample_orders.csv{flag}[/] "
        f"(then `orders status{flag}`)",
        highlight=False,
    )


@app.command()
def destroy(
    *,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    delete_data: Annotated[
        bool,
        typer.Option(
            "--delete-data",
            help="Also delete every input, report and image (apply force_destroy=true first).",
        ),
    ] = False,
    var_file: VarFileOpt = None,
    dry_run: DryRunOpt = False,
    profile: ProfileOpt = None,
    region: StackRegionOpt = None,
) -> None:
    """terraform destroy of the stack, after a confirmation prompt."""
    from cli import deploy as deploy_mod

    cfg = resolve_config(set(), profile=profile)
    profile = cfg.get("profile")
    opts, log, runner = _stack_setup(
        dry_run=dry_run,
        profile=profile,
        var_file=var_file,
        backend_config=[],
        auto_approve=True,
        region=region,
    )
    _require_tools(runner, "terraform")
    what = "every resource of the stack in " + str(opts.stack_dir)
    if delete_data:
        what += ", with ALL objects in its buckets and images in its repository"
    if not (yes or dry_run) and not typer.confirm(f"Destroy {what}?", default=False):
        raise fail("destroy cancelled: nothing was changed")
    with step_errors():
        deploy_mod.destroy(opts, runner=runner, log=log, delete_data=delete_data)


@app.command()
def query(
    name: Annotated[
        str,
        typer.Argument(
            help="Named query: a file stem of terraform/modules/analytics/queries/*.sql.",
            show_default=False,
        ),
    ],
    *,
    local: Annotated[
        Path | None,
        typer.Option(
            "--local",
            file_okay=False,
            help="Run on DuckDB over DIR/input and DIR/output (orders demo --keep DIR) "
            "instead of Athena.",
            show_default=False,
        ),
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    workgroup: Annotated[
        str | None,
        typer.Option(
            "--workgroup",
            help="Athena workgroup (env ORDERS_ATHENA_WORKGROUP; else terraform output).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for Athena.")
    ] = 300,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Run a named analytics query on Athena (or locally on DuckDB with --local DIR)."""
    from cli import query as queries
    from cli import render
    from shared.core import reports

    try:
        if local is not None:
            result = queries.run_local(name, local)
        else:
            queries.load_sql(name)  # an unknown name fails here, before AWS is asked
            cfg = resolve_config(
                {"athena_workgroup"}, athena_workgroup=workgroup, profile=profile, region=region
            )
            with cloud_errors():
                result = queries.run_athena(
                    cfg.aws.client("athena"),
                    name,
                    workgroup=cfg.require("athena_workgroup"),
                    timeout=timeout,
                )
    except queries.QueryError as exc:
        raise fail(str(exc)) from None
    rows = queries.as_table_rows(result)
    if as_csv:
        writer = reports.csv_writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(rows)
        return
    console.print(render.query_table(name, result.columns, rows))
    err.print(f"[dim]{escape(result.detail)}[/]", highlight=False)


@app.command()
def demo(
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            "-f",
            exists=True,
            dir_okay=False,
            readable=True,
            help="File to push through the pipeline, repeatable "
            "(default: assessment_assets/sample_orders.csv).",
            show_default=False,
        ),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            file_okay=False,
            help="Copy both buckets and the handler's log to this folder "
            "(then: orders query NAME --local DIR).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for each file.")
    ] = 60,
) -> None:
    """Run the whole pipeline locally on moto (no AWS account): upload, process, show."""
    from cli.config import project_root
    from cli.demo import missing_requirements, run_demo

    missing = missing_requirements()
    if missing:
        raise fail(
            f"orders demo needs {', '.join(missing)}: pip install -e '.[dev]' (or make install)"
        )
    chosen = files or [project_root() / "assessment_assets" / "sample_orders.csv"]
    for path in chosen:
        if not path.is_file():
            raise fail(f"{path} not found")
    try:
        with cloud_errors():
            code = run_demo(console, err, chosen, keep=keep, timeout=timeout)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()
