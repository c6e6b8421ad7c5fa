"""Each gap-fill of ``tests/e2e/moto_gaps.py`` is still needed, and does what it says.

A probe calls moto (in-process, ``mock_aws``: the same request handlers the
server runs) the way the provider does and says whether the gap shows. On stock
moto it must show: when moto fixes one, ``test_stock_moto_still_has_the_gap``
fails, naming the fill to delete. With the fill it must not.

These run before the e2e stack's server starts (file order): ``mock_aws`` and
the patches are process-wide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from tests.e2e import moto_gaps
from tests.e2e.harness import Steps
from tests.e2e.moto_gaps import GAP_FILLS, GapFill

REGION = "us-west-2"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/probe@sha256:" + "0" * 64


@dataclass
class Clients:
    def __call__(self, service: str) -> Any:
        # One attempt: a 500 from moto is an answer here, not something to retry.
        return boto3.client(service, region_name=REGION, config=Config(retries={"max_attempts": 1}))


def _function(aws: Clients, **extra: Any) -> str:
    role = aws("iam").create_role(
        RoleName="probe", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    aws("lambda").create_function(
        FunctionName="probe",
        Role=role,
        PackageType="Image",
        Code={"ImageUri": IMAGE},
        **extra,
    )
    return "probe"


def _fails(call: Callable[[], Any]) -> bool:
    try:
        call()
    except Exception:
        return True
    return False


def recursion_config_is_missing(aws: Clients) -> bool:
    name = _function(aws)
    client = aws("lambda")
    return (
        _fails(
            lambda: client.put_function_recursion_config(
                FunctionName=name, RecursiveLoop="Terminate"
            )
        )
        or client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] != "Terminate"
    )


def logging_config_is_dropped(aws: Clients) -> bool:
    logging = {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN"}
    name = _function(aws, LoggingConfig=logging)
    got = aws("lambda").get_function_configuration(FunctionName=name).get("LoggingConfig", {})
    return got.get("LogFormat") != "JSON" or got.get("ApplicationLogLevel") != "WARN"


def empty_image_config_is_returned(aws: Clients) -> bool:
    name = _function(aws)
    return "ImageConfigResponse" in aws("lambda").get_function_configuration(FunctionName=name)


def _queue(aws: Clients, name: str, **attributes: str) -> str:
    url: str = aws("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def redrive_allow_policy_is_hidden(aws: Clients) -> bool:
    sqs, url = aws("sqs"), _queue(aws, "dlq")

    def shown() -> bool:
        return "RedriveAllowPolicy" in sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["All"]
        ).get("Attributes", {})

    allow = json.dumps({"redrivePermission": "allowAll"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})
    if not shown():
        return True
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    return shown()  # the provider's delete: an empty string removes it


def set_attributes_drops_the_policy(aws: Clients) -> bool:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    url = _queue(aws, "q", Policy=policy)
    aws("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    return "Policy" not in attributes.get("Attributes", {})


def redrive_policy_is_spaced(aws: Clients) -> bool:
    dlq = aws("sqs").get_queue_attributes(QueueUrl=_queue(aws, "dlq"), AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": 5}, separators=(",", ":"))
    url = _queue(aws, "q", RedrivePolicy=redrive)
    got = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    return bool(got["Attributes"]["RedrivePolicy"] != redrive)


def _named_query(aws: Clients) -> str:
    athena = aws("athena")
    athena.create_work_group(Name="wg", Configuration={})
    query_id: str = athena.create_named_query(
        Name="q", Database="db", QueryString="SELECT 1", WorkGroup="wg"
    )["NamedQueryId"]
    return query_id


def delete_named_query_is_missing(aws: Clients) -> bool:
    query_id = _named_query(aws)
    return _fails(lambda: aws("athena").delete_named_query(NamedQueryId=query_id))


def update_work_group_is_missing(aws: Clients) -> bool:
    _named_query(aws)
    athena = aws("athena")
    if _fails(lambda: athena.update_work_group(WorkGroup="wg", Description="new")):
        return True
    return bool(athena.get_work_group(WorkGroup="wg")["WorkGroup"]["Description"] != "new")


def conditional_deny_always_applies(aws: Clients) -> bool:
    s3 = aws("s3")
    s3.create_bucket(Bucket="probe", CreateBucketConfiguration={"LocationConstraint": REGION})
    deny_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::probe", "arn:aws:s3:::probe/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [deny_http]})
    s3.put_bucket_policy(Bucket="probe", Policy=policy)
    return _fails(lambda: s3.put_object(Bucket="probe", Key="k", Body=b"x"))


PROBES: dict[GapFill, Callable[[Clients], bool]] = {
    moto_gaps.lambda_recursion_config: recursion_config_is_missing,
    moto_gaps.lambda_logging_config: logging_config_is_dropped,
    moto_gaps.lambda_image_config_response: empty_image_config_is_returned,
    moto_gaps.sqs_redrive_allow_policy: redrive_allow_policy_is_hidden,
    moto_gaps.sqs_set_attributes_keeps_policy: set_attributes_drops_the_policy,
    moto_gaps.sqs_compact_redrive_policy: redrive_policy_is_spaced,
    moto_gaps.athena_delete_named_query: delete_named_query_is_missing,
    moto_gaps.athena_update_work_group: update_work_group_is_missing,
    moto_gaps.conditions_on_absent_keys_do_not_hold: conditional_deny_always_applies,
}


@pytest.fixture(scope="module", autouse=True)
def timed(steps: Steps) -> Iterator[None]:
    with steps(f"moto gaps: {len(GAP_FILLS)} fills probed, stock and filled"):
        yield


def test_every_fill_has_a_probe() -> None:
    assert set(PROBES) == set(GAP_FILLS)


@pytest.mark.parametrize("fill", GAP_FILLS, ids=lambda f: f.__name__)
def test_stock_moto_still_has_the_gap(fill: GapFill) -> None:
    with mock_aws():
        still_needed = PROBES[fill](Clients())
    assert still_needed, (
        f"moto now behaves like AWS here: delete moto_gaps.{fill.__name__} and its probe"
    )


@pytest.mark.parametrize("fill", GAP_FILLS, ids=lambda f: f.__name__)
def test_the_fill_closes_the_gap(fill: GapFill) -> None:
    with fill(), mock_aws():
        assert not PROBES[fill](Clients())
