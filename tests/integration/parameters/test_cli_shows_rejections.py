"""A value written outside the CLI (console, Terraform) and rejected by the handler: `ps`, `config list` and
`scheduled-tasks list` show the recorded error and what is in effect instead (issue 15, item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.local.apps import local_app, register_app
from tests.integration.parameters.helpers import deliver, deploy, name_of, prefix, put, state
from tests.unit.cli.conftest import Cli, cli  # noqa: F401 - the fixture, used by name

GOOD = {"web": {"cpu": 512, "memory": 1024, "min_processes": 2, "max_processes": 2}}
BAD = {"web": {"cpu": 300, "memory": 1024, "min_processes": 2, "max_processes": 2}}


def test_ps_shows_the_rejected_scaling_and_the_applied_one(app: str, cli: Cli) -> None:  # noqa: F811
    deploy(app)
    assert [r["status"] for r in deliver(put(name_of(app, "scaling"), GOOD))] == ["applied"]
    assert [r["status"] for r in deliver(put(name_of(app, "scaling"), BAD))] == ["rejected"]
    shown = cli("ps", "-a", app)
    assert shown.code == 0, shown.stderr
    assert "rejected:" in shown.stdout
    assert "cpu 300 is not a Fargate size" in shown.stdout
    data = json.loads(cli("ps", "-a", app, "--json").stdout)
    [error] = data["parameter_errors"]
    assert error["parameter"] == name_of(app, "scaling")
    assert error["in_effect"]["scaling"]["web"]["cpu"] == 512
    assert {p["name"]: p["cpu"] for p in data["processes"]}["web"] == 512  # what runs, not the rejected value


def test_scheduled_tasks_list_shows_the_rejected_value_and_what_runs(app: str, cli: Cli) -> None:  # noqa: F811
    deploy(app)
    good = [{"schedule": "0 3 * * ? *", "command": "manage.py clearsessions"}]
    assert [r["status"] for r in deliver(put(name_of(app, "scheduled-tasks"), good))] == ["applied"]
    bad = [{"schedule": "0 99 * * ? *", "command": "x"}]
    assert [r["status"] for r in deliver(put(name_of(app, "scheduled-tasks"), bad))] == ["rejected"]
    shown = cli("scheduled-tasks", "list", "-a", app)
    assert "hours: 99 is outside 0-23" in shown.stdout
    assert "manage.py clearsessions" in shown.stdout  # in effect
    data = json.loads(cli("scheduled-tasks", "list", "-a", app, "--json").stdout)
    assert data["tasks"] == bad
    assert data["errors"][0]["in_effect"]["tasks"][0]["command"] == "manage.py clearsessions"


def _explained(cli: Cli, tmp_path: Path, event: dict[str, Any]) -> str:  # noqa: F811
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    shown = cli("events", "explain", "--json", str(path))
    assert shown.code == 0, shown.stderr
    [row] = json.loads(shown.stdout)
    return str(row["summary"])


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("scaling", "{not json"),
        ("scaling", BAD),
        ("scaling", {"nosuch": GOOD["web"]}),  # a process type the deployed app does not have
        ("scheduled-tasks", [{"schedule": "0 99 * * ? *", "command": "x"}]),
        ("scheduled-tasks", "[1, 2"),
    ],
)
def test_events_explain_says_a_rejected_value_would_be_rejected_and_why(
    app: str, cli: Cli, tmp_path: Path, kind: str, value: Any  # noqa: F811
) -> None:
    deploy(app)
    event = put(name_of(app, kind), value)
    summary = _explained(cli, tmp_path, event)
    [outcome] = deliver(event)
    assert outcome["status"] == "rejected"
    # The prediction is the message the handler recorded, word for word.
    assert f"would be rejected: {state(app, kind)['error']['message']};" in summary
    assert "would validate" not in summary
    assert "is valid" not in summary


def test_events_explain_of_a_valid_value_says_what_would_change(app: str, cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    deploy(app)
    summary = _explained(cli, tmp_path, put(name_of(app, "scaling"), GOOD))
    assert "rejected" not in summary
    assert "the current value is valid; would set sizes" in summary


def test_events_explain_of_review_app_scheduled_tasks_says_rejected(app: str, cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    register_app(local_app("pipe", "pipeline"))
    name = f"/{prefix()}/pipelines/pipe/review-apps/pr/2/scheduled-tasks"
    summary = _explained(cli, tmp_path, put(name, [{"schedule": "0 3 * * ? *", "command": "x"}]))
    assert "would be rejected: review apps cannot have scheduled tasks; remove" in summary
