"""Releases and rollback through the real handlers against moto: one release per change however often its
events come, a rollback asked through its parameter and performed by the parameter handler once per request,
tracked by its ECS deployment events, and a refused rollback that changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.handlers import parameters as parameter_handler
from orchestrator.local.ecs_events import deployment_completed, deployment_rolling_back
from orchestrator.local.ssm_events import parameter_store_change
from orchestrator.pipeline import keys
from orchestrator.pipeline.deploystatus import deploystatus_value
from orchestrator.pipeline.releases import Release, list_releases
from orchestrator.pipeline.rollback import RollbackDeps, RollbackRefusedError, rollback_target
from orchestrator.pipeline.rollback_requests import RequestRecord, get_request
from tests.conftest import CallRecorder
from tests.integration.builders import START
from tests.integration.pipeline.world import (
    CONTEXT,
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    item,
    put_parameter,
    step_task,
    stopped,
    upload_toml,
)

ROLLBACK = "/apppack/apps/demo/rollback"


def push_image(number: int) -> None:
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": f"sha256:{number:064d}", "size": 1}, "layers": []}  # fmt: skip
    client("ecr").put_image(
        repositoryName="orchestrator/demo", imageManifest=json.dumps(manifest), imageTag=f"build-{number}"
    )


def deploy(number: int) -> None:
    upload_toml("demo", number, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=number))
    deliver(stopped(step_task("demo", number, "release")))
    deliver(*completed("demo", number))


@pytest.fixture
def two_deploys(aws: None) -> None:
    declare()
    client("ecr").create_repository(repositoryName="orchestrator/demo")
    for number in (1, 2):
        push_image(number)
        deploy(number)


def ask_rollback(version: int | None, request: str, *, deliveries: int = 1) -> RequestRecord | None:
    """As `orchestrator rollback`: write the request, then Parameter Store's event reaches the handler."""
    put_parameter(ROLLBACK, json.dumps({"version": version, "request": request}), "String")
    for _ in range(deliveries):
        parameter_handler.handler(parameter_store_change(ROLLBACK), CONTEXT)  # type: ignore[arg-type]
    return get_request(Store(), "demo", request)


def rollback_release(record: RequestRecord | None) -> Release:
    assert record is not None
    assert record.status == "started", record.error
    assert record.release is not None
    found = {r.version: r for r in list_releases(Store(), "demo")}
    return found[record.release]


def services() -> dict[str, str]:
    ecs = client("ecs")
    found = ecs.describe_services(cluster="orchestrator", services=["demo-web", "demo-worker"])["services"]
    return {s["serviceName"]: s["taskDefinition"].rsplit("/", 1)[-1] for s in found}


def test_each_deploy_is_one_release_however_often_its_events_come(two_deploys: None) -> None:
    releases = list_releases(Store(), "demo")
    assert [(r.version, r.kind, r.build_number, r.status) for r in releases] == [
        (2, "deploy", 2, "deployed"), (1, "deploy", 1, "deployed"),
    ]  # fmt: skip
    assert releases[0].task_definitions == {
        "web": "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:2",
        "worker": "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-worker:2",
    }
    # Redelivered, in reverse order: no new release, statuses unchanged.
    deliver(*reversed(completed("demo", 2)), *reversed(build(number=2)), stopped(step_task("demo", 2, "release")))
    assert [r.version for r in list_releases(Store(), "demo")] == [2, 1]


