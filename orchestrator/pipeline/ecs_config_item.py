"""The parts of an app's `CONFIG#ecs` value (AppPack's run-task and task-definition arguments) that a reader
showing the app needs, read without pydantic (`ps`). `app_registry.ecs_config_from_value` reads the whole
`EcsConfig` with these same functions."""

from __future__ import annotations

from typing import Any

# Fargate's smallest size: the task definition's, when CONFIG#ecs names none.
DEFAULT_CPU = 256
DEFAULT_MEMORY = 512


class EcsConfigError(ValueError):
    """A `CONFIG#ecs` value that does not hold what a task definition needs."""


def ecs_basics(value: Any) -> tuple[str, int, int]:
    """(cluster, default cpu units, default memory MiB) of a `CONFIG#ecs` value. Raises EcsConfigError."""
    try:
        task = value["task_definition_args"]
        return str(value["run_task_args"]["cluster"]), int(task.get("cpu") or DEFAULT_CPU), int(
            task.get("memory") or DEFAULT_MEMORY
        )
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise EcsConfigError(f"{type(error).__name__}: {error}") from error
