"""What `scheduled-tasks` and `access` refuse before writing anything, and how their errors read."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from tests.unit.cli.conftest import Cli, one_line_error


def _value(name: str) -> object:
    try:
        return json.loads(client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError:
        return None


CREATE = ("scheduled-tasks", "create", "--schedule", "0 3 * * ? *", "--command", "manage.py clearsessions")


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(("app", "what"), [("rev", "pipelines"), ("rev:5", "review apps")])
def test_scheduled_tasks_of_a_pipeline_or_review_app_are_refused_unwritten(cli: Cli, app: str, what: str) -> None:
    assert f"{what}" in one_line_error(cli(*CREATE, "-a", app), 2)
    assert _value("/apppack/pipelines/rev/scheduled-tasks") is None
    assert _value("/apppack/pipelines/rev/review-apps/pr/5/scheduled-tasks") is None


@pytest.mark.usefixtures("shop")
def test_a_bad_cron_names_the_new_task_not_an_index_of_the_stored_list(cli: Cli) -> None:
    assert cli(*CREATE, "-a", "shop").code == 0
    line = one_line_error(cli("scheduled-tasks", "create", "--schedule", "0 99 * * ? *", "--command", "x",
                              "-a", "shop"), 2)  # fmt: skip
    assert line.endswith("invalid scheduled task: schedule: '0 99 * * ? *': hours: 99 is outside 0-23")
    assert _value("/apppack/apps/shop/scheduled-tasks") == [{"command": "manage.py clearsessions",
                                                             "schedule": "0 3 * * ? *"}]  # fmt: skip


@pytest.mark.usefixtures("shop")
def test_a_sixth_command_on_one_schedule_is_refused(cli: Cli) -> None:
    for n in range(5):
        assert cli("scheduled-tasks", "create", "--schedule", "0 3 * * ? *", "--command", f"job {n}",
                   "-a", "shop").code == 0  # fmt: skip
    assert "at most 5 commands per schedule" in one_line_error(cli(*CREATE, "-a", "shop"), 2)


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("command", ["list", "add", "remove"])
def test_review_apps_have_no_access_list(cli: Cli, command: str) -> None:
    args = () if command == "list" else ("ann@example.com",)
    line = one_line_error(cli("access", command, *args, "-a", "rev:5"), 2)
    assert "use the pipeline's (-a rev)" in line
    assert _value("/apppack/pipelines/rev/review-apps/pr/5/users") is None


@pytest.mark.usefixtures("shop")
def test_a_bad_email_is_named_alone(cli: Cli) -> None:
    assert cli("access", "add", "ann@example.com", "-a", "shop").code == 0
    line = one_line_error(cli("access", "add", "Bob@Example.com", "not-an-email", "-a", "shop"), 2)
    assert line.endswith("'not-an-email' is not an email address")
    assert _value("/apppack/apps/shop/users") == ["ann@example.com"]
    added = cli("access", "add", "Bob@Example.com", "-a", "shop", "--json")
    assert json.loads(added.stdout) == ["ann@example.com", "bob@example.com"]
    removed = cli("access", "remove", "BOB@example.com", "-a", "shop", "--json")
    assert json.loads(removed.stdout) == ["ann@example.com"]
