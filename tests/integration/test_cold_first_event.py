"""What a cold invocation imports: a fresh interpreter (nothing loaded, not moto) imports a handler and handles
the first event of its kind against moto, served from this process over loopback (bench/cold_event.py).

A handler's import loads none of its logic (tests/unit/test_cold_import.py); these tests check that the first
event then loads only what its kind needs: a phase change records without the release path or Powertools
idempotency, a deployment IN_PROGRESS without task definitions or web routing, and a SUCCEEDED build does
load the release path (so the probe would see it elsewhere). Never a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.cases import BENCH_APP, CODEBUILD_CASE, _container_setup
from bench.cold_event import _deployment_in_progress, cold_invocation, moto_server, served_environment
from bench.container import codebuild_events, deliver, upload_build
from bench.world import World, fresh_world
from orchestrator.adapters.store import Store
from orchestrator.events.patterns import CODEBUILD_HANDLER, ECS_DEPLOYMENT_HANDLER
from orchestrator.pipeline import keys

RELEASE_PATH = ("orchestrator.pipeline.release", "orchestrator.pipeline.taskdefs", "orchestrator.routing.web")
IDEMPOTENCY = "aws_lambda_powertools.utilities.idempotency"


@pytest.fixture
def served() -> Iterator[tuple[World, dict[str, str]]]:
    with fresh_world() as world, moto_server() as endpoint:
        yield world, served_environment(world, endpoint)


def _record(number: int) -> dict[str, Any]:
    item = Store().get(keys.app_pk(BENCH_APP), keys.build_sk(number))
    assert item is not None
    return item


def test_a_phase_change_records_without_the_release_path_or_idempotency(
    served: tuple[World, dict[str, str]],
) -> None:
    world, env = served
    CODEBUILD_CASE.setup(world)
    event = CODEBUILD_CASE.prepare(world, 0)  # the build's IN_PROGRESS is recorded here; then INSTALL ends
    child = cold_invocation(CODEBUILD_HANDLER, event, env)
    assert child["response"]["status"] == "recorded"
    assert "INSTALL" in _record(child["response"]["build_number"])["codebuild_phases"]  # its write reached moto
    assert "boto3" in child["loaded"]  # it did reach AWS
    assert not set(child["loaded"]) & {*RELEASE_PATH, "orchestrator.pipeline.deploy", IDEMPOTENCY}


def test_a_succeeded_build_loads_the_release_path_without_idempotency(served: tuple[World, dict[str, str]]) -> None:
    world, env = served
    _container_setup(world)
    upload_build(BENCH_APP, 1)
    events = codebuild_events(BENCH_APP, 1)
    deliver(world, events[:-1])
    child = cold_invocation(CODEBUILD_HANDLER, events[-1], env)
    assert child["response"]["step"] == "release"
    assert set(RELEASE_PATH) <= set(child["loaded"])
    assert IDEMPOTENCY not in child["loaded"]  # its steps are claimed; no CodeBuild event takes idempotency


def test_a_deployment_in_progress_records_without_task_definitions_or_routing(
    served: tuple[World, dict[str, str]],
) -> None:
    world, env = served
    _container_setup(world)
    event = _deployment_in_progress(world, 0)  # a build released; its services are deploying
    child = cold_invocation(ECS_DEPLOYMENT_HANDLER, event, env)
    assert child["response"]["status"] == "deployment in_progress"
    assert "orchestrator.pipeline.deploy" in child["loaded"]
    assert not set(child["loaded"]) & {*RELEASE_PATH, IDEMPOTENCY}
