"""A shared load balancer in moto (the orchestrator stack's ALB and listener), and apps in its VPC."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from orchestrator.adapters.clients import client
from orchestrator.pipeline import hooks
from orchestrator.pipeline.app_registry import AppDeclaration
from orchestrator.settings import configure
from tests.integration.pipeline.world import declare

DOMAIN = "apps.example.com"


@dataclass(frozen=True)
class SharedAlb:
    vpc_id: str
    subnets: list[str]
    security_group: str
    listener_arn: str


@pytest.fixture(autouse=True)
def _only_registered_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "DEFAULT_HOOKS", ())


@pytest.fixture
def alb(aws: None) -> SharedAlb:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    elbv2 = client("elbv2")
    balancer = elbv2.create_load_balancer(Name="orchestrator", Subnets=subnets, Scheme="internet-facing")
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancers"][0]["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    configure(listener_arn=listener, apps_domain=DOMAIN, vpc_id=vpc)
    return SharedAlb(vpc_id=vpc, subnets=subnets, security_group=group, listener_arn=listener)


def declare_in(alb: SharedAlb, name: str, kind: str = "app") -> AppDeclaration:
    return declare(name, kind, subnets=alb.subnets, security_groups=[alb.security_group])
