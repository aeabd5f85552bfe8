"""Exact call counts of the ECS deployment events on the forward-only write path (issue 17): a deployment
event that only records is its lookup and one conditional UpdateItem; a late one changes nothing."""

from __future__ import annotations

from datetime import timedelta

from orchestrator.local.ecs_events import ecs_deployment_state_change
from tests.conftest import recording_calls
from tests.integration.builders import START
from tests.integration.pipeline.world import (
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    deploying,
    record,
    step_task,
    stopped,
    upload_toml,
)


def test_a_deployment_in_progress_is_a_lookup_and_one_update_item(aws: None) -> None:
    deploying()
    web = record()["services"]["web"]
    event = ecs_deployment_state_change(
        service_arn=web["service_arn"], deployment_id=web["deployment_id"],
        event_name="SERVICE_DEPLOYMENT_IN_PROGRESS", updated_at=START + timedelta(seconds=250),
    )  # fmt: skip
    with recording_calls() as calls:
        deliver(event)  # no idempotency (it only records), no read of the record, nothing to publish
    assert [(s, o) for s, o, _ in calls.params] == [("dynamodb", "GetItem"), ("dynamodb", "UpdateItem")]
    assert record()["services"]["web"]["updated"] == int((START + timedelta(seconds=250)).timestamp())


def test_a_late_in_progress_never_reopens_a_completed_service(aws: None) -> None:
    deploying()
    web = record()["services"]["web"]
    deliver(*completed("demo", 1))
    finished = record()
    late = ecs_deployment_state_change(
        service_arn=web["service_arn"], deployment_id=web["deployment_id"],
        event_name="SERVICE_DEPLOYMENT_IN_PROGRESS", updated_at=START + timedelta(seconds=250),
    )  # fmt: skip
    deliver(late)  # the condition fails (state ahead): merged in Python from the returned item, unchanged
    assert record() == finished
    assert finished["services"]["web"]["state"] == "COMPLETED"
    assert finished["deploy"]["state"] == "succeeded"


def test_a_builds_first_event_creates_its_record_in_one_put_and_a_reordered_one_still_merges(aws: None) -> None:
    """IN_PROGRESS is put first, on "absent" (the record's usual first write); when a phase change came first,
    the put fails and the merge goes through the optimistic update, to the same record as in order."""
    declare()
    in_order, reordered = build(number=1)[:2], build(number=2)[:2]
    with recording_calls() as calls:
        deliver(in_order[0])
    writes = [
        o for s, o, p in calls.params if s == "dynamodb" and '"secondary_id": {"S": "BUILD#0000000001"}' in str(p)
    ]
    assert writes == ["PutItem", "UpdateItem"]  # the record, then (after the notification) its `notified` mark
    deliver(in_order[1])
    deliver(reordered[1], reordered[0])  # the phase change first, then IN_PROGRESS

    def shown(number: int) -> tuple[object, ...]:
        found = record(number=number)
        phases = {k: v.get("status") for k, v in found["codebuild_phases"].items()}
        return found["codebuild_status"], phases, found.get("notified")

    assert shown(2) == shown(1)


def test_the_next_deploy_reads_the_replaced_builds_record_only_while_its_deploy_is_open(aws: None) -> None:
    """The deploy claim says when a deploy ended (`deploy_ended`, with the deploy's end): the next deploy
    closes the build it replaces without reading its record (test_faults.py and test_releases_and_rollback.py
    cover a replaced deploy still open, which is read and closed)."""
    deploying()
    deliver(*completed("demo", 1))
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))
    with recording_calls() as calls:
        deliver(stopped(step_task("demo", 2, "release")))
    reads = [p for s, o, p in calls.params if s == "dynamodb" and o == "GetItem"]
    assert not [p for p in reads if '"secondary_id": {"S": "BUILD#0000000001"}' in str(p)]
    assert record(number=2)["deploy"]["state"] == "started"
    assert record(number=1)["deploy"]["state"] == "succeeded"
