"""Custom domains through the parameters handler against moto (elbv2, acm, ssm, dynamodb): claims,
certificates attached to an HTTPS listener, host rules of at most five hosts, removal, refusals, redelivery."""

from __future__ import annotations

import random
from typing import Any

import moto.settings
import pytest

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.routing.domains import CLAIM_SK, domain_pk
from orchestrator.settings import configure
from tests.integration.parameters.helpers import delete, name_of, put, state
from tests.integration.parameters.helpers import deliver as deliver_parameter
from tests.integration.pipeline.world import TOML_WEB_ONLY, build, deliver, upload_toml
from tests.integration.routing.conftest import DOMAIN, SharedAlb, declare_in


@pytest.fixture
def https(alb: SharedAlb, monkeypatch: pytest.MonkeyPatch) -> str:
    """The stack's HTTPS listener (a wildcard certificate as its default), with ACM issuing at once."""
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", -1)
    elbv2 = client("elbv2")
    balancer = elbv2.describe_listeners(ListenerArns=[alb.listener_arn])["Listeners"][0]["LoadBalancerArn"]
    wildcard = client("acm").request_certificate(DomainName=f"*.{DOMAIN}", ValidationMethod="DNS")["CertificateArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": wildcard}],
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]  # fmt: skip
    configure(listener_arn=listener, apps_domain=DOMAIN, vpc_id=alb.vpc_id, apps_https=True)
    return str(listener)


def deployed(alb: SharedAlb, name: str) -> None:
    declare_in(alb, name)
    upload_toml(name, 1, TOML_WEB_ONLY)
    deliver(*build(name))


def host_rules(listener: str) -> list[list[str]]:
    found = client("elbv2").describe_rules(ListenerArn=listener)["Rules"]
    return sorted(
        sorted(v for c in r["Conditions"] for v in c.get("HostHeaderConfig", {}).get("Values", []))
        for r in found
        if r["Priority"] != "default"
    )


def listener_certificates(listener: str) -> set[str]:
    found = client("elbv2").describe_listener_certificates(ListenerArn=listener)["Certificates"]
    return {c["CertificateArn"] for c in found if not c.get("IsDefault")}


def certificates_for(host: str) -> list[str]:
    summaries = client("acm").list_certificates()["CertificateSummaryList"]
    return [c["CertificateArn"] for c in summaries if c["DomainName"] == host]


def claim(host: str) -> dict[str, Any] | None:
    return Store().get(domain_pk(host), CLAIM_SK)


def test_add_and_remove(alb: SharedAlb, https: str) -> None:
    deployed(alb, "shop")
    [added] = deliver_parameter(put(name_of("shop", "domains"), ["WWW.Shop.example", "shop.example"]))
    assert added["status"] == "applied", added
    assert host_rules(https) == [sorted([f"shop.{DOMAIN}", "www.shop.example", "shop.example"])]
    [www] = certificates_for("www.shop.example")
    assert www in listener_certificates(https)
    assert claim("www.shop.example") == {**claim("www.shop.example"), "owner": "shop", "certificate_arn": www}  # type: ignore[dict-item]
    settings_item = Store().get(keys.app_pk("shop"), keys.SETTINGS_SK) or {}
    assert settings_item["value"]["domains"] == ["www.shop.example", "shop.example"]

    [removed] = deliver_parameter(put(name_of("shop", "domains"), ["shop.example"]))
    assert removed["status"] == "applied", removed
    assert host_rules(https) == [sorted([f"shop.{DOMAIN}", "shop.example"])]
    assert www not in listener_certificates(https)
    assert certificates_for("www.shop.example") == []
    assert claim("www.shop.example") is None

    deliver_parameter(delete(name_of("shop", "domains")))
    assert host_rules(https) == [[f"shop.{DOMAIN}"]]
    assert listener_certificates(https) == set()
    assert claim("shop.example") is None


def test_more_than_four_domains_get_rules_of_five(alb: SharedAlb, https: str) -> None:
    deployed(alb, "shop")
    hosts = [f"h{i}.shop.example" for i in range(11)]
    [added] = deliver_parameter(put(name_of("shop", "domains"), hosts))
    assert added["status"] == "applied", added
    rules = host_rules(https)
    assert [len(r) for r in sorted(rules, key=len)] == [2, 5, 5]
    assert sorted(h for r in rules for h in r) == sorted([f"shop.{DOMAIN}", *hosts])

    deliver_parameter(put(name_of("shop", "domains"), hosts[:5]))
    assert sorted(len(r) for r in host_rules(https)) == [1, 5]
    deliver_parameter(put(name_of("shop", "domains"), hosts[:3]))
    assert host_rules(https) == [sorted([f"shop.{DOMAIN}", *hosts[:3]])]
    priorities = [c["owner"] for c in Store().query(f"LISTENER#{https}", "PRIORITY#")]
    assert priorities == ["shop"]  # the extra rules' priorities were given back