def test_rollback_repoints_services_and_is_tracked_by_deployment_events(
    two_deploys: None, api_calls: CallRecorder
) -> None:
    before = len(ecs_writes(api_calls))
    record = ask_rollback(None, "req-1", deliveries=2)  # default: the release before the current; delivered twice
    release = rollback_release(record)
    assert record is not None
    assert record.version == 1
    assert (release.version, release.description, release.status) == (3, "rollback to v1", "deploying")
    writes = ecs_writes(api_calls)[before:]
    assert [op for op, _ in writes] == ["UpdateService", "UpdateService"]
    assert services() == {"demo-web": "demo-web:1", "demo-worker": "demo-worker:1"}

    # The same request written again (a rerun, a redelivery) resumes it: no second release, no second
    # UpdateService. Another request meanwhile is refused, and says so where the CLI reads it.
    again_record = ask_rollback(None, "req-1")
    again = rollback_release(again_record)
    assert again.version == 3
    assert len(ecs_writes(api_calls)) == before + 2
    assert [r.version for r in list_releases(Store(), "demo")] == [3, 2, 1]
    refused = ask_rollback(2, "req-2")
    assert refused is not None
    assert refused.status == "refused"
    assert "still deploying" in (refused.error or "")
    assert len(ecs_writes(api_calls)) == before + 2

    # The deployment events, duplicated and in reverse order, end the release once.
    events = [
        deployment_completed(
            client("ecs").describe_services(cluster="orchestrator", services=[s.service])["services"][0]["serviceArn"],
            s.deployment_id,
            START + timedelta(seconds=900),
        )
        for s in again.services.values()
    ]
    deliver(events[1])
    assert list_releases(Store(), "demo", 1)[0].status == "deploying"
    deliver(events[1], events[0], events[0])
    latest = list_releases(Store(), "demo", 1)[0]
    assert latest.status == "deployed"
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert (status["build_number"], status["failed"]) == (1, False)
    deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK)
    assert deployed is not None
    assert deployed["build_number"] == 1
    assert deployed["processes"]["web"]["task_definition"].endswith("demo-web:1")

    # Build 2's completions delivered again, late: what runs now (DEPLOYED, DEPLOYSTATUS) stays build 1.
    deliver(*completed("demo", 2))
    assert item(keys.app_pk("demo"), keys.DEPLOYED_SK)["build_number"] == 1  # type: ignore[index]
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["build_number"] == 1


def test_a_failed_rollback_deployment_fails_the_release(two_deploys: None) -> None:
    release = rollback_release(ask_rollback(1, "req-1"))
    web = release.services["web"]
    arn = client("ecs").describe_services(cluster="orchestrator", services=["demo-web"])["services"][0]["serviceArn"]
    deliver(deployment_rolling_back(arn, web.deployment_id, START + timedelta(seconds=900)))
    latest = list_releases(Store(), "demo", 1)[0]
    assert latest.status == "failed"
    assert "demo-web" in (latest.error or "")
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["failed"] is True


def test_rollback_to_a_release_whose_image_is_gone_is_refused_and_changes_nothing(
    two_deploys: None, api_calls: CallRecorder
) -> None:
    client("ecr").batch_delete_image(repositoryName="orchestrator/demo", imageIds=[{"imageTag": "build-1"}])
    before = len(ecs_writes(api_calls))
    record = ask_rollback(1, "req-1", deliveries=2)
    assert record is not None
    assert record.status == "refused"
    assert "orchestrator/demo:build-1 (build 1) no longer exists in ECR" in (record.error or "")
    assert len(ecs_writes(api_calls)) == before
    assert [r.version for r in list_releases(Store(), "demo")] == [2, 1]
    assert services() == {"demo-web": "demo-web:2", "demo-worker": "demo-worker:2"}
    # The parameter's state record carries the error too (`config`/`parameters` errors show it).
    state = item(keys.app_pk("demo"), "PARAMETERS#rollback")
    assert state is not None
    assert "no longer exists in ECR" in str(state)
    # The image comes back: the refused request stays refused (not checked again); a new one goes ahead.
    push_image(1)
    assert ask_rollback(1, "req-1") == record
    assert rollback_release(ask_rollback(1, "req-2")).rollback_of == 1


@pytest.mark.parametrize(("version", "message"), [(2, "is the current release"), (9, "no release v9")])
def test_rollback_to_the_current_or_an_unknown_release_is_refused(
    two_deploys: None, version: int, message: str
) -> None:
    record = ask_rollback(version, "req-1")
    assert record is not None
    assert record.status == "refused"
    assert message in (record.error or "")
    with pytest.raises(RollbackRefusedError, match=message):
        rollback_target("demo", version, RollbackDeps())


