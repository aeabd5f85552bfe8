"""`events explain` for Parameter Store Change events: which parameter, which app, what would change. Reads only."""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.parameters import Parameters
from orchestrator.adapters.store import Store
from orchestrator.events.ssm import ParameterStoreChangeEvent
from orchestrator.parameters.context import declared, load_context, review_apps
from orchestrator.parameters.names import ParameterKind, parse_parameter_name
from orchestrator.parameters.values import rejection
from orchestrator.settings import get_settings

_WHAT = {
    ParameterKind.CONFIG: "register task-definition revisions naming every config parameter (no values), "
    "roll {services} and re-point the scheduled tasks",
    ParameterKind.SCALING: "set sizes (new revisions where cpu/memory change), desired "
    "counts and autoscaling of {services}",
    ParameterKind.SCHEDULED_TASKS: "put one EventBridge rule per schedule "
    "(RunTask targets) and delete the rules of removed schedules",
    ParameterKind.USERS: "grant USER#<email> items for the listed emails and revoke removed ones",
    ParameterKind.REVIEW_APP_STATUS: "open the review app when its status is created; when it is deleting or "
    "the parameter is gone, delete its services, web rule, target group, scheduled rules, autoscaling targets "
    "and parameters",
    ParameterKind.ADMINISTRATORS: "mark the listed emails as administrators (USER#<email> / ADMIN) and revoke removed ones",
    ParameterKind.DOMAINS: "attach the listed hosts to the app's web rule (certificates requested where needed)",
    ParameterKind.ROLLBACK: "check the rollback request (refused: recorded, nothing changed) and, once per request "
    "id, put the release's task definitions back on {services} (a new release, tracked like a deploy)",
}


def explain_parameter_event(raw: dict[str, Any], store: Store, parameters: Parameters | None = None) -> str:
    event = ParameterStoreChangeEvent.model_validate(raw)
    prefix = get_settings().ssm_prefix
    ref = parse_parameter_name(event.detail.name, prefix)
    if ref is None:
        return f"not managed: {event.detail.path} is not an orchestrator parameter; acknowledged"
    if event.detail.exception:
        return f"{ref.describe()}: Parameter Store rejected the write ({event.detail.exception}); nothing to do"
    if not declared(store, ref.target):
        return f"not managed: {ref.describe()}, but no stack declared it; acknowledged"
    target = ref.target
    if event.detail.operation == "LabelParameterVersion":
        return f"{ref.describe()}: a label does not change the value; nothing to do"
    # The handler validates the parameter's CURRENT value (not the event's), with the same functions.
    rejected = rejection(ref, store, parameters or Parameters(), prefix)
    if rejected is not None:
        return (
            f"{ref.describe()} ({event.detail.operation}): would be rejected: {rejected}; the error is recorded "
            "(shown by ps, config and scheduled-tasks) and nothing else changes"
        )
    if ref.kind is ParameterKind.SCHEDULED_TASKS and target.kind != "app":
        return f"{ref.describe()}: deleted; {target.describe()} cannot have scheduled tasks, nothing to do"
    services = "the app's services"
    if target.kind == "pipeline" and ref.kind in (ParameterKind.CONFIG, ParameterKind.SCALING):
        count = len(review_apps(store, target.name))
        services = f"the services of its {count} review app(s)"
    elif target.kind in ("app", "review_app"):
        ctx = load_context(store, target)
        if ctx is not None and ctx.deployed:
            services = ", ".join(ctx.service_name(p) for p in ctx.process_names)
        elif ref.kind in (ParameterKind.CONFIG, ParameterKind.SCALING, ParameterKind.SCHEDULED_TASKS):
            return f"{ref.describe()} ({event.detail.operation}): not deployed yet; records the desired state for the first deploy"
    action = "revoke everything it granted" if event.detail.operation == "Delete" and ref.kind in (
        ParameterKind.USERS, ParameterKind.ADMINISTRATORS) else _WHAT[ref.kind].format(services=services)  # fmt: skip
    read = "reads the config names (never the values)" if ref.kind is ParameterKind.CONFIG else "the current value is valid"
    return f"{ref.describe()} ({event.detail.operation}): {read}; would {action}"
