"""What `orchestrator ... --help` loads (issue 15's speed targets): help needs typer and rich only, never
boto3, pydantic, Powertools or moto. Each case runs in a fresh interpreter; times are `make bench`'s job."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("boto3", "botocore", "pydantic", "pydantic_settings", "aws_lambda_powertools", "moto", "aws_xray_sdk")
PROBE = """
import json, sys
heavy = set(json.loads(sys.argv[2]))
sys.argv = ["orchestrator", *json.loads(sys.argv[1])]
from orchestrator.cli.main import main
try:
    main()
except SystemExit as exit_:
    code = exit_.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules} & heavy)
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def loaded_by(*args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    report: dict[str, object] = json.loads(result.stderr.strip().splitlines()[-1])
    assert "Usage:" in result.stdout
    return report


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["build", "--help"],
        ["build", "list", "--help"],
        ["ps", "--help"],
        ["ps", "scale", "--help"],
        ["config", "--help"],
        ["events", "explain", "--help"],
        ["local", "up", "--help"],
        ["bundle", "--help"],
        ["demo", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_aws_sdk_and_no_pydantic(args: list[str]) -> None:
    assert loaded_by(*args) == {"code": 0, "loaded": []}


def test_help_after_an_option_is_still_help() -> None:
    # Parsed by typer then (it builds its validators, so pydantic loads); the help is the same.
    report = loaded_by("build", "list", "-a", "demo", "--help")
    assert report["code"] == 0
    assert "boto3" not in report["loaded"]  # type: ignore[operator]
