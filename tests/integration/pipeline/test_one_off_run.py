"""`orchestrator run`'s logic against moto: which task definition, the RunTask request, logs and exit code."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from orchestrator.adapters.clients import client
from orchestrator.adapters.one_off_tasks import OneOffTasks
from orchestrator.local.moto_patches import record_container_exit
from orchestrator.pipeline.one_off import OneOffError, follow_one_off, one_off_argv, start_one_off
from tests.conftest import CallRecorder
from tests.integration.pipeline.world import TOML_WEB_ONLY, build, completed, declare, deliver, upload_toml

WEB_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:1"
SHELL_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-shell:1"  # registered with every release


def deployed_app() -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    deliver(*completed("demo", 1))


def run_task_requests(calls: CallRecorder) -> list[dict[str, Any]]:
    return [
        json.loads(p) if isinstance(p, bytes | str) else p
        for service, op, p in calls.params
        if (service, op) == ("ecs", "RunTask")
    ]


def test_a_command_runs_in_the_current_release_with_the_release_tasks_tags(aws: None, api_calls: CallRecorder) -> None:
    deployed_app()
    task = start_one_off("demo", one_off_argv(["python", "manage.py", "migrate"], shell=False))
    (request,) = run_task_requests(api_calls)
    assert request["taskDefinition"] == SHELL_TD
    assert request["overrides"] == {
        "containerOverrides": [{"name": "app", "command": ["python", "manage.py", "migrate"]}]
    }
    assert request["tags"] == [
        {"key": "apppack:appName", "value": "demo"},
        {"key": "apppack:processType", "value": "run"},
        {"key": "apppack:buildNumber", "value": "1"},
    ]
    assert request["clientToken"]
    assert (task.log_group, task.log_stream) == ("/orchestrator/apps/demo", f"demo-shell/app/{task.task_id}")


def test_apppacks_shell_family_is_preferred_when_it_exists(aws: None, api_calls: CallRecorder) -> None:
    deployed_app()
    web = client("ecs").describe_task_definition(taskDefinition=WEB_TD)["taskDefinition"]
    keep = ("containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory")
    shell = client("ecs").register_task_definition(family="demo-shell", **{k: web[k] for k in keep})
    start_one_off("demo", ["sh"])
    (request,) = run_task_requests(api_calls)
    assert request["taskDefinition"] == shell["taskDefinition"]["taskDefinitionArn"]


def test_the_commands_logs_and_exit_code_come_back(aws: None) -> None:
    deployed_app()
    task = start_one_off("demo", one_off_argv(["sh -c 'exit 3'"], shell=False))
    logs = client("logs")
    assert task.log_group is not None
    assert task.log_stream is not None
    logs.create_log_group(logGroupName=task.log_group)
    logs.create_log_stream(logGroupName=task.log_group, logStreamName=task.log_stream)
    now = int(time.time() * 1000)  # CloudWatch Logs refuses events older than 14 days
    logs.put_log_events(
        logGroupName=task.log_group, logStreamName=task.log_stream,
        logEvents=[{"timestamp": now, "message": "Applying migrations"}, {"timestamp": now + 1, "message": "failed"}],
    )  # fmt: skip
    polls: list[int] = []

    def wait() -> bool:  # the task exits after the second poll, as a command would
        polls.append(1)
        if len(polls) == 2:
            client("ecs").stop_task(cluster=task.cluster, task=task.task_arn, reason="Essential container exited")
            record_container_exit(task.task_arn.split(":")[3], task.cluster, task.task_arn, 3)
        return True

    lines: list[str] = []
    outcome = follow_one_off(task, wait, lines.append)
    assert (outcome.exit_code, outcome.stopped) == (3, True)
    assert lines == outcome.output == ["Applying migrations", "failed"]  # each line once, in order
    assert OneOffTasks().state(task.cluster, task.task_arn, "app") is not None


def test_giving_up_leaves_the_task_running(aws: None) -> None:
    deployed_app()
    task = start_one_off("demo", ["sleep", "600"])
    outcome = follow_one_off(task, lambda: False)
    assert (outcome.stopped, outcome.exit_code) == (False, None)


def test_no_deployed_release_is_a_user_error(aws: None, api_calls: CallRecorder) -> None:
    declare()
    with pytest.raises(OneOffError, match="no deployed release"):
        start_one_off("demo", ["true"])
    assert run_task_requests(api_calls) == []


@pytest.mark.parametrize(
    ("words", "shell", "argv"),
    [
        (["python", "manage.py", "migrate"], False, ["python", "manage.py", "migrate"]),
        (["python manage.py migrate --noinput"], False, ["python", "manage.py", "migrate", "--noinput"]),
        (["./manage.py dump | gzip && echo $HOME"], True, ["sh", "-c", "./manage.py dump | gzip && echo $HOME"]),
    ],
)
def test_the_argv(words: list[str], shell: bool, argv: list[str]) -> None:
    assert one_off_argv(words, shell=shell) == argv


def test_an_empty_command_is_refused() -> None:
    with pytest.raises(OneOffError, match="no command"):
        one_off_argv([], shell=False)
