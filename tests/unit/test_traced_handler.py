"""`traced`: Powertools' Tracer (and with it the X-Ray SDK) only when the settings turn X-Ray subsegments on,
decided at the first invocation. Each case in a fresh interpreter, whose sys.modules shows what was loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from orchestrator.observability import traced

@traced
def handler(event, context):
    return {"echo": event}

before = "aws_xray_sdk" in sys.modules
result = handler({"n": 1}, None)
second = handler({"n": 2}, None)
print(json.dumps({"before": before, "after": "aws_xray_sdk" in sys.modules, "result": result, "second": second,
                  "name": handler.__name__}))
"""


def _run(subsegments: str | None) -> dict[str, object]:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    if subsegments is not None:
        env["ORCHESTRATOR_XRAY_SUBSEGMENTS"] = subsegments
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("subsegments", [None, "false"])
def test_without_subsegments_the_xray_sdk_is_never_loaded(subsegments: str | None) -> None:
    seen = _run(subsegments)
    assert seen["before"] is False
    assert seen["after"] is False
    assert seen["result"] == {"echo": {"n": 1}}
    assert seen["second"] == {"echo": {"n": 2}}
    assert seen["name"] == "handler"


def test_with_subsegments_the_first_invocation_wraps_the_handler_in_powertools_tracer() -> None:
    seen = _run("true")
    assert seen["before"] is False  # not at import
    assert seen["after"] is True  # Tracer built at the first invocation
    assert seen["result"] == {"echo": {"n": 1}}
    assert seen["second"] == {"echo": {"n": 2}}
