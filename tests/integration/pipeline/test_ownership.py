"""Issue 10, defect 6: no app can touch another app's ECS services or task-definition families.

The names rule (pipeline/names.py) makes `<app>-<process>` unambiguous; the ownership check
(pipeline/ownership.py) refuses any service or family not tagged for the acting app, before any action."""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.settings import get_settings
from tests.conftest import CallRecorder
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    record,
    step_task,
    stopped,
    upload_toml,
)

SHOP_TOML = """
[services.api-web]
command = "gunicorn shop.wsgi"
"""


def service(name: str) -> dict[str, Any]:
    found = client("ecs").describe_services(cluster=get_settings().cluster_name, services=[name], include=["TAGS"])
    return found["services"][0]  # type: ignore[no-any-return]


def retag(name: str, app: str) -> None:
    arn = service(name)["serviceArn"]
    client("ecs").tag_resource(resourceArn=arn, tags=[{"key": "apppack:appName", "value": app}])


def test_a_process_named_like_another_apps_service_is_refused(aws: None, api_calls: CallRecorder) -> None:
    # The issue's reproduction: `shop` with process `api-web` updated `shop-api`'s service `shop-api-web`.
    declare("shop-api")
    upload_toml("shop-api", 1, TOML_WEB_ONLY)
    deliver(*build("shop-api"))
    deliver(*completed("shop-api", 1))
    victim = service("shop-api-web")
    before = len(ecs_writes(api_calls))

    declare("shop")
    upload_toml("shop", 1, SHOP_TOML)
    deliver(*build("shop"))
    release = record("shop")["release"]
    assert release["state"] == "failed"
    assert "'api-web' is not a valid process type" in release["error"]
    assert "use 'api_web'" in release["error"]
    assert ecs_writes(api_calls)[before:] == []
    assert service("shop-api-web")["taskDefinition"] == victim["taskDefinition"]


def test_a_service_tagged_for_another_app_is_never_updated(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    deliver(*completed("demo", 1))
    retag("demo-web", "victim")  # e.g. created by another tool, or another app's stack
    before = service("demo-web")
    upload_toml("demo", 2, TOML_WEB_ONLY)
    writes = len(ecs_writes(api_calls))

    deliver(*build(number=2))
    deploy = record(number=2)["deploy"]
    assert deploy["state"] == "failed"
    assert "ECS service demo-web belongs to app 'victim', not to 'demo'; it was not touched" in deploy["error"]
    assert [op for op, _ in ecs_writes(api_calls)[writes:]] == ["RegisterTaskDefinition"] * 2  # web, shell
    assert service("demo-web")["taskDefinition"] == before["taskDefinition"]


def test_a_removed_process_whose_service_is_foreign_is_not_scaled_to_zero(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))
    deliver(*completed("demo", 1))
    retag("demo-worker", "victim")
    upload_toml("demo", 2, TOML_WEB_ONLY)
    writes = len(ecs_writes(api_calls))

    deliver(*build(number=2))
    assert record(number=2)["deploy"]["state"] == "failed"
    assert "demo-worker belongs to app 'victim'" in record(number=2)["deploy"]["error"]
    assert "UpdateService" not in [op for op, _ in ecs_writes(api_calls)[writes:]]
    assert service("demo-worker")["desiredCount"] == 1


def test_a_family_registered_for_another_app_gets_no_revision(aws: None, api_calls: CallRecorder) -> None:
    declare()
    client("ecs").register_task_definition(
        family="demo-web",
        containerDefinitions=[{"name": "app", "image": "victim:1", "memory": 512}],
        tags=[{"key": "apppack:appName", "value": "victim"}],
    )
    upload_toml("demo", 1, TOML_WEB_ONLY)
    writes = len(ecs_writes(api_calls))
    deliver(*build())
    release = record()["release"]
    assert release["state"] == "failed"
    assert "ECS task-definition family demo-web belongs to app 'victim'" in release["error"]
    assert ecs_writes(api_calls)[writes:] == []


def test_families_the_app_deployed_are_not_checked_again_and_a_new_ones_owner_is(
    aws: None, api_calls: CallRecorder
) -> None:
    """The deploy claim names the families the app registered into (the plan's process types and the shell):
    the next release reads no owner for them, and still checks a process type it has never deployed."""
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    deliver(*completed("demo", 1))
    client("ecs").register_task_definition(
        family="demo-worker",
        containerDefinitions=[{"name": "app", "image": "victim:1", "memory": 512}],
        tags=[{"key": "apppack:appName", "value": "victim"}],
    )
    checked_before = api_calls.count("ecs", "DescribeTaskDefinition")
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))
    assert api_calls.count("ecs", "DescribeTaskDefinition") == checked_before + 1  # demo-worker's only
    release = record(number=2)["release"]
    assert release["state"] == "failed"
    assert "ECS task-definition family demo-worker belongs to app 'victim'" in release["error"]