def test_a_malformed_request_is_rejected_and_changes_nothing(two_deploys: None, api_calls: CallRecorder) -> None:
    before = len(ecs_writes(api_calls))
    put_parameter(ROLLBACK, '{"version": "two"}', "String")
    result = parameter_handler.handler(parameter_store_change(ROLLBACK), CONTEXT)  # type: ignore[arg-type]
    assert result["status"] == "rejected"
    assert "not a rollback request" in result["message"]
    assert len(ecs_writes(api_calls)) == before
    assert [r.version for r in list_releases(Store(), "demo")] == [2, 1]


def test_a_deploy_replaced_before_it_completed_ends_its_release_and_is_no_rollback_target(two_deploys: None) -> None:
    for number in (3, 4):  # build 3 starts deploying; build 4 replaces it before its services complete
        push_image(number)
        upload_toml("demo", number, TOML_WEB_WORKER_RELEASE)
        deliver(*build(number=number))
        deliver(stopped(step_task("demo", number, "release")))
    releases = {r.version: r for r in list_releases(Store(), "demo")}
    assert (releases[3].build_number, releases[3].status) == (3, "failed")
    assert "superseded by build 4" in (releases[3].error or "")
    assert releases[4].status == "deploying"
    deliver(*completed("demo", 4))
    with pytest.raises(RollbackRefusedError, match="never finished deploying"):
        rollback_target("demo", 3, RollbackDeps())
    assert rollback_target("demo", None, RollbackDeps()).version == 2  # the newest earlier one that ran


def test_a_rollback_scales_down_the_process_types_added_after_its_target(aws: None, api_calls: CallRecorder) -> None:
    declare()
    client("ecr").create_repository(repositoryName="orchestrator/demo")
    for number, toml in ((1, TOML_WEB_ONLY), (2, TOML_WEB_WORKER_RELEASE)):
        push_image(number)
        upload_toml("demo", number, toml)
        deliver(*build(number=number))
        if "release_command" in toml:
            deliver(stopped(step_task("demo", number, "release")))
        deliver(*completed("demo", number))
    assert services() == {"demo-web": "demo-web:2", "demo-worker": "demo-worker:1"}
    # The worker autoscales (ps scale worker 1-3): left registered, its minimum would start a task again.
    aas = client("application-autoscaling")
    worker_target = {"ServiceNamespace": "ecs", "ResourceId": "service/orchestrator/demo-worker",
                     "ScalableDimension": "ecs:service:DesiredCount"}  # fmt: skip
    aas.register_scalable_target(**worker_target, MinCapacity=1, MaxCapacity=3)
    release = rollback_release(ask_rollback(1, "req-1", deliveries=2))
    assert aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[worker_target["ResourceId"]])[
        "ScalableTargets"
    ] == []
    assert release.task_definitions.keys() == {"web"}
    ecs = client("ecs")
    worker = ecs.describe_services(cluster="orchestrator", services=["demo-worker"])["services"][0]
    assert worker["desiredCount"] == 0
    assert worker["status"] == "ACTIVE"  # kept: a later deploy that has the worker again scales it up
    scale_downs = [call for op, call in ecs_writes(api_calls) if op == "UpdateService" and call.get("desiredCount") == 0]
    assert len(scale_downs) == 1


def test_a_config_release_is_deployed_only_when_its_service_deployments_complete(two_deploys: None) -> None:
    name = "/apppack/apps/demo/config/FEATURE"
    put_parameter(name, "on")
    parameter_handler.handler(parameter_store_change(name, "Create"), CONTEXT)  # type: ignore[arg-type]
    config = list_releases(Store(), "demo", 1)[0]
    assert (config.version, config.kind, config.status) == (3, "config", "deploying")
    assert set(config.services) == {"web", "worker"}
    arns = {
        s["serviceName"]: s["serviceArn"]
        for s in client("ecs").describe_services(cluster="orchestrator", services=["demo-web", "demo-worker"])["services"]
    }
    events = [
        deployment_completed(arns[s.service], s.deployment_id, START + timedelta(seconds=900))
        for s in config.services.values()
    ]
    deliver(events[0], events[0])
    assert list_releases(Store(), "demo", 1)[0].status == "deploying"
    deliver(events[1])
    assert list_releases(Store(), "demo", 1)[0].status == "deployed"


