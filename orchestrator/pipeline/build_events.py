"""A CodeBuild event: record it (orchestrator/pipeline/builds.py); a SUCCEEDED build starts its release.

Most CodeBuild events are phase changes that only record, so the release path (apppack.toml, task
definitions, the deploy and its routing: orchestrator/pipeline/release.py) is imported only by the event
that closes a build as SUCCEEDED.
"""

from __future__ import annotations

from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
from orchestrator.pipeline.builds import BuildDeps, record_build_event
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.step_outcome import StepOutcome, notify


def on_build_event(
    event: BuildStateChangeEvent | BuildPhaseChangeEvent, deps: PipelineDeps | None = None
) -> StepOutcome:
    """Record the event; a SUCCEEDED build starts its release. A redelivered SUCCEEDED event resumes the
    release where a failed attempt left it (all steps are claimed)."""
    deps = deps or PipelineDeps()
    return notify(deps, _on_build_event(event, deps))


def _on_build_event(event: BuildStateChangeEvent | BuildPhaseChangeEvent, deps: PipelineDeps) -> StepOutcome:
    outcome = record_build_event(event, BuildDeps(store=deps.store, artifacts=deps.artifacts))
    if outcome.quiet:
        return StepOutcome(outcome.action, outcome.app, outcome.build_number, quiet=True)
    if outcome.app is None or outcome.build_number is None or outcome.record is None:
        return StepOutcome(outcome.action, outcome.app, outcome.build_number)
    succeeded_event = isinstance(event, BuildStateChangeEvent) and event.detail.build_status.value == "SUCCEEDED"
    if outcome.record.codebuild_status == "SUCCEEDED" and (outcome.closed_now or succeeded_event):
        from orchestrator.pipeline.release import start_release  # the release path, only when a build succeeded

        return start_release(outcome.app, outcome.build_number, event.time, deps, record=outcome.record)
    return StepOutcome(outcome.action, outcome.app, outcome.build_number, record=outcome.record)
