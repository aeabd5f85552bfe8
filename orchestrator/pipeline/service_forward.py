"""One ECS deployment event as one conditional UpdateItem that only moves a service of the build forward.

The update SETs the service's state and time (`services.<process>.state`, `.updated`); the condition holds
exactly when those are what `ServiceDeployment.merge` would store: the service is recorded, its state
ranks at most the event's (IN_PROGRESS < COMPLETED < FAILED), its time is not later, the ids it keeps are
set, and its reasons are none or the event's. Otherwise nothing is written, and the caller merges in
Python from the item DynamoDB returned (Store.update_forward). The expression's text depends only on the
event's shape (process, state, which fields it carries), so it is built once per shape.

The quiet form (`service_quiet_update`) adds what proves that the merge moves nothing else: the deploy is
open (`deploy.state` started) and cannot close with this event (it is not a failure, no other service of
the deploy failed, and one is still in progress). Then the write returns nothing and the handler has
nothing to publish: the event that ends the deploy (or fails it) takes the ordinary path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from orchestrator.adapters.expressions import ExpressionText, ForwardWrite, either
from orchestrator.pipeline.records import SERVICE_STATE_RANK, ServiceDeployment


@lru_cache(maxsize=512)  # a few process types per app
def _text(process: str, state: str, updated: bool, kept: tuple[str, ...], reasons: bool) -> ExpressionText:
    path = "#services.#process"
    names = {"#services": "services", "#process": process, "#name": "service_name", "#state": "state"}
    not_ahead = [s for s, rank in SERVICE_STATE_RANK.items() if rank <= SERVICE_STATE_RANK[state]]
    stored_states = ", ".join(f":state{index}" for index in range(len(not_ahead)))
    conditions = [f"attribute_exists({path}.#name)", f"{path}.#state IN ({stored_states})"]
    sets = [f"{path}.#state = :state"]
    if updated:
        names["#updated"] = "updated"
        conditions.append(either(f"attribute_not_exists({path}.#updated)", f"{path}.#updated <= :updated"))
        sets.append(f"{path}.#updated = :updated")
    for attribute in kept:  # the first non-empty value is kept
        names[f"#{attribute}"] = attribute
        conditions.append(f"{path}.#{attribute} > :empty")
    if reasons:
        names["#reasons"] = "reasons"
        conditions.append(
            either(f"attribute_not_exists({path}.#reasons)", f"{path}.#reasons = :none", f"{path}.#reasons = :reasons")
        )
        sets.append(f"{path}.#reasons = :reasons")
    return ExpressionText(", ".join(sets), " AND ".join(conditions), names, frozenset({"services"}))


@lru_cache(maxsize=512)
def _quiet_text(shape: Shape, others: tuple[str, ...]) -> ExpressionText:
    base = _text(*shape)
    names = {**base.names, "#deploy": "deploy", **{f"#other{index}": other for index, other in enumerate(others)}}
    conditions = [base.condition, "#deploy.#state = :started"]
    if len(others) == 1:
        conditions.append("#services.#other0.#state = :in_progress")
    else:
        states = [f"#services.#other{index}.#state" for index in range(len(others))]
        conditions.extend(f"{state} IN (:in_progress, :completed)" for state in states)
        conditions.append(either(*(f"{state} = :in_progress" for state in states)))
    return ExpressionText(base.update, " AND ".join(conditions), names, base.touched)


def service_quiet_update(process: str, update: ServiceDeployment, processes: list[str]) -> ForwardWrite | None:
    """The event's forward-only write, quiet (see the module's docstring); None when the event may close
    the deploy: a failure, or a deploy of this process alone. `processes`: the process types the deploy
    started (its DEPLOYMENT lookup says)."""
    others = tuple(sorted(set(processes) - {process}))
    if update.state == "FAILED" or not others:
        return None
    values = {**_values(update), ":started": "started", ":in_progress": "IN_PROGRESS"}
    if len(others) > 1:
        values[":completed"] = "COMPLETED"
    return ForwardWrite(_quiet_text(_shape(process, update), others), values)


def service_forward_update(process: str, update: ServiceDeployment) -> ForwardWrite:
    """The event's forward-only write of service `process`."""
    return ForwardWrite(_text(*_shape(process, update)), _values(update))


# (process, state, whether it carries its time, the ids it keeps, whether it carries reasons): `_text`'s arguments
Shape = tuple[str, str, bool, tuple[str, ...], bool]


def _shape(process: str, update: ServiceDeployment) -> Shape:
    kept = tuple(attribute for attribute in ("service_arn", "deployment_id") if getattr(update, attribute))
    return process, update.state, update.updated is not None, kept, bool(update.reasons)


def _values(update: ServiceDeployment) -> dict[str, Any]:
    rank = SERVICE_STATE_RANK[update.state]
    not_ahead = [state for state, r in SERVICE_STATE_RANK.items() if r <= rank]
    values: dict[str, Any] = {":state": update.state, **{f":state{i}": s for i, s in enumerate(not_ahead)}}
    if update.updated is not None:
        values[":updated"] = update.updated
    if update.service_arn or update.deployment_id:  # an id to keep: compared with the empty string
        values[":empty"] = ""
    if update.reasons:
        values[":none"], values[":reasons"] = [], sorted(set(update.reasons))
    return values
