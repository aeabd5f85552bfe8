"""Review apps against moto: the status parameter gates a PR's deploy; `deleting` tears exactly one review app
down (services, web rule, target group, scheduled rules, autoscaling, parameters, records), twice and in any order."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.handlers import parameters as parameter_handler
from orchestrator.local.ssm_events import parameter_store_change
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.review_apps.lifecycle import DESTROYED_CLAIM, REVIEW_APP_SK
from orchestrator.review_apps.status import ReviewAppStatus
from orchestrator.routing.hosts import target_group_name
from tests.conftest import CallRecorder
from tests.integration.builders import create_review_app
from tests.integration.pipeline.world import (
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    deliver,
    ecs_calls,
    item,
    put_parameter,
    record,
    step_task,
    stopped,
    upload_toml,
)
from tests.integration.routing.conftest import DOMAIN, SharedAlb, declare_in
from tests.lambda_context import FakeLambdaContext

STATUS = "/apppack/pipelines/pipe/review-apps/pr/{pr}"
SCALING = "/apppack/pipelines/pipe/review-apps/pr/{pr}/scaling"
REVIEW_TOML = TOML_WEB_WORKER_RELEASE + '\n[review_app]\ninitialize_command = "./seed"\n'


def on_parameter(name: str, operation: str = "Update") -> dict[str, Any]:
    result: dict[str, Any] = parameter_handler.handler(
        parameter_store_change(name, operation),  # type: ignore[arg-type]
        FakeLambdaContext(),  # type: ignore[arg-type]
    )
    return result


def deploy_review_app(pr: int, number: int) -> None:
    """`review-apps create` then the PR's build, to deployed (release, initialize, services)."""
    on_parameter(create_review_app("pipe", pr), "Create")
    upload_toml(f"pipe:{pr}", number, REVIEW_TOML)
    deliver(*build("pipe", number, source_version=f"pr/{pr}"))
    deliver(stopped(step_task(f"pipe:{pr}", number, "release")))
    if record(f"pipe:{pr}", number).get("postdeploy"):
        deliver(stopped(step_task(f"pipe:{pr}", number, "postdeploy"), seconds=200))
    deliver(*completed(f"pipe:{pr}", number))
    assert record(f"pipe:{pr}", number)["deploy"]["state"] == "succeeded"


def active_services() -> list[str]:
    ecs = client("ecs")
    arns = ecs.list_services(cluster="orchestrator")["serviceArns"]
    found = ecs.describe_services(cluster="orchestrator", services=arns)["services"] if arns else []
    return sorted(s["serviceName"] for s in found if s["status"] == "ACTIVE")


def rule_hosts(alb: SharedAlb) -> list[list[str]]:
    rules = client("elbv2").describe_rules(ListenerArn=alb.listener_arn)["Rules"]
    return sorted(
        c["HostHeaderConfig"]["Values"] for r in rules for c in r["Conditions"] if c["Field"] == "host-header"
    )


def scalable_targets() -> list[str]:
    found = client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return sorted(t["ResourceId"] for t in found)


def parameter_names() -> list[str]:
    return sorted(p["Name"] for p in client("ssm").describe_parameters(MaxResults=50)["Parameters"])


def mark_deleting(pr: int) -> str:
    name = STATUS.format(pr=pr)
    value = ReviewAppStatus(pull_request=f"pr/{pr}", status="deleting", branch=f"feature-{pr}", title=f"PR {pr}")
    client("ssm").put_parameter(Name=name, Value=value.to_json(), Type="String", Overwrite=True)
    return name


def test_a_pull_request_without_a_review_app_deploys_nothing(alb: SharedAlb, api_calls: CallRecorder) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    upload_toml("pipe:5", 1, REVIEW_TOML)
    deliver(*build("pipe", source_version="pr/5"))
    release = record("pipe:5")["release"]
    assert release["state"] == "failed"
    assert "review app pipe:5 does not exist (/apppack/pipelines/pipe/review-apps/pr/5)" in release["error"]
    assert "orchestrator review-apps create -a pipe:5" in release["error"]
    assert ecs_calls(api_calls) == []
    assert item(keys.app_pk("pipe"), "DEPLOYSTATUS#5") is None
    # A status other than `created` (AppPack's CLI refuses those too) deploys nothing either.
    create_review_app("pipe", 6, status="open")
    upload_toml("pipe:6", 2, REVIEW_TOML)
    deliver(*build("pipe", 2, source_version="pr/6"))
    assert "has status 'open'" in record("pipe:6", 2)["release"]["error"]
    assert ecs_calls(api_calls) == []


