"""CodeBuild Build State Change and Build Phase Change.

CodeBuild writes times like "Sep 1, 2017 4:12:29 PM" (UTC) and a string `version`; both are accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from orchestrator.events.envelope import AwsModel, EventEnvelope

CODEBUILD_TIME_FORMAT = "%b %d, %Y %I:%M:%S %p"


def _parse_codebuild_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.strptime(value, CODEBUILD_TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return value  # let pydantic try ISO 8601
    return value


CodeBuildTime = Annotated[datetime, BeforeValidator(_parse_codebuild_time)]


class BuildStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    FAULT = "FAULT"
    TIMED_OUT = "TIMED_OUT"


class PhaseStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    FAULT = "FAULT"
    TIMED_OUT = "TIMED_OUT"
    IN_PROGRESS = "IN_PROGRESS"
    STOPPED = "STOPPED"
    CLIENT_ERROR = "CLIENT_ERROR"


class CodeBuildPhaseType(StrEnum):
    """CodeBuild's phase names (API reference, BuildPhase.phaseType). Any other value, the empty string
    included, makes the event malformed: phase types become map keys of the build record."""

    SUBMITTED = "SUBMITTED"
    QUEUED = "QUEUED"
    PROVISIONING = "PROVISIONING"
    DOWNLOAD_SOURCE = "DOWNLOAD_SOURCE"
    INSTALL = "INSTALL"
    PRE_BUILD = "PRE_BUILD"
    BUILD = "BUILD"
    POST_BUILD = "POST_BUILD"
    UPLOAD_ARTIFACTS = "UPLOAD_ARTIFACTS"
    FINALIZING = "FINALIZING"
    COMPLETED = "COMPLETED"


# Bounds on the identifiers an event carries (CodeBuild's own limits, with room): they become keys and
# stored strings, so a longer one is a malformed event rather than an oversized record.
MAX_NAME = 255
MAX_ID = 2048


class CodeBuildPhase(AwsModel):
    phase_type: CodeBuildPhaseType = Field(alias="phase-type")
    phase_status: PhaseStatus | None = Field(default=None, alias="phase-status")
    start_time: CodeBuildTime | None = Field(default=None, alias="start-time")
    end_time: CodeBuildTime | None = Field(default=None, alias="end-time")
    duration_in_seconds: int | None = Field(default=None, alias="duration-in-seconds")


class CodeBuildLogs(AwsModel):
    group_name: str | None = Field(default=None, alias="group-name")
    stream_name: str | None = Field(default=None, alias="stream-name")
    deep_link: str | None = Field(default=None, alias="deep-link")


class CodeBuildEnvironmentVariable(AwsModel):
    name: str
    value: str
    type: str = "PLAINTEXT"


class CodeBuildEnvironment(AwsModel):
    environment_variables: list[CodeBuildEnvironmentVariable] = Field(
        default_factory=list, alias="environment-variables"
    )


class AdditionalInformation(AwsModel):
    build_number: int | None = Field(default=None, alias="build-number")
    build_start_time: CodeBuildTime | None = Field(default=None, alias="build-start-time")
    resolved_source_version: str | None = Field(default=None, alias="resolved-source-version", max_length=MAX_NAME)
    source_version: str | None = Field(default=None, alias="source-version", max_length=MAX_ID)
    initiator: str | None = None
    logs: CodeBuildLogs | None = None
    environment: CodeBuildEnvironment | None = None
    phases: list[CodeBuildPhase] = Field(default_factory=list)


class BuildStateDetail(AwsModel):
    build_status: BuildStatus = Field(alias="build-status")
    project_name: str = Field(alias="project-name", min_length=1, max_length=MAX_NAME)
    build_id: str = Field(alias="build-id", min_length=1, max_length=MAX_ID)
    current_phase: str | None = Field(default=None, alias="current-phase")
    version: str = "1"
    additional_information: AdditionalInformation = Field(
        default_factory=AdditionalInformation, alias="additional-information"
    )


class BuildPhaseDetail(AwsModel):
    completed_phase: CodeBuildPhaseType = Field(alias="completed-phase")
    completed_phase_status: PhaseStatus = Field(alias="completed-phase-status")
    completed_phase_duration_seconds: int | None = Field(default=None, alias="completed-phase-duration-seconds")
    completed_phase_start: CodeBuildTime | None = Field(default=None, alias="completed-phase-start")
    completed_phase_end: CodeBuildTime | None = Field(default=None, alias="completed-phase-end")
    project_name: str = Field(alias="project-name", min_length=1, max_length=MAX_NAME)
    build_id: str = Field(alias="build-id", min_length=1, max_length=MAX_ID)
    version: str = "1"
    additional_information: AdditionalInformation = Field(
        default_factory=AdditionalInformation, alias="additional-information"
    )


class BuildStateChangeEvent(EventEnvelope):
    detail: BuildStateDetail
    source: Literal["aws.codebuild"]
    detail_type: Literal["CodeBuild Build State Change"] = Field(alias="detail-type")


class BuildPhaseChangeEvent(EventEnvelope):
    detail: BuildPhaseDetail
    source: Literal["aws.codebuild"]
    detail_type: Literal["CodeBuild Build Phase Change"] = Field(alias="detail-type")
