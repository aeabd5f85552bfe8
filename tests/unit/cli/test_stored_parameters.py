"""A scaling, scheduled-tasks or users parameter written by hand (the console, Terraform) may hold anything:
the commands that read it answer with one line naming the parameter, never a traceback."""

from __future__ import annotations

import json

import pytest

from orchestrator.adapters.clients import client
from tests.unit.cli.conftest import Cli, one_line_error

READERS = {
    "scaling": ("ps", "-a", "shop", "--json"),  # the table shows what runs and the recorded error, not the raw value
    "scheduled-tasks": ("scheduled-tasks", "list", "-a", "shop"),
    "users": ("access", "list", "-a", "shop"),
}
WRITERS = {
    "scaling": ("ps", "scale", "web", "2", "-a", "shop"),
    "scheduled-tasks": ("scheduled-tasks", "create", "--schedule", "0 3 * * ? *", "--command", "true", "-a", "shop"),
    "users": ("access", "add", "ann@example.com", "-a", "shop"),
}


def _put(kind: str, value: str) -> str:
    name = f"/apppack/apps/shop/{kind}"
    client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    return name


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("kind", sorted(READERS))
def test_invalid_json_in_a_parameter_is_one_line(cli: Cli, kind: str) -> None:
    name = _put(kind, "not json {")
    for command in (READERS[kind], WRITERS[kind]):
        line = one_line_error(cli(*command), 1)
        assert f"{name} is not valid JSON" in line
        assert "aws ssm delete-parameter" in line
    assert client("ssm").get_parameter(Name=name)["Parameter"]["Value"] == "not json {"  # the writers wrote nothing


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(("kind", "value", "shape"), [("scaling", "[1]", "object"), ("users", '{"a": 1}', "list"),
                                                      ("scheduled-tasks", '"x"', "list")])  # fmt: skip
def test_json_of_the_wrong_shape_is_one_line(cli: Cli, kind: str, value: str, shape: str) -> None:
    name = _put(kind, value)
    assert f"{name} must hold a JSON {shape}" in one_line_error(cli(*READERS[kind]), 1)


@pytest.mark.usefixtures("shop")
def test_odd_entries_are_listed_as_they_are(cli: Cli) -> None:
    _put("scheduled-tasks", json.dumps([{"schedule": "0 3 * * ? *", "command": "true"}, 42]))
    _put("users", json.dumps(["ann@example.com", 7]))
    tasks = cli("scheduled-tasks", "list", "-a", "shop")
    assert tasks.code == 0, tasks.stderr
    assert "42" in tasks.stdout
    users = cli("access", "list", "-a", "shop")
    assert users.code == 0, users.stderr
    assert "7" in users.stdout
