"""Read-side API for the CLI (`ps`, `scale`, `scheduled-tasks`, `access`, `config`): what each parameter last
applied, its error, and validation of a value before it is written. Reads only (GetItem/Query, Describe*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.store import Store
from orchestrator.parameters.access import UserAccess, parse_access_list, user_access
from orchestrator.parameters.names import ParameterKind, Target, parse_parameter_name
from orchestrator.parameters.process_views import ProcessView, processes
from orchestrator.parameters.scaling import InvalidParameterError, parse_scaling
from orchestrator.parameters.schedules import applied_tasks, parse_scheduled_tasks, rule_name, scheduled_tasks_refused
from orchestrator.parameters.state import ParameterStates
from orchestrator.pipeline import keys
from orchestrator.settings import get_settings

__all__ = [
    "InvalidParameterError",
    "ParameterStatus",
    "ProcessView",
    "ScheduledTaskView",
    "UserAccess",
    "access_list",
    "administrators",
    "parameter_statuses",
    "processes",
    "scheduled_tasks",
    "target_of",
    "user_access",
    "validate_parameter",
]


target_of = Target.of_deployed  # `demo` → an app, `pipe:12` → review app 12 of pipeline `pipe`


@dataclass(frozen=True)
class ParameterStatus:
    kind: str
    parameter: str | None  # the parameter last applied (or that failed)
    applied_at: int | None
    desired: dict[str, Any]
    error: dict[str, Any] | None  # {parameter, message, at} of the last rejected value, until a valid one
    deferred: bool


def parameter_statuses(app: str, store: Store | None = None) -> list[ParameterStatus]:
    """Every parameter kind's state for an app, in one Query (`APP#<app>`, prefix `PARAMETERS#`)."""
    items = ParameterStates(store).all_for(target_of(app))
    found = []
    for item in items:
        if item["secondary_id"] == "PARAMETERS#rollout":
            continue
        applied = item.get("applied") or {}
        found.append(
            ParameterStatus(
                kind=str(item.get("kind") or str(item["secondary_id"]).split("#", 1)[1]),
                parameter=applied.get("parameter") or (item.get("error") or {}).get("parameter"),
                applied_at=applied.get("at"),
                desired=dict(applied.get("desired") or {}),
                error=item.get("error"),
                deferred=bool(item.get("deferred")),
            )
        )
    return found


@dataclass(frozen=True)
class ScheduledTaskView:
    schedule: str
    command: str
    rule: str
    argv: list[str] = field(default_factory=list)


def scheduled_tasks(app: str, store: Store | None = None) -> list[ScheduledTaskView]:
    """The scheduled tasks last applied (the record of the last valid value), with their rule names."""
    tasks = applied_tasks(ParameterStates(store), Target("app", app))
    return [ScheduledTaskView(t.schedule, t.command, rule_name(app, t.schedule), t.argv) for t in tasks]


def access_list(app: str, store: Store | None = None) -> list[str]:
    """The emails granted by the app's (or pipeline's) `users` parameter."""
    target = Target("pipeline", app) if _is_pipeline(app, store) else Target("app", app)
    return list(ParameterStates(store).applied_desired(target, ParameterKind.USERS).get("emails") or [])


def _is_pipeline(app: str, store: Store | None) -> bool:
    settings_item = (store or Store()).get(keys.app_pk(app), keys.SETTINGS_SK) or {}
    return settings_item.get("kind") == "pipeline"


def administrators(store: Store | None = None) -> list[str]:
    account = Target("account", "account")
    return list(ParameterStates(store).applied_desired(account, ParameterKind.ADMINISTRATORS).get("emails") or [])


def validate_parameter(name: str, value: str, known_processes: list[str] | None = None) -> None:
    """Validate a value before writing it (`scale`, `scheduled-tasks add`, `access add`). Raises
    InvalidParameterError with the same message the handler would record. Config values are not validated."""
    ref = parse_parameter_name(name, get_settings().ssm_prefix)
    if ref is None:
        raise InvalidParameterError(f"{name} is not a parameter the orchestrator manages")
    if ref.kind is ParameterKind.SCALING:
        parse_scaling(value, known_processes)
    elif ref.kind is ParameterKind.SCHEDULED_TASKS:
        refused = scheduled_tasks_refused(ref.target)
        if refused is not None:
            raise InvalidParameterError(refused)
        parse_scheduled_tasks(value)
    elif ref.kind in (ParameterKind.USERS, ParameterKind.ADMINISTRATORS):
        parse_access_list(value, str(ref.kind))
