"""How the simulated AWS behaves: which step fails, with which exit code, and which step is slow.

Scenarios set these; the default is that everything succeeds promptly. Time is simulated: a slow step
takes more simulated steps ("ticks"), never more real seconds.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.local.aws_events import CODEBUILD_PHASES

CodeBuildPhaseName = Literal[
    "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD",
    "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",
]  # fmt: skip
assert set(CodeBuildPhaseName.__args__) == set(CODEBUILD_PHASES)  # type: ignore[attr-defined]

DeployOutcome = Literal["completed", "failed", "rollback"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BuildBehaviour(Strict):
    """One CodeBuild build. `number` None applies to any build not named otherwise."""

    fail_phase: CodeBuildPhaseName | None = None
    slow_phase: CodeBuildPhaseName | None = None
    slow_ticks: int = Field(default=0, ge=0, le=100)


class TaskRule(Strict):
    """A one-off ECS task (release, postdeploy): how it exits. Unset selectors match anything."""

    app: str | None = None
    build: int | None = None
    process: str | None = None  # the task's apppack:processType tag (release, postdeploy, ...)
    exit_code: int = 0
    ticks: int = Field(default=1, ge=1, le=100)

    def matches(self, app: str | None, build: int | None, process: str | None) -> bool:
        return (
            (self.app is None or self.app == app)
            and (self.build is None or self.build == build)
            and (self.process is None or self.process == process)
        )


class DeployRule(Strict):
    """An ECS service deployment: completed, failed, or failed with a circuit-breaker rollback."""

    app: str | None = None
    build: int | None = None
    process: str | None = None
    outcome: DeployOutcome = "completed"
    ticks: int = Field(default=1, ge=1, le=100)

    def matches(self, app: str | None, build: int | None, process: str | None) -> bool:
        return (
            (self.app is None or self.app == app)
            and (self.build is None or self.build == build)
            and (self.process is None or self.process == process)
        )


class Behaviour(Strict):
    builds: dict[int, BuildBehaviour] = Field(default_factory=dict)
    tasks: list[TaskRule] = Field(default_factory=list)
    deployments: list[DeployRule] = Field(default_factory=list)

    def build(self, number: int) -> BuildBehaviour:
        return self.builds.get(number, BuildBehaviour())

    def task(self, app: str | None, build: int | None, process: str | None) -> TaskRule:
        return next((r for r in self.tasks if r.matches(app, build, process)), TaskRule())

    def deployment(self, app: str | None, build: int | None, process: str | None) -> DeployRule:
        return next((r for r in self.deployments if r.matches(app, build, process)), DeployRule())