def test_destroy_removes_one_review_app_and_nothing_else(alb: SharedAlb) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    deploy_review_app(12, 1)
    deploy_review_app(13, 2)
    scaling = {p: {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 3 if p == "web" else 1}
               for p in ("web", "worker")}  # fmt: skip
    put_parameter(SCALING.format(pr=12), json.dumps(scaling), "String")
    assert on_parameter(SCALING.format(pr=12))["status"] == "applied"
    put_parameter("/apppack/pipelines/pipe/review-apps/pr/12/config/SEED", "yes")
    assert scalable_targets() == ["service/orchestrator/pipe-pr12-web"]
    assert rule_hosts(alb) == [[f"pipe-pr12.{DOMAIN}"], [f"pipe-pr13.{DOMAIN}"]]

    status = mark_deleting(12)
    first = on_parameter(status)
    assert first["status"] == "applied"
    again = on_parameter(status)  # redelivered, or the Delete event of the status parameter: nothing left
    again_delete = on_parameter(status, "Delete")
    assert again["status"] == again_delete["status"] == "applied"
    assert "changes" not in again_delete, again_delete["changes"]

    assert active_services() == ["pipe-pr13-web", "pipe-pr13-worker"]
    assert rule_hosts(alb) == [[f"pipe-pr13.{DOMAIN}"]]
    groups = [g["TargetGroupName"] for g in client("elbv2").describe_target_groups()["TargetGroups"]]
    assert groups == [target_group_name(AppRef("pipe:13"), "web")]
    assert scalable_targets() == []
    assert [n for n in parameter_names() if "/pr/12" in n] == []
    assert STATUS.format(pr=13) in parameter_names()
    assert item(keys.app_pk("pipe"), "DEPLOYSTATUS#12") is None
    assert item(keys.app_pk("pipe"), "DEPLOYSTATUS#13") is not None
    assert item(keys.app_pk("pipe:12"), keys.DEPLOYED_SK) is None
    marker = item(keys.app_pk("pipe:12"), REVIEW_APP_SK)
    assert marker is not None
    assert marker["status"] == "destroyed"
    assert "service pipe-pr12-web" in marker["removed"]
    assert (item(keys.app_pk("pipe:12"), keys.DEPLOY_CLAIM_SK) or {})["build_number"] == DESTROYED_CLAIM


def test_events_out_of_order_converge_on_the_current_status(alb: SharedAlb) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    deploy_review_app(7, 1)
    status = mark_deleting(7)
    on_parameter(status, "Delete")  # the teardown's own Delete event, delivered before the Update
    assert active_services() == []
    assert on_parameter(status, "Create")["status"] == "applied"  # a stale Create: the parameter is gone
    assert active_services() == []
    assert status not in parameter_names()


def test_a_build_in_flight_when_destroyed_deploys_nothing_and_recreate_deploys_afresh(
    alb: SharedAlb, api_calls: CallRecorder
) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    deploy_review_app(9, 1)
    upload_toml("pipe:9", 2, REVIEW_TOML)
    deliver(*build("pipe", 2, source_version="pr/9"))  # its release task is running
    on_parameter(mark_deleting(9))
    deliver(stopped(step_task("pipe:9", 2, "release"), seconds=400))
    assert record("pipe:9", 2).get("superseded_by") == DESTROYED_CLAIM
    assert active_services() == []

    # A build after the destroy, with no review app: refused.
    upload_toml("pipe:9", 3, REVIEW_TOML)
    deliver(*build("pipe", 3, source_version="pr/9"))
    assert "review app pipe:9 does not exist" in record("pipe:9", 3)["release"]["error"]

    # Created again: the tombstone goes, the next build deploys with its initialize command (a first deploy).
    deploy_review_app(9, 4)
    assert record("pipe:9", 4)["postdeploy"]["state"] == "succeeded"
    assert active_services() == ["pipe-pr9-web", "pipe-pr9-worker"]
    assert rule_hosts(alb) == [[f"pipe-pr9.{DOMAIN}"]]
    assert (item(keys.app_pk("pipe:9"), REVIEW_APP_SK) or {})["status"] == "created"
