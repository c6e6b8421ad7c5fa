"""Cold-start hygiene: the light modules stay light; heavy imports happen where used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

HEAVY = ("polars", "boto3", "botocore", "aws_lambda_powertools")
PROBE = "import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"


@pytest.mark.parametrize("module", ["shared", "shared.aws.layout", "shared.aws.events"])
def test_light_modules_import_no_heavy_dependency(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
