"""What the ECS handlers would do with an event (`orchestrator events explain`). Reads, never writes."""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.store import Store
from orchestrator.events.ecs import DeploymentStateChangeEvent, TaskStateChangeEvent
from orchestrator.pipeline import keys
from orchestrator.pipeline.deploy import deployment_state
from orchestrator.pipeline.deployment_lookups import ENDED, is_lookup
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.record_store import load_record
from orchestrator.pipeline.release import find_task, task_outcome


def explain_task_event(raw: dict[str, Any], store: Store) -> str:
    event = TaskStateChangeEvent.model_validate(raw)
    found = find_task(event, PipelineDeps(store=store))
    if found is None:
        return f"not managed: ECS task {event.detail.task_arn} was not started by the orchestrator; acknowledged"
    app, number, step = found
    record = load_record(store, app, number)
    plan = record.plan if record else None
    _, error = task_outcome(event, plan.container_name if plan else "app")
    where = f"the {step} task of build {number} of app {app!r}"
    if error:
        return f"{where}: records {step} failed ({error}); nothing is deployed"
    after = "postdeploy" if step == "release" and plan is not None and plan.postdeploy_command else "deploy"
    return f"{where} exited 0: records {step} succeeded and starts the {after} (unless a newer build is deploying)"


def explain_deployment_event(raw: dict[str, Any], store: Store) -> str:
    event = DeploymentStateChangeEvent.model_validate(raw)
    lookup = store.get(keys.deployment_pk(event.detail.deployment_id), keys.LOOKUP_SK)
    if not is_lookup(lookup):
        kept = " (its end is kept for a deploy or release that records it later)"
        ended = kept if deployment_state(event)[0] in ENDED else ""
        deployment = event.detail.deployment_id
        return f"not managed: ECS deployment {deployment} belongs to no build or release{ended}; acknowledged"
    assert lookup is not None
    state, reason = deployment_state(event)
    if lookup.get("release") is not None:
        what = f"records service {lookup['service']} {state} on release v{lookup['release']} of app {lookup['app']!r}"
        return f"{what}: the release ends when every service of it has ended"
    what = f"records service {lookup['service']} {state} on build {lookup['build_number']} of app {lookup['app']!r}"
    if state == "FAILED":
        return f"{what}: the deploy fails ({reason}) and DEPLOYSTATUS says so"
    if state == "COMPLETED":
        return f"{what}: the deploy succeeds when every service has completed"
    return what