def test_a_host_of_another_app_is_refused_and_changes_nothing(alb: SharedAlb, https: str) -> None:
    deployed(alb, "shop")
    deployed(alb, "blog")
    deliver_parameter(put(name_of("shop", "domains"), ["www.example.org"]))
    before = host_rules(https)
    [refused] = deliver_parameter(put(name_of("blog", "domains"), ["blog.example.org", "www.example.org"]))
    assert refused["status"] == "rejected"
    assert "'www.example.org' is already a domain of 'shop'" in refused["message"]
    assert state("blog", "domains")["error"]["message"] == refused["message"]
    assert host_rules(https) == before
    assert claim("blog.example.org") is None
    assert certificates_for("blog.example.org") == []

    [under_platform] = deliver_parameter(put(name_of("blog", "domains"), [f"shop.{DOMAIN}"]))
    assert under_platform["status"] == "rejected"
    assert "apps domain" in under_platform["message"]
    [malformed] = deliver_parameter(put(name_of("blog", "domains"), ["not a host"]))
    assert malformed["status"] == "rejected"
    assert host_rules(https) == before


def test_redelivered_and_shuffled_changes_end_in_the_last_value(alb: SharedAlb, https: str) -> None:
    deployed(alb, "shop")
    name = name_of("shop", "domains")
    events = [put(name, [f"a{i}.shop.example" for i in range(n)]) for n in (2, 7, 3)]
    final = [f"a{i}.shop.example" for i in range(3)]
    shuffled = events * 2
    random.Random(12).shuffle(shuffled)
    deliver_parameter(*shuffled)
    assert host_rules(https) == [sorted([f"shop.{DOMAIN}", *final])]
    assert sorted(h for h in final if claim(h)) == final
    assert all(claim(f"a{i}.shop.example") is None for i in range(3, 7))
    assert all(len(certificates_for(h)) == 1 for h in final)
    assert all(certificates_for(f"a{i}.shop.example") == [] for i in range(3, 7))
    assert len(listener_certificates(https)) == 3


def test_domains_before_the_first_deploy_reach_its_rules(alb: SharedAlb, https: str) -> None:
    declare_in(alb, "shop")
    [recorded] = deliver_parameter(put(name_of("shop", "domains"), [f"d{i}.shop.example" for i in range(6)]))
    assert recorded["status"] == "applied"
    assert host_rules(https) == []
    upload_toml("shop", 1, TOML_WEB_ONLY)
    deliver(*build("shop"))
    assert sorted(len(r) for r in host_rules(https)) == [2, 5]


def test_a_review_apps_domains_are_in_its_settings_item(alb: SharedAlb, https: str) -> None:
    from orchestrator.parameters.names import ParameterKind, Target, kind_name
    from tests.integration.builders import create_review_app

    declare_in(alb, "pipe", kind="pipeline")
    create_review_app("pipe", 7)
    upload_toml("pipe:7", 1, TOML_WEB_ONLY)
    deliver(*build("pipe", source_version="pr/7"))
    name = kind_name(Target("review_app", "pipe", "7"), ParameterKind.DOMAINS, "apppack")
    [added] = deliver_parameter(put(name, ["pr7.shop.example"]))
    assert added["status"] == "applied", added
    item = Store().get(keys.app_pk("pipe:7"), keys.SETTINGS_SK) or {}
    assert item["value"]["domains"] == ["pr7.shop.example"]
    assert (Store().get(keys.app_pk("pipe"), keys.SETTINGS_SK) or {})["value"]["domains"] == []  # the pipeline's
    assert host_rules(https) == [sorted([f"pipe-pr7.{DOMAIN}", "pr7.shop.example"])]
    deliver_parameter(put(name, []))
    assert (Store().get(keys.app_pk("pipe:7"), keys.SETTINGS_SK) or {})["value"]["domains"] == []


def test_an_extra_host_rule_skips_a_priority_held_by_a_rule_made_elsewhere(alb: SharedAlb, https: str) -> None:
    deployed(alb, "shop")
    elbv2 = client("elbv2")
    group = elbv2.create_target_group(Name="someone-else", Protocol="HTTP", Port=80, VpcId=alb.vpc_id,
                                      TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    elbv2.create_rule(ListenerArn=https, Priority=2, Actions=[{"Type": "forward", "TargetGroupArn": group}],
                      Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["else.example"]}}])  # fmt: skip
    hosts = [f"h{i}.shop.example" for i in range(6)]
    [added] = deliver_parameter(put(name_of("shop", "domains"), hosts))
    assert added["status"] == "applied", added
    by_priority = {r["Priority"]: r for r in elbv2.describe_rules(ListenerArn=https)["Rules"]}
    assert by_priority["2"]["Actions"][0]["TargetGroupArn"] == group  # left alone
    assert by_priority["2"]["Conditions"][0]["HostHeaderConfig"]["Values"] == ["else.example"]
    assert sorted(by_priority["3"]["Conditions"][0]["HostHeaderConfig"]["Values"]) == sorted(hosts[4:])
    deliver_parameter(put(name_of("shop", "domains"), hosts[:4]))  # the extra rule goes, the other stays
    assert sorted(r["Priority"] for r in elbv2.describe_rules(ListenerArn=https)["Rules"]) == ["1", "2", "default"]
