"""The emulator creates the stack's shared load balancer in moto, and a shipped scenario's deploy gives the
web process its target group, host rule and load balancer attachment through the same handlers."""

from __future__ import annotations

from orchestrator.adapters.clients import client
from orchestrator.local.emulator import Emulator
from orchestrator.local.scenarios import ScenarioRunner, load_scenario
from orchestrator.settings import get_settings


def test_a_review_app_deployed_in_the_emulator_is_routed_by_its_host() -> None:
    with Emulator() as emulator:
        result = ScenarioRunner(load_scenario("review-app"), emulator).run()
        assert result.failures == []
        assert result.passed
        elbv2 = client("elbv2")
        rules = [r for r in elbv2.describe_rules(ListenerArn=get_settings().listener_arn)["Rules"] if not r["IsDefault"]]
        assert [c["HostHeaderConfig"]["Values"] for r in rules for c in r["Conditions"]] == [["reviews-pr7.localhost"]]
        group = rules[0]["Actions"][0]["TargetGroupArn"]
        services = client("ecs").describe_services(
            cluster=get_settings().cluster_name, services=["reviews-pr7-web", "reviews-pr7-worker"]
        )["services"]
        attached = {s["serviceName"]: [lb["targetGroupArn"] for lb in s.get("loadBalancers", [])] for s in services}
        assert attached == {"reviews-pr7-web": [group], "reviews-pr7-worker": []}
