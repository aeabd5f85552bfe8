"""A deployed `web` process behind the shared listener, through the real handlers against moto's elbv2:
target group, host rule, the service's load balancer attachment, unique priorities, review-app hosts,
health-check failures, and teardown."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.local.ecs_events import deployment_rolling_back
from orchestrator.pipeline.apps import AppRef
from orchestrator.routing import priorities
from orchestrator.routing.hosts import target_group_name
from orchestrator.routing.web import RoutingDeps, ensure_web_route, read_route, remove_web_route
from tests.conftest import CallRecorder
from tests.integration.builders import START, create_review_app
from tests.integration.pipeline.world import TOML_WEB_ONLY, build, completed, deliver, ecs_calls, record, upload_toml
from tests.integration.routing.conftest import DOMAIN, SharedAlb, declare_in

TOML_WITH_HEALTH = TOML_WEB_ONLY + 'healthcheck_path = "/health"\n\n[services.worker]\ncommand = "celery worker"\n'


def rules(alb: SharedAlb) -> dict[int, dict[str, Any]]:
    """The listener's rules by priority (the default rule left out): hosts and target groups."""
    found = client("elbv2").describe_rules(ListenerArn=alb.listener_arn)["Rules"]
    return {
        int(r["Priority"]): {
            "hosts": sorted(v for c in r["Conditions"] for v in c.get("HostHeaderConfig", {}).get("Values", [])),
            "target_groups": [a["TargetGroupArn"] for a in r["Actions"] if a["Type"] == "forward"],
        }
        for r in found
        if r["Priority"] != "default"
    }


def target_group(name: str) -> dict[str, Any]:
    groups: list[dict[str, Any]] = client("elbv2").describe_target_groups(Names=[name])["TargetGroups"]
    return groups[0]


def count(calls: CallRecorder, operation: str) -> int:
    return calls.count("elasticloadbalancing", operation) or calls.count("elbv2", operation)


def test_first_deploy_creates_target_group_rule_and_attachment(alb: SharedAlb, api_calls: CallRecorder) -> None:
    declare_in(alb, "shop")
    upload_toml("shop", 1, TOML_WITH_HEALTH)
    deliver(*build("shop"))

    group = target_group(target_group_name(AppRef("shop"), "web"))
    assert group["TargetType"] == "ip"
    assert group["VpcId"] == alb.vpc_id
    assert group["Port"] == 8000
    assert group["HealthCheckPath"] == "/health"
    assert rules(alb) == {1: {"hosts": [f"shop.{DOMAIN}"], "target_groups": [group["TargetGroupArn"]]}}
    created = {p["serviceName"]: p for op, p in ecs_calls(api_calls) if op == "CreateService"}
    assert created["shop-web"]["loadBalancers"] == [
        {"targetGroupArn": group["TargetGroupArn"], "containerName": "app", "containerPort": 8000}
    ]
    assert created["shop-web"]["healthCheckGracePeriodSeconds"] > 0
    assert "loadBalancers" not in created["shop-worker"]  # only `web` is served
    service = client("ecs").describe_services(cluster="orchestrator", services=["shop-web"])["services"][0]
    assert service["loadBalancers"][0]["targetGroupArn"] == group["TargetGroupArn"]
    route = read_route(Store(), "shop")
    assert route is not None
    assert route.priority == 1
    assert route.hosts == [f"shop.{DOMAIN}"]


def test_redelivered_and_shuffled_events_make_each_side_effect_once(alb: SharedAlb, api_calls: CallRecorder) -> None:
    declare_in(alb, "shop")
    upload_toml("shop", 1, TOML_WITH_HEALTH)
    events = build("shop") * 2
    random.Random(7).shuffle(events)
    deliver(*events)
    deliver(*build("shop"))
    assert count(api_calls, "CreateTargetGroup") == 1
    assert count(api_calls, "CreateRule") == 1
    assert count(api_calls, "ModifyRule") == 0
    assert [op for op, _ in ecs_calls(api_calls)].count("CreateService") == 2  # web and worker, once each
    assert len(rules(alb)) == 1

    # The next build updates the service, keeps the rule and the attachment, and creates nothing new.
    deliver(*completed("shop", 1))
    upload_toml("shop", 2, TOML_WITH_HEALTH.replace("/health", "/ready"))
    deliver(*build("shop", number=2))
    assert count(api_calls, "CreateTargetGroup") == 1
    assert count(api_calls, "CreateRule") == 1
    assert target_group(target_group_name(AppRef("shop"), "web"))["HealthCheckPath"] == "/ready"
    updates = [p for op, p in ecs_calls(api_calls) if op == "UpdateService" and p["service"] == "shop-web"]
    assert updates
    assert updates[-1]["loadBalancers"][0]["containerPort"] == 8000


