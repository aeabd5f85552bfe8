"""The post-deploy hook of the parameters (`changes.after_deploy`) through the real pipeline handlers: a
deploy at the scaling already applied costs no call for the scaling and none for schedules the app does not
have; a scaling applied to the old services while the build was planned, or new process types, are applied
after the deploy as before."""

from __future__ import annotations

import pytest

from tests.conftest import CallRecorder
from tests.integration.parameters.helpers import deliver as deliver_parameter
from tests.integration.parameters.helpers import put, scalable_targets, services, state, task_definition
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    step_task,
    stopped,
    upload_toml,
)

SCALING = "/apppack/apps/demo/scaling"
WEB = {"cpu": 512, "memory": 1024, "min_processes": 2, "max_processes": 4}  # autoscaled


def _release_and_deploy(number: int) -> None:
    deliver(stopped(step_task("demo", number, "release")))
    deliver(*completed("demo", number, seconds=300 * number))


def _first_deploy_with_scaling() -> None:
    declare()
    deliver_parameter(put(SCALING, {"web": WEB}))  # before the first deploy: recorded, used by the plan
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    _release_and_deploy(1)
    assert state("demo", "scaling")["applied"]["desired"]["processes"] == ["web", "worker"]  # the hook applied it


def _calls(recorder: CallRecorder, service: str) -> int:
    return sum(n for (s, _), n in recorder.calls.items() if s == service)


@pytest.mark.usefixtures("aws")
def test_a_deploy_at_the_applied_scaling_makes_no_scaling_or_schedule_call(api_calls: CallRecorder) -> None:
    _first_deploy_with_scaling()
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))
    deliver(stopped(step_task("demo", 2, "release")))
    *first, last = completed("demo", 2, seconds=600)
    deliver(*first)
    api_calls.calls.clear()
    deliver(last)  # the deploy's end, and the hooks
    assert api_calls.count("ssm", "GetParameter") == 0
    assert _calls(api_calls, "application-autoscaling") == 0
    assert api_calls.count("events", "ListRules") == 0
    assert api_calls.count("ecs", "DescribeServices") == 0
    web = services()["demo-web"]
    assert task_definition(web["taskDefinition"])["cpu"] == "512"  # the plan's revision runs at the scaling
    assert scalable_targets() == {"service/orchestrator/demo-web": (2, 4)}


@pytest.mark.usefixtures("aws")
def test_a_scaling_applied_while_the_build_was_planned_is_applied_again_after_the_deploy() -> None:
    _first_deploy_with_scaling()
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))  # the plan's web: 512 CPU
    bigger = {**WEB, "cpu": 1024, "memory": 2048}
    [applied] = deliver_parameter(put(SCALING, {"web": bigger}))  # no deploy yet (release running): applied now
    assert applied["status"] == "applied"
    _release_and_deploy(2)  # deploys the plan's 512-CPU revision
    web = services()["demo-web"]
    assert task_definition(web["taskDefinition"])["cpu"] == "1024"  # the hook resized what the deploy brought


@pytest.mark.usefixtures("aws")
def test_process_types_the_deploy_added_are_brought_in_line() -> None:
    declare()
    deliver_parameter(put(SCALING, {"web": WEB}))
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    deliver(*completed("demo", 1))  # no release command: the deploy started at SUCCEEDED
    assert state("demo", "scaling")["applied"]["desired"]["processes"] == ["web"]
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))
    _release_and_deploy(2)
    # Not settled for the new process type: the hook applied the scaling to both (worker: the defaults).
    assert state("demo", "scaling")["applied"]["desired"]["processes"] == ["web", "worker"]
    assert scalable_targets() == {"service/orchestrator/demo-web": (2, 4)}
    assert services()["demo-worker"]["desiredCount"] == 1
