"""Build records from CodeBuild events: find the app, merge the event, close the build."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.adapters.artifacts import Artifacts, artifact_key
from orchestrator.adapters.codebuild import CodeBuild
from orchestrator.adapters.store import Item, Store
from orchestrator.events.codebuild import (
    AdditionalInformation,
    BuildPhaseChangeEvent,
    BuildStateChangeEvent,
    CodeBuildPhase,
)
from orchestrator.notifications.leases import LEASES_ATTR, leased_if_changed
from orchestrator.observability import logger, metrics
from orchestrator.pipeline import keys
from orchestrator.pipeline.build_forward import forward_update, quiet_update
from orchestrator.pipeline.log_pointers import codebuild_stream, s3_pointer
from orchestrator.pipeline.phase_mapping import TERMINAL_BUILD_STATUSES, derive_record_phases
from orchestrator.pipeline.records import BuildRecord, CodeBuildPhaseRecord, merge_phase
from orchestrator.stored_text import bounded_text

SUMMARY_NAME = "build-summary.json"


@dataclass
class BuildDeps:
    store: Store = field(default_factory=Store)
    artifacts: Artifacts = field(default_factory=Artifacts)
    codebuild: CodeBuild = field(default_factory=CodeBuild)


@dataclass(frozen=True)
class BuildObservation:
    """What one CodeBuild event says about one build."""

    project: str
    build_arn: str
    build_number: int | None
    commit: str | None
    source_version: str | None
    logs: str
    status: str | None
    phases: dict[str, CodeBuildPhaseRecord]
    initiator: str | None = None  # who started the build (CodeBuild's `initiator`: an IAM user, a role session)
    # The build's environment variables (plain-text ones): the AppStack sets APPNAME, PIPELINE, ARTIFACT_BUCKET.
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildOutcome:
    """What the handler did, for the log and for `events explain`."""

    action: str
    app: str | None = None
    build_number: int | None = None
    record: BuildRecord | None = None
    closed_now: bool = False
    quiet: bool = False  # written with nothing else to change: no record read, nothing to publish or start

    @property
    def succeeded_now(self) -> bool:
        return self.closed_now and self.record is not None and self.record.codebuild_status == "SUCCEEDED"


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _phase_record(phase: CodeBuildPhase) -> CodeBuildPhaseRecord:
    return CodeBuildPhaseRecord(
        status=phase.phase_status.value if phase.phase_status else None,
        start=_unix(phase.start_time),
        end=_unix(phase.end_time),
        duration=phase.duration_in_seconds,
    )


def _logs_pointer(project: str, build_arn: str, info: AdditionalInformation) -> str:
    logs = info.logs
    return codebuild_stream(project, build_arn, logs.group_name if logs else None, logs.stream_name if logs else None)


def observe(event: BuildStateChangeEvent | BuildPhaseChangeEvent) -> BuildObservation:
    info = event.detail.additional_information
    phases = {p.phase_type.value: _phase_record(p) for p in info.phases if p.phase_type != "COMPLETED"}
    status: str | None = None
    if isinstance(event, BuildPhaseChangeEvent):
        detail = event.detail
        if detail.completed_phase != "COMPLETED":
            completed = CodeBuildPhaseRecord(
                status=detail.completed_phase_status.value,
                start=_unix(detail.completed_phase_start),
                end=_unix(detail.completed_phase_end),
                duration=detail.completed_phase_duration_seconds,
            )
            known = phases.get(detail.completed_phase.value)
            phases[detail.completed_phase.value] = known.merge(completed) if known else completed
    else:
        status = event.detail.build_status.value
    return BuildObservation(
        project=event.detail.project_name,
        build_arn=event.detail.build_id,
        build_number=info.build_number,
        commit=info.resolved_source_version or None,
        source_version=info.source_version,
        logs=_logs_pointer(event.detail.project_name, event.detail.build_id, info),
        status=status,
        phases=phases,
        initiator=info.initiator or None,
        environment={
            v.name: v.value for v in (info.environment.environment_variables if info.environment else []) if v.type == "PLAINTEXT"
        },
    )


def _status_rank(status: str | None) -> int:
    return 0 if status is None else 1 if status == "IN_PROGRESS" else 2


def merge_observation(
    current: BuildRecord | None, app: str, number: int, obs: BuildObservation, artifacts: str = ""
) -> BuildRecord:
    """Pure, commutative merge of one observation into the record. `artifacts` is the build's artifact folder
    (`s3://<bucket>/<app>/<N>`): the phases point at the logs uploaded there once POST_BUILD has run."""
    record = current or BuildRecord(app=app, build_number=number)
    codebuild_phases = dict(record.codebuild_phases)
    for name, phase in obs.phases.items():
        codebuild_phases[name] = codebuild_phases[name].merge(phase) if name in codebuild_phases else phase
    status = record.codebuild_status
    if _status_rank(obs.status) > _status_rank(status):
        status = obs.status
    derived = derive_record_phases(codebuild_phases, status, obs.logs, artifacts)
    update: dict[str, object] = {
        "commit": record.commit or obs.commit or "",
        "initiator": record.initiator or obs.initiator,
        "build_arn": record.build_arn or obs.build_arn,
        "codebuild_project": record.codebuild_project or obs.project,
        "codebuild_status": status,
        "codebuild_phases": codebuild_phases,
    }
    for name, derived_phase in derived.items():
        if name == "build" and obs.build_arn:
            derived_phase = derived_phase.model_copy(update={"arns": [obs.build_arn]})
        update[name] = merge_phase(getattr(record, name), derived_phase)
    return record.model_copy(update=update)


REVIEW_APP_SOURCE = re.compile(r"pr/([1-9][0-9]{0,9})")


class InvalidSourceVersionError(ValueError):
    """A pipeline build's `pr/...` source version does not name a pull request: `pr/<N>`, N > 0."""


