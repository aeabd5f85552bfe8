"""A value written outside the CLI (console, Terraform) and rejected by the handler: `ps`, `config list` and
`scheduled-tasks list` show the recorded error and what is in effect instead (issue 15, item 5)."""

from __future__ import annotations

import json

from tests.integration.parameters.helpers import deliver, deploy, name_of, put
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
