"""What the pipeline did for one event, and the notifications it publishes for it.

Its own module so that an event which only records (a CodeBuild phase change) reaches `notify` without
importing the release and deploy path (orchestrator/pipeline/release.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestrator.notifications.publish import NotifyDeps, publish_state_changes
from orchestrator.pipeline.records import BuildRecord

if TYPE_CHECKING:
    from orchestrator.pipeline.deps import PipelineDeps


@dataclass(frozen=True)
class StepOutcome:
    """What the pipeline did for one event, for the handler's response and `events explain`."""

    action: str
    app: str | None = None
    build_number: int | None = None
    step: str | None = None
    # The build record as this invocation last stored it, when that is the last thing it did (notify reuses it).
    record: BuildRecord | None = field(default=None, compare=False, repr=False)
    quiet: bool = False  # the event changed nothing that publishes (a quiet write): no record to read

    def response(self) -> dict[str, object]:
        return {"status": self.action, "app": self.app, "build_number": self.build_number, "step": self.step}


def notify(deps: PipelineDeps, outcome: StepOutcome) -> StepOutcome:
    """Publish the state changes of the outcome's build (orchestrator/notifications/publish.py)."""
    if outcome.app is not None and outcome.build_number is not None and not outcome.quiet:
        notify_deps = NotifyDeps(store=deps.store, bus=deps.bus)
        publish_state_changes(notify_deps, outcome.app, outcome.build_number, outcome.record)
    return outcome
