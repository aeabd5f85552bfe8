"""The operator's side of a one-off task (`orchestrator run`): find a task definition, follow the task, read
its awslogs stream. Operator credentials only (the handlers never call these)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_logs import CloudWatchLogsClient


@dataclass(frozen=True)
class TaskState:
    last_status: str
    exit_code: int | None  # of the named container; None until it stopped, or when it never ran
    stopped_reason: str


@dataclass(frozen=True)
class LogLine:
    timestamp_ms: int
    message: str


class OneOffTasks:
    @property
    def _ecs(self) -> ECSClient:
        ecs: ECSClient = client("ecs")
        return ecs

    @property
    def _logs(self) -> CloudWatchLogsClient:
        logs: CloudWatchLogsClient = client("logs")
        return logs

    def task_definition(self, name: str) -> dict[str, Any] | None:
        """The task definition (`family` is its latest ACTIVE revision), or None if there is none."""
        try:
            found: dict[str, Any] = dict(self._ecs.describe_task_definition(taskDefinition=name)["taskDefinition"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("ClientException", "ResourceNotFoundException"):
                return None
            raise
        return found

    def state(self, cluster: str, task_arn: str, container: str) -> TaskState | None:
        tasks = self._ecs.describe_tasks(cluster=cluster, tasks=[task_arn]).get("tasks", [])
        if not tasks:
            return None
        task = tasks[0]
        named = next((c for c in task.get("containers", []) if c.get("name") == container), None)
        exit_code = named.get("exitCode") if named and task.get("lastStatus") == "STOPPED" else None
        return TaskState(str(task.get("lastStatus", "")), exit_code, str(task.get("stoppedReason", "")))

    def log_lines(self, group: str, stream: str, token: str | None) -> tuple[list[LogLine], str | None]:
        """The stream's lines after `token` (from the start when None), and the token to continue from.
        A stream not created yet (the task has not started logging) reads as empty."""
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        try:
            response = self._logs.get_log_events(**kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return [], token
            raise
        lines = [LogLine(int(e.get("timestamp", 0)), str(e.get("message", ""))) for e in response.get("events", [])]
        return lines, response.get("nextForwardToken") or token
