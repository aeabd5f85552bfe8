"""One CodeBuild observation as one conditional UpdateItem that only moves the build record forward.

The update SETs the event's CodeBuild phases (`codebuild_phases.<PHASE>`) and the build status. The condition
is sufficient for each of those values to be what `merge_observation` would store: the phase is new, equal,
or stored as CodeBuild reports it running (only its start, the event's), so that the merge's worst status,
earliest start, latest end and first duration all come from the event; and the status climbs (none <
IN_PROGRESS < a final status). The record's commit, build ARN and project must already be set (the merge
keeps what is stored). When the condition fails (a first event, a late or reordered one, a running phase
stored in another form) nothing is written, and the caller merges in Python from the item DynamoDB returned
with the failure: a condition stricter than the merge costs a write, never a wrong record.

The expression's text depends only on the event's shape (its phases, which of them it completes, its status,
whether it names a commit), so it is built once per shape.

The quiet form (`quiet_update`) is for a phase change inside one record phase (e.g. INSTALL, within `build`)
that neither fails nor completes it. Its condition adds what proves that the merge moves nothing else: the
record phase is stored started, with a start no later than the event's, the event's log pointer and (for
`build`) its build ARN, and the initiator is kept. Then the write returns nothing, and the handler has
nothing to publish and no next step.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from orchestrator.adapters.expressions import ExpressionText, ForwardWrite, either
from orchestrator.pipeline.phase_mapping import PHASE_GROUPS

if TYPE_CHECKING:
    from orchestrator.pipeline.builds import BuildObservation

IN_PROGRESS = "IN_PROGRESS"
PHASES = "codebuild_phases"

# (phase name, whether the event completes it: reports its status and start) for each phase it reports.
PhaseShape = tuple[tuple[str, bool], ...]


@cache
def _text(phases: PhaseShape, status: str | None, commit: bool) -> ExpressionText:
    """`status`: None, IN_PROGRESS or "final" (any other)."""
    names = {"#project": "codebuild_project", "#arn": "build_arn"}
    conditions = ["#project > :empty", "#arn > :empty"]
    sets: list[str] = []
    if commit:
        names["#commit"] = "commit"
        conditions.append("#commit > :empty")
    if status is not None:
        names["#status"] = "codebuild_status"
        stored = ":status" if status == IN_PROGRESS else ":status, :in_progress"
        conditions.append(either("attribute_not_exists(#status)", f"#status IN ({stored})"))
        sets.append("#status = :status")
    if phases:
        names["#phases"] = PHASES
        conditions.append("attribute_exists(#phases)")
    for index, (name, completes) in enumerate(phases):
        path, value = f"#phases.#p{index}", f":p{index}"
        names[f"#p{index}"] = name
        sets.append(f"{path} = {value}")
        accepted = [f"attribute_not_exists({path})", f"{path} = {value}"]
        if completes:
            accepted.append(f"{path} = :running{index}")
        conditions.append(either(*accepted))
    touched = frozenset({PHASES} if phases else ()) | frozenset({"codebuild_status"} if status is not None else ())
    return ExpressionText(", ".join(sets), " AND ".join(conditions), names, touched)


def forward_update(obs: BuildObservation) -> ForwardWrite:
    """The observation's forward-only write (see the module's docstring)."""
    shape, values = _shape_and_values(obs)
    return ForwardWrite(_text(*shape), values)


Shape = tuple[PhaseShape, str | None, bool]  # `_text`'s arguments


def _shape_and_values(obs: BuildObservation) -> tuple[Shape, dict[str, Any]]:
    values: dict[str, Any] = {":empty": ""}
    shape: list[tuple[str, bool]] = []
    for index, (name, phase) in enumerate(sorted(obs.phases.items())):
        values[f":p{index}"] = phase.model_dump(mode="json", exclude_none=True)
        completes = phase.status is not None and phase.start is not None
        if completes:  # the form CodeBuild reports while the phase runs: its start only
            values[f":running{index}"] = {"start": phase.start}
        shape.append((name, completes))
    status = None if obs.status is None else IN_PROGRESS if obs.status == IN_PROGRESS else "final"
    if obs.status is not None:
        values[":status"] = obs.status
        if status == "final":
            values[":in_progress"] = IN_PROGRESS
    return (tuple(shape), status, bool(obs.commit)), values


GROUP_OF = {member: group for group, members in PHASE_GROUPS.items() for member in members}


@cache
def _quiet_text(shape: Shape, group: str, start: bool, initiator: bool) -> ExpressionText:
    base = _text(*shape)
    names = {**base.names, "#group": group, "#gstate": "state", "#glogs": "logs"}
    conditions = [base.condition, "#group.#gstate = :started", "#group.#glogs = :logs"]
    if start:
        names["#gstart"] = "start"
        conditions.append("#group.#gstart <= :start")
    if group == "build":
        names["#garns"] = "arns"
        conditions.append("contains(#group.#garns, :build_arn)")
    if initiator:
        names["#initiator"] = "initiator"
        conditions.append("#initiator > :empty")
    return ExpressionText(base.update, " AND ".join(conditions), names, base.touched)


def quiet_update(obs: BuildObservation) -> ForwardWrite | None:
    """The observation's forward-only write, quiet (see the module's docstring); None for an event that
    may move a record phase: a state change, phases of more than one record phase, a failed phase, or the
    last phase of its record phase."""
    groups = {GROUP_OF.get(name) for name in obs.phases}
    if obs.status is not None or len(groups) != 1 or None in groups:
        return None
    group = str(groups.pop())
    last = obs.phases.get(PHASE_GROUPS[group][-1])
    failed = any(phase.status not in (None, "SUCCEEDED") for phase in obs.phases.values())
    if failed or (last is not None and last.status is not None):
        return None
    shape, values = _shape_and_values(obs)
    starts = [p.start for p in obs.phases.values() if p.start is not None]
    values |= {":started": "started", ":logs": obs.logs}
    if starts:
        values[":start"] = min(starts)
    if group == "build":
        values[":build_arn"] = obs.build_arn
    return ForwardWrite(_quiet_text(shape, group, bool(starts), bool(obs.initiator)), values)
