"""Scheduled tasks against moto's EventBridge: one rule per schedule, RunTask targets, no duplicates."""

from __future__ import annotations

import json

import pytest

from orchestrator.adapters.clients import client
from orchestrator.parameters.deploy_hook import on_deployed
from orchestrator.parameters.schedules import rule_name
from tests.conftest import recording_calls
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import (
    EVENTS_ROLE,
    delete,
    deliver,
    deploy,
    mutating_calls,
    name_of,
    prefix,
    put,
    rules,
    state,
    world,
)

NIGHTLY, HOURLY = "0 0 * * ? *", "0 * * * ? *"


def entries(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"schedule": s, "command": c} for s, c in pairs]


def test_create_update_delete(app: str) -> None:
    deployed = deploy(app)
    [result] = deliver(put(name_of(app, "scheduled-tasks"), entries((NIGHTLY, "python manage.py clearsessions"),
                                                                     (NIGHTLY, "python manage.py report --to 'ops team'"),
                                                                     (HOURLY, "python manage.py ping"))))  # fmt: skip
    assert result["status"] == "applied"
    found = rules()
    assert set(found) == {rule_name(app, NIGHTLY), rule_name(app, HOURLY)}
    nightly = found[rule_name(app, NIGHTLY)]
    assert nightly["schedule"] == f"cron({NIGHTLY})"
    assert nightly["targets"] == sorted(
        [
            (deployed["web"], ("python", "manage.py", "clearsessions")),
            (deployed["web"], ("python", "manage.py", "report", "--to", "ops team")),
        ]
    )
    target = client("events").list_targets_by_rule(Rule=rule_name(app, NIGHTLY))["Targets"][0]
    assert target["RoleArn"] == EVENTS_ROLE
    assert target["Arn"] == "arn:aws:ecs:us-east-1:123456789012:cluster/orchestrator"
    assert target["EcsParameters"]["LaunchType"] == "FARGATE"

    # Update: the hourly task is removed, nightly loses a command and gains another.
    deliver(
        put(name_of(app, "scheduled-tasks"), entries((NIGHTLY, "python manage.py clearsessions"), (NIGHTLY, "true")))
    )
    found = rules()
    assert set(found) == {rule_name(app, NIGHTLY)}
    assert [c for _, c in found[rule_name(app, NIGHTLY)]["targets"]] == [
        ("python", "manage.py", "clearsessions"),
        ("true",),
    ]

    # Delete: every rule goes.
    deliver(delete(name_of(app, "scheduled-tasks")))
    assert rules() == {}
    assert state(app, "scheduled-tasks")["applied"]["desired"] == {"tasks": [], "rules": []}


def test_other_apps_rules_are_left_alone(app: str) -> None:
    declare_app("demo-2")
    deploy(app)
    deploy("demo-2")
    deliver(put(name_of("demo-2", "scheduled-tasks"), entries((NIGHTLY, "true"))))
    deliver(put(name_of(app, "scheduled-tasks"), entries((HOURLY, "true"))))
    deliver(delete(name_of(app, "scheduled-tasks")))
    assert rules(app) == {rule_name("demo-2", NIGHTLY): rules("demo-2")[rule_name("demo-2", NIGHTLY)]}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (entries(("0 0 * * *", "true")), "6 fields"),
        (entries(("0 0 * * * *", "true")), "exactly one of day-of-month and day-of-week"),
        (entries(("61 0 * * ? *", "true")), "minutes: 61"),
        (entries((NIGHTLY, "echo 'open")), "cannot split"),
        (entries(*[(NIGHTLY, f"job {i}") for i in range(6)]), "at most 5 commands"),
        ("not json", "not valid JSON"),
    ],
)
def test_bad_values_change_nothing(app: str, value: object, fragment: str) -> None:
    deploy(app)
    deliver(put(name_of(app, "scheduled-tasks"), entries((NIGHTLY, "true"))))
    before = world()
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scheduled-tasks"), value))
    assert result["status"] == "rejected"
    assert mutating_calls(calls) == {}
    assert world() == before
    assert fragment in state(app, "scheduled-tasks")["error"]["message"]


def test_review_apps_cannot_have_scheduled_tasks(app: str) -> None:
    declare_app("pipe", kind="pipeline")
    name = f"/{prefix()}/pipelines/pipe/review-apps/pr/7/scheduled-tasks"
    with recording_calls() as calls:
        [result] = deliver(put(name, entries((NIGHTLY, "true"))))
    assert result["status"] == "rejected"
    assert "review apps cannot have scheduled tasks" in result["message"]
    assert mutating_calls(calls) == {}
    assert state("pipe:7", "scheduled-tasks")["error"]["parameter"] == name
    assert rules("pipe") == {}


def test_before_the_first_deploy_rules_wait_for_the_deploy_hook(app: str) -> None:
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scheduled-tasks"), entries((NIGHTLY, "true"))))
    assert result["status"] == "recorded"
    assert mutating_calls(calls) == {}
    assert rules() == {}
    deployed = deploy(app)
    on_deployed(app, 1, deployed)
    assert rules() == {
        rule_name(app, NIGHTLY): {"schedule": f"cron({NIGHTLY})", "targets": [(deployed["web"], ("true",))]}
    }


def test_every_deploy_repoints_the_targets(app: str) -> None:
    deploy(app)
    deliver(put(name_of(app, "scheduled-tasks"), entries((NIGHTLY, "true"))))
    second = deploy(app, build_number=2)
    with recording_calls() as calls:
        on_deployed(app, 2, second)
        on_deployed(app, 2, second)  # hooks may run again: idempotent
    assert [td for td, _ in rules()[rule_name(app, NIGHTLY)]["targets"]] == [second["web"]]
    assert calls.count("events", "PutTargets") == 1
    assert calls.count("events", "PutRule") == 0
    assert json.loads(json.dumps(rules()))  # serializable snapshot
