"""What the table commands cost against the emulator (issue 15's speed targets), counted, never timed: each
command runs in a fresh interpreter that counts its AWS calls (botocore's before-call event, through the
adapters' hook) and reports which heavy packages it loaded. `make bench` measures the times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, cli, emulator_env

HEAVY = ("pydantic", "pydantic_settings", "aws_lambda_powertools", "moto")
PROBE = """
import json, sys
heavy = set(json.loads(sys.argv[2]))
from orchestrator.adapters.clients import add_call_hook
calls = []
add_call_hook(lambda model, **_: calls.append(f"{model.service_model.service_name}.{model.name}"))
sys.argv = ["orchestrator", *json.loads(sys.argv[1])]
from orchestrator.cli.main import main
try:
    main()
    code = 0
except SystemExit as exit_:
    code = exit_.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & heavy)
print(json.dumps({"code": code, "calls": calls, "loaded": loaded}), file=sys.stderr)
"""


def probe(env: dict[str, str], *args: str) -> dict[str, Any]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    full_env.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=180, check=False,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, result.stderr
    return report


@pytest.fixture(scope="module")
def deployed(emulator: dict[str, str]) -> dict[str, str]:
    env = emulator_env(emulator)
    assert cli("build", "start", "-a", "shop", env=env).returncode == 0
    watched = cli("build", "watch", "1", "-a", "shop", "--interval", "0.5", "--json", env=env)
    assert watched.returncode == 0, watched.stderr
    return env


def test_build_list_is_one_query_without_pydantic(deployed: dict[str, str]) -> None:
    report = probe(deployed, "build", "list", "-a", "shop")
    assert report["calls"] == ["dynamodb.Query"]
    assert report["loaded"] == []


def test_ps_reads_the_apps_items_in_one_batch_and_asks_only_ecs_and_autoscaling(deployed: dict[str, str]) -> None:
    report = probe(deployed, "ps", "-a", "shop")
    assert report["calls"][0] == "dynamodb.BatchGetItem"
    assert sorted(report["calls"][1:]) == ["application-autoscaling.DescribeScalableTargets", "ecs.DescribeServices"]
    assert report["loaded"] == []


def test_ps_json_also_reads_the_scaling_parameter(deployed: dict[str, str]) -> None:
    report = probe(deployed, "ps", "-a", "shop", "--json")
    assert sorted(report["calls"]) == sorted([
        "dynamodb.BatchGetItem", "ecs.DescribeServices", "application-autoscaling.DescribeScalableTargets",
        "ssm.GetParameter",
    ])  # fmt: skip
    assert report["loaded"] == []


def test_ps_shows_the_same_processes_as_before(deployed: dict[str, str]) -> None:
    data = json.loads(cli("ps", "-a", "shop", "--json", env=deployed).stdout)
    views = {view["name"]: view for view in data["processes"]}
    assert set(views) == {"web", "worker"}
    web = views["web"]
    assert (web["service"], web["state"], web["desired_count"], web["cpu"], web["memory"]) == (
        "shop-web", "running", 1, 256, 512
    )  # fmt: skip
    assert (web["min_processes"], web["max_processes"], web["autoscaling"]) == (1, 1, None)
    assert web["task_definition"].endswith("task-definition/shop-web:1")
    assert data["url"] is not None
    assert "shop.localhost" in data["url"]


def test_an_unknown_app_still_says_so_when_build_list_finds_no_builds(deployed: dict[str, str]) -> None:
    result = cli("build", "list", "-a", "nosuch", env=deployed)
    assert result.returncode == 1
    assert "unknown app 'nosuch'" in result.stderr
