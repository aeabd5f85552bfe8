"""Application Auto Scaling for ECS services: a scalable target with one CPU target-tracking policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient

NAMESPACE: Final[Literal["ecs"]] = "ecs"
DIMENSION: Final[Literal["ecs:service:DesiredCount"]] = "ecs:service:DesiredCount"
POLICY_NAME = "orchestrator-cpu-target-tracking"
SCALE_IN_COOLDOWN = 300
SCALE_OUT_COOLDOWN = 60


def resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster}/{service}"


@dataclass(frozen=True)
class ScalableTarget:
    min_capacity: int
    max_capacity: int
    target_cpu: float | None  # None: the target exists without our policy


def _missing(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    return code == "ObjectNotFoundException" or (code == "ValidationException" and message.startswith("No scal"))


class AutoScaling:
    @property
    def _aas(self) -> ApplicationAutoScalingClient:
        aas: ApplicationAutoScalingClient = client("application-autoscaling")
        return aas

    def current(self, cluster: str, service: str) -> ScalableTarget | None:
        rid = resource_id(cluster, service)
        targets = self._aas.describe_scalable_targets(
            ServiceNamespace=NAMESPACE, ResourceIds=[rid], ScalableDimension=DIMENSION
        ).get("ScalableTargets", [])
        if not targets:
            return None
        policies = self._aas.describe_scaling_policies(
            ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION, PolicyNames=[POLICY_NAME]
        ).get("ScalingPolicies", [])
        target_cpu = None
        if policies:
            config = policies[0].get("TargetTrackingScalingPolicyConfiguration", {})
            target_cpu = float(config["TargetValue"]) if "TargetValue" in config else None
        return ScalableTarget(int(targets[0]["MinCapacity"]), int(targets[0]["MaxCapacity"]), target_cpu)

    def capacities(self, cluster: str, services: list[str]) -> dict[str, tuple[int, int]]:
        """(min, max) of each service that has a scalable target, in one DescribeScalableTargets per 50
        services (what `ps` shows; the policy is not read)."""
        found: dict[str, tuple[int, int]] = {}
        by_id = {resource_id(cluster, service): service for service in services}
        ids = sorted(by_id)
        for start in range(0, len(ids), 50):
            pages = self._aas.get_paginator("describe_scalable_targets").paginate(
                ServiceNamespace=NAMESPACE, ResourceIds=ids[start : start + 50], ScalableDimension=DIMENSION
            )
            for page in pages:
                for target in page.get("ScalableTargets", []):
                    if target["ResourceId"] in by_id:
                        found[by_id[target["ResourceId"]]] = (int(target["MinCapacity"]), int(target["MaxCapacity"]))
        return found

    def enable(self, cluster: str, service: str, *, minimum: int, maximum: int, target_cpu: float) -> None:
        """Register (or update) the scalable target and its CPU target-tracking policy. Both calls are
        idempotent: repeating them leaves one target and one policy."""
        rid = resource_id(cluster, service)
        self._aas.register_scalable_target(
            ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION,
            MinCapacity=minimum, MaxCapacity=maximum,
        )  # fmt: skip
        self._aas.put_scaling_policy(
            PolicyName=POLICY_NAME,
            ServiceNamespace=NAMESPACE,
            ResourceId=rid,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": target_cpu,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                "ScaleInCooldown": SCALE_IN_COOLDOWN,
                "ScaleOutCooldown": SCALE_OUT_COOLDOWN,
            },
        )

    def disable(self, cluster: str, service: str) -> bool:
        """Remove the policy and deregister the target. False (and no call that changes anything) when the
        service has no scalable target."""
        rid = resource_id(cluster, service)
        existing = self._aas.describe_scalable_targets(
            ServiceNamespace=NAMESPACE, ResourceIds=[rid], ScalableDimension=DIMENSION
        ).get("ScalableTargets", [])
        if not existing:
            return False
        try:
            self._aas.delete_scaling_policy(
                PolicyName=POLICY_NAME, ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION
            )
        except ClientError as error:
            if not _missing(error):
                raise
        try:
            self._aas.deregister_scalable_target(
                ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION
            )
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True
