"""One CodeBuild observation as one conditional UpdateItem that only moves the build record forward.

The update SETs the event's CodeBuild phases (`codebuild_phases.<PHASE>`) and the build status; the condition
holds exactly when each of those values is what `merge_observation` would store: the phase is new, equal,
or stored still running with a later or equal start (so the merge's worst status, earliest start, latest end
and first duration all come from the event), and the status climbs (none < IN_PROGRESS < a final status).
The record's commit, build ARN and project must already be set (the merge keeps what is stored). When the
condition fails (a first event, a late or reordered one) nothing is written, and the caller merges in
Python from the item DynamoDB returned with the failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from boto3.dynamodb.conditions import Attr, ConditionBase

from orchestrator.adapters.store import Item

if TYPE_CHECKING:
    from orchestrator.pipeline.builds import BuildObservation

IN_PROGRESS = "IN_PROGRESS"


def _phase_condition(path: str, phase: Item) -> ConditionBase:
    stored = Attr(path)
    condition: ConditionBase = stored.not_exists() | stored.eq(phase)
    if phase.get("status") is not None and phase.get("start") is not None:
        still_running = (
            Attr(f"{path}.status").not_exists()
            & Attr(f"{path}.end").not_exists()
            & Attr(f"{path}.duration").not_exists()
            & (Attr(f"{path}.start").not_exists() | Attr(f"{path}.start").gte(phase["start"]))
        )
        condition = condition | still_running
    return condition


def forward_update(obs: BuildObservation) -> tuple[Item, ConditionBase]:
    """(fields to SET, condition) of the observation's forward-only write."""
    condition: ConditionBase = Attr("codebuild_project").gt("") & Attr("build_arn").gt("")
    if obs.commit:
        condition = condition & Attr("commit").gt("")
    fields: Item = {}
    if obs.status is not None:
        status = Attr("codebuild_status")
        lower = status.not_exists() | status.eq(obs.status)
        if obs.status != IN_PROGRESS:
            lower = lower | status.eq(IN_PROGRESS)
        condition = condition & lower
        fields["codebuild_status"] = obs.status
    if obs.phases:
        condition = condition & Attr("codebuild_phases").exists()
    for name, phase in sorted(obs.phases.items()):
        dumped = phase.model_dump(mode="json", exclude_none=True)
        path = f"codebuild_phases.{name}"
        condition = condition & _phase_condition(path, dumped)
        fields[path] = dumped
    return fields, condition
