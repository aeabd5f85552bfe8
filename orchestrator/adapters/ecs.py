"""ECS: task definitions, one-off tasks and services. The pipeline decides; this module only calls ECS.

Every call turns a final ECS error into RequestRefusedError (aws_errors.py); retryable ones pass through.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.aws_errors import is_retryable, refusals_are_final
from orchestrator.adapters.clients import client

# The tag that carries a RegisterTaskDefinition's own idempotency token (the API has no client token).
TOKEN_TAG = "orchestrator:token"
REGISTER_ATTEMPTS = 5


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    arn: str
    status: str  # ACTIVE, DRAINING, INACTIVE
    desired_count: int
    primary_deployment_id: str | None
    tags: dict[str, str] = field(default_factory=dict)  # who owns it (apppack:appName): pipeline/ownership.py
    task_definition: str = ""  # the revision the service runs (its primary deployment's)
    load_balanced: bool = False  # attached to a target group


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
        task_definition=str(service.get("taskDefinition") or ""),
        load_balanced=bool(service.get("loadBalancers")),
    )


def _with_token(request: dict[str, Any], token: str) -> dict[str, Any]:
    tags = [t for t in request.get("tags", []) if t.get("key") != TOKEN_TAG]
    return {**request, "tags": [*tags, {"key": TOKEN_TAG, "value": token}]}


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in tags or [] if "key" in t}


class Ecs:
    def register_task_definition(self, task_definition: dict[str, Any], token: str | None = None) -> str:
        """Register a revision. With `token`, at most one revision per token: the token is a tag on the
        revision, each attempt is a single SDK attempt, and before trying again (the response of the last
        one may have been lost after ECS registered it) the family's newest revisions are searched for it."""
        if token is None:
            with refusals_are_final():
                response = client("ecs").register_task_definition(**task_definition)
            return str(response["taskDefinition"]["taskDefinitionArn"])
        request = _with_token(task_definition, token)
        for attempt in range(REGISTER_ATTEMPTS):
            if attempt:
                found = self.find_task_definition(str(request["family"]), token)
                if found is not None:
                    return found
            try:
                with refusals_are_final():
                    response = client("ecs", sdk_retries=False).register_task_definition(**request)
                return str(response["taskDefinition"]["taskDefinitionArn"])
            except Exception as error:
                if not is_retryable(error) or attempt == REGISTER_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, min(0.05 * 2**attempt, 2.0)))
        raise AssertionError("unreachable")

    def find_task_definition(self, family: str, token: str, newest: int = 5) -> str | None:
        """The ARN of the family's revision tagged with `token`, among its `newest` active revisions."""
        ecs = client("ecs")
        with refusals_are_final():
            arns = ecs.list_task_definitions(familyPrefix=family, sort="DESC", maxResults=newest)["taskDefinitionArns"]
            for arn in arns:
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] != family:
                    continue  # a longer family that shares the prefix
                tags = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags", [])
                if any(t.get("key") == TOKEN_TAG and t.get("value") == token for t in tags):
                    return str(arn)
        return None

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
        with refusals_are_final():
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
            with refusals_are_final():
                response = client("ecs").describe_services(
                    cluster=cluster, services=names[start : start + 10], include=["TAGS"]
                )
            for service in response.get("services", []):
                info = _service_info(service)
                found[info.name] = info
        return found

    def create_service(self, request: dict[str, Any]) -> ServiceInfo:
        with refusals_are_final():
            return _service_info(client("ecs").create_service(**request)["service"])

    def update_service(
        self,
        cluster: str,
        service: str,
        *,
        task_definition: str | None = None,
        desired_count: int | None = None,
        load_balancers: list[dict[str, Any]] | None = None,
    ) -> ServiceInfo:
        kwargs: dict[str, Any] = {"cluster": cluster, "service": service}
        if load_balancers is not None:  # a service deployed before the load balancer existed gets attached
            kwargs["loadBalancers"] = load_balancers
        if task_definition is not None:
            # Services created with propagateTags=SERVICE move over with their next revision.
            kwargs["taskDefinition"], kwargs["propagateTags"] = task_definition, "TASK_DEFINITION"
        if desired_count is not None:
            kwargs["desiredCount"] = desired_count
        with refusals_are_final():
            return _service_info(client("ecs").update_service(**kwargs)["service"])

    def service_names(self, cluster: str, name_prefix: str) -> list[str]:
        """Names of the cluster's services that start with `name_prefix` (ListServices: ACTIVE and DRAINING)."""
        paginator = client("ecs").get_paginator("list_services")
        names = [
            arn.rsplit("/", 1)[-1]
            for page in paginator.paginate(cluster=cluster)
            for arn in page.get("serviceArns", [])
        ]
        return sorted(n for n in names if n.startswith(name_prefix))

    def delete_service(self, cluster: str, service: str) -> bool:
        """Delete the service, stopping its tasks (force). False when it was already gone."""
        try:
            client("ecs").delete_service(cluster=cluster, service=service, force=True)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("ServiceNotFoundException", "ServiceNotActiveException"):
                return False
            with refusals_are_final():
                raise
        return True
