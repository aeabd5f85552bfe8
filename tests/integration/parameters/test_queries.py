"""The read API the CLI uses: processes, scheduled tasks, access lists, parameter states, validation."""

from __future__ import annotations

import pytest

from orchestrator.parameters import queries
from orchestrator.parameters.schedules import rule_name
from tests.conftest import recording_calls
from tests.integration.parameters.helpers import deliver, deploy, name_of, prefix, put


def test_processes_show_what_runs_after_parameter_changes(app: str) -> None:
    assert queries.processes(app) == []
    deploy(app)
    deliver(put(name_of(app, "scaling"), {"web": {"cpu": 512, "memory": 1024, "min_processes": 2, "max_processes": 5}}))
    views = {v.name: v for v in queries.processes(app, live=True)}
    assert (views["web"].cpu, views["web"].memory, views["web"].min_processes, views["web"].max_processes) == (
        512,
        1024,
        2,
        5,
    )
    assert views["web"].autoscaling == (2, 5)
    assert views["web"].desired_count == 2
    assert views["worker"].autoscaling is None
    assert views["web"].service == "demo-web"
    assert views["web"].state == "running"


def test_scheduled_tasks_access_and_states(app: str) -> None:
    deliver(put(name_of(app, "scheduled-tasks"), [{"schedule": "0 0 * * ? *", "command": "echo 'a b'"}]))
    deliver(put(name_of(app, "users"), ["ann@example.com"]))
    deliver(put(f"/{prefix()}/account/administrators", ["root@example.com"]))
    deliver(put(name_of(app, "scaling"), "{bad"))
    [task] = queries.scheduled_tasks(app)
    assert (task.rule, task.argv) == (rule_name(app, "0 0 * * ? *"), ["echo", "a b"])
    assert queries.access_list(app) == ["ann@example.com"]
    assert queries.administrators() == ["root@example.com"]
    with recording_calls() as calls:
        states = {s.kind: s for s in queries.parameter_statuses(app)}
    assert calls.count("dynamodb", "Query") == 1
    assert states["scaling"].error is not None
    assert "not valid JSON" in states["scaling"].error["message"]
    assert states["users"].desired == {"emails": ["ann@example.com"]}


def test_validate_before_writing() -> None:
    queries.validate_parameter(
        "/apppack/apps/demo/scaling", '{"web": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}}'
    )
    with pytest.raises(queries.InvalidParameterError, match="6 fields"):
        queries.validate_parameter("/apppack/apps/demo/scheduled-tasks", '[{"schedule": "0 0 * * *", "command": "x"}]')
    with pytest.raises(queries.InvalidParameterError, match="review apps"):
        queries.validate_parameter("/apppack/pipelines/pipe/review-apps/pr/1/scheduled-tasks", "[]")
    with pytest.raises(queries.InvalidParameterError, match="pipelines"):  # the handler rejects these too
        queries.validate_parameter("/apppack/pipelines/pipe/scheduled-tasks", "[]")
    with pytest.raises(queries.InvalidParameterError, match="not a parameter"):
        queries.validate_parameter("/elsewhere/x", "1")
