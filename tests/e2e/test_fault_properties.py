"""Every shipped scenario under injected AWS faults ends, after at most one redrive, as it ends without
them: its expectations hold, the DLQ is empty, no claim is left `claimed`, no phase `started`, and each side
effect was made once (orchestrator/local/fault_runs.py).

Fault schedules are drawn by hypothesis: a seed, rates of throttling, 5xx and lost responses at the HTTP
attempt (absorbed by the SDK's retries or not), and optionally an outage of one side-effect API that
outlasts the SDK's retries. `make test` draws ORCHESTRATOR_FAULT_EXAMPLES schedules per scenario (default 1,
derandomized so CI is reproducible); `make faults` draws more, randomly.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.local.fault_runs import SideEffects, run_under_faults
from orchestrator.local.faults import FaultPlan, Outage
from orchestrator.local.scenarios import load_scenario, shipped_scenarios

EXAMPLES = int(os.environ.get("ORCHESTRATOR_FAULT_EXAMPLES", "1"))
RANDOM = os.environ.get("ORCHESTRATOR_FAULT_RANDOM", "") == "1"
SIDE_EFFECTS = [
    ("ecs", "RegisterTaskDefinition"), ("ecs", "RunTask"), ("ecs", "CreateService"), ("ecs", "UpdateService"),
    ("dynamodb", "PutItem"), ("dynamodb", "UpdateItem"),
]  # fmt: skip
_baselines: dict[str, SideEffects] = {}

rates = st.sampled_from([0.0, 0.05, 0.1, 0.2])
outages = st.one_of(
    st.none(),
    st.builds(
        Outage,
        service=st.just("ecs"),
        operation=st.sampled_from([op for service, op in SIDE_EFFECTS if service == "ecs"]),
        kind=st.sampled_from(["throttle", "server_error", "lost_response"]),
        attempts=st.integers(min_value=1, max_value=8),
        after=st.integers(min_value=0, max_value=2),
    ),
    st.builds(
        Outage,
        service=st.just("dynamodb"),
        operation=st.sampled_from(["PutItem", "UpdateItem"]),
        kind=st.sampled_from(["throttle", "lost_response"]),
        attempts=st.integers(min_value=1, max_value=8),
        after=st.integers(min_value=0, max_value=30),
    ),
)
plans = st.builds(
    lambda seed, throttle, errors, lost, outage: FaultPlan(
        seed=seed, throttle_rate=throttle, server_error_rate=errors / 2, lost_response_rate=lost,
        outages=(outage,) if outage else (),
    ),
    seed=st.integers(min_value=0, max_value=2**16),
    throttle=rates, errors=rates, lost=rates, outage=outages,
)  # fmt: skip


def baseline(name: str) -> SideEffects:
    if name not in _baselines:
        run = run_under_faults(load_scenario(name), FaultPlan())
        assert run.violations == [], run.violations
        _baselines[name] = run.effects
    return _baselines[name]


def simulated_scenarios() -> list[str]:
    """The scenarios whose app is simulated: a local source's processes really run, and the fault runner
    compares AWS side effects of the simulation only (the http scenarios have their own tests)."""
    return [name for name in shipped_scenarios() if load_scenario(name).app.source is None]


@pytest.mark.parametrize("name", simulated_scenarios())
def test_a_scenario_under_faults_ends_as_without_them(name: str) -> None:
    expected = baseline(name)

    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
    @given(plan=plans)
    def holds(plan: FaultPlan) -> None:
        run = run_under_faults(load_scenario(name), plan, expected)
        assert run.violations == [], f"{name} under {plan.describe()}: {run.violations}"

    holds()


def test_config_change_under_the_schedule_that_once_ended_in_the_dead_letter_queue() -> None:
    """Drawn at random once, and failed two ways: botocore's retry quota, spent by earlier invocations, left the
    parameter handler with no SDK retry (adapters/retry_quotas.py); then its retry recorded the release after ECS
    had reported the deployments' ends, and the release stayed `deploying` (pipeline/deployment_lookups.py)."""
    plan = FaultPlan(seed=3380, throttle_rate=0.2, lost_response_rate=0.2)
    run = run_under_faults(load_scenario("config-change"), plan, baseline("config-change"))
    assert run.violations == [], run.violations


def test_deploy_rollback_under_the_schedule_that_once_updated_a_service_twice() -> None:
    """Drawn at random once: the retry of a deploy whose CreateService had succeeded sent the new service an
    UpdateService to the revision it already ran (tests/integration/pipeline/test_resumed_deploy.py)."""
    plan = FaultPlan(
        seed=4032, throttle_rate=0.2, server_error_rate=0.025, lost_response_rate=0.2,
        outages=(Outage(service="ecs", operation="CreateService", kind="throttle", attempts=4),),
    )  # fmt: skip
    run = run_under_faults(load_scenario("deploy-rollback"), plan, baseline("deploy-rollback"))
    assert run.violations == [], run.violations


def test_scaling_under_the_schedule_that_once_lost_the_deploys_release() -> None:
    """Drawn at random once: the deploy's attempt failed after its services were made, ECS's events ended the
    deploy, and the retry returned early without recording the deploy's release
    (tests/integration/pipeline/test_resumed_deploy.py)."""
    plan = FaultPlan(seed=350, server_error_rate=0.1, lost_response_rate=0.2)
    run = run_under_faults(load_scenario("scaling"), plan, baseline("scaling"))
    assert run.violations == [], run.violations
