"""One-off commands (`orchestrator run`): a task from the app's current task definition.

- **Which task definition.** AppPack's `<app>-shell` family when it exists; otherwise the one-off task
  definition of the current release (the `DEPLOYED` item: the web, else the first, process type).
- **What it runs.** The command as an argv, never through a shell, unless `shell` asks for `sh -c`.
- **Who it is.** The task carries the release task's tags (`apppack:appName`, `apppack:processType` =
  `run`, `apppack:buildNumber`), so the emulator, the logs and cost reports see whose it is.
- **Where its output goes.** The awslogs stream `<prefix>/<container>/<task id>` of the task definition's
  own log configuration.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.one_off_tasks import OneOffTasks
from orchestrator.pipeline.apppack_toml import SHELL_PROCESS, split_command
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deploy import current_deployment
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.taskdefs import load_ecs_config, task_tags

RUN_PROCESS = "run"
STARTED_BY = "orchestrator-run"


class OneOffError(ValueError):
    """The app cannot run a one-off command (no release deployed, no such container): a user error."""


@dataclass(frozen=True)
class OneOffTask:
    task_arn: str
    task_definition: str
    container: str
    log_group: str | None
    log_stream: str | None
    cluster: str

    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]


def one_off_argv(words: list[str], *, shell: bool) -> list[str]:
    """`shell`: the words as one `sh -c` script. Otherwise an argv; a single word holding spaces (a quoted
    command) is split the way apppack.toml commands are."""
    if not words or not any(w.strip() for w in words):
        raise OneOffError("no command given: orchestrator run -a APP -- COMMAND [ARGS...]")
    if shell:
        return ["sh", "-c", " ".join(words)]
    return split_command(words[0]) if len(words) == 1 else list(words)


def _log_target(definition: dict[str, Any], container: str, task_id: str) -> tuple[str | None, str | None]:
    spec: dict[str, Any] = next((c for c in definition.get("containerDefinitions", []) if c.get("name") == container), {})
    options = (spec.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    return group, (f"{prefix}/{container}/{task_id}" if group and prefix else None)


def start_one_off(
    app: str, argv: list[str], deps: PipelineDeps | None = None, tasks: OneOffTasks | None = None
) -> OneOffTask:
    deps = deps or PipelineDeps()
    tasks = tasks or OneOffTasks()
    ref = AppRef(app)
    deployed = current_deployment(app, deps.store)
    if deployed is None:
        raise OneOffError(f"app {app!r} has no deployed release yet: deploy it before running commands")
    definition = tasks.task_definition(ref.ecs_name(SHELL_PROCESS)) or tasks.task_definition(deployed.task_definition)
    if definition is None:
        raise OneOffError(f"the release's task definition {deployed.task_definition} no longer exists")
    names = [c.get("name") for c in definition.get("containerDefinitions", [])]
    container = deployed.container_name if deployed.container_name in names else str(names[0] if names else "")
    if not container:
        raise OneOffError(f"task definition {definition.get('taskDefinitionArn')} has no container")
    ecs = load_ecs_config(ref, deps)
    arn = str(definition["taskDefinitionArn"])
    request = {
        "cluster": ecs.cluster,
        "taskDefinition": arn,
        "launchType": "FARGATE",
        "count": 1,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ecs.subnets, "securityGroups": ecs.security_groups, "assignPublicIp": ecs.assign_public_ip,
            }
        },
        "overrides": {"containerOverrides": [{"name": container, "command": argv}]},
        "tags": task_tags(ref, RUN_PROCESS, deployed.build_number),
        "startedBy": STARTED_BY,
        # One token per invocation: the SDK's retries of a lost response start no second task.
        "clientToken": str(uuid.uuid4()),
    }  # fmt: skip
    try:
        result = deps.ecs.run_task(request)
    except RequestRefusedError as error:
        raise OneOffError(f"ECS refused the task: {error}") from error
    if result.task_arn is None:
        raise OneOffError(f"ECS placed no task: {'; '.join(result.failures) or 'no reason given'}")
    group, stream = _log_target(definition, container, result.task_arn.rsplit("/", 1)[-1])
    return OneOffTask(result.task_arn, arn, container, group, stream, ecs.cluster)


@dataclass
class OneOffOutcome:
    exit_code: int | None  # None: the task stopped without running the command (or was not seen to stop)
    stopped_reason: str = ""
    output: list[str] = field(default_factory=list)
    stopped: bool = True


def follow_one_off(
    task: OneOffTask,
    wait: Callable[[], bool],
    on_line: Callable[[str], None] | None = None,
    tasks: OneOffTasks | None = None,
) -> OneOffOutcome:
    """Read the task's log lines as they come until it stops. `wait` passes time between polls (a sleep
    for the CLI, a simulated step in a scenario) and returns False to give up (then `stopped` is False)."""
    tasks = tasks or OneOffTasks()
    token: str | None = None
    output: list[str] = []

    def drain() -> None:
        nonlocal token
        while task.log_group is not None and task.log_stream is not None:
            lines, next_token = tasks.log_lines(task.log_group, task.log_stream, token)
            token, unchanged = next_token, next_token == token
            for line in lines:
                output.append(line.message)
                if on_line is not None:
                    on_line(line.message)
            if unchanged or not lines:
                return

    while True:
        drain()
        state = tasks.state(task.cluster, task.task_arn, task.container)
        if state is not None and state.last_status == "STOPPED":
            drain()
            return OneOffOutcome(state.exit_code, state.stopped_reason, output)
        if not wait():
            return OneOffOutcome(None, "", output, stopped=False)
