"""Which app an ECS service or task-definition family belongs to, decided before any ECS action.

Names `<app>-<process>` are unambiguous by construction (orchestrator/pipeline/names.py), and this is the
second lock: every UpdateService, CreateService, scale-to-zero, autoscaling change and RegisterTaskDefinition
first checks that the target carries the app's `apppack:appName` tag (the adapter reads the tags; this module
decides). A service or family that belongs to another app, or to no app, is a recorded error, never an action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from orchestrator.adapters.ecs import ServiceInfo
from orchestrator.pipeline.apps import APP_TAG, AppRef, app_from_tags

__all__ = ["APP_TAG", "ForeignResourceError", "check_family", "check_services", "owner_error"]


class ForeignResourceError(ValueError):
    """An ECS service or task-definition family that the acting app does not own; nothing was changed."""


def owner_error(app: AppRef, kind: str, name: str, tags: Mapping[str, str]) -> str | None:
    """Why `app` may not act on the existing `kind` (service, task-definition family) `name`, or None."""
    owner = app_from_tags(tags)  # a review app's: `<pipeline>` plus `apppack:reviewApp=pr/<N>`
    if owner == app.name:
        return None
    whose = f"belongs to app {owner!r}" if owner else f"has no {APP_TAG} tag (not created for an app)"
    return f"ECS {kind} {name} {whose}, not to {app.name!r}; it was not touched"


def check_services(app: AppRef, services: Iterable[ServiceInfo]) -> None:
    """Raise ForeignResourceError naming every existing service (any status) that `app` does not own."""
    problems = [p for s in services if (p := owner_error(app, "service", s.name, s.tags)) is not None]
    if problems:
        raise ForeignResourceError("; ".join(problems))


def check_family(app: AppRef, family: str, tags: Mapping[str, str] | None) -> None:
    """`tags`: the family's latest revision's tags, None when the family does not exist yet."""
    problem = None if tags is None else owner_error(app, "task-definition family", family, tags)
    if problem is not None:
        raise ForeignResourceError(problem)
