"""Every shipped scenario, run with `orchestrator local run NAME --json` on a fresh emulator."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from orchestrator.cli.main import app
from tests.e2e.conftest import cli

pytestmark = pytest.mark.spread  # each scenario starts its own emulator: any worker may run it

REQUIRED = {
    "happy-path", "build-failed", "release-failed", "deploy-rollback", "overlapping-builds", "review-app",
    "review-app-lifecycle", "scaling", "config-change", "scheduled-tasks", "rollback", "one-off-run",
    "test-failed", "tests-pass",
}  # fmt: skip


def test_every_required_scenario_is_shipped() -> None:
    listed = cli("local", "scenarios", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {s["name"] for s in json.loads(listed.stdout)} >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_scenario_expectations_hold(name: str) -> None:
    # In-process through typer's runner: one moto server per test process, reset between scenarios.
    result = CliRunner().invoke(app, ["local", "run", name, "--json"])
    report = json.loads(result.stdout)
    assert report["failures"] == [], report["failures"]
    assert report["passed"] is True
    assert result.exit_code == 0
    assert report["dead_letters"] == []
    assert report["builds"], "a scenario always builds something"


def test_a_scenario_whose_expectation_fails_exits_1(tmp_path: pytest.TempPathFactory) -> None:
    scenario = tmp_path / "wrong.yaml"  # type: ignore[operator]
    scenario.write_text(
        "name: wrong\napp: {name: shop}\nsteps:\n  - build: {fail_phase: BUILD}\n"
        "expect:\n  builds:\n    1: {codebuild_status: SUCCEEDED}\n"
    )
    result = CliRunner().invoke(app, ["local", "run", str(scenario), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["passed"] is False
    assert report["failures"] == ["build 1: codebuild_status is FAILED, expected SUCCEEDED"]


def test_an_unknown_scenario_is_a_one_line_error() -> None:
    result = cli("local", "run", "no-such-scenario")
    assert result.returncode == 2
    assert "no scenario 'no-such-scenario'" in result.stderr
    assert "Traceback" not in result.stderr
