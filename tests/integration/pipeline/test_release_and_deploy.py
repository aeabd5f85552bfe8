"""Build SUCCEEDED → release → postdeploy → deploy → deploy status, through the real handlers against moto.

Each test asserts the build record and the exact ECS calls the handlers made.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from orchestrator.local.ecs_events import deployment_failed, deployment_rolling_back
from orchestrator.pipeline import hooks, keys
from orchestrator.pipeline.claims import client_token
from orchestrator.pipeline.deploystatus import deploystatus_value
from tests.conftest import AWS_SAMPLES, CallRecorder
from tests.integration.builders import START, create_review_app
from tests.integration.pipeline.world import (
    CONTEXT,
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_calls,
    ecs_writes,
    item,
    put_parameter,
    put_scaling,
    record,
    step_task,
    stopped,
    upload_toml,
)

WEB_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:1"
WORKER_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-worker:1"
SUCCEEDED_AT = int((START + timedelta(seconds=50)).timestamp())  # the build's SUCCEEDED event


@pytest.fixture
def deployed_hooks() -> Any:
    calls: list[tuple[str, int, dict[str, str]]] = []

    def hook(app: str, number: int, task_definitions: dict[str, str]) -> None:
        calls.append((app, number, task_definitions))

    hooks.register(hook)
    yield calls
    hooks.unregister(hook)


def ops(calls: CallRecorder) -> list[str]:
    return [op for op, _ in ecs_writes(calls)]


def test_success_with_release_command(aws: None, api_calls: CallRecorder, deployed_hooks: list[Any]) -> None:
    app = declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    put_parameter("/apppack/apps/demo/config/DATABASE_URL", "postgres://secret")
    put_parameter("/apppack/apps/demo/config/SECRET_KEY", "s3cret")
    put_scaling(
        "/apppack/apps/demo/scaling", {"web": {"cpu": 512, "memory": 1024, "min_processes": 2, "max_processes": 4}}
    )

    deliver(*build())
    started = record()
    assert ops(api_calls) == [
        "RegisterTaskDefinition",
        "RegisterTaskDefinition",
        "RegisterTaskDefinition",
        "RunTask",
    ]  # web, worker, shell
    web_td, worker_td, shell_td, run = (params for _, params in ecs_writes(api_calls))
    assert shell_td["family"] == "demo-shell"  # AppPack's `shell` / `ps exec` family
    container = web_td["containerDefinitions"][0]
    assert web_td["family"] == "demo-web"
    assert (web_td["cpu"], web_td["memory"]) == ("512", "1024")
    assert (worker_td["cpu"], worker_td["memory"]) == ("256", "512")  # EcsConfig defaults
    assert web_td["networkMode"] == "awsvpc"
    assert web_td["requiresCompatibilities"] == ["FARGATE"]
    assert container["image"] == f"{app.ecs.image_repository_uri}:build-1"
    assert container["command"] == ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]
    assert worker_td["containerDefinitions"][0]["command"] == ["celery", "-A", "app", "worker", "--loglevel", "info"]
    assert container["secrets"] == [
        {"name": "DATABASE_URL", "valueFrom": "/apppack/apps/demo/config/DATABASE_URL"},
        {"name": "SECRET_KEY", "valueFrom": "/apppack/apps/demo/config/SECRET_KEY"},
    ]
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/orchestrator/apps/demo"
    assert run["taskDefinition"] == WEB_TD
    assert run["overrides"] == {
        "containerOverrides": [{"name": "app", "command": ["python", "manage.py", "migrate", "--noinput"]}]
    }
    assert run["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == app.ecs.subnets
    assert run["tags"] == [
        {"key": "apppack:appName", "value": "demo"},
        {"key": "apppack:processType", "value": "release"},
        {"key": "apppack:buildNumber", "value": "1"},
    ]
    assert run["clientToken"] == client_token("demo", 1, "run-task", "release")
    assert run["startedBy"] == "orchestrator"
    task_arn = step_task("demo", 1, "release")
    assert started["release"]["state"] == "started"
    assert started["release"]["start"] == SUCCEEDED_AT
    assert started["release"]["logs"].startswith("cloudwatch:///orchestrator/apps/demo#demo-web/app/")
    assert started["plan"]["release_command"] == "python manage.py migrate --noinput"
    lookup = item(keys.task_pk(task_arn), keys.LOOKUP_SK)
    assert lookup is not None
    assert lookup.pop("expiration") > SUCCEEDED_AT  # transient (the table's TTL): tests/.../test_pipeline_rules.py
    assert lookup == {
        "primary_id": keys.task_pk(task_arn), "secondary_id": "lookup", "app": "demo", "build_number": 1, "step": "release",
    }  # fmt: skip
    assert "deploy" not in started

    before = len(api_calls.params)
    deliver(stopped(task_arn, exit_code=0))
    after_release = record()
    assert after_release["release"]["state"] == "succeeded"
    assert after_release["tasks"]["release"]["exit_code"] == 0
    creates = [p for op, p in ecs_writes(api_calls)[4:]]
    assert [op for op, _ in ecs_writes(api_calls)[4:]] == ["CreateService", "CreateService"]
    web = next(p for p in creates if p["serviceName"] == "demo-web")
    assert web["taskDefinition"] == WEB_TD
    assert web["desiredCount"] == 2
    assert web["launchType"] == "FARGATE"
    assert web["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert {"key": "apppack:appName", "value": "demo"} in web["tags"]
    assert web["clientToken"] == client_token("demo", 1, "create-service", "web")
    assert next(p for p in creates if p["serviceName"] == "demo-worker")["desiredCount"] == 1
    assert len(api_calls.params) > before
    assert after_release["deploy"]["state"] == "started"
    assert after_release["deploy"]["arns"] == [
        "arn:aws:ecs:us-east-1:123456789012:service/orchestrator/demo-web",
        "arn:aws:ecs:us-east-1:123456789012:service/orchestrator/demo-worker",
    ]
    for process, service in after_release["services"].items():
        assert service["action"] == "created"
        assert service["state"] == "IN_PROGRESS"
        lookup = item(keys.deployment_pk(service["deployment_id"]), keys.LOOKUP_SK)
        assert lookup is not None
        assert (lookup["app"], lookup["build_number"], lookup["process"]) == ("demo", 1, process)

    web_done, worker_done = completed("demo", 1)
    deliver(web_done)
    assert record()["deploy"]["state"] == "started"  # one service is not done yet
    assert item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK) is None
    deliver(worker_done)
    final = record()
    assert final["deploy"]["state"] == "succeeded"
    assert final["deploy"]["end"] == int((START + timedelta(seconds=300)).timestamp())
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["phase"] == "complete"
    assert status["failed"] is False
    assert status["build_number"] == 1
    assert status["build_id"] == final["build_arn"]
    assert status["commit"] == final["commit"]
    assert status["last_update"] == final["deploy"]["end"]
    assert status["processes"] == [
        {"name": "web", "cpu": "512", "memory": "1024", "min_processes": 2, "max_processes": 4, "state": "running",
         "command": "gunicorn app.wsgi --bind 0.0.0.0:8000"},
        {"name": "worker", "cpu": "256", "memory": "512", "min_processes": 1, "max_processes": 1, "state": "running",
         "command": "celery -A app worker --loglevel 'info'"},
    ]  # fmt: skip
    assert deployed_hooks == [("demo", 1, {"web": WEB_TD, "worker": WORKER_TD})]
    assert ops(api_calls).count("RunTask") == 1
    assert ops(api_calls).count("UpdateService") == 0


def test_success_without_release_command_goes_straight_to_deploy(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    final = record()
    assert ops(api_calls) == ["RegisterTaskDefinition", "RegisterTaskDefinition", "CreateService"]  # web, shell
    assert final["release"] == {
        "arns": [],
        "logs": "",
        "start": SUCCEEDED_AT,
        "end": SUCCEEDED_AT,
        "state": "succeeded",
    }
    assert final["deploy"]["state"] == "started"
    assert final["plan"].get("release_command") is None
    deliver(*completed("demo", 1))
    assert record()["deploy"]["state"] == "succeeded"


def test_a_dockerfile_build_tags_its_task_definitions_for_apppacks_isbuildpack(aws: None) -> None:
    """AppPack's `IsBuildpack` reads `apppack:buildSystem` from the `<app>-shell` family (DescribeTaskDefinition)."""
    import boto3

    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY + '[build]\nsystem = "dockerfile"\n')
    deliver(*build())
    ecs = boto3.client("ecs", region_name="us-east-1")
    for family in ("demo-shell", "demo-web"):
        tags = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])["tags"]
        assert {"key": "apppack:buildSystem", "value": "dockerfile"} in tags
    assert record()["plan"]["build_system"] == "dockerfile"  # what a re-registration on config change tags