def test_concurrent_first_deploys_get_distinct_priorities(alb: SharedAlb, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app reads the listener's claims before any of them writes (a stale Query each): all pick
    priority 1, one wins the conditional put, the others move on."""
    names = ["alpha", "bravo", "charlie", "delta"]
    for name in names:
        declare_in(alb, name)
        upload_toml(name, 1, TOML_WEB_ONLY)
    real_query = Store.query
    stale_for: set[str] = set()

    def first_read_is_stale(self: Store, primary_id: str, prefix: str = "", **kw: Any) -> list[dict[str, Any]]:
        owner = current[0]
        if primary_id.startswith("LISTENER#") and owner not in stale_for:
            stale_for.add(owner)
            return []
        return real_query(self, primary_id, prefix, **kw)

    current = [""]
    real_claim = priorities.claim_priority

    def claim(store: Store, listener_arn: str, owner: str) -> int:
        current[0] = owner
        return real_claim(store, listener_arn, owner)

    monkeypatch.setattr(Store, "query", first_read_is_stale)
    monkeypatch.setattr("orchestrator.routing.web.claim_priority", claim)
    for name in names:
        deliver(*build(name))
    assert stale_for == set(names)
    found = rules(alb)
    assert sorted(found) == [1, 2, 3, 4]
    assert sorted(h for r in found.values() for h in r["hosts"]) == sorted(f"{n}.{DOMAIN}" for n in names)
    assert len({read_route(Store(), n).priority for n in names}) == 4  # type: ignore[union-attr]


def test_a_lost_race_for_the_same_app_gives_its_claim_back(alb: SharedAlb) -> None:
    """Two invocations of one app's deploy claim different priorities; the route keeps the first, and the
    second number returns to the pool."""
    store, ref = Store(), AppRef("shop")
    deps = RoutingDeps()
    priorities.claim_priority(store, alb.listener_arn, "someone-else")  # 1
    ensure_web_route(ref, "/", 8000, deps)  # 2
    store.put({"primary_id": priorities.listener_pk(alb.listener_arn), "secondary_id": priorities.priority_sk(3),
               "priority": 3, "owner": "shop"})  # fmt: skip
    assert ensure_web_route(ref, "/", 8000, deps).priority == 2  # type: ignore[union-attr]
    assert sorted(rules(alb)) == [2]


def test_review_apps_get_their_own_host(alb: SharedAlb, api_calls: CallRecorder) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    declare_in(alb, "shop")
    upload_toml("shop", 1, TOML_WEB_ONLY)
    deliver(*build("shop"))
    for pr in (12, 13):
        create_review_app("pipe", pr)
        upload_toml(f"pipe:{pr}", 1, TOML_WEB_ONLY)
        deliver(*build("pipe", source_version=f"pr/{pr}"))
    hosts = {p: r["hosts"] for p, r in rules(alb).items()}
    assert hosts == {1: [f"shop.{DOMAIN}"], 2: [f"pipe-pr12.{DOMAIN}"], 3: [f"pipe-pr13.{DOMAIN}"]}
    created = {p["serviceName"]: p["loadBalancers"][0]["targetGroupArn"] for op, p in ecs_calls(api_calls)
               if op == "CreateService"}  # fmt: skip
    assert len(set(created.values())) == 3
    assert created["pipe-pr12-web"] == target_group(target_group_name(AppRef("pipe:12"), "web"))["TargetGroupArn"]


def test_tearing_down_a_review_app_removes_its_rule_and_target_group(alb: SharedAlb) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    for pr in (12, 13):
        create_review_app("pipe", pr)
        upload_toml(f"pipe:{pr}", 1, TOML_WEB_ONLY)
        deliver(*build("pipe", source_version=f"pr/{pr}"))
    client("ecs").delete_service(cluster="orchestrator", service="pipe-pr12-web", force=True)
    ref = AppRef("pipe:12")
    assert remove_web_route(ref, RoutingDeps()) is True
    assert remove_web_route(ref, RoutingDeps()) is False  # again: nothing left to do
    assert {p: r["hosts"] for p, r in rules(alb).items()} == {2: [f"pipe-pr13.{DOMAIN}"]}
    names = [g["TargetGroupName"] for g in client("elbv2").describe_target_groups()["TargetGroups"]]
    assert names == [target_group_name(AppRef("pipe:13"), "web")]
    # Its priority is free again: the next review app takes it.
    create_review_app("pipe", 14)
    upload_toml("pipe:14", 1, TOML_WEB_ONLY)
    deliver(*build("pipe", source_version="pr/14"))
    assert rules(alb)[1]["hosts"] == [f"pipe-pr14.{DOMAIN}"]


def test_a_failing_health_check_fails_the_deploy_and_names_the_path(alb: SharedAlb) -> None:
    declare_in(alb, "shop")
    upload_toml("shop", 1, TOML_WITH_HEALTH)
    deliver(*build("shop"))
    web = record("shop")["services"]["web"]
    deliver(deployment_rolling_back(web["service_arn"], web["deployment_id"], START + timedelta(seconds=400)))
    final = record("shop")
    assert final["deploy"]["state"] == "failed"
    assert "load balancer health check GET /health" in final["deploy"]["error"]
    assert final["services"]["web"]["state"] == "FAILED"


def test_a_foreign_rule_at_the_apps_priority_is_refused_and_left_alone(alb: SharedAlb) -> None:
    elbv2 = client("elbv2")
    foreign = elbv2.create_target_group(Name="someone-else", Protocol="HTTP", Port=80, VpcId=alb.vpc_id,
                                        TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    elbv2.create_rule(
        ListenerArn=alb.listener_arn, Priority=1,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["x.example.org"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": foreign}],
    )  # fmt: skip
    declare_in(alb, "shop")
    upload_toml("shop", 1, TOML_WEB_ONLY)
    deliver(*build("shop"))
    final = record("shop")
    assert final["deploy"]["state"] == "failed"
    assert "priority 1" in final["deploy"]["error"]
    assert "not shop's" in final["deploy"]["error"]
    assert rules(alb) == {1: {"hosts": ["x.example.org"], "target_groups": [foreign]}}
    assert client("ecs").list_services(cluster="orchestrator")["serviceArns"] == []


def test_without_a_listener_services_get_no_load_balancer(aws: None, api_calls: CallRecorder) -> None:
    from tests.integration.pipeline.world import declare

    declare("shop")
    upload_toml("shop", 1, TOML_WEB_ONLY)
    deliver(*build("shop"))
    created = [p for op, p in ecs_calls(api_calls) if op == "CreateService"]
    assert "loadBalancers" not in created[0]
    assert count(api_calls, "CreateTargetGroup") == 0
    assert json.dumps(record("shop")["deploy"]["state"]) == '"started"'
