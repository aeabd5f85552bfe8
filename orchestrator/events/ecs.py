"""ECS Task State Change and ECS Deployment State Change."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestrator.events.envelope import AwsModel, EventEnvelope


class EcsContainer(AwsModel):
    name: str
    exit_code: int | None = Field(default=None, alias="exitCode")
    last_status: str | None = Field(default=None, alias="lastStatus")
    reason: str | None = None


class EcsTag(AwsModel):
    key: str
    value: str = ""


class TaskStateDetail(AwsModel):
    task_arn: str = Field(alias="taskArn", min_length=1)
    cluster_arn: str = Field(alias="clusterArn", min_length=1)
    last_status: str = Field(alias="lastStatus", min_length=1)
    desired_status: str | None = Field(default=None, alias="desiredStatus")
    containers: list[EcsContainer] = Field(default_factory=list)
    group: str | None = None
    started_by: str | None = Field(default=None, alias="startedBy")
    started_at: datetime | None = Field(default=None, alias="startedAt")
    stopped_at: datetime | None = Field(default=None, alias="stoppedAt")
    stopped_reason: str | None = Field(default=None, alias="stoppedReason")
    stop_code: str | None = Field(default=None, alias="stopCode")
    task_definition_arn: str | None = Field(default=None, alias="taskDefinitionArn")
    tags: list[EcsTag] = Field(default_factory=list)
    version: int | None = None


class DeploymentStateDetail(AwsModel):
    event_type: Literal["INFO", "WARN", "ERROR"] = Field(alias="eventType")
    event_name: str = Field(alias="eventName", min_length=1)
    deployment_id: str = Field(alias="deploymentId", min_length=1)
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    reason: str = ""

    @property
    def is_circuit_breaker_rollback(self) -> bool:
        return "circuit breaker" in self.reason.lower() and "roll" in self.reason.lower()


class TaskStateChangeEvent(EventEnvelope):
    detail: TaskStateDetail
    source: Literal["aws.ecs"]
    detail_type: Literal["ECS Task State Change"] = Field(alias="detail-type")


class DeploymentStateChangeEvent(EventEnvelope):
    detail: DeploymentStateDetail
    source: Literal["aws.ecs"]
    detail_type: Literal["ECS Deployment State Change"] = Field(alias="detail-type")

    @property
    def service_arn(self) -> str | None:
        return next((r for r in self.resources if ":service/" in r), None)