def test_next_build_updates_services_and_scales_removed_process_to_zero(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))
    deliver(*completed("demo", 1))
    upload_toml("demo", 2, TOML_WEB_ONLY)
    first = len(ecs_writes(api_calls))

    deliver(*build(number=2))
    second = ecs_writes(api_calls)[first:]
    assert [op for op, _ in second] == [
        "RegisterTaskDefinition",
        "RegisterTaskDefinition",
        "UpdateService",
        "UpdateService",
    ]
    update_web, scale_worker = second[2][1], second[3][1]
    assert update_web == {
        "cluster": "orchestrator", "service": "demo-web",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:2",
        "propagateTags": "TASK_DEFINITION",  # tasks carry apppack:buildNumber (AppPack's `ps` reads it)
    }  # fmt: skip
    assert scale_worker == {"cluster": "orchestrator", "service": "demo-worker", "desiredCount": 0}
    final = record(number=2)
    assert final["scaled_to_zero"] == ["worker"]
    assert final["services"]["web"]["action"] == "updated"
    deliver(*completed("demo", 2, seconds=900))
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["build_number"] == 2
    assert [p["name"] for p in status["processes"]] == ["web"]
    deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK)
    assert deployed is not None
    assert deployed["build_number"] == 2


@pytest.mark.parametrize(
    ("exit_code", "expected_error", "stop_code"),
    [
        (1, "release command exited with code 1 (EssentialContainerExited): Essential container in task exited", "EssentialContainerExited"),
        (None, "release task stopped before its command ran (TaskFailedToStart): CannotPullContainerError", "TaskFailedToStart"),
    ],
)  # fmt: skip
def test_release_failure_deploys_nothing(
    aws: None, api_calls: CallRecorder, exit_code: int | None, expected_error: str, stop_code: str
) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    task_arn = step_task("demo", 1, "release")
    result = deliver(stopped(task_arn, exit_code=exit_code))
    assert result == [{"status": "release failed", "app": "demo", "build_number": 1, "step": "release"}]
    final = record()
    assert final["release"]["state"] == "failed"
    assert final["release"]["error"].startswith(expected_error)
    assert final["tasks"]["release"]["task_arn"] == task_arn
    assert final["tasks"]["release"].get("exit_code") == exit_code
    assert final["tasks"]["release"]["stop_code"] == stop_code
    assert final["tasks"]["release"]["stopped_reason"]
    assert "deploy" not in final
    assert ops(api_calls) == [
        "RegisterTaskDefinition",
        "RegisterTaskDefinition",
        "RegisterTaskDefinition",
        "RunTask",
    ]  # web, worker, shell
    assert item(keys.app_pk("demo"), keys.DEPLOY_CLAIM_SK) is None


