"""Values the Terraform stack and the Python code must agree on, checked across the two.

HCL cannot import Python, so each value has its definition in Python and the Terraform that
restates it is compared with it here: the output prefixes the handler's role may write and list
(``shared.aws.layout``), and the service name, namespace and metric names the alarms read
(``shared.aws.telemetry``).
"""

from __future__ import annotations

import re
from typing import Any

from shared.aws import layout, telemetry
from tests.helpers import ROOT

TERRAFORM = ROOT / "terraform"


def locals_of(path: str) -> dict[str, Any]:
    import hcl2

    with (TERRAFORM / path).open() as fh:
        blocks = hcl2.load(fh)["locals"]
    return {k: v for block in blocks for k, v in block.items()}


def test_the_role_is_granted_the_layouts_prefixes() -> None:
    stack = locals_of("assignment/main.tf")
    assert stack["output_prefixes"] == list(layout.OUTPUT_PREFIXES)
    assert stack["idempotency_prefixes"] == list(layout.RECORD_PREFIXES)


def test_the_function_and_its_alarms_use_the_telemetrys_names() -> None:
    stack = locals_of("assignment/main.tf")
    assert stack["service_name"] == telemetry.SERVICE
    assert stack["metrics_namespace"] == telemetry.NAMESPACE
    alarms = (TERRAFORM / "modules" / "alarms" / "main.tf").read_text()
    used = set(re.findall(r'"(Files\w+|Rows|RejectedRows)"', alarms))
    assert used == {telemetry.FILES_FAILED, telemetry.ROWS, telemetry.REJECTED_ROWS}
    variables = (TERRAFORM / "modules" / "alarms" / "variables.tf").read_text()
    assert f'default     = "{telemetry.NAMESPACE}"' in variables
    assert f'default     = "{telemetry.SERVICE}"' in variables
