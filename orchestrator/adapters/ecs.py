"""ECS: task definitions, one-off tasks and services. The pipeline decides; this module only calls ECS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    arn: str
    status: str  # ACTIVE, DRAINING, INACTIVE
    desired_count: int
    primary_deployment_id: str | None
    tags: dict[str, str] = field(default_factory=dict)  # who owns it (apppack:appName): pipeline/ownership.py


@dataclass(frozen=True)
class RunTaskResult:
    task_arn: str | None
    failures: list[str]


def _service_info(service: dict[str, Any]) -> ServiceInfo:
    primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    return ServiceInfo(
        name=service["serviceName"],
        arn=service["serviceArn"],
        status=service.get("status", ""),
        desired_count=int(service.get("desiredCount", 0)),
        primary_deployment_id=primary["id"] if primary else None,
        tags=_tags(service.get("tags")),
    )


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in tags or [] if "key" in t}


class Ecs:
    def register_task_definition(self, task_definition: dict[str, Any]) -> str:
        arn: str = client("ecs").register_task_definition(**task_definition)["taskDefinition"]["taskDefinitionArn"]
        return arn

    def task_definition_tags(self, family: str) -> dict[str, str] | None:
        """The tags of the family's latest revision; None when the family has never been registered."""
        try:
            response = client("ecs").describe_task_definition(taskDefinition=family, include=["TAGS"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ClientException":  # ECS: no such task definition
                return None
            raise
        return _tags(response.get("tags"))

    def run_task(self, request: dict[str, Any]) -> RunTaskResult:
        response = client("ecs").run_task(**request)
        tasks = response.get("tasks", [])
        failures = [
            f"{f.get('arn', '')}: {f.get('reason', '')} {f.get('detail', '')}".strip()
            for f in response.get("failures", [])
        ]
        return RunTaskResult(task_arn=tasks[0]["taskArn"] if tasks else None, failures=failures)

    def describe_services(self, cluster: str, names: list[str]) -> dict[str, ServiceInfo]:
        """The services that exist (any status), by name. DescribeServices takes 10 names per call."""
        found: dict[str, ServiceInfo] = {}
        for start in range(0, len(names), 10):
            response = client("ecs").describe_services(
                cluster=cluster, services=names[start : start + 10], include=["TAGS"]
            )
            for service in response.get("services", []):
                info = _service_info(service)
                found[info.name] = info
        return found

    def create_service(self, request: dict[str, Any]) -> ServiceInfo:
        return _service_info(client("ecs").create_service(**request)["service"])

    def update_service(
        self, cluster: str, service: str, *, task_definition: str | None = None, desired_count: int | None = None
    ) -> ServiceInfo:
        kwargs: dict[str, Any] = {"cluster": cluster, "service": service}
        if task_definition is not None:
            kwargs["taskDefinition"] = task_definition
        if desired_count is not None:
            kwargs["desiredCount"] = desired_count
        return _service_info(client("ecs").update_service(**kwargs)["service"])