@pytest.mark.parametrize("failure", ["rollback", "failed"])
def test_deploy_failure_with_circuit_breaker_rollback(aws: None, failure: str, deployed_hooks: list[Any]) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))
    services = record()["services"]
    web, worker = services["web"], services["worker"]
    at = START + timedelta(seconds=400)
    bad = (
        deployment_rolling_back(worker["service_arn"], worker["deployment_id"], at)
        if failure == "rollback"
        else deployment_failed(worker["service_arn"], worker["deployment_id"], at)
    )
    deliver(*completed("demo", 1)[:1], bad)
    final = record()
    assert final["deploy"]["state"] == "failed"
    reason = bad["detail"]["reason"]
    assert final["deploy"]["error"] == f"service demo-worker failed: {reason}"
    assert final["services"]["worker"]["state"] == "FAILED"
    assert final["services"]["web"]["state"] == "COMPLETED"
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["failed"] is True
    assert status["phase"] == "deploy"
    assert {p["name"]: p["state"] for p in status["processes"]} == {"web": "running", "worker": "failed"}
    assert item(keys.app_pk("demo"), keys.DEPLOYED_SK) is None
    assert deployed_hooks == []
    assert web["deployment_id"] != worker["deployment_id"]


def test_review_app_first_deploy_runs_postdeploy(aws: None, api_calls: CallRecorder) -> None:
    declare("pipe", kind="pipeline")
    create_review_app("pipe", 12)
    toml = (
        TOML_WEB_ONLY
        + '\n[deploy]\nrelease_command = "./release"\n[review_app]\ninitialize_command = "./seed --demo"\n'
    )
    upload_toml("pipe:12", 1, toml)
    put_parameter("/apppack/pipelines/pipe/config/SHARED", "x")
    put_parameter("/apppack/pipelines/pipe/config/DATABASE_URL", "pipeline-db")
    put_parameter("/apppack/pipelines/pipe/review-apps/pr/12/config/DATABASE_URL", "review-db")

    deliver(*build("pipe", source_version="pr/12"))
    td = ecs_writes(api_calls)[0][1]
    assert td["family"] == "pipe-pr12-web"
    assert td["containerDefinitions"][0]["secrets"] == [
        {"name": "DATABASE_URL", "valueFrom": "/apppack/pipelines/pipe/review-apps/pr/12/config/DATABASE_URL"},
        {"name": "SHARED", "valueFrom": "/apppack/pipelines/pipe/config/SHARED"},
    ]
    # AppPack's form: the pipeline as appName, the review app as reviewApp=pr/<N>.
    assert {"key": "apppack:appName", "value": "pipe"} in td["tags"]
    assert {"key": "apppack:reviewApp", "value": "pr/12"} in td["tags"]
    shell = ecs_writes(api_calls)[1][1]  # what AppPack's `shell` runs for the review app: ServiceName("shell")
    assert shell["family"] == "pipe-pr12-shell"
    assert {"key": "apppack:reviewApp", "value": "pr/12"} in shell["tags"]
    deliver(stopped(step_task("pipe:12", 1, "release")))
    assert ops(api_calls) == ["RegisterTaskDefinition", "RegisterTaskDefinition", "RunTask", "RunTask"]
    postdeploy = ecs_writes(api_calls)[3][1]
    assert postdeploy["overrides"]["containerOverrides"][0]["command"] == ["./seed", "--demo"]
    assert {"key": "apppack:processType", "value": "postdeploy"} in postdeploy["tags"]
    assert record("pipe:12")["postdeploy"]["state"] == "started"
    assert "deploy" not in record("pipe:12")

    deliver(stopped(step_task("pipe:12", 1, "postdeploy"), seconds=200))
    assert ops(api_calls)[-1] == "CreateService"
    assert ecs_writes(api_calls)[-1][1]["serviceName"] == "pipe-pr12-web"
    deliver(*completed("pipe:12", 1))
    final = record("pipe:12")
    assert final["postdeploy"]["state"] == "succeeded"
    assert final["deploy"]["state"] == "succeeded"
    status = deploystatus_value(item(keys.app_pk("pipe"), "DEPLOYSTATUS#12"))
    assert status is not None
    assert status["build_number"] == 1
    assert item(keys.app_pk("pipe"), keys.DEPLOYSTATUS_SK) is None

    # The second build of the same review app is not its first deploy: no postdeploy.
    upload_toml("pipe:12", 2, toml)
    deliver(*build("pipe", number=2, source_version="pr/12"))
    deliver(stopped(step_task("pipe:12", 2, "release"), seconds=600))
    assert ops(api_calls)[-3:] == ["RegisterTaskDefinition", "RunTask", "UpdateService"]
    assert "postdeploy" not in record("pipe:12", 2)


