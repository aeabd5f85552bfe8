"""Quiet writes (issue 17): an event whose write provably moves nothing else of the record (a service
deployed while another is still deploying; a CodeBuild phase inside a record phase) is one UpdateItem that
returns nothing, and publishes nothing. Every other event, and a quiet one whose proof fails, merges as
before, to the same record."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from orchestrator.adapters.store import Store
from orchestrator.local.ecs_events import ecs_deployment_state_change
from orchestrator.pipeline import keys
from tests.conftest import CallRecorder, recording_calls
from tests.integration.builders import START
from tests.integration.pipeline.world import (
    build,
    completed,
    declare,
    deliver,
    deploying,
    record,
)


def _updates(calls: CallRecorder) -> list[dict[str, Any]]:
    return [json.loads(p) if isinstance(p, bytes | str) else p for _, o, p in calls.params if o == "UpdateItem"]


def _record_calls(calls: CallRecorder) -> list[str]:
    """The operations on build records."""
    return [o for s, o, p in calls.params if s == "dynamodb" and '"secondary_id": {"S": "BUILD#' in str(p)]


def _deployment(process: str, event_name: str, seconds: int) -> dict[str, Any]:
    service = record()["services"][process]
    return ecs_deployment_state_change(
        service_arn=service["service_arn"], deployment_id=service["deployment_id"], event_name=event_name,
        updated_at=START + timedelta(seconds=seconds),
    )  # fmt: skip


def test_the_deploy_lookup_names_the_deploys_processes(aws: None) -> None:
    deploying()
    lookup = Store().get(keys.deployment_pk(record()["services"]["web"]["deployment_id"]), keys.LOOKUP_SK)
    assert lookup is not None
    assert lookup["processes"] == ["web", "worker"]


def test_a_service_deployed_while_another_deploys_is_one_quiet_update(aws: None) -> None:
    deploying()
    event = _deployment("web", "SERVICE_DEPLOYMENT_COMPLETED", 300)
    with recording_calls() as calls:
        deliver(event)
    assert [(s, o) for s, o, _ in calls.params] == [("dynamodb", "GetItem"), ("dynamodb", "UpdateItem")]
    (update,) = _updates(calls)
    assert "ReturnValues" not in update  # nothing comes back: nothing else of the record can move
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert record()["services"]["web"]["state"] == "COMPLETED"
    assert record()["deploy"]["state"] == "started"


def test_the_event_that_ends_the_deploy_is_not_quiet(aws: None) -> None:
    deploying()
    deliver(_deployment("web", "SERVICE_DEPLOYMENT_COMPLETED", 300))
    with recording_calls() as calls:
        deliver(_deployment("worker", "SERVICE_DEPLOYMENT_COMPLETED", 310))
    assert calls.count("events", "PutEvents") == 1  # deploy succeeded
    assert record()["deploy"]["state"] == "succeeded"
    assert record()["deploy"]["end"] == int((START + timedelta(seconds=310)).timestamp())


def test_a_failure_is_never_quiet(aws: None) -> None:
    deploying()
    with recording_calls() as calls:
        deliver(_deployment("web", "SERVICE_DEPLOYMENT_FAILED", 300))
    first = next(u for u in _updates(calls) if "BUILD#" in json.dumps(u["Key"]))
    assert first["ReturnValues"] == "ALL_OLD"  # the forward write, whose item derives the deploy's failure
    assert record()["deploy"]["state"] == "failed"


def test_a_quiet_write_whose_proof_fails_merges_from_the_item_returned(aws: None) -> None:
    """Both services' COMPLETED events, the second redelivered: its quiet condition fails (no service is still
    deploying), and the merge from the returned item changes nothing (no read, no second write)."""
    deploying()
    deliver(*completed("demo", 1))
    finished = record()
    again = _deployment("web", "SERVICE_DEPLOYMENT_COMPLETED", 300)
    with recording_calls() as calls:
        deliver(again)
    assert _record_calls(calls) == ["UpdateItem"]
    assert record() == finished


def test_a_lookup_without_the_deploys_processes_takes_the_ordinary_path(aws: None) -> None:
    """A lookup written before it named the processes: the forward write, which returns the item."""
    deploying()
    web = record()["services"]["web"]
    lookup = Store().get(keys.deployment_pk(web["deployment_id"]), keys.LOOKUP_SK)
    assert lookup is not None
    Store().put({k: v for k, v in lookup.items() if k != "processes"})
    with recording_calls() as calls:
        deliver(_deployment("web", "SERVICE_DEPLOYMENT_COMPLETED", 300))
    (update,) = _updates(calls)
    assert update["ReturnValues"] == "ALL_OLD"
    assert record()["services"]["web"]["state"] == "COMPLETED"


def test_a_phase_change_inside_a_record_phase_is_one_quiet_update(aws: None) -> None:
    declare()
    events = build()
    deliver(events[0])  # IN_PROGRESS: the record, `build` started
    install = next(e for e in events if e["detail"].get("completed-phase") == "INSTALL")
    with recording_calls() as calls:
        deliver(install)
    assert _record_calls(calls) == ["UpdateItem"]
    assert calls.count("events", "PutEvents") == 0
    (update,) = _updates(calls)
    assert "ReturnValues" not in update
    assert record()["codebuild_phases"]["INSTALL"]["status"] == "SUCCEEDED"
    assert record()["build"]["state"] == "started"


def test_the_phase_change_that_ends_a_record_phase_is_not_quiet(aws: None) -> None:
    declare()
    events = build()
    index = next(i for i, e in enumerate(events) if e["detail"].get("completed-phase") == "BUILD")
    deliver(*events[:index])
    with recording_calls() as calls:
        deliver(events[index])
    assert _updates(calls)[0]["ReturnValues"] == "ALL_OLD"
    assert record()["build"]["state"] == "succeeded"