def test_a_resize_whose_deployment_fails_fails_its_release(two_deploys: None) -> None:
    scaling = {"web": {"cpu": 1024, "memory": 2048, "min_processes": 1, "max_processes": 1}}
    put_parameter("/apppack/apps/demo/scaling", json.dumps(scaling), "String")
    parameter_handler.handler(parameter_store_change("/apppack/apps/demo/scaling"), CONTEXT)  # type: ignore[arg-type]
    resize = list_releases(Store(), "demo", 1)[0]
    assert (resize.kind, resize.status, set(resize.services)) == ("scaling", "deploying", {"web"})
    web = resize.services["web"]
    arn = client("ecs").describe_services(cluster="orchestrator", services=["demo-web"])["services"][0]["serviceArn"]
    deliver(deployment_rolling_back(arn, web.deployment_id, START + timedelta(seconds=900)))
    failed = list_releases(Store(), "demo", 1)[0]
    assert failed.status == "failed"
    assert "demo-web" in (failed.error or "")
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["failed"] is True


def test_config_changes_and_rollbacks_publish_their_rollouts_once(two_deploys: None) -> None:
    from orchestrator.adapters.published_events import PublishedEvents
    from orchestrator.explain import explain_event
    from orchestrator.local.resources import keep_published_events
    from orchestrator.notifications.models import OrchestratorEvent

    keep_published_events()

    def rollouts() -> list[OrchestratorEvent]:
        found = [OrchestratorEvent.model_validate(e.event) for e in PublishedEvents().since(0)]
        return [e for e in found if e.detail.stage.value == "rollout"]

    name = "/apppack/apps/demo/config/FEATURE"
    put_parameter(name, "on")
    for _ in range(2):
        parameter_handler.handler(parameter_store_change(name, "Create"), CONTEXT)  # type: ignore[arg-type]
    config = list_releases(Store(), "demo", 1)[0]
    arns = {
        s["serviceName"]: s["serviceArn"]
        for s in client("ecs").describe_services(cluster="orchestrator", services=["demo-web", "demo-worker"])["services"]
    }
    done = [deployment_completed(arns[s.service], s.deployment_id, START + timedelta(seconds=900))
            for s in config.services.values()]  # fmt: skip
    deliver(*done, *reversed(done))
    release = rollback_release(ask_rollback(2, "req-1", deliveries=2))
    web = release.services["web"]
    deliver(deployment_rolling_back(arns["demo-web"], web.deployment_id, START + timedelta(seconds=950)))

    events = rollouts()
    assert [(e.detail.release, e.detail.kind, e.detail.state) for e in events] == [
        (3, "config", "started"), (3, "config", "succeeded"), (4, "rollback", "started"), (4, "rollback", "failed"),
    ]  # fmt: skip
    assert {e.detail_type for e in events} == {"Orchestrator Rollout State Change"}
    assert "demo-web" in (events[-1].detail.error or "")
    explained = explain_event(events[-1].model_dump(by_alias=True, mode="json"))
    assert [r.rule for r in explained.routes] == ["published-events", "notify-people"]
    assert "rollout failed" in explained.routes[1].action


def test_events_explain_knows_rollback_requests(two_deploys: None) -> None:
    from orchestrator.explain import explain_event

    def action() -> str:
        routes = explain_event(parameter_store_change(ROLLBACK)).routes
        return " ".join(r.action for r in routes)

    put_parameter(ROLLBACK, '{"request": "r1", "version": 0}', "String")
    assert "would be rejected" in action()
    put_parameter(ROLLBACK, '{"request": "r1", "version": 1}', "String")
    assert "demo-web, demo-worker" in action()
    assert [r.version for r in list_releases(Store(), "demo")] == [2, 1]  # explaining changes nothing