def test_overlapping_builds_the_older_is_superseded(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=1))
    deliver(*build(number=2))
    old_task, new_task = step_task("demo", 1, "release"), step_task("demo", 2, "release")
    deliver(stopped(new_task))  # the newer release finishes first and deploys
    writes = len(ecs_writes(api_calls))
    assert ops(api_calls).count("CreateService") == 2

    result = deliver(stopped(old_task, seconds=200))
    assert result == [{"status": "superseded", "app": "demo", "build_number": 1, "step": "deploy"}]
    assert len(ecs_writes(api_calls)) == writes  # the older build touched nothing
    old = record(number=1)
    assert old["superseded_by"] == 2
    assert old["release"]["state"] == "succeeded"
    assert "deploy" not in old
    assert "services" not in old
    deliver(*completed("demo", 2))
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["build_number"] == 2


def test_an_older_build_does_not_even_release_after_a_newer_one_deploys(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    upload_toml("demo", 2, TOML_WEB_ONLY)
    deliver(*build(number=2))
    writes = len(ecs_writes(api_calls))
    deliver(*build(number=1))
    assert len(ecs_writes(api_calls)) == writes
    assert record(number=1)["superseded_by"] == 2


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (None, "apppack.toml: not found"),
        ("[services.web\ncommand = 'x'", "apppack.toml: not valid TOML"),
        ("[deploy]\nrelease_command = 'x'", "apppack.toml: [services] is required"),
        ("[services.web]\ncommand = ''", "apppack.toml: [services.web.command] must not be empty"),
        ("[services.web]\ncommand = 'x'\n[deploy]\nrelease_command = \"unbalanced 'quote\"", "cannot be split"),
    ],
)
def test_missing_or_invalid_apppack_toml_fails_the_release_and_leaves_ecs_untouched(
    aws: None, api_calls: CallRecorder, toml: str | None, message: str
) -> None:
    declare()
    if toml is not None:
        upload_toml("demo", 1, toml)
    deliver(*build())
    final = record()
    assert final["release"]["state"] == "failed"
    assert message in final["release"]["error"]
    assert "s3://orchestrator-artifacts/demo/1/apppack.toml" in final["release"]["error"]
    assert ecs_calls(api_calls) == []
    assert "plan" not in final
    assert "deploy" not in final


