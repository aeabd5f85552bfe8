"""The `scheduled-tasks` parameter: `[{"schedule": "<AWS cron>", "command": "..."}]`.

One EventBridge rule per distinct schedule, named `orchestrator-<app>-<hash of the schedule>`, with one
ECS RunTask target per command (at most 5, EventBridge's limit per rule that we keep). The command is split
with shlex into an argument vector and passed as the container's `command` override: ECS runs it without a
shell, and the orchestrator never builds a shell string from it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator

from orchestrator.adapters.scheduling import RuleTarget, ScheduledRule, Scheduling
from orchestrator.adapters.store import Item
from orchestrator.parameters.cron import CronError, parse_cron
from orchestrator.parameters.names import ParameterKind, Target
from orchestrator.parameters.scaling import InvalidParameterError, format_validation_error, parse_json
from orchestrator.parameters.state import ParameterStates, applied_desired_of
from orchestrator.pipeline.app_registry import EcsConfig
from orchestrator.pipeline.apps import AppRef, app_tags

RULE_PREFIX = "orchestrator-"
MAX_COMMANDS_PER_SCHEDULE = 5
MAX_TASKS = 50
PROCESS_TYPE_TAG = "scheduled"


def _argv(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise ValueError(f"cannot split command {command!r}: {error}") from None
    if not argv:
        raise ValueError("command must not be empty")
    return argv


class ScheduledTask(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    schedule: str = Field(min_length=1, max_length=256)
    command: str = Field(min_length=1, max_length=8192)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            return parse_cron(value).expression
        except CronError as error:
            raise ValueError(str(error)) from None

    @field_validator("command")
    @classmethod
    def _command(cls, value: str) -> str:
        _argv(value)
        return value

    @property
    def argv(self) -> list[str]:
        return _argv(self.command)


class ScheduledTasks(RootModel[list[ScheduledTask]]):
    model_config = ConfigDict(defer_build=True)


def scheduled_tasks_refused(target: Target) -> str | None:
    """Why `target` cannot have scheduled tasks (only apps can), or None when it can."""
    if target.kind == "app":
        return None
    what = "review apps" if target.kind == "review_app" else "pipelines (their review apps)"
    return f"{what} cannot have scheduled tasks"


def parse_scheduled_tasks(value: str) -> list[ScheduledTask]:
    """Validate the whole list (every cron expression and command) before anything changes."""
    data = parse_json(value, "scheduled-tasks")
    if not isinstance(data, list):
        raise InvalidParameterError('scheduled-tasks must be a JSON list of {"schedule": ..., "command": ...}')
    if len(data) > MAX_TASKS:
        raise InvalidParameterError(f"scheduled-tasks has {len(data)} entries; at most {MAX_TASKS}")
    try:
        tasks = ScheduledTasks.model_validate(data).root
    except ValidationError as error:
        raise InvalidParameterError(f"invalid scheduled-tasks: {format_validation_error(error)}") from error
    unique = list(dict.fromkeys(tasks))  # an exact duplicate entry is one task, not two
    per_schedule: dict[str, int] = {}
    for task in unique:
        per_schedule[task.schedule] = per_schedule.get(task.schedule, 0) + 1
    crowded = {s: n for s, n in per_schedule.items() if n > MAX_COMMANDS_PER_SCHEDULE}
    if crowded:
        details = ", ".join(f"{s!r} has {n}" for s, n in sorted(crowded.items()))
        raise InvalidParameterError(
            f"at most {MAX_COMMANDS_PER_SCHEDULE} commands per schedule (one EventBridge rule each): {details}"
        )
    return unique


def applied_tasks(
    states: ParameterStates, target: Target, item: Item | None = None, *, read: bool = False
) -> list[ScheduledTask]:
    """The scheduled tasks of the last valid value applied (what the rules are built from). `item`, `read`:
    the state item as the caller read it (None and read: absent), instead of a read here."""
    desired = (applied_desired_of(item) or {}) if read else states.applied_desired(target, ParameterKind.SCHEDULED_TASKS)
    raw = desired.get("tasks") or []
    return [ScheduledTask.model_validate(t) for t in raw]


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def rule_name(app: str, schedule: str) -> str:
    """`orchestrator-<app>-<8 hex of sha256(schedule)>`, at most 64 characters."""
    base = f"{RULE_PREFIX}{app}"[: 64 - 9]
    return f"{base}-{_digest(schedule, 8)}"


def rule_name_prefix(app: str) -> str:
    return f"{RULE_PREFIX}{app}-"


def is_rule_of(app: str, name: str) -> bool:
    """True for this app's rules only (`orchestrator-demo-` must not claim `orchestrator-demo-2-...`)."""
    prefix = f"{RULE_PREFIX}{app}"[: 64 - 9] + "-"
    return name.startswith(prefix) and re.fullmatch(r"[0-9a-f]{8}", name[len(prefix) :]) is not None


