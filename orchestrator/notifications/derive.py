"""Which state changes a build record holds: a pure function of the record.

Publishing is driven by the stored record rather than by the event that changed it, so a change whose
event was published by no one (a crash after the write) is still found by the next delivery for the
build, and a duplicate delivery finds nothing new (README, "Notifications").
"""

from __future__ import annotations

from orchestrator.notifications.models import Stage, StateChangeDetail
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState

_PHASES: dict[Stage, tuple[str, ...]] = {
    Stage.BUILD: ("build",),
    Stage.RELEASE: ("release", "postdeploy"),  # the release task, then a review app's postdeploy task
    Stage.DEPLOY: ("deploy",),
}


def _expected(record: BuildRecord, stage: Stage) -> tuple[str, ...]:
    """The phases that must all succeed for the stage to succeed (postdeploy only when planned)."""
    if stage is Stage.RELEASE and not (record.plan and record.plan.postdeploy_command):
        return ("release",)
    return _PHASES[stage]


def _stage_changes(record: BuildRecord, stage: Stage) -> list[StateChangeDetail]:
    phases: list[Phase] = [p for name in _PHASES[stage] if (p := getattr(record, name)) is not None]
    if not phases:
        return []
    first, last = phases[0], phases[-1]

    def detail(state: PhaseState, phase: Phase, at: int | None) -> StateChangeDetail:
        return StateChangeDetail(
            app=record.app, build_number=record.build_number, stage=stage, state=state.value,
            commit=record.commit, error=phase.error if state is PhaseState.FAILED else None, at=at,
        )  # fmt: skip

    changes = [detail(PhaseState.STARTED, first, first.start)]
    failed = next((p for p in phases if p.state is PhaseState.FAILED), None)
    if failed is not None:
        changes.append(detail(PhaseState.FAILED, failed, failed.end))
    elif len(phases) == len(_expected(record, stage)) and all(p.state is PhaseState.SUCCEEDED for p in phases):
        changes.append(detail(PhaseState.SUCCEEDED, last, last.end))
    return changes


def record_state_changes(record: BuildRecord) -> list[StateChangeDetail]:
    """Every state change the record shows, in pipeline order. A phase that exists has started, even
    when the first event seen already ended it, so `started` always precedes its end."""
    return [change for stage in _PHASES for change in _stage_changes(record, stage)]


def unpublished(record: BuildRecord) -> list[StateChangeDetail]:
    done = set(record.notified or [])
    return [change for change in record_state_changes(record) if change.key not in done]