def review_app_number(source_version: str | None) -> str | None:
    """N of a `pr/<N>` source version; None for other refs. It becomes a key (`APP#<pipeline>:<N>`), so
    anything else under `pr/` is refused rather than stored."""
    if not source_version or not source_version.startswith("pr/"):
        return None
    found = REVIEW_APP_SOURCE.fullmatch(source_version)
    if found is None:
        raise InvalidSourceVersionError(
            f"source version {bounded_text(source_version, 100)!r} is not pr/<N> with N a positive integer"
        )
    return found.group(1)


def app_from_environment(environment: dict[str, str], artifacts_bucket: str) -> tuple[str, bool] | None:
    """(app, whether it is a pipeline) as the build's own environment names it: AppPack's `APPNAME` and
    `PIPELINE`, set by the AppStack on every project (app_registry.build_variables). Only a build that writes
    to this installation's artifact bucket is taken at its word: another AppPack-style project in the
    account sets APPNAME too. None when the environment does not say (the lookup item decides)."""
    app = environment.get("APPNAME", "")
    if not app or not artifacts_bucket or environment.get("ARTIFACT_BUCKET") != artifacts_bucket:
        return None
    return app, environment.get("PIPELINE") == "1"


def resolve_app(
    store: Store, project: str, source_version: str | None, named: tuple[str, bool] | None = None
) -> str | None:
    """The app that owns `project`: as the build's environment names it (`named`, app_from_environment),
    else via the project's lookup item. Pipelines build review apps from `pr/<N>`.
    Raises InvalidSourceVersionError for a pipeline build of a malformed `pr/...` ref."""
    if named is not None:
        app, is_pipeline = named
    else:
        lookup = store.get(keys.codebuild_project_pk(project), keys.LOOKUP_SK)
        if lookup is None:
            return None
        app, is_pipeline = str(lookup["app"]), lookup.get("kind") == "pipeline"
    if is_pipeline:
        pr = review_app_number(source_version)
        if pr is not None:
            return f"{app}:{pr}"
    return app


