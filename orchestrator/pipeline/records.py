"""The build record (AppPack's BUILD# item) and its forward-only merge rules.

Every change is a merge into the stored record. Merges are commutative and idempotent: a phase's
state only climbs (started < succeeded < failed), start times only move earlier and end times later.
So a duplicated, late or reordered event can never reopen a finished phase or lose a recorded one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.pipeline.log_pointers import preferred
from orchestrator.stored_text import BoundedMessages, BoundedText, OptionalBoundedText


class PhaseState(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_STATE_RANK = {None: 0, PhaseState.STARTED: 1, PhaseState.SUCCEEDED: 2, PhaseState.FAILED: 3}


def newer_state(a: PhaseState | None, b: PhaseState | None) -> PhaseState | None:
    return a if _STATE_RANK[a] >= _STATE_RANK[b] else b


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


class RecordModel(BaseModel):
    # defer_build: a schema is built when a model first validates, not at import (a handler uses a few).
    model_config = ConfigDict(extra="allow", validate_assignment=False, defer_build=True)


class Phase(RecordModel):
    """One phase of the AppPack build record."""

    arns: list[str] = Field(default_factory=list)
    logs: BoundedText = ""
    start: int | None = None
    end: int | None = None
    state: PhaseState | None = None
    error: OptionalBoundedText = None

    def merge(self, other: Phase) -> Phase:
        state = newer_state(self.state, other.state)
        return self.model_copy(
            update={
                "arns": sorted(set(self.arns) | set(other.arns)),
                "logs": preferred(self.logs, other.logs),
                "start": _earliest(self.start, other.start),
                "end": _latest(self.end, other.end) if state in (PhaseState.SUCCEEDED, PhaseState.FAILED) else None,
                "state": state,
                "error": self.error or other.error,
            }
        )


class CodeBuildPhaseRecord(RecordModel):
    """CodeBuild's own phase, as reported; `status` None means it is running."""

    status: str | None = None
    start: int | None = None
    end: int | None = None
    duration: int | None = None

    def merge(self, other: CodeBuildPhaseRecord) -> CodeBuildPhaseRecord:
        return CodeBuildPhaseRecord(
            status=_worst_status(self.status, other.status),
            start=_earliest(self.start, other.start),
            end=_latest(self.end, other.end),
            duration=self.duration if self.duration is not None else other.duration,
        )


def _worst_status(a: str | None, b: str | None) -> str | None:
    def rank(status: str | None) -> int:
        return 0 if status is None else 1 if status == "SUCCEEDED" else 2

    if rank(a) != rank(b):
        return a if rank(a) > rank(b) else b
    return min(a, b) if a is not None and b is not None else a


RECORD_PHASES = ("build", "test", "finalize", "release", "postdeploy", "deploy")


class PlannedProcess(RecordModel):
    """One process type of a release: its command and the task definition registered for it."""

    command: str
    task_definition: str
    cpu: int
    memory: int
    min_processes: int = 1
    max_processes: int = 1


class ReleasePlan(RecordModel):
    """What a successful build releases, decided once from its apppack.toml (the first plan stored wins)."""

    processes: dict[str, PlannedProcess]
    release_command: str | None = None
    postdeploy_command: str | None = None  # only on a review app's first deploy
    healthcheck_path: str | None = None  # the load balancer's health check of `web` (apppack.toml)
    task_definition: str  # the one-off task definition (release, postdeploy)
    container_name: str = "app"
    # The config names (and parameter ARNs) the task definitions were registered with, as a digest: the
    # deploy re-registers when the config changed between the release and the rollout.
    config_digest: str | None = None
    # apppack.toml `[build] system`: a re-registration (config change) tags the revisions as the release did.
    build_system: Literal["", "buildpack", "dockerfile"] = ""


class TaskOutcome(RecordModel):
    """How a release or postdeploy task ended."""

    task_arn: str
    exit_code: int | None = None
    stopped_reason: OptionalBoundedText = None
    stop_code: str | None = None


SERVICE_STATE_RANK = {"IN_PROGRESS": 1, "COMPLETED": 2, "FAILED": 3}


class ServiceDeployment(RecordModel):
    """One ECS service's deployment of this build; its state only climbs IN_PROGRESS < COMPLETED < FAILED."""

    service_name: str
    service_arn: str = ""
    deployment_id: str = ""
    action: str = ""  # "created", "updated" or "scaled to zero"
    state: str = "IN_PROGRESS"
    reasons: BoundedMessages = Field(default_factory=list)
    updated: int | None = None

    def merge(self, other: ServiceDeployment) -> ServiceDeployment:
        state = self.state if SERVICE_STATE_RANK[self.state] >= SERVICE_STATE_RANK[other.state] else other.state
        return self.model_copy(
            update={
                "service_arn": self.service_arn or other.service_arn,
                "deployment_id": self.deployment_id or other.deployment_id,
                "action": self.action or other.action,
                "state": state,
                "reasons": sorted(set(self.reasons) | set(other.reasons)),
                "updated": _latest(self.updated, other.updated),
            }
        )


class PublishLease(RecordModel):
    """Who publishes one state change of the build, since when (orchestrator/notifications/leases.py)."""

    owner: str
    at: int


class BuildRecord(RecordModel):
    app: str
    build_number: int
    commit: BoundedText = ""
    initiator: OptionalBoundedText = None  # who started the build, as CodeBuild's events say
    build_arn: str = ""
    codebuild_project: str = ""
    codebuild_status: str | None = None
    codebuild_phases: dict[str, CodeBuildPhaseRecord] = Field(default_factory=dict)
    build: Phase | None = None
    test: Phase | None = None
    finalize: Phase | None = None
    release: Phase | None = None
    postdeploy: Phase | None = None
    deploy: Phase | None = None
    # The release pipeline (orchestrator/pipeline/release.py, deploy.py); absent until the build succeeded.
    plan: ReleasePlan | None = None
    tasks: dict[str, TaskOutcome] | None = None  # "release" / "postdeploy" → how the task ended
    services: dict[str, ServiceDeployment] | None = None  # process type → its service deployment
    scaled_to_zero: list[str] | None = None  # process types gone from apppack.toml, scaled to 0
    superseded_by: int | None = None  # a newer build was deploying: this one deployed nothing
    notified: list[str] | None = None  # state changes published (orchestrator/notifications), "deploy:failed"
    publishing: dict[str, PublishLease] | None = None  # state change → who publishes it (notifications/leases.py)
    release_version: int | None = None  # the release (RELEASE#) the deploy recorded: its end needs no lookup

    def to_item(self) -> dict[str, Any]:
        # Validated again on the way out: merges use model_copy, which skips the bounds on stored text.
        dumped = self.model_dump(mode="json", exclude_none=True)
        return BuildRecord.model_validate(dumped).model_dump(mode="json", exclude_none=True)


def merge_phase(current: Phase | None, update: Phase | None) -> Phase | None:
    if update is None:
        return current
    return update if current is None else current.merge(update)
