"""The shared load balancer: listeners, TLS, certificate wiring, access logs, and the tasks' ingress.

The session synth (no domain) is the HTTP-only case; the HTTPS cases are synthesized here with `domain`
plus `hostedZoneId` (a DNS-validated wildcard certificate and an alias record) or `certificateArn`.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from infra import build
from infra.config import ConfigError, load_config
from infra.network_stack import WEB_CONTAINER_PORT
from tests.infra.conftest import FEATURE_FLAGS, Synth, render
from tests.infra.test_orchestrator_stack import bucket_logical_id

ORCHESTRATOR, NETWORK = "Orchestrator", "OrchestratorNetwork"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def synth_with(**context: Any) -> dict[str, Template]:
    app = App(context={**FEATURE_FLAGS, **context})
    build(app)
    assembly = app.synth()
    return {s.stack_name: Template.from_json(s.template) for s in assembly.stacks}


@pytest.fixture(scope="module")
def with_zone() -> dict[str, Template]:
    return synth_with(domain="apps.example.com", hostedZoneId="Z0123456789ABCDEFGHIJ")


@pytest.fixture(scope="module")
def with_certificate() -> dict[str, Template]:
    return synth_with(domain="apps.example.com", certificateArn=CERTIFICATE_ARN)


def _listeners(template: Template) -> dict[int, dict[str, Any]]:
    found = template.find_resources("AWS::ElasticLoadBalancingV2::Listener")
    return {int(r["Properties"]["Port"]): r["Properties"] for r in found.values()}


FIXED_404 = [{"Type": "fixed-response", "FixedResponseConfig": Match.object_like({"StatusCode": "404"})}]


def test_one_internet_facing_alb_with_access_logs(synth: Synth) -> None:
    template = synth.template(ORCHESTRATOR)
    template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
    (alb,) = template.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    assert alb["Properties"]["Scheme"] == "internet-facing"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == {"Ref": bucket_logical_id(synth, "access-logs")}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    policy = next(
        p for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if "LoadBalancerAccessLogs" in render(p["Properties"]["PolicyDocument"])
    )  # fmt: skip
    assert "load-balancer/AWSLogs/" in render(policy["Properties"]["PolicyDocument"])


def test_without_a_domain_one_http_listener_answers_404(synth: Synth) -> None:
    listeners = _listeners(synth.template(ORCHESTRATOR))
    assert sorted(listeners) == [80]
    assert listeners[80]["Protocol"] == "HTTP"
    Template.from_json({"Resources": {"L": {"Type": "T", "Properties": listeners[80]}}}).has_resource_properties(
        "T", {"DefaultActions": FIXED_404}
    )


def test_tasks_admit_only_the_load_balancer_on_the_container_port(synth: Synth) -> None:
    network = synth.template(NETWORK)
    groups = network.find_resources("AWS::EC2::SecurityGroup")
    task_group = next(k for k, g in groups.items() if "app tasks" in g["Properties"]["GroupDescription"])
    alb_group = next(k for k, g in groups.items() if g["Properties"]["GroupDescription"].startswith("Orchestrator shared load balancer"))
    assert "SecurityGroupIngress" not in groups[task_group]["Properties"]
    ingress = [
        r["Properties"] for r in network.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [task_group, "GroupId"]}
    ]  # fmt: skip
    assert ingress == [
        {
            "IpProtocol": "tcp",
            "FromPort": WEB_CONTAINER_PORT,
            "ToPort": WEB_CONTAINER_PORT,
            "SourceSecurityGroupId": {"Fn::GetAtt": [alb_group, "GroupId"]},
            "Description": ingress[0]["Description"],
            "GroupId": {"Fn::GetAtt": [task_group, "GroupId"]},
        }
    ]
    # The load balancer's own group reaches nothing but the tasks' port.
    egress = groups[alb_group]["Properties"].get("SecurityGroupEgress", [])
    assert all(e.get("CidrIp") != "0.0.0.0/0" or e.get("IpProtocol") == "icmp" for e in egress)


def test_the_handlers_get_the_listener_domain_and_vpc(synth: Synth) -> None:
    functions = synth.template(ORCHESTRATOR).find_resources("AWS::Lambda::Function")
    handler = next(f for f in functions.values() if f["Properties"].get("Handler", "").startswith("orchestrator."))
    variables = handler["Properties"]["Environment"]["Variables"]
    assert "Listener" in render(variables["ORCHESTRATOR_LISTENER_ARN"]) or "Http" in render(
        variables["ORCHESTRATOR_LISTENER_ARN"]
    )
    assert "DNSName" in render(variables["ORCHESTRATOR_APPS_DOMAIN"])  # no domain: the ALB's own name
    assert variables["ORCHESTRATOR_APPS_HTTPS"] == "false"
    assert "Vpc" in render(variables["ORCHESTRATOR_VPC_ID"])


def test_a_hosted_zone_gives_a_dns_validated_wildcard_certificate_and_alias(with_zone: dict[str, Template]) -> None:
    template = with_zone[ORCHESTRATOR]
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": "*.apps.example.com",
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [
                {"DomainName": "*.apps.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
            ],
        },
    )
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {"Name": "*.apps.example.com.", "Type": "A", "HostedZoneId": "Z0123456789ABCDEFGHIJ",
         "AliasTarget": Match.object_like({"DNSName": Match.any_value()})},
    )  # fmt: skip
    listeners = _listeners(template)
    assert sorted(listeners) == [80, 443]
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert "Certificate" in render(https["Certificates"][0]["CertificateArn"])
    assert https["DefaultActions"][0]["Type"] == "fixed-response"
    assert https["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "404"
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"] == {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    variables = next(
        f["Properties"]["Environment"]["Variables"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("orchestrator.")
    )
    assert variables["ORCHESTRATOR_APPS_DOMAIN"] == "apps.example.com"
    assert variables["ORCHESTRATOR_APPS_HTTPS"] == "true"
    assert "Https" in render(variables["ORCHESTRATOR_LISTENER_ARN"])


def test_a_certificate_arn_is_used_as_given(with_certificate: dict[str, Template]) -> None:
    template = with_certificate[ORCHESTRATOR]
    template.resource_count_is("AWS::CertificateManager::Certificate", 0)
    template.resource_count_is("AWS::Route53::RecordSet", 0)
    assert _listeners(template)[443]["Certificates"] == [{"CertificateArn": CERTIFICATE_ARN}]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"domain": "apps.example.com"}, "needs hostedZoneId"),
        ({"hostedZoneId": "Z0123456789ABCDEFGHIJ"}, "need a domain"),
        ({"domain": "apps.example.com", "hostedZoneId": "Z01", "certificateArn": CERTIFICATE_ARN}, "not both"),
        ({"domain": "not a domain", "certificateArn": CERTIFICATE_ARN}, "not a host name"),
    ],
)
def test_inconsistent_tls_context_is_refused(context: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(context)