def record_build_event(
    event: BuildStateChangeEvent | BuildPhaseChangeEvent, deps: BuildDeps | None = None
) -> BuildOutcome:
    deps = deps or BuildDeps()
    obs = observe(event)
    try:
        named = app_from_environment(obs.environment, deps.artifacts.bucket)
        app = resolve_app(deps.store, obs.project, obs.source_version, named)
    except InvalidSourceVersionError as error:
        # Nothing to record it on: the build's app is unknown. The log and the metric say why.
        metrics.add_metric(name="InvalidInput", unit=MetricUnit.Count, value=1)
        logger.error("build event refused; nothing recorded", extra={"project": obs.project, "error": str(error)})
        return BuildOutcome(action=f"refused: {error}")
    if app is None:
        logger.debug("CodeBuild project not managed; acknowledged", extra={"project": obs.project})
        return BuildOutcome(action="not managed")
    number, commit = obs.build_number, obs.commit
    if number is None:
        info = deps.codebuild.describe_build(obs.build_arn)
        if info is None:
            logger.warning("CodeBuild build not found; acknowledged", extra={"build_arn": obs.build_arn})
            return BuildOutcome(action="build not found", app=app)
        number, commit = info.build_number, commit or info.commit
        obs = replace(obs, build_number=number, commit=commit)

    folder = s3_pointer(deps.artifacts.bucket, artifact_key(app, number, "")).rstrip("/")
    stored = _store_observation(deps.store, app, number, obs, folder)
    if stored is None:
        logger.info("build record updated", extra={"app": app, "build_number": number, "codebuild_status": None})
        return BuildOutcome(action="recorded", app=app, build_number=number, quiet=True)
    before, after = stored
    record = BuildRecord.model_validate(after or before)
    was_closed = before is not None and before.get("codebuild_status") in TERMINAL_BUILD_STATUSES
    closed_now = after is not None and not was_closed and record.codebuild_status in TERMINAL_BUILD_STATUSES
    if closed_now:
        deps.artifacts.write_json(artifact_key(app, number, SUMMARY_NAME), build_summary(record))
    logger.info(
        "build record updated" if after else "build record unchanged (duplicate or stale event)",
        extra={"app": app, "build_number": number, "codebuild_status": record.codebuild_status},
    )
    return BuildOutcome(
        action="recorded" if after else "unchanged",
        app=app,
        build_number=number,
        record=record,
        closed_now=closed_now,
    )


def _store_observation(
    store: Store, app: str, number: int, obs: BuildObservation, folder: str
) -> tuple[Item | None, Item | None] | None:
    """Merge `obs` into the stored record: (before, after), after None when nothing changed. Usually one
    forward-only UpdateItem (build_forward.py), then one conditional write of the record phases derived from
    it when they moved (Store.update_forward). None: a phase change inside a record phase, written quietly
    (one UpdateItem that returns nothing, build_forward.quiet_update)."""

    def change(item: Item | None) -> Item | None:
        current = BuildRecord.model_validate(item) if item else None
        return leased_if_changed(current, merge_observation(current, app, number, obs, folder)).to_item()

    pk, sk = keys.app_pk(app), keys.build_sk(number)
    quiet = quiet_update(obs)
    if quiet is not None:
        return store.update_quietly(pk, sk, quiet, change)
    # A build's IN_PROGRESS state change is nearly always its first event: the record does not exist yet.
    first = obs.status == "IN_PROGRESS"
    return store.update_forward(
        pk, sk, forward_update(obs), change, likely_absent=first, riders=frozenset({LEASES_ATTR})
    )


def build_summary(record: BuildRecord) -> dict[str, object]:
    phases = {
        name: {
            "state": phase.state,
            "start": phase.start,
            "end": phase.end,
            "duration": (phase.end - phase.start) if phase.start and phase.end else None,
        }
        for name in ("build", "test", "finalize")
        if (phase := getattr(record, name)) is not None
    }
    return {
        "app": record.app,
        "build_number": record.build_number,
        "commit": record.commit,
        "build_arn": record.build_arn,
        "status": record.codebuild_status,
        "phases": phases,
        "codebuild_phases": {k: v.model_dump(exclude_none=True) for k, v in record.codebuild_phases.items()},
    }
