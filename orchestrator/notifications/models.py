"""The schema of the events the orchestrator publishes (README, "Notifications").

Source `orchestrator`; one detail-type per pipeline stage; the detail names the app, the build and the
new state. Consumers (EventBridge rules, `orchestrator events tail`, `events explain`) read this model.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SOURCE = "orchestrator"


class Stage(StrEnum):
    """The build record's phase each detail-type reports; `rollout` is a release made without a build
    (a config change, a resize, a rollback), from its release record."""

    BUILD = "build"
    RELEASE = "release"
    DEPLOY = "deploy"
    ROLLOUT = "rollout"


DETAIL_TYPES: dict[Stage, str] = {
    Stage.BUILD: "Orchestrator Build State Change",
    Stage.RELEASE: "Orchestrator Release State Change",
    Stage.DEPLOY: "Orchestrator Deploy State Change",
    Stage.ROLLOUT: "Orchestrator Rollout State Change",
}

NotifiedState = Literal["started", "succeeded", "failed"]


class StateChangeDetail(BaseModel):
    """The `detail` of every orchestrator event."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    app: str = Field(min_length=1)
    build_number: int = Field(ge=0)
    stage: Stage
    state: NotifiedState
    commit: str = ""
    error: str | None = None  # why it failed (the build record's phase error), None otherwise
    at: int | None = None  # when the phase reached this state (unix seconds), as recorded
    # A rollout only: the release's version, kind (config, scaling, rollback) and description; build_number is
    # the build whose image runs.
    release: int | None = None
    kind: str | None = None
    description: str | None = None

    @property
    def key(self) -> str:
        """Identifies the state change: one event per key, ever."""
        return f"{self.stage.value}:{self.state}" if self.release is None else f"v{self.release}:{self.state}"


class OrchestratorEvent(BaseModel):
    """An event as EventBridge delivers it to a rule's target (the fields consumers rely on)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", defer_build=True)

    id: str = ""
    source: Literal["orchestrator"]
    detail_type: str = Field(alias="detail-type")
    time: str = ""
    detail: StateChangeDetail

    def summary(self) -> str:
        d = self.detail
        if d.stage is Stage.ROLLOUT:
            text = f"{d.app} v{d.release} ({d.description or d.kind}): rollout {d.state}"
        else:
            text = f"{d.app} build {d.build_number}: {d.stage.value} {d.state}"
        return f"{text}: {d.error}" if d.error else text
