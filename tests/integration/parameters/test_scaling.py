"""The scaling parameter against moto: sizes, counts, autoscaling; bad values change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import recording_calls
from tests.integration.parameters.helpers import (
    delete,
    deliver,
    deploy,
    mutating_calls,
    name_of,
    put,
    scalable_targets,
    services,
    state,
    task_definition,
    world,
)

WEB_TARGET = "service/orchestrator/demo-web"


def size(cpu: int, memory: int, low: int, high: int) -> dict[str, int]:
    return {"cpu": cpu, "memory": memory, "min_processes": low, "max_processes": high}


def test_create_update_delete(app: str) -> None:
    deploy(app)
    before = services()
    with recording_calls() as calls:
        [result] = deliver(
            put(name_of(app, "scaling"), {"web": size(1024, 2048, 2, 6), "worker": size(256, 512, 3, 3)})
        )
    assert result["status"] == "applied"
    now = services()
    web = task_definition(now["demo-web"]["taskDefinition"])
    assert (web["cpu"], web["memory"]) == ("1024", "2048")
    assert now["demo-web"]["desiredCount"] == 2
    assert now["demo-worker"]["desiredCount"] == 3
    # worker's size did not change: no new revision for it
    assert now["demo-worker"]["taskDefinition"] == before["demo-worker"]["taskDefinition"]
    assert calls.count("ecs", "RegisterTaskDefinition") == 1
    assert scalable_targets() == {WEB_TARGET: (2, 6)}
    assert calls.count("application-autoscaling", "PutScalingPolicy") == 1

    # Update: web to a fixed count (autoscaling off), worker bigger.
    deliver(put(name_of(app, "scaling"), {"web": size(1024, 2048, 4, 4), "worker": size(512, 1024, 1, 1)}))
    now = services()
    assert now["demo-web"]["desiredCount"] == 4
    assert task_definition(now["demo-worker"]["taskDefinition"])["cpu"] == "512"
    assert scalable_targets() == {}

    # Delete: back to the app's defaults (256/512, one process each).
    deliver(delete(name_of(app, "scaling")))
    state_after = world()
    assert state_after["services"]["demo-web"] | {"secrets": []} == {
        "desired": 1,
        "cpu": "256",
        "memory": "512",
        "secrets": [],
    }
    assert state_after["services"]["demo-worker"]["desired"] == 1
    assert state("demo", "scaling")["applied"]["desired"]["scaling"] == {}


def test_autoscaling_keeps_the_current_count_within_bounds(app: str) -> None:
    deploy(app)
    deliver(put(name_of(app, "scaling"), {"web": size(256, 512, 5, 5)}))
    deliver(put(name_of(app, "scaling"), {"web": size(256, 512, 2, 8)}))
    assert services()["demo-web"]["desiredCount"] == 5  # within [2, 8]: left to autoscaling
    deliver(put(name_of(app, "scaling"), {"web": size(256, 512, 1, 3)}))
    assert services()["demo-web"]["desiredCount"] == 3  # clamped to the new maximum
    assert scalable_targets() == {WEB_TARGET: (1, 3)}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{broken", "not valid JSON"),
        (
            '{"web": {"cpu": 300, "memory": 1024, "min_processes": 1, "max_processes": 1}}',
            "cpu 300 is not a Fargate size",
        ),
        ('{"web": {"cpu": 256, "memory": 4096, "min_processes": 1, "max_processes": 1}}', "memory 4096"),
        ('{"web": {"cpu": 256, "memory": 512, "min_processes": 3, "max_processes": 2}}', "min_processes 3 > max"),
        ('{"web": {"cpu": 256, "memory": 512, "min_processes": 0, "max_processes": 2}}', "min_processes"),
        ('{"wbe": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}}', "unknown process type"),
    ],
)
def test_bad_values_change_nothing(app: str, value: str, fragment: str) -> None:
    deploy(app)
    deliver(put(name_of(app, "scaling"), {"web": size(512, 1024, 2, 4)}))
    before = world()
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scaling"), value))
    assert result["status"] == "rejected"
    assert fragment in result["message"]
    assert mutating_calls(calls) == {}
    assert world() == before
    error = state(app, "scaling")["error"]
    assert error["parameter"] == name_of(app, "scaling")
    assert fragment in error["message"]
    assert state(app, "scaling")["applied"]["desired"]["scaling"]["web"]["cpu"] == 512  # last good value kept
    # Fixing the value clears the error.
    deliver(put(name_of(app, "scaling"), {"web": size(256, 512, 1, 1)}))
    assert "error" not in state(app, "scaling")


def test_before_the_first_deploy_the_desired_state_is_recorded(app: str) -> None:
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scaling"), {"anything": size(256, 512, 1, 2)}))
    assert result["status"] == "recorded"
    assert mutating_calls(calls) == {}
    assert state(app, "scaling")["applied"]["desired"]["scaling"]["anything"]["max_processes"] == 2


def test_duplicate_events_apply_once(app: str) -> None:
    deploy(app)
    event = put(name_of(app, "scaling"), {"web": size(1024, 2048, 2, 3)})
    redelivered = dict(event, id="another-id")
    with recording_calls() as calls:
        results = deliver(event, event, redelivered)
    assert [r["status"] for r in results] == ["applied", "applied", "unchanged"]  # 2nd: idempotency replay
    assert calls.count("ecs", "RegisterTaskDefinition") == 1
    assert calls.count("ecs", "UpdateService") == 1  # web only: the worker already runs its desired count
    assert calls.count("application-autoscaling", "RegisterScalableTarget") == 1


def test_a_securestring_scaling_is_rejected_without_decrypting(app: str) -> None:
    deploy(app)
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scaling"), {"web": size(256, 512, 1, 1)}, "SecureString"))
    assert result["status"] == "rejected"
    assert "must be a String parameter" in result["message"]
    assert mutating_calls(calls) == {}
    assert not [p for service, _, p in calls.params if service == "ssm" and "WithDecryption" in str(p)]
