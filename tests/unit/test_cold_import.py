"""Handler modules build no AWS client at import time: a cold start stays cheap, and no client exists
before the settings (endpoint, region) are known. Nor do they import what only some invocations need: the
X-Ray SDK (Powertools' Tracer, only with ORCHESTRATOR_XRAY_SUBSEGMENTS on) and pydantic-settings (the settings
are read at the first invocation). Checked in a fresh interpreter per handler."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orchestrator.events.patterns import event_routes

HANDLER_MODULES = sorted({r.handler.rsplit(".", 1)[0] for r in event_routes(ssm_prefix="p", bundle_bucket="b")})

PROBE = """
import json, sys
import botocore.client
created = []
original = botocore.client.ClientCreator.create_client
def spy(self, service_name, *args, **kwargs):
    created.append(service_name)
    return original(self, service_name, *args, **kwargs)
botocore.client.ClientCreator.create_client = spy
import importlib
module = importlib.import_module(sys.argv[1])
assert callable(module.handler)
print(json.dumps(created))
"""


@pytest.mark.parametrize("module", HANDLER_MODULES)
def test_importing_a_handler_builds_no_client(module: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"}
    result = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert created == []


# Powertools' parser package: in the pinned layer's release it builds every built-in event model at import.
NOT_AT_IMPORT = ("aws_xray_sdk", "pydantic_settings", "dotenv", "aws_lambda_powertools.utilities.parser")

MODULES_PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
assert callable(module.handler)
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("module", HANDLER_MODULES)
def test_importing_a_handler_loads_neither_xray_nor_the_settings_library(module: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}  # tracing not disabled: the default
    result = subprocess.run(
        [sys.executable, "-c", MODULES_PROBE, module], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "pydantic" in loaded  # the probe sees packages the handler does import
    unwanted = sorted(name for name in loaded if name.startswith(NOT_AT_IMPORT))
    assert unwanted == []


def test_the_probe_would_see_a_client() -> None:
    """The spy works: building a client at import would be caught."""
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    probe = PROBE.replace("module = importlib.import_module(sys.argv[1])\nassert callable(module.handler)\n",
                          "import boto3; boto3.client('dynamodb')\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["dynamodb"]
