"""Builders of ECS events in the shapes AWS documents (see tests/fixtures/aws-events/ecs_*.json).

- ECS Task State Change: the task's ARNs, containers (with `exitCode` once they stopped), `stoppedReason`,
  `stopCode`, `startedBy`, `group` and the task's tags.
- ECS Deployment State Change: `eventType`, `eventName`, `deploymentId`, `updatedAt`, `reason`, with the
  service ARN in `resources`.

The emulator's ECS simulator and the tests build events from what ECS (moto) returned for RunTask,
CreateService and UpdateService, so the handlers see real ARNs and deployment ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestrator.local.aws_events import envelope

ESSENTIAL_CONTAINER_EXITED = "Essential container in task exited"


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _region(arn: str) -> str:
    return arn.split(":")[3]


def ecs_task_state_change(
    *,
    task_arn: str,
    cluster_arn: str,
    task_definition_arn: str,
    containers: list[dict[str, Any]],
    last_status: str = "STOPPED",
    desired_status: str = "STOPPED",
    created_at: datetime,
    started_at: datetime | None = None,
    stopped_at: datetime | None = None,
    stopped_reason: str | None = None,
    stop_code: str | None = None,
    started_by: str | None = None,
    group: str | None = None,
    tags: list[dict[str, str]] | None = None,
    launch_type: str = "FARGATE",
    cpu: str | None = None,
    memory: str | None = None,
    version: int = 3,
    event_id: str | None = None,
) -> dict[str, Any]:
    """One ECS Task State Change. `containers`: [{name, exitCode?, reason?, lastStatus?}]."""
    moment = stopped_at or started_at or created_at
    detail: dict[str, Any] = {
        "clusterArn": cluster_arn,
        "containers": [
            {
                "containerArn": f"{task_arn.replace(':task/', ':container/')}/{c['name']}",
                "lastStatus": c.get("lastStatus", last_status),
                "name": c["name"],
                "taskArn": task_arn,
                **({"exitCode": c["exitCode"]} if c.get("exitCode") is not None else {}),
                **({"reason": c["reason"]} if c.get("reason") else {}),
            }
            for c in containers
        ],
        "createdAt": _iso_ms(created_at),
        "desiredStatus": desired_status,
        "group": group or f"family:{task_definition_arn.rsplit('/', 1)[-1].split(':')[0]}",
        "launchType": launch_type,
        "lastStatus": last_status,
        "overrides": {"containerOverrides": [{"name": c["name"]} for c in containers]},
        "updatedAt": _iso_ms(moment),
        "taskArn": task_arn,
        "taskDefinitionArn": task_definition_arn,
        "version": version,
    }
    optional = {
        "startedAt": _iso_ms(started_at) if started_at else None,
        "stoppedAt": _iso_ms(stopped_at) if stopped_at else None,
        "stoppingAt": _iso_ms(stopped_at) if stopped_at else None,
        "executionStoppedAt": _iso_ms(stopped_at) if stopped_at and started_at else None,
        "stoppedReason": stopped_reason,
        "stopCode": stop_code,
        "startedBy": started_by,
        "cpu": cpu,
        "memory": memory,
        "tags": tags,
    }
    detail.update({k: v for k, v in optional.items() if v is not None})
    return envelope(
        "aws.ecs",
        "ECS Task State Change",
        detail,
        resources=[task_arn],
        region=_region(task_arn),
        when=moment,
        event_id=event_id,
    )


def task_stopped(
    task: dict[str, Any],
    *,
    exit_code: int | None,
    started_at: datetime,
    stopped_at: datetime,
    stopped_reason: str | None = None,
    stop_code: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The STOPPED event of a task as RunTask/DescribeTasks returned it (a dict with taskArn, clusterArn,
    taskDefinitionArn, containers, tags, startedBy, group). `exit_code` None: the task never started
    (defaults: stopCode TaskFailedToStart and a CannotPullContainerError reason)."""
    never_started = exit_code is None
    if stop_code is None:
        stop_code = "TaskFailedToStart" if never_started else "EssentialContainerExited"
    if stopped_reason is None:
        stopped_reason = (
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): image not found"
            if never_started
            else ESSENTIAL_CONTAINER_EXITED
        )
    containers = [
        {"name": c["name"], "exitCode": exit_code, "lastStatus": "STOPPED"} for c in task.get("containers", [])
    ] or [{"name": "app", "exitCode": exit_code, "lastStatus": "STOPPED"}]
    return ecs_task_state_change(
        task_arn=task["taskArn"],
        cluster_arn=task["clusterArn"],
        task_definition_arn=task["taskDefinitionArn"],
        containers=containers,
        created_at=started_at,
        started_at=None if never_started else started_at,
        stopped_at=stopped_at,
        stopped_reason=stopped_reason,
        stop_code=stop_code,
        started_by=task.get("startedBy") or None,
        group=task.get("group"),
        tags=task.get("tags") or None,
        cpu=task.get("cpu"),
        memory=task.get("memory"),
        event_id=event_id,
    )


DEPLOYMENT_EVENT_TYPES = {
    "SERVICE_DEPLOYMENT_IN_PROGRESS": "INFO",
    "SERVICE_DEPLOYMENT_COMPLETED": "INFO",
    "SERVICE_DEPLOYMENT_FAILED": "ERROR",
}


def ecs_deployment_state_change(
    *,
    service_arn: str,
    deployment_id: str,
    event_name: str,
    updated_at: datetime,
    reason: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """One ECS Deployment State Change for `deployment_id` of the service."""
    default_reasons = {
        "SERVICE_DEPLOYMENT_IN_PROGRESS": f"ECS deployment {deployment_id} in progress.",
        "SERVICE_DEPLOYMENT_COMPLETED": f"ECS deployment {deployment_id} completed.",
        "SERVICE_DEPLOYMENT_FAILED": "ECS deployment circuit breaker: task failed to start.",
    }
    detail = {
        "eventType": DEPLOYMENT_EVENT_TYPES[event_name],
        "eventName": event_name,
        "deploymentId": deployment_id,
        "updatedAt": _iso_ms(updated_at),
        "reason": reason or default_reasons[event_name],
    }
    return envelope(
        "aws.ecs",
        "ECS Deployment State Change",
        detail,
        resources=[service_arn],
        region=_region(service_arn),
        when=updated_at,
        event_id=event_id,
    )


def deployment_completed(service_arn: str, deployment_id: str, updated_at: datetime) -> dict[str, Any]:
    return ecs_deployment_state_change(
        service_arn=service_arn,
        deployment_id=deployment_id,
        event_name="SERVICE_DEPLOYMENT_COMPLETED",
        updated_at=updated_at,
    )


def deployment_failed(service_arn: str, deployment_id: str, updated_at: datetime) -> dict[str, Any]:
    return ecs_deployment_state_change(
        service_arn=service_arn,
        deployment_id=deployment_id,
        event_name="SERVICE_DEPLOYMENT_FAILED",
        updated_at=updated_at,
    )


def deployment_rolling_back(
    service_arn: str, deployment_id: str, updated_at: datetime, rollback_to: str = "ecs-svc/0000000000000000000"
) -> dict[str, Any]:
    """The IN_PROGRESS event ECS sends when the circuit breaker rolls a failed deployment back."""
    return ecs_deployment_state_change(
        service_arn=service_arn,
        deployment_id=deployment_id,
        event_name="SERVICE_DEPLOYMENT_IN_PROGRESS",
        updated_at=updated_at,
        reason=f"ECS deployment circuit breaker: rolling back to deploymentId {rollback_to}.",
    )
