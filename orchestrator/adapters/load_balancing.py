"""Elastic Load Balancing v2: the apps' target groups and host rules on the shared listener.

The routing logic (orchestrator/routing) decides; this module only calls ELBv2. Every call turns a final
error into RequestRefusedError (aws_errors.py); retryable ones pass through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.aws_errors import RequestRefusedError, refusals_are_final
from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class TargetGroup:
    arn: str
    name: str
    health_check_path: str
    port: int


@dataclass(frozen=True)
class ListenerRule:
    arn: str
    priority: int | None  # None: the listener's default rule
    hosts: list[str] = field(default_factory=list)
    target_group_arns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TargetHealth:
    target: str
    state: str  # initial, healthy, unhealthy, unused, draining, unavailable
    reason: str = ""
    description: str = ""


def _target_group(group: dict[str, Any]) -> TargetGroup:
    return TargetGroup(
        arn=group["TargetGroupArn"],
        name=group["TargetGroupName"],
        health_check_path=group.get("HealthCheckPath", "/"),
        port=int(group.get("Port", 0)),
    )


def _rule(rule: dict[str, Any]) -> ListenerRule:
    hosts: list[str] = []
    for condition in rule.get("Conditions", []):
        if condition.get("Field") == "host-header":
            hosts.extend(condition.get("HostHeaderConfig", {}).get("Values") or condition.get("Values", []))
    groups = [
        a["TargetGroupArn"] for a in rule.get("Actions", []) if a.get("Type") == "forward" and a.get("TargetGroupArn")
    ]
    priority = rule.get("Priority", "default")
    return ListenerRule(
        arn=rule["RuleArn"], priority=None if priority == "default" else int(priority), hosts=hosts,
        target_group_arns=groups,
    )  # fmt: skip


def _host_condition(hosts: list[str]) -> list[dict[str, Any]]:
    return [{"Field": "host-header", "HostHeaderConfig": {"Values": hosts}}]


def _forward(target_group_arn: str) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


class LoadBalancing:
    def find_target_group(self, name: str) -> TargetGroup | None:
        try:
            with refusals_are_final():
                groups = client("elbv2").describe_target_groups(Names=[name])["TargetGroups"]
        except RequestRefusedError as error:
            if error.code == "TargetGroupNotFound":
                return None
            raise
        return _target_group(groups[0]) if groups else None

    def create_target_group(
        self, name: str, *, vpc_id: str, port: int, health_check_path: str, tags: dict[str, str]
    ) -> TargetGroup:
        """An `ip` target group (Fargate tasks register by address). ELBv2 returns the existing group for a
        repeated call with the same settings, so a lost response is safe to repeat. moto (the emulator) refuses
        the repeat as DuplicateTargetGroupName instead: the group made by the lost call is then returned."""
        try:
            return self._create_target_group(name, vpc_id=vpc_id, port=port, health_check_path=health_check_path, tags=tags)
        except RequestRefusedError as error:
            existing = self.find_target_group(name) if error.code == "DuplicateTargetGroupName" else None
            if existing is None:
                raise
            return existing

    def _create_target_group(
        self, name: str, *, vpc_id: str, port: int, health_check_path: str, tags: dict[str, str]
    ) -> TargetGroup:
        with refusals_are_final():
            response = client("elbv2").create_target_group(
                Name=name,
                Protocol="HTTP",
                Port=port,
                VpcId=vpc_id,
                TargetType="ip",
                HealthCheckProtocol="HTTP",
                HealthCheckPath=health_check_path,
                HealthCheckIntervalSeconds=15,
                HealthyThresholdCount=2,
                UnhealthyThresholdCount=3,
                Matcher={"HttpCode": "200-399"},
                Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            )
        return _target_group(response["TargetGroups"][0])

    def set_health_check_path(self, target_group_arn: str, path: str) -> None:
        with refusals_are_final():
            client("elbv2").modify_target_group(TargetGroupArn=target_group_arn, HealthCheckPath=path)

    def delete_target_group(self, target_group_arn: str) -> None:
        with refusals_are_final():
            client("elbv2").delete_target_group(TargetGroupArn=target_group_arn)

    def rules(self, listener_arn: str) -> list[ListenerRule]:
        found: list[ListenerRule] = []
        kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
        with refusals_are_final():
            while True:
                response = client("elbv2").describe_rules(**kwargs)
                found.extend(_rule(r) for r in response.get("Rules", []))
                marker = response.get("NextMarker")
                if not marker:
                    return found
                kwargs["Marker"] = marker

    def create_rule(self, listener_arn: str, priority: int, hosts: list[str], target_group_arn: str) -> ListenerRule:
        with refusals_are_final():
            response = client("elbv2").create_rule(
                ListenerArn=listener_arn,
                Priority=priority,
                Conditions=_host_condition(hosts),
                Actions=_forward(target_group_arn),
            )
        return _rule(response["Rules"][0])

    def set_rule(self, rule_arn: str, hosts: list[str], target_group_arn: str) -> None:
        with refusals_are_final():
            client("elbv2").modify_rule(
                RuleArn=rule_arn, Conditions=_host_condition(hosts), Actions=_forward(target_group_arn)
            )

    def delete_rule(self, rule_arn: str) -> None:
        with refusals_are_final():
            client("elbv2").delete_rule(RuleArn=rule_arn)

    def add_certificate(self, listener_arn: str, certificate_arn: str) -> None:
        """Serve `certificate_arn` on the listener (SNI). Adding one already there changes nothing."""
        with refusals_are_final():
            client("elbv2").add_listener_certificates(
                ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}]
            )

    def remove_certificate(self, listener_arn: str, certificate_arn: str) -> None:
        """Safe to repeat: a certificate the listener does not serve is not an error."""
        try:
            with refusals_are_final():
                client("elbv2").remove_listener_certificates(
                    ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}]
                )
        except RequestRefusedError as error:
            if error.code != "CertificateNotFound":
                raise

    def dns_name(self, listener_arn: str) -> str:
        """The DNS name of the load balancer that holds the listener."""
        with refusals_are_final():
            listener = client("elbv2").describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
            balancer = client("elbv2").describe_load_balancers(LoadBalancerArns=[listener["LoadBalancerArn"]])
        return str(balancer["LoadBalancers"][0]["DNSName"])

    def target_health(self, target_group_arn: str) -> list[TargetHealth]:
        with refusals_are_final():
            response = client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
        return [
            TargetHealth(
                target=str(d.get("Target", {}).get("Id", "")),
                state=str(d.get("TargetHealth", {}).get("State", "")),
                reason=str(d.get("TargetHealth", {}).get("Reason", "")),
                description=str(d.get("TargetHealth", {}).get("Description", "")),
            )
            for d in response.get("TargetHealthDescriptions", [])
        ]
