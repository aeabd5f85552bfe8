"""The shipped http scenarios through the scenario runner, each on its own emulator: every request through
the router is a 200 from an expected build, and no process the emulator started is left when it stops.
(Apart from test_local_processes.py: an emulator resets the process's moto server, so it must not run
while that module's shared emulator is up.)"""

from __future__ import annotations

import pytest

from orchestrator.local.emulator import Emulator
from orchestrator.local.scenarios import ScenarioRunner, load_scenario
from tests.e2e.test_local_processes import assert_none_left

pytestmark = pytest.mark.xdist_group("local-processes")


@pytest.mark.parametrize("name", ["http-rollout", "http-release-failed"])
def test_http_scenarios_hold_and_leave_no_process(name: str) -> None:
    emulator = Emulator(serve_web=True)
    with emulator:
        runner = ScenarioRunner(load_scenario(name), emulator)
        result = runner.run()
        assert result.failures == []
        assert runner.prober is not None
        during = [a for a in runner.prober.answers if a.phase == "during"]
        assert during
        assert all(a.status == 200 for a in during)
    assert_none_left(emulator.supervisor.pids)
