"""One ECS deployment event as one conditional UpdateItem that only moves a service of the build forward.

The update SETs the service's state and time (`services.<process>.state`, `.updated`); the condition holds
exactly when those are what `ServiceDeployment.merge` would store: the service is recorded, its state
ranks at most the event's (IN_PROGRESS < COMPLETED < FAILED), its time is not later, the ids it keeps are
set, and its reasons are none or the event's. Otherwise nothing is written, and the caller merges in
Python from the item DynamoDB returned (Store.update_forward).
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr, ConditionBase

from orchestrator.adapters.store import Item
from orchestrator.pipeline.records import SERVICE_STATE_RANK, ServiceDeployment


def service_forward_update(process: str, update: ServiceDeployment) -> tuple[Item, ConditionBase]:
    """(fields to SET, condition) of the event's forward-only write of service `process`."""
    path = f"services.{process}"
    rank = SERVICE_STATE_RANK[update.state]
    not_ahead = [state for state, r in SERVICE_STATE_RANK.items() if r <= rank]
    condition: ConditionBase = Attr(f"{path}.service_name").exists() & Attr(f"{path}.state").is_in(not_ahead)
    fields: Item = {f"{path}.state": update.state}
    if update.updated is not None:
        stored = Attr(f"{path}.updated")
        condition = condition & (stored.not_exists() | stored.lte(update.updated))
        fields[f"{path}.updated"] = update.updated
    for kept in ("service_arn", "deployment_id"):  # the first non-empty value is kept
        if getattr(update, kept):
            condition = condition & Attr(f"{path}.{kept}").gt("")
    if update.reasons:
        reasons, stored = sorted(set(update.reasons)), Attr(f"{path}.reasons")
        condition = condition & (stored.not_exists() | stored.eq([]) | stored.eq(reasons))
        fields[f"{path}.reasons"] = reasons
    return fields, condition
