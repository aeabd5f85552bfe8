"""Scheduled-task parsing and rule planning; access-list parsing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.parameters.access import parse_access_list
from orchestrator.parameters.scaling import InvalidParameterError
from orchestrator.parameters.schedules import (
    TaskTemplate,
    build_target,
    is_rule_of,
    parse_scheduled_tasks,
    plan_rules,
    rule_name,
)
from orchestrator.pipeline.app_registry import EcsConfig

ECS = EcsConfig(
    cluster="orchestrator",
    execution_role_arn="arn:aws:iam::123456789012:role/x",
    task_role_arn="arn:aws:iam::123456789012:role/y",
    log_group="/g",
    image_repository_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/r",
    subnets=["subnet-1"],
    security_groups=["sg-1"],
)


def tasks(*pairs: tuple[str, str]) -> str:
    return json.dumps([{"schedule": s, "command": c} for s, c in pairs])


def test_one_rule_per_schedule_with_argument_vectors() -> None:
    parsed = parse_scheduled_tasks(
        tasks(
            ("0 0 * * ? *", "python manage.py clearsessions"),
            ("0 0 * * ? *", "echo 'a b' \"$HOME\""),
            ("cron(0 1 * * ? *)", "true"),
            ("0 0 * * ? *", "python manage.py clearsessions"),
        )
    )
    planned = plan_rules("demo", parsed)
    assert len(planned) == 2
    nightly = planned[rule_name("demo", "0 0 * * ? *")]
    assert nightly.commands == (("python", "manage.py", "clearsessions"), ("echo", "a b", "$HOME"))
    assert planned[rule_name("demo", "0 1 * * ? *")].schedule_expression == "cron(0 1 * * ? *)"


def test_target_is_a_run_task_with_a_command_override_never_a_shell_string() -> None:
    template = TaskTemplate("demo", "arn:aws:ecs:us-east-1:123456789012:cluster/orchestrator",
                            "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:3", ECS, "arn:aws:iam::1:role/e")  # fmt: skip
    target = build_target(template, ("sh", "-c", "echo $(whoami); rm -rf /"))
    body = target.body
    assert json.loads(body["Input"]) == {
        "containerOverrides": [{"name": "app", "command": ["sh", "-c", "echo $(whoami); rm -rf /"]}]
    }
    assert body["EcsParameters"]["TaskDefinitionArn"].endswith("demo-web:3")
    assert body["EcsParameters"]["LaunchType"] == "FARGATE"
    assert body["RoleArn"] == "arn:aws:iam::1:role/e"
    assert body["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]["Subnets"] == ["subnet-1"]


@given(st.from_regex(r"[a-z][a-z0-9-]{1,40}", fullmatch=True), st.text(min_size=1, max_size=40))
def test_rule_names_are_deterministic_short_and_owned(app: str, schedule: str) -> None:
    name = rule_name(app, schedule)
    assert name == rule_name(app, schedule)
    assert len(name) <= 64
    assert is_rule_of(app, name)
    assert not is_rule_of(app + "-2", name)
    assert not is_rule_of(app, rule_name(app + "-2", schedule))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("nope", "not valid JSON"),
        ('{"schedule": "0 0 * * ? *"}', "JSON list"),
        (tasks(("0 0 * * *", "x")), "6 fields"),
        (tasks(("0 0 * * ? *", "")), "command"),
        (tasks(("0 0 * * ? *", "echo 'unterminated")), "cannot split"),
        (json.dumps([{"schedule": "0 0 * * ? *"}]), "command"),
        (json.dumps([{"schedule": "0 0 * * ? *", "command": "x", "extra": 1}]), "extra"),
        (tasks(*[("0 0 * * ? *", f"job {i}") for i in range(6)]), "at most 5 commands per schedule"),
    ],
)
def test_invalid_scheduled_tasks(text: str, fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        parse_scheduled_tasks(text)


def test_access_lists_are_normalized() -> None:
    assert parse_access_list('["B@Example.com", "a@example.com", "b@example.com"]') == [
        "a@example.com",
        "b@example.com",
    ]
    assert parse_access_list("[]") == []


@pytest.mark.parametrize("text", ['"a@example.com"', '["not-an-email"]', '["a@b"]', '["a b@example.com"]', "[1]", "{"])
def test_invalid_access_lists(text: str) -> None:
    with pytest.raises(InvalidParameterError):
        parse_access_list(text)