def target_id(argv: list[str]) -> str:
    return f"cmd-{_digest(json.dumps(argv), 16)}"


@dataclass(frozen=True)
class PlannedRule:
    name: str
    schedule: str
    commands: tuple[tuple[str, ...], ...]

    @property
    def schedule_expression(self) -> str:
        return f"cron({self.schedule})"


def plan_rules(app: str, tasks: Iterable[ScheduledTask]) -> dict[str, PlannedRule]:
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for task in tasks:
        commands = grouped.setdefault(task.schedule, [])
        argv = tuple(task.argv)
        if argv not in commands:
            commands.append(argv)
    return {
        rule_name(app, schedule): PlannedRule(rule_name(app, schedule), schedule, tuple(commands))
        for schedule, commands in grouped.items()
    }


@dataclass(frozen=True)
class TaskTemplate:
    """Where and how the scheduled commands run: the app's current task definition and networking."""

    app: str  # the app key (tag apppack:appName)
    cluster_arn: str
    task_definition_arn: str
    ecs: EcsConfig
    events_role_arn: str


def cluster_arn_from(task_definition_arn: str, cluster: str) -> str:
    """The cluster's ARN, from the account and region of a task-definition ARN."""
    if cluster.startswith("arn:"):
        return cluster
    parts = task_definition_arn.split(":")
    region, account = parts[3], parts[4]
    return f"arn:aws:ecs:{region}:{account}:cluster/{cluster}"


def build_target(template: TaskTemplate, argv: tuple[str, ...]) -> RuleTarget:
    network: dict[str, Any] = {"Subnets": list(template.ecs.subnets), "AssignPublicIp": template.ecs.assign_public_ip}
    if template.ecs.security_groups:
        network["SecurityGroups"] = list(template.ecs.security_groups)
    body: dict[str, Any] = {
        "Id": target_id(list(argv)),
        "Arn": template.cluster_arn,
        "Input": json.dumps({"containerOverrides": [{"name": template.ecs.container_name, "command": list(argv)}]}),
        "EcsParameters": {
            "TaskDefinitionArn": template.task_definition_arn,
            "TaskCount": 1,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {"awsvpcConfiguration": network},
            "PropagateTags": "TASK_DEFINITION",
            "Tags": [
                *({"Key": key, "Value": value} for key, value in app_tags(AppRef(template.app)).items()),
                {"Key": "apppack:processType", "Value": PROCESS_TYPE_TAG},
            ],
        },
    }
    if template.events_role_arn:
        body["RoleArn"] = template.events_role_arn
    return RuleTarget(body["Id"], body)


@dataclass
class SyncResult:
    put_rules: list[str] = field(default_factory=list)
    deleted_rules: list[str] = field(default_factory=list)
    put_targets: int = 0
    removed_targets: int = 0

    def describe(self) -> str:
        return (
            f"{len(self.put_rules)} rule(s) in place, {len(self.deleted_rules)} deleted, "
            f"{self.put_targets} target(s) written, {self.removed_targets} removed"
        )


def sync_rules(
    scheduling: Scheduling, app: str, planned: dict[str, PlannedRule], template: TaskTemplate | None
) -> SyncResult:
    """Bring the app's rules in line with `planned`. Without a template (the app has never deployed) the
    rules are only removed where no longer wanted; the deploy hook creates them later."""
    result = SyncResult()
    existing = [n for n in scheduling.rule_names(rule_name_prefix(app)) if is_rule_of(app, n)]
    for name in existing:
        if name not in planned:
            scheduling.delete_rule(name)
            result.deleted_rules.append(name)
    if template is None:
        return result
    for name, rule in sorted(planned.items()):
        wanted = {t.id: t for t in (build_target(template, argv) for argv in rule.commands)}
        current_rule = scheduling.describe(name)
        desired_rule = ScheduledRule(name, rule.schedule_expression, f"orchestrator scheduled tasks of {app}")
        if current_rule != desired_rule:
            scheduling.put_rule(desired_rule, {"orchestrator:app": app})
        current = {t.id: t for t in scheduling.targets(name)} if current_rule is not None else {}
        stale = sorted(set(current) - set(wanted))
        scheduling.remove_targets(name, stale)
        changed = [t for i, t in sorted(wanted.items()) if current.get(i) is None or current[i].body != t.body]
        scheduling.put_targets(name, changed)
        result.put_rules.append(name)
        result.put_targets += len(changed)
        result.removed_targets += len(stale)
    return result
