"""Every event model parses AWS's documented samples, and is strict on the fields the handlers use."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.events.models import EventPattern as MotoEventPattern
from pydantic import ValidationError

from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
from orchestrator.events.ecs import DeploymentStateChangeEvent, TaskStateChangeEvent
from orchestrator.events.envelope import AnyEvent
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.events.s3 import ObjectCreatedEvent
from orchestrator.events.ssm import ParameterStoreChangeEvent
from tests.conftest import AWS_SAMPLES, load_sample

MODEL_BY_DETAIL_TYPE: dict[str, Any] = {
    "CodeBuild Build State Change": BuildStateChangeEvent,
    "CodeBuild Build Phase Change": BuildPhaseChangeEvent,
    "ECS Task State Change": TaskStateChangeEvent,
    "ECS Deployment State Change": DeploymentStateChangeEvent,
    "Parameter Store Change": ParameterStoreChangeEvent,
    "Object Created": ObjectCreatedEvent,
}


@pytest.mark.parametrize("sample", AWS_SAMPLES, ids=lambda p: p.name)
def test_every_sample_is_a_valid_envelope_and_its_model_parses_it(sample: Any) -> None:
    raw = json.loads(sample.read_text())
    envelope = AnyEvent.model_validate(raw)
    model = MODEL_BY_DETAIL_TYPE.get(envelope.detail_type)
    if model is not None:
        parsed = model.model_validate(raw)
        assert parsed.id == raw["id"]


def test_codebuild_state_change_accepts_codebuild_times_and_string_version() -> None:
    event = BuildStateChangeEvent.model_validate(load_sample("codebuild_build_state_change_succeeded.json"))
    info = event.detail.additional_information
    assert event.detail.version == "1"
    assert event.detail.build_status == "SUCCEEDED"
    assert info.build_start_time == datetime(2017, 9, 1, 16, 12, 29, tzinfo=UTC)
    assert [p.phase_type for p in info.phases][-1] == "COMPLETED"
    assert info.phases[1].duration_in_seconds == 36
    assert info.logs is not None
    assert info.logs.group_name == "/aws/codebuild/my-sample-project"


def test_codebuild_phase_change_fields() -> None:
    event = BuildPhaseChangeEvent.model_validate(load_sample("codebuild_build_phase_change_completed.json"))
    assert event.detail.completed_phase == "COMPLETED"
    assert event.detail.completed_phase_status == "SUCCEEDED"
    assert event.detail.completed_phase_end == datetime(2017, 9, 1, 16, 14, 26, tzinfo=UTC)


def test_ecs_events() -> None:
    task = TaskStateChangeEvent.model_validate(load_sample("ecs_task_state_change_container_stopped_exit0.json"))
    assert task.detail.containers[0].exit_code == 0
    snippet = TaskStateChangeEvent.model_validate(load_sample("ecs_task_state_change_spot_interruption_snippet.json"))
    assert snippet.time is None  # AWS documents this event without a time
    assert snippet.detail.stop_code == "TerminationNotice"
    rollback = DeploymentStateChangeEvent.model_validate(load_sample("ecs_deployment_in_progress_rollback.json"))
    assert rollback.detail.is_circuit_breaker_rollback
    assert rollback.service_arn == "arn:aws:ecs:us-west-2:111122223333:service/default/servicetest"
    failed = DeploymentStateChangeEvent.model_validate(load_sample("ecs_deployment_failed.json"))
    assert failed.detail.event_name == "SERVICE_DEPLOYMENT_FAILED"
    assert not failed.detail.is_circuit_breaker_rollback


def test_ssm_and_s3_events() -> None:
    change = ParameterStoreChangeEvent.model_validate(load_sample("ssm_parameter_store_change_update.json"))
    assert change.detail.operation == "Update"
    assert change.detail.path == "/MyExampleParameter"
    rejected = ParameterStoreChangeEvent.model_validate(
        load_sample("ssm_parameter_store_change_create_ami_validation_error.json")
    )
    assert rejected.detail.exception == "Unable to Describe Resource"
    created = ObjectCreatedEvent.model_validate(load_sample("s3_object_created.json"))
    assert created.detail.bucket.name == "DOC-EXAMPLE-BUCKET1"
    assert created.detail.object.version_id == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"


@pytest.mark.parametrize(
    ("sample", "model", "path", "bad_value"),
    [
        ("codebuild_build_state_change_succeeded.json", BuildStateChangeEvent, ("detail", "build-status"), "DONE"),
        ("codebuild_build_state_change_succeeded.json", BuildStateChangeEvent, ("detail", "project-name"), None),
        ("codebuild_build_phase_change_completed.json", BuildPhaseChangeEvent, ("detail", "completed-phase-status"), 7),
        ("ecs_task_state_change_container_stopped_exit0.json", TaskStateChangeEvent, ("detail", "taskArn"), None),
        ("ecs_deployment_failed.json", DeploymentStateChangeEvent, ("detail", "eventType"), "FATAL"),
        ("ssm_parameter_store_change_update.json", ParameterStoreChangeEvent, ("detail", "operation"), "Rename"),
        ("s3_object_created.json", ObjectCreatedEvent, ("detail", "object"), {"size": 3}),
        ("s3_object_created.json", ObjectCreatedEvent, ("detail-type",), "Object Deleted"),
    ],
)
def test_models_are_strict_on_the_fields_they_use(
    sample: str, model: Any, path: tuple[str, ...], bad_value: Any
) -> None:
    raw = copy.deepcopy(load_sample(sample))
    target = raw
    for key in path[:-1]:
        target = target[key]
    if bad_value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = bad_value
    with pytest.raises(ValidationError):
        model.model_validate(raw)


ROUTES = event_routes(ssm_prefix="apppack", bundle_bucket="orchestrator-bundles")
MANAGED_EXAMPLES = [
    {"source": "aws.ssm", "detail-type": "Parameter Store Change", "detail": {"name": "/apppack/apps/a/scaling"}},
    {"source": "aws.ssm", "detail-type": "Parameter Store Change", "detail": {"name": "/apppackx/apps/a/scaling"}},
    {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "orchestrator-bundles"}, "object": {"key": "bundles/a.zip"}},
    },
    {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "orchestrator-bundles"}, "object": {"key": "static/a.zip"}},
    },
    {"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"lastStatus": "STOPPED"}},
    {"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"lastStatus": "RUNNING"}},
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize(
    "event", [load_sample(p.name) for p in AWS_SAMPLES] + MANAGED_EXAMPLES, ids=lambda e: e.get("id", "example")
)
def test_local_matcher_agrees_with_moto_eventbridge(route: Any, event: dict[str, Any]) -> None:
    moto_pattern = MotoEventPattern.load(json.dumps(route.pattern))
    assert matches(route.pattern, event) == moto_pattern.matches_event(event)


def test_each_managed_example_routes_to_exactly_the_expected_rule() -> None:
    routed = [[r.name for r in ROUTES if matches(r.pattern, e)] for e in MANAGED_EXAMPLES]
    assert routed == [["parameters"], [], ["bundles"], [], ["ecs-task"], []]
