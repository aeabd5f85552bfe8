"""Handler modules build no AWS client at import time: a cold start stays cheap, and no client exists
before the settings (endpoint, region) are known. Nor do they import what only some invocations need: the
X-Ray SDK (Powertools' Tracer, only with ORCHESTRATOR_XRAY_SUBSEGMENTS on) and pydantic-settings (the settings
are read at the first invocation), nor the logic of the events they handle: the pipeline, the rollout, the
bundle deployer, routing, Powertools idempotency and boto3 itself are imported by the first event that needs
them (tests/integration/test_cold_first_event.py checks which events do). Checked in a fresh interpreter per
handler."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orchestrator.events.patterns import event_routes
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER

# Every function the stacks create: the event routes' handlers and the webhook receiver behind its URL.
HANDLER_MODULES = sorted(
    {r.handler.rsplit(".", 1)[0] for r in event_routes(ssm_prefix="p", bundle_bucket="b")}
    | {GITHUB_WEBHOOK_HANDLER.rsplit(".", 1)[0]}
)

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
    assert "aws_lambda_powertools" in loaded  # the probe sees packages the handler does import
    unwanted = sorted(name for name in loaded if name.startswith(NOT_AT_IMPORT))
    assert unwanted == []


# What only some events need: imported by the first event that does (the logic modules of each handler).
NOT_BEFORE_THE_FIRST_EVENT = (
    "boto3",
    "aws_lambda_powertools.utilities.idempotency",
    "orchestrator.adapters",
    "orchestrator.pipeline",
    "orchestrator.parameters",
    "orchestrator.bundles",
    "orchestrator.routing",
    "orchestrator.review_apps.lifecycle",
    "orchestrator.review_apps.github",
    "orchestrator.notifications",
    "pydantic.plugin._loader",  # pydantic scans its plugins' entry points when it builds a first model
)


@pytest.mark.parametrize("module", HANDLER_MODULES)
def test_importing_a_handler_leaves_its_logic_to_the_first_event(module: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", MODULES_PROBE, module], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert module in loaded
    unwanted = sorted(name for name in loaded if name.startswith(NOT_BEFORE_THE_FIRST_EVENT))
    assert unwanted == []


def test_the_modules_probe_would_see_the_logic() -> None:
    """The probe works: a module that imports the pipeline at import time is caught."""
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    probe = MODULES_PROBE.replace("assert callable(module.handler)\n", "")
    result = subprocess.run([sys.executable, "-c", probe, "orchestrator.pipeline.release"], capture_output=True,
                            text=True, env=env, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert {"boto3", "orchestrator.pipeline.deploy", "orchestrator.routing.web"} <= loaded


def test_the_probe_would_see_a_client() -> None:
    """The spy works: building a client at import would be caught."""
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    probe = PROBE.replace("module = importlib.import_module(sys.argv[1])\nassert callable(module.handler)\n",
                          "import boto3; boto3.client('dynamodb')\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["dynamodb"]
