"""Whether a parameter's applied state already covers what a deploy brought: the post-deploy hook's checks
that need no call. Both read only the items `after_deploy` read with the app's context (one BatchGetItem).

A state is settled when its last change was applied: no ticket taken since (a change in flight), none
deferred (waiting for the deploy's end) and none rejected. A change that arrives later is applied by its own
event, as it is today when it arrives after the hook.
"""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.store import Item
from orchestrator.parameters.context import AppContext
from orchestrator.parameters.names import ParameterKind
from orchestrator.parameters.scaling import ProcessScaling
from orchestrator.parameters.state import state_sk


def is_settled(state: Item) -> bool:
    applied = state.get("applied") or {}
    if state.get("deferred") or state.get("error") or not applied:
        return False
    return int(state.get("ticket", 0)) == int(applied.get("ticket", -1))


def scaling_in_line(ctx: AppContext, default: ProcessScaling) -> bool:
    """The deploy runs the applied scaling: the state is settled, was applied to the same process types
    (`desired.processes`, written with each apply to running services), and every process the deploy planned
    (DEPLOYSTATUS: the plan's sizes) has the size and counts that scaling gives it (`default` where it names
    none). Re-applying it would change nothing: desired counts and autoscaling are kept across deploys."""
    state = ctx.state(state_sk(ParameterKind.SCALING)) if ctx.states is not None else None
    if not state or not is_settled(state):
        return False
    desired: dict[str, Any] = state["applied"].get("desired") or {}
    deployed = sorted(p.name for p in ctx.processes)
    if not deployed or desired.get("processes") != deployed:
        return False
    applied: dict[str, Any] = desired.get("scaling") or {}
    for process in ctx.processes:
        size = applied.get(process.name) or default.model_dump(mode="json")
        planned = (process.cpu, process.memory, process.min_processes, process.max_processes)
        if planned != (size.get("cpu"), size.get("memory"), size.get("min_processes"), size.get("max_processes")):
            return False
    return True


def no_schedules(ctx: AppContext) -> bool:
    """The app has no schedule rule to re-point: its scheduled-tasks state is absent (never set) or settled
    on no task (the apply that emptied it removed the rules)."""
    if ctx.states is None:
        return False
    state = ctx.state(state_sk(ParameterKind.SCHEDULED_TASKS))
    if state is None:
        return True
    return is_settled(state) and not (state["applied"].get("desired") or {}).get("tasks")
