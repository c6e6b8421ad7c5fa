"""The real Terraform root on moto: one apply, an empty plan, the pipeline through it, destroy.

The tests run in this order and share one stack (session fixtures); a failure
early on makes the later ones error instead of running on a half-built stack.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cli.config import AwsTarget
from cli.local_lambda import FunctionSpec, LambdaProcess
from cli.moto_stack import DIFFERENCES_FROM_TERRAFORM, MotoServer, Resources, create_pipeline
from cli.sqs_trigger import EventSourceSpec, LocalConsumer
from shared.aws import identity
from shared.aws.layout import ObjectRef, error_key, manifest_key, report_key, source_id
from shared.core import reports
from tests.e2e.harness import FAKE_CREDENTIALS, REGION, Steps, Terraform
from tests.e2e.wiring import describe, differences
from tests.helpers import SAMPLE


@dataclass
class Applied:
    outputs: dict[str, Any]
    plan_exit_code: int
    plan_output: str


@pytest.fixture(scope="session")
def initialized(terraform: Terraform, steps: Steps) -> Terraform:
    with steps("terraform init (provider from the mirror)"):
        terraform.init()
    return terraform


@pytest.fixture(scope="session")
def applied(initialized: Terraform, steps: Steps) -> Applied:
    with steps("terraform apply (one, the whole root)"):
        initialized.apply()
    with steps("terraform plan -detailed-exitcode"):
        code, plan = initialized.plan_exit_code()
    return Applied(initialized.outputs(), code, plan)


def test_one_apply_then_an_empty_plan(applied: Applied) -> None:
    assert applied.plan_exit_code == 0, applied.plan_output[-6000:]
    assert applied.outputs["function_name"] == "nmd-assignment-e2e-handler"


def test_bucket_logging_waited_for_the_log_bucket_policy(
    applied: Applied, initialized: Terraform
) -> None:
    """The ordering gap: S3 refuses logging to a bucket whose policy does not grant it yet."""
    policy = "module.access_logs_bucket.aws_s3_bucket_policy.this"
    for bucket in ("module.input_bucket", "module.output_bucket"):
        dependencies = initialized.dependencies(bucket, "aws_s3_bucket_logging")
        assert policy in dependencies, f"{bucket}'s logging does not wait for {policy}"


@dataclass
class Running:
    """The applied stack with the local runtime behind its queue."""

    s3: Any
    sqs: Any
    outputs: dict[str, Any]
    function: FunctionSpec
    source: EventSourceSpec
    consumer: LocalConsumer
    runtime: LambdaProcess

    def stop(self) -> None:
        """The trigger stops polling and the function's process ends."""
        self.consumer.stop()
        self.runtime.stop()


@pytest.fixture(scope="session")
def aws(server: MotoServer) -> AwsTarget:
    return AwsTarget(region=REGION, endpoint_url=server.endpoint, credentials=FAKE_CREDENTIALS)


@pytest.fixture(scope="session")
def running(
    applied: Applied,
    aws: AwsTarget,
    logs: Path,
    steps: Steps,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    """The real handler in its own process, configured from the applied resources only."""
    name = applied.outputs["function_name"]
    with ExitStack() as stack:
        with steps("function: settings read, process started"):
            function = FunctionSpec.from_aws(aws.client("lambda"), name)
            source = EventSourceSpec.from_aws(aws.client("lambda"), aws.client("sqs"), name)
            runtime = stack.enter_context(
                LambdaProcess(
                    function,
                    endpoint=str(aws.endpoint_url),
                    credentials=FAKE_CREDENTIALS,
                    work_dir=tmp_path_factory.mktemp("function"),
                    log_path=logs / "function.log",
                )
            )
        # The applied visibility timeout is 30 minutes (6x the function timeout): failed
        # messages are received again after 1 s instead; receives are what the redrive counts.
        consumer = stack.enter_context(
            LocalConsumer(aws.client("sqs"), source, runtime.invoke, retry_after_seconds=1)
        )
        yield Running(
            aws.client("s3"),
            aws.client("sqs"),
            applied.outputs,
            function,
            source,
            consumer,
            runtime,
        )
    assert consumer.errors == []


def test_the_builder_wires_what_terraform_wires(
    applied: Applied, aws: AwsTarget, steps: Steps
) -> None:
    """The demo's and fast tests' stack against the applied one; differences must be listed."""
    with steps("builder vs Terraform: wiring compared"):
        s3, sqs, lam = aws.client("s3"), aws.client("sqs"), aws.client("lambda")
        out = applied.outputs
        deployed = Resources(
            out["input_bucket_name"], out["output_bucket_name"], out["queue_url"],
            out["queue_arn"], out["dlq_url"], out["dlq_arn"], out["function_name"],
        )  # fmt: skip
        built = create_pipeline(s3, sqs, prefix="orders-demo", region=REGION)
        terraform_side = describe(
            s3, sqs, deployed,
            FunctionSpec.from_aws(lam, deployed.function_name),
            EventSourceSpec.from_aws(lam, sqs, deployed.function_name),
        )  # fmt: skip
        builder_side = describe(s3, sqs, built, built.function(), built.event_source())
    found = differences(terraform_side, builder_side)
    unlisted = {k: v for k, v in found.items() if k not in DIFFERENCES_FROM_TERRAFORM}
    stale = set(DIFFERENCES_FROM_TERRAFORM) - set(found)
    assert not unlisted, "builder differs from Terraform (terraform, builder):\n" + "\n".join(
        f"  {k}: {v[0]!r} != {v[1]!r}" for k, v in unlisted.items()
    )
    assert not stale, f"listed in DIFFERENCES_FROM_TERRAFORM but equal now: {sorted(stale)}"
    assert len(terraform_side) > 30  # the comparison saw the stack, not two empty shells


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what}: not after {timeout:g}s"
        time.sleep(0.2)
    return result


