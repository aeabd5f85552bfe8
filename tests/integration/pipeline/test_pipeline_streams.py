"""At least once, in any order: duplicated and shuffled event streams end in the same records, and every
ECS side effect is made exactly once per build and service.

The stream is delivered the way EventBridge can: any pending event may come next, any event may come again
(with the same id, absorbed by idempotency, or with a new one, which the pipeline's claims must absorb).
ECS events enter the stream only once ECS could have sent them: a task's STOPPED after RunTask returned
it, a deployment's events after CreateService/UpdateService returned its id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.adapters.artifacts import Artifacts
from orchestrator.local.ecs_events import deployment_completed, ecs_deployment_state_change
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import build_variables
from tests.conftest import CallRecorder, fresh_aws, recording_calls
from tests.integration.builders import START, create_review_app
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    item,
    record,
    step_task,
    stopped,
    upload_toml,
)

REVIEW_TOML = TOML_WEB_WORKER_RELEASE + '\n[review_app]\ninitialize_command = "./seed"\n'
STEP_SECONDS = {"release": 120, "postdeploy": 200}
SCENARIOS = {
    # name: (app, pipeline?, apppack.toml, expected RegisterTaskDefinition, RunTask, CreateService, UpdateService)
    # RegisterTaskDefinition: one per process type plus the `<app>-shell` family.
    "release": ("demo", False, TOML_WEB_WORKER_RELEASE, 3, 1, 2, 0),
    "no-release": ("demo", False, TOML_WEB_ONLY, 2, 0, 1, 0),
    "review-postdeploy": ("pipe:7", True, REVIEW_TOML, 3, 2, 2, 0),
    "update-and-scale-to-zero": ("demo", False, TOML_WEB_ONLY, 2, 0, 0, 2),
}

Choose = Callable[[int], int]
Again = Callable[[], int]  # 0: once, 1: again with the same id, 2: again with a new id


def _copies(event: dict[str, Any], again: Again) -> list[dict[str, Any]]:
    extra = again()
    if extra == 1:
        return [event, event]
    if extra == 2:
        return [event, dict(event, id=f"{event['id']}-redelivered")]
    return [event]


def _ecs_events_now_possible(app: str, number: int, emitted: set[str]) -> list[dict[str, Any]]:
    """The ECS events that what the handlers have done so far can cause, not yet emitted."""
    current = record(app, number)
    events: list[dict[str, Any]] = []
    for step, seconds in STEP_SECONDS.items():
        if step in current and current[step]["arns"] and step not in emitted:
            emitted.add(step)
            events.append(stopped(step_task(app, number, step), seconds=seconds))
    for process, service in sorted((current.get("services") or {}).items()):
        if f"deploy:{process}" not in emitted and service.get("deployment_id"):
            emitted.add(f"deploy:{process}")
            arn, deployment = service["service_arn"], service["deployment_id"]
            events.append(
                ecs_deployment_state_change(
                    service_arn=arn,
                    deployment_id=deployment,
                    event_name="SERVICE_DEPLOYMENT_IN_PROGRESS",
                    updated_at=START + timedelta(seconds=250),
                )
            )
            events.append(deployment_completed(arn, deployment, START + timedelta(seconds=300)))
    return events


def _setup(name: str) -> tuple[str, int, list[dict[str, Any]]]:
    app, is_pipeline, toml, *_ = SCENARIOS[name]
    owner = app.split(":")[0]
    declare(owner, kind="pipeline" if is_pipeline else "app")
    number = 1
    if name == "update-and-scale-to-zero":  # build 1 (web + worker) is deployed, in order, beforehand
        upload_toml(app, 1, TOML_WEB_WORKER_RELEASE)
        deliver(*build(app, 1))
        deliver(stopped(step_task(app, 1, "release")))
        deliver(*completed(app, 1))
        number = 2
    upload_toml(app, number, toml)
    if is_pipeline:
        create_review_app(owner, app.split(":")[1])
    source = f"pr/{app.split(':')[1]}" if is_pipeline else "main"
    # The events carry the project's environment as the AppStack sets it: the app comes from APPNAME.
    kind = "pipeline" if is_pipeline else "app"
    variables = build_variables(owner, kind, f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{owner}", Artifacts().bucket)
    return app, number, build(app, number, project=owner, source_version=source, variables=variables)


def run(name: str, choose: Choose, again: Again) -> tuple[str, CallRecorder]:
    with fresh_aws():
        app, number, initial = _setup(name)
        with recording_calls() as calls:
            pending = [copy for event in initial for copy in _copies(event, again)]
            emitted: set[str] = set()
            while pending:
                deliver(pending.pop(choose(len(pending))))
                for event in _ecs_events_now_possible(app, number, emitted):
                    pending.extend(_copies(event, again))
        pk, sk = (keys.app_pk("pipe"), "DEPLOYSTATUS#7") if ":" in app else (keys.app_pk(app), keys.DEPLOYSTATUS_SK)
        snapshot = {
            "record": record(app, number),
            "deploystatus": item(pk, sk),
            "deployed": item(keys.app_pk(app), keys.DEPLOYED_SK),
        }
        return _normalized(snapshot), calls


def _normalized(snapshot: dict[str, Any]) -> str:
    """Task ids and deployment ids are random in every moto account; everything else must be equal."""
    text = json.dumps(snapshot, sort_keys=True)
    text = re.sub(r"task/orchestrator/[0-9a-f-]{36}", "task/orchestrator/<task>", text)
    text = re.sub(r"(app/)[0-9a-f-]{36}", r"\1<task>", text)
    return re.sub(r"ecs-svc/\d+", "ecs-svc/<id>", text)


def _in_order(n: int) -> int:
    return 0


def _once() -> int:
    return 0


_expected: dict[str, str] = {}


def expected_snapshot(name: str) -> str:
    """The in-order, exactly-once run of a scenario (normalized, so one run serves every example)."""
    if name not in _expected:
        _expected[name], _ = run(name, _in_order, _once)
    return _expected[name]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_duplicated_and_shuffled_streams_end_in_the_same_records(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SCENARIOS)))
    expected = expected_snapshot(name)
    assert '"state": "succeeded"' in expected

    def choose(n: int) -> int:
        return data.draw(st.integers(0, n - 1), label="next event")

    def again() -> int:
        return data.draw(st.sampled_from([0, 0, 1, 2]), label="redelivery")

    actual, calls = run(name, choose, again)
    assert actual == expected
    _, _, _, registers, run_tasks, creates, updates = SCENARIOS[name]
    writes = ecs_writes(calls)
    operations = [op for op, _ in writes]
    assert operations.count("RunTask") == run_tasks
    assert operations.count("CreateService") == creates
    assert operations.count("UpdateService") == updates
    assert operations.count("RegisterTaskDefinition") == registers
    touched = [params.get("serviceName") or params.get("service") for op, params in writes if "Service" in op]
    assert len(touched) == len(set(touched))  # each service created or updated once
