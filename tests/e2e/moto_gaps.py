"""Gap-fills: where moto (5.2.5) answers the Terraform root's calls unlike AWS, made like AWS.

``make e2e`` applies the real root to a moto server. For the calls below moto
fails, hangs the provider or reports a value AWS would not, so the plan after
the apply would not be empty. Each function patches exactly one such behaviour
in moto's server-side code, reversibly (a context manager), before the server
starts; its docstring says what moto does and what AWS does.

Every fill has a probe in ``tests/e2e/test_moto_gaps.py`` that shows the gap on
stock moto and its absence with the fill. When moto catches up, that test fails:
delete the fill and its probe. Nothing here changes the project's code or stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch
from urllib.parse import unquote

GapFill = Callable[[], Any]  # a function returning a context manager


@contextmanager
def lambda_recursion_config() -> Iterator[None]:
    """moto has no route for ``/2024-08-31/functions/{name}/recursion-config``: Put- and
    GetFunctionRecursionConfig answer 404 with an HTML page. AWS keeps ``RecursiveLoop``
    (``Allow`` or ``Terminate``, default ``Terminate``) per function."""
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    route = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/recursion-config/?$"

    def _function(response: Any) -> Any:
        return response.backend.get_function(unquote(response.path.rsplit("/", 2)[-2]))

    def put(self: Any) -> tuple[int, dict[str, str], str]:
        function = _function(self)
        function.recursive_loop = self.json_body["RecursiveLoop"]
        return 200, {}, json.dumps({"RecursiveLoop": function.recursive_loop})

    def get(self: Any) -> tuple[int, dict[str, str], str]:
        loop = getattr(_function(self), "recursive_loop", "Terminate")
        return 200, {}, json.dumps({"RecursiveLoop": loop})

    with (
        patch.dict(urls.url_paths, {route: LambdaResponse.dispatch}),
        patch.object(LambdaResponse, "put_function_recursion_config", put, create=True),
        patch.object(LambdaResponse, "get_function_recursion_config", get, create=True),
    ):
        yield


@contextmanager
def lambda_logging_config() -> Iterator[None]:
    """moto ignores a function's ``LoggingConfig``: never stored, never returned. AWS returns
    it as set, the log group defaulting to ``/aws/lambda/<name>`` and, for the JSON format,
    both log levels defaulting to ``INFO``."""
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_config = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *a: Any, **kw: Any) -> None:
        original_init(self, account_id, spec, *a, **kw)
        self.logging_config = dict(spec.get("LoggingConfig") or {})

    def get_configuration(self: Any, *a: Any, **kw: Any) -> dict[str, Any]:
        config: dict[str, Any] = original_config(self, *a, **kw)
        logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
        logging.update(getattr(self, "logging_config", {}))
        if logging["LogFormat"] == "JSON":
            logging.setdefault("ApplicationLogLevel", "INFO")
            logging.setdefault("SystemLogLevel", "INFO")
        config["LoggingConfig"] = logging
        return config

    def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in updates:
            self.logging_config = dict(updates["LoggingConfig"])
        original_update(self, updates)
        return get_configuration(self)

    with (
        patch.object(LambdaFunction, "__init__", __init__),
        patch.object(LambdaFunction, "get_configuration", get_configuration),
        patch.object(LambdaFunction, "update_configuration", update_configuration),
    ):
        yield


@contextmanager
def lambda_image_config_response() -> Iterator[None]:
    """moto returns ``ImageConfigResponse: {"ImageConfig": {"Command": [], "EntryPoint": []}}``
    for every image function, which the provider reads as an image configuration to remove.
    AWS returns no ``ImageConfigResponse`` when none was set (the image's CMD applies)."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.get_configuration

    def get_configuration(self: Any, *a: Any, **kw: Any) -> dict[str, Any]:
        config: dict[str, Any] = original(self, *a, **kw)
        image = config.get("ImageConfigResponse", {}).get("ImageConfig")
        if image is not None and not any(image.values()):
            del config["ImageConfigResponse"]
        return config

    with patch.object(LambdaFunction, "get_configuration", get_configuration):
        yield


@contextmanager
def sqs_redrive_allow_policy() -> Iterator[None]:
    """moto stores a queue's ``RedriveAllowPolicy`` but never returns it (and refuses the name
    in GetQueueAttributes), so the provider waits forever for it to appear. AWS returns it,
    and removes it when it is set to an empty string."""
    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original.fget(self)  # type: ignore[attr-defined]
        if not result.get("RedriveAllowPolicy"):
            result.pop("RedriveAllowPolicy", None)
        return result

    with (
        patch.object(Queue, "BASE_ATTRIBUTES", [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]),
        patch.object(Queue, "redrive_allow_policy", None, create=True),
        patch.object(Queue, "attributes", property(attributes)),
    ):
        yield


@contextmanager
def sqs_set_attributes_keeps_policy() -> Iterator[None]:
    """moto's SetQueueAttributes drops the queue's ``Policy`` unless the call repeats it.
    AWS changes only the attributes a call names."""
    from moto.sqs.models import Queue

    original = Queue._set_attributes

    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        kept = getattr(self, "policy", None)
        original(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = kept

    with patch.object(Queue, "_set_attributes", _set_attributes):
        yield


@contextmanager
def sqs_compact_redrive_policy() -> Iterator[None]:
    """moto returns ``RedrivePolicy`` as Python's spaced JSON (``{"a": 1, "b": 2}``). AWS
    returns it compact (``{"a":1,"b":2}``), as it was set."""
    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original.fget(self)  # type: ignore[attr-defined]
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    with patch.object(Queue, "attributes", property(attributes)):
        yield


@contextmanager
def athena_delete_named_query() -> Iterator[None]:
    """moto does not implement Athena's DeleteNamedQuery: it answers 500, which the provider
    retries for 10+ minutes before failing the destroy. AWS deletes the query."""
    from moto.athena.responses import AthenaResponse

    def delete_named_query(self: Any) -> str:
        self.athena_backend.named_queries.pop(self._get_param("NamedQueryId"), None)
        return "{}"

    with patch.object(AthenaResponse, "delete_named_query", delete_named_query, create=True):
        yield


@contextmanager
def athena_update_work_group() -> Iterator[None]:
    """moto does not implement Athena's UpdateWorkGroup: it answers 500, which the provider
    retries for 10+ minutes. AWS updates the workgroup's description, state and
    configuration (``ConfigurationUpdates``: ``Remove*`` flags clear a setting)."""
    from moto.athena.responses import AthenaResponse

    def update_work_group(self: Any) -> str:
        group = self.athena_backend.work_groups[self._get_param("WorkGroup")]
        if self._get_param("Description") is not None:
            group.description = self._get_param("Description")
        if self._get_param("State"):
            group.state = self._get_param("State")
        config = group.configuration
        for key, value in (self._get_param("ConfigurationUpdates") or {}).items():
            if key == "ResultConfigurationUpdates":
                result = config.setdefault("ResultConfiguration", {})
                for name, new in value.items():
                    if not name.startswith("Remove"):
                        result[name] = new
                    elif new:
                        result.pop(name.removeprefix("Remove"), None)
            elif key == "RemoveBytesScannedCutoffPerQuery":
                if value:
                    config.pop("BytesScannedCutoffPerQuery", None)
            elif not key.startswith("Remove"):
                config[key] = value
        return "{}"

    with patch.object(AthenaResponse, "update_work_group", update_work_group, create=True):
        yield


@contextmanager
def conditions_on_absent_keys_do_not_hold() -> Iterator[None]:
    """moto evaluates only ``StringEquals`` and takes every other condition (``Bool``,
    ``NumericLessThan``...) as holding, so the TLS-only Deny statements of the bucket
    policies (``aws:SecureTransport`` false, ``s3:TlsVersion`` < 1.2) apply to every request
    and object PUTs are refused. In AWS a condition on a key the request does not carry
    does not hold (except ``...IfExists`` and ``Null``), so its statement does not apply.
    moto's requests carry neither key: with the fill they pass, as TLS 1.2 requests do."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        carried = incoming_condition_values or {}
        for operator, keyed in (self._statement.get("Condition") or {}).items():
            if operator.endswith("IfExists") or operator == "Null":
                continue
            if any(key not in carried for key in keyed):
                return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    with patch.object(IAMPolicyStatement, "is_action_permitted", is_action_permitted):
        yield


GAP_FILLS: tuple[GapFill, ...] = (
    lambda_recursion_config,
    lambda_logging_config,
    lambda_image_config_response,
    sqs_redrive_allow_policy,
    sqs_set_attributes_keeps_policy,
    sqs_compact_redrive_policy,
    athena_delete_named_query,
    athena_update_work_group,
    conditions_on_absent_keys_do_not_hold,
)


@contextmanager
def all_gap_fills() -> Iterator[None]:
    """Every fill above, for the lifetime of the block (start the moto server inside it)."""
    with ExitStack() as stack:
        for fill in GAP_FILLS:
            stack.enter_context(fill())
        yield