def upload(run: Running, key: str, data: bytes) -> ObjectRef:
    bucket = run.outputs["input_bucket_name"]
    put = run.s3.put_object(Bucket=bucket, Key=key, Body=data)
    # The identity the handler computes (HeadObject: version, ETag, LastModified).
    return identity.head(run.s3, ObjectRef(bucket, key, put.get("VersionId"))).ref


def record_key(key_of: Callable[[str, datetime], str], ref: ObjectRef) -> str:
    """The manifest or error record key the handler computes for ``ref`` (shared.aws.layout)."""
    assert ref.last_modified is not None
    return key_of(source_id(ref), ref.last_modified)


def output_object(run: Running, key: str) -> bytes | None:
    try:
        body: bytes = run.s3.get_object(Bucket=run.outputs["output_bucket_name"], Key=key)[
            "Body"
        ].read()
    except run.s3.exceptions.NoSuchKey:
        return None
    return body


def orders(*args: str | Path) -> None:
    """The installed CLI, as a user runs it."""
    cli = Path(sys.executable).with_name("orders")
    subprocess.run([cli, *map(str, args)], check=True, capture_output=True, timeout=300)


def test_uploads_through_the_stack_give_run_locals_reports(
    running: Running, steps: Steps, tmp_path: Path
) -> None:
    generated = tmp_path / "generated orders.csv.gz"
    inputs = {"incoming/sample_orders.csv": SAMPLE, "incoming/generated orders.csv.gz": generated}
    with steps("sample + generated .csv.gz: reports == run-local"):
        orders("generate", generated, "--rows", "20000", "--seed", "7", "--gzip")
        refs = {key: upload(running, key, path.read_bytes()) for key, path in inputs.items()}
        for key, ref in refs.items():
            manifest = wait_for(
                f"manifest of {key}",
                lambda ref=ref: output_object(
                    running, manifest_key(source_id(ref), ref.last_modified)
                ),
            )
            local = tmp_path / f"local-{len(key)}"
            orders("run-local", inputs[key], "--output-dir", local, "--format", "json")
            day = ref.last_modified.date()
            for report in reports.REPORT_NAMES:
                remote = output_object(running, report_key(report, day, source_id(ref)))
                assert remote == (local / reports.file_name(report)).read_bytes(), (key, report)
            assert json.loads(manifest)["rows_read"] > 0


def test_a_bad_file_gets_its_error_record(running: Running, steps: Steps) -> None:
    with steps("bad file: error record"):
        ref = upload(running, "incoming/missing columns.csv", b"Order Id,Region\nO-1,East\n")
        record = wait_for(
            "error record",
            lambda: output_object(running, error_key(source_id(ref), ref.last_modified)),
        )
    assert json.loads(record)["error_type"] == "MissingColumnsError"
    assert output_object(running, record_key(manifest_key, ref)) is None


def test_a_message_that_always_fails_ends_in_the_dlq_after_max_receive_count(
    running: Running, steps: Steps
) -> None:
    source = running.source
    assert source.max_receive_count and source.dlq_arn  # read from the applied redrive policy
    dlq_url = running.outputs["dlq_url"]
    with steps(f"poison message: DLQ after {source.max_receive_count} receives"):
        sent = running.sqs.send_message(QueueUrl=source.queue_url, MessageBody="not an S3 event")
        message_id = sent["MessageId"]
        dead = wait_for(
            "the message in the DLQ",
            lambda: running.sqs.receive_message(
                QueueUrl=dlq_url, WaitTimeSeconds=0, AttributeNames=["All"]
            ).get("Messages"),
        )
    assert [m["MessageId"] for m in dead] == [message_id]
    tries = [i for i in running.consumer.invocations if message_id in i.message_ids]
    assert len(tries) == source.max_receive_count
    assert all(i.failed_ids == [message_id] for i in tries)


def test_destroy_leaves_an_empty_state(
    applied: Applied, initialized: Terraform, running: Running, steps: Steps
) -> None:
    running.stop()  # before its queue goes
    # No refresh: the state is the one the plan above just found equal to moto's.
    with steps("terraform apply -var force_destroy=true"):
        initialized.apply(refresh=False, force_destroy="true")
    with steps("terraform destroy"):
        initialized.destroy(refresh=False, force_destroy="true")
    with steps("terraform state list: empty"):
        assert initialized.state() == []