def test_invalid_scaling_fails_the_release_before_any_ecs_call(aws: None, api_calls: CallRecorder) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    put_parameter("/apppack/apps/demo/scaling", "{not json", "String")
    deliver(*build())
    assert "/apppack/apps/demo/scaling is not valid JSON" in record()["release"]["error"]
    assert ecs_calls(api_calls) == []


def test_a_task_stopped_event_before_the_lookup_is_found_through_its_tags(aws: None) -> None:
    from orchestrator.adapters.store import Store

    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY.replace("gunicorn app.wsgi", "web") + '[deploy]\nrelease_command = "rel"\n')
    deliver(*build())
    task_arn = step_task("demo", 1, "release")
    Store().delete(keys.task_pk(task_arn), keys.LOOKUP_SK)
    deliver(stopped(task_arn))
    assert record()["release"]["state"] == "succeeded"


def test_unknown_tasks_and_deployments_are_not_managed(aws: None, api_calls: CallRecorder) -> None:
    from orchestrator.local.ecs_events import deployment_completed, ecs_task_state_change

    task = ecs_task_state_change(
        task_arn="arn:aws:ecs:us-east-1:123456789012:task/other/0123", cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/other",
        task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/other:1",
        containers=[{"name": "x", "exitCode": 1}], created_at=START, stopped_at=START,
        tags=[{"key": "apppack:appName", "value": "ghost"}, {"key": "apppack:buildNumber", "value": "1"},
              {"key": "apppack:processType", "value": "release"}],
    )  # fmt: skip
    deployment = deployment_completed("arn:aws:ecs:us-east-1:123456789012:service/other/x", "ecs-svc/1", START)
    assert deliver(task, deployment) == [
        {"status": "not managed", "app": None, "build_number": None, "step": None},
        {"status": "not managed", "app": None, "build_number": None, "process": None},
    ]
    assert ecs_calls(api_calls) == []


@pytest.mark.parametrize("sample", AWS_SAMPLES, ids=lambda p: p.name)
def test_every_documented_sample_is_acknowledged_by_both_ecs_handlers(aws: None, sample: Any) -> None:
    from orchestrator.handlers import ecs_deployment, ecs_task

    event = json.loads(sample.read_text())
    for handler in (ecs_task.handler, ecs_deployment.handler):
        result = handler(event, CONTEXT)  # type: ignore[arg-type]
        assert result["status"] in {"ignored", "not managed"}


def test_events_explain_says_what_the_ecs_handlers_would_do(aws: None) -> None:
    from orchestrator.explain import explain_event
    from orchestrator.local.ecs_events import deployment_completed

    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    task_arn = step_task("demo", 1, "release")
    ok = explain_event(stopped(task_arn, exit_code=0)).summary
    assert ok == (
        "ecs-task → the release task of build 1 of app 'demo' exited 0: "
        "records release succeeded and starts the deploy (unless a newer build is deploying)"
    )
    failed = explain_event(stopped(task_arn, exit_code=3)).summary
    assert "records release failed (command exited with code 3" in failed
    assert record()["release"]["state"] == "started"  # explaining changes nothing
    deliver(stopped(task_arn))
    web = record()["services"]["web"]
    done = explain_event(deployment_completed(web["service_arn"], web["deployment_id"], START)).summary
    assert done.startswith("ecs-deployment → records service demo-web COMPLETED on build 1 of app 'demo'")
    stranger = deployment_completed(web["service_arn"], "ecs-svc/42", START)
    assert "not managed: ECS deployment ecs-svc/42" in explain_event(stranger).summary


def test_a_repeated_succeeded_after_the_release_started_calls_no_runtask(aws: None, api_calls: CallRecorder) -> None:
    """RunTask has no claim: its client token covers a quick retry, and once the record names the release task
    a repeat of the event (EventBridge redelivers up to a day later, past any token's life) stops there."""
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    events = build()
    deliver(*events)
    assert api_calls.count("ecs", "RunTask") == 1
    [repeated] = deliver(events[-1])
    assert repeated["status"] == "release started"
    assert api_calls.count("ecs", "RunTask") == 1
    assert len(record()["release"]["arns"]) == 1
