"""One ECS deployment event as one conditional UpdateItem that only moves a service of the build forward.

The update SETs the service's state and time (`services.<process>.state`, `.updated`); the condition holds
exactly when those are what `ServiceDeployment.merge` would store: the service is recorded, its state
ranks at most the event's (IN_PROGRESS < COMPLETED < FAILED), its time is not later, the ids it keeps are
set, and its reasons are none or the event's. Otherwise nothing is written, and the caller merges in
Python from the item DynamoDB returned (Store.update_forward). The expression's text depends only on the
event's shape (process, state, which fields it carries), so it is built once per shape.
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


def service_forward_update(process: str, update: ServiceDeployment) -> ForwardWrite:
    """The event's forward-only write of service `process`."""
    kept = tuple(attribute for attribute in ("service_arn", "deployment_id") if getattr(update, attribute))
    rank = SERVICE_STATE_RANK[update.state]
    not_ahead = [state for state, r in SERVICE_STATE_RANK.items() if r <= rank]
    values: dict[str, Any] = {":state": update.state, **{f":state{i}": s for i, s in enumerate(not_ahead)}}
    if update.updated is not None:
        values[":updated"] = update.updated
    if kept:
        values[":empty"] = ""
    if update.reasons:
        values[":none"], values[":reasons"] = [], sorted(set(update.reasons))
    text = _text(process, update.state, update.updated is not None, kept, bool(update.reasons))
    return ForwardWrite(text, values)
