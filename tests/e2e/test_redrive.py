"""The operator's recovery: an event that failed through all of Lambda's retries is redriven, unchanged, with
`orchestrator events redrive` once the cause is gone, and the pipeline ends as if nothing had happened."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orchestrator.cli.main import app
from orchestrator.local.emulator import Emulator
from orchestrator.local.fault_runs import open_items
from orchestrator.local.faults import FaultInjector, FaultPlan, Outage
from orchestrator.local.scenarios import ScenarioRunner, load_scenario


def test_a_dead_lettered_release_is_recovered_by_events_redrive() -> None:
    outage = FaultPlan(outages=(Outage("ecs", "RunTask", "throttle", attempts=10_000),))
    with Emulator(poll_all_queues=True) as emulator:
        runner = ScenarioRunner(load_scenario("happy-path"), emulator)
        with FaultInjector(outage):
            first = runner.run()
        dead = emulator.dead_letters()
        assert dead, "the outage outlasted the SDK's and Lambda's retries"
        assert all("Throttling" in d["error"] for d in dead)
        assert "build 1: deploy is absent, expected succeeded" in first.failures
        assert not any("release is failed" in f for f in first.failures), "a throttle is never a failed release"

        result = CliRunner().invoke(app, ["events", "redrive", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert {r["function"] for r in rows} == {"orchestrator-codebuild"}
        assert all(r["redriven"] for r in rows)
        assert {r["id"] for r in rows} == {d["event"]["id"] for d in dead}  # the same events, same ids

        emulator.run_until_idle()
        assert runner.check().failures == []
        assert emulator.dead_letters() == []
        assert open_items(["shop"]) == []


def test_redrive_of_an_empty_queue_says_so() -> None:
    with Emulator():
        result = CliRunner().invoke(app, ["events", "redrive"])
    assert result.exit_code == 0
    assert "empty" in result.stdout
