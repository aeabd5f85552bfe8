"""From a successful build to a deploy: apppack.toml, task definitions, the release and postdeploy tasks.

    build SUCCEEDED ─► read <app>/<N>/apppack.toml ─► register one revision per process type
                    ─► release_command? RunTask ─► (task STOPPED, exit 0)
                    ─► review app's first deploy with initialize_command? RunTask ─► (STOPPED, exit 0)
                    ─► deploy (orchestrator/pipeline/deploy.py)

Every step is safe to repeat: the plan is stored once in the build record, each side effect is claimed
(orchestrator/pipeline/claims.py), and the record only moves forward. A task is found again from its
ECS event through the `TASK#<arn>` lookup item (or, if that item is not written yet, the task's tags).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.adapters.artifacts import artifact_key
from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.store import expires_after
from orchestrator.events.ecs import TaskStateChangeEvent
from orchestrator.observability import logger, metrics
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import SHELL_COMMAND, EcsConfig
from orchestrator.pipeline.apppack_toml import (
    APPPACK_TOML,
    DEFAULT_HEALTHCHECK_PATH,
    SHELL_PROCESS,
    AppPackTomlError,
    parse_apppack_toml,
    split_command,
)
from orchestrator.pipeline.apps import AppRef, app_from_tags
from orchestrator.pipeline.claims import TRANSIENT_TTL_SECONDS, client_token
from orchestrator.pipeline.deploy import (
    newer_deploy,
    newer_than,
    read_deploy_claim,
    start_deploy,
    write_failed_deploy_status,
)
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.log_pointers import cloudwatch_pointer
from orchestrator.pipeline.record_store import (
    Change,
    change_record,
    load_record,
    then,
    with_phase,
    with_superseded,
    with_task,
    write_pending,
)
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState, ReleasePlan, TaskOutcome
from orchestrator.pipeline.step_outcome import StepOutcome, notify
from orchestrator.pipeline.taskdefs import (
    WEB_PROCESS,
    RuntimeInputsError,
    load_ecs_config,
    load_runtime_inputs,
    planned_task_definitions,
    register_task_definitions,
    task_tags,
)
from orchestrator.review_apps.lifecycle import reopen_review_app
from orchestrator.review_apps.status import deploy_refusal, parse_status, status_parameter_name
from orchestrator.settings import get_settings

TASK_STEPS = ("release", "postdeploy")
STARTED_BY = "orchestrator"


def _fail(
    deps: PipelineDeps, app: str, number: int, step: str, when: int, error: str, metric: str,
    record: BuildRecord | None = None, *, task_failed: bool = False, pending: Change | None = None,
) -> StepOutcome:  # fmt: skip
    logger.error(f"{step} failed: {error}", extra={"app": app, "build_number": number, "step": step})
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    failed = Phase(state=PhaseState.FAILED, start=when, end=when, error=error)
    _, stored = change_record(
        deps.store, app, number, then(pending, lambda r: with_phase(r, step, failed)), current=record
    )
    if task_failed:
        _release_failed_status(deps, stored, step, when)
    return StepOutcome(f"{step} failed", app, number, step, record=stored)


def _release_failed_status(deps: PipelineDeps, record: BuildRecord, step: str, when: int | None) -> None:
    """A release task that failed (non-zero exit, or never started) ends the build's pipeline: DEPLOYSTATUS
    says so, unless a newer build's is there. Only while nothing of this build was deployed."""
    if step == "release" and record.deploy is None:
        write_failed_deploy_status(deps.store, record, "release", when)


def _superseded(
    deps: PipelineDeps, app: str, number: int, newer: int, step: str, record: BuildRecord | None = None,
    pending: Change | None = None,
) -> StepOutcome:
    logger.info("a newer build is deploying; this build is superseded", extra={"app": app, "newer": newer})
    metrics.add_metric(name="SupersededBuilds", unit=MetricUnit.Count, value=1)
    change = then(pending, lambda r: with_superseded(r, newer))
    _, stored = change_record(deps.store, app, number, change, current=record)
    return StepOutcome("superseded", app, number, step, record=stored)


def plan_release(
    ref: AppRef, number: int, deps: PipelineDeps, *, first_deploy: bool | None = None,
    owned: Collection[str] = (),
) -> tuple[ReleasePlan, EcsConfig]:  # fmt: skip
    """Read apppack.toml and the app's runtime inputs, register the task definitions, and decide the steps.
    Returns the plan and the app's CONFIG#ecs (read once, for the release task too). `first_deploy`: whether
    the app has no deploy claim yet, when the caller has read it (else it is read here). `owned`: process
    types whose families the app's earlier deploys registered into (their owner is not checked again).
    Raises AppPackTomlError or RuntimeInputsError on bad input, before any side effect."""
    where = f"s3://{deps.artifacts.bucket}/{artifact_key(ref.name, number, APPPACK_TOML)}"
    manifest = parse_apppack_toml(deps.artifacts.read_text(artifact_key(ref.name, number, APPPACK_TOML)), where)
    inputs = load_runtime_inputs(ref, deps)
    commands = {name: service.command for name, service in manifest.services.items()}
    system = manifest.build.system
    # `<app>-shell` (`<pipeline>-pr<N>-shell`): what AppPack's `shell` and `ps exec` start; never a service.
    # Registered with the services, under their one claim (a service named `shell` is that revision).
    registered = register_task_definitions(
        ref, number, {SHELL_PROCESS: SHELL_COMMAND, **commands}, scope=keys.build_scope(number), deps=deps,
        inputs=inputs, build_system=system, owned=owned,
    )  # fmt: skip
    registered = {process: registered[process] for process in commands}
    if first_deploy is None:
        first_deploy = read_deploy_claim(deps.store, ref.name) is None
    initialize = manifest.review_app.initialize_command
    web = manifest.services.get(WEB_PROCESS)
    plan = ReleasePlan(
        release_command=manifest.deploy.release_command,
        healthcheck_path=(web.healthcheck_path or DEFAULT_HEALTHCHECK_PATH) if web else None,
        postdeploy_command=initialize if ref.is_review_app and first_deploy else None,
        build_system=system,
        **planned_task_definitions(registered, inputs),
    )
    return plan, inputs.ecs


def start_release(
    app: str,
    build_number: int,
    when: datetime | None,
    deps: PipelineDeps | None = None,
    *,
    record: BuildRecord | None = None,
) -> StepOutcome:
    """The build succeeded: plan the release and start its first step. Safe to call any number of times.
    `record`: the build record as the caller just stored it (else it is read)."""
    deps = deps or PipelineDeps()
    ref, number = AppRef(app), build_number
    at = int(when.timestamp()) if when else None
    record = record or load_record(deps.store, app, number)
    if record is None or record.codebuild_status != "SUCCEEDED":
        return StepOutcome("build not succeeded", app, number)
    if record.superseded_by or (record.release and record.release.state is PhaseState.FAILED):
        return StepOutcome("nothing to do", app, number, "release")
    if record.deploy is not None:  # a late or repeated event: the deploy has begun, and it is never superseded
        return StepOutcome("nothing to do", app, number, "deploy")
    if ref.is_review_app:
        refusal = review_app_refusal(ref, deps)
        if refusal is not None:
            return _fail(deps, app, number, "release", at or 0, refusal, "ReviewAppMissing", record)
    claim = read_deploy_claim(deps.store, app)  # one read: is a newer build deploying? is this the first deploy?
    newer = newer_than(claim, number)
    if newer is not None:
        return _superseded(deps, app, number, newer, "release", record)
    ecs: EcsConfig | None = None
    if record.plan is None:
        try:
            owned = (claim or {}).get("registered_processes") or ()
            new_plan, ecs = plan_release(ref, number, deps, first_deploy=claim is None, owned=owned)
        except AppPackTomlError as error:
            return _fail(deps, app, number, "release", at or 0, str(error), "InvalidAppPackToml", record)
        except RuntimeInputsError as error:
            return _fail(deps, app, number, "release", at or 0, str(error), "InvalidRuntimeInputs", record)
        except RequestRefusedError as error:  # ECS refused a task definition for good (e.g. its sizes)
            message = f"task definitions refused: {error}"
            return _fail(deps, app, number, "release", at or 0, message, "TaskDefinitionFailures", record)
        # Stored before any side effect that makes events (RunTask, UpdateService): a task found by its tags,
        # and a deployment event that ends the deploy, need the plan in the record.
        _, record = change_record(
            deps.store, app, number, lambda r: r if r.plan else r.model_copy(update={"plan": new_plan}), current=record
        )
    plan = record.plan
    assert plan is not None
    if plan.release_command:
        return run_task_step(
            ref, number, "release", plan.release_command, at, deps, record=record, ecs=ecs, newest_checked=True
        )
    skipped = Phase(state=PhaseState.SUCCEEDED, start=at, end=at)

    def skip_release(r: BuildRecord) -> BuildRecord:
        return with_phase(r, "release", skipped)

    # No release command: the skipped release is written with the deploy's first write of the record.
    return advance(ref, number, "release", at, deps, record=skip_release(record), pending=skip_release)


def review_app_refusal(ref: AppRef, deps: PipelineDeps) -> str | None:
    """As in AppPack, a pull request's build deploys only once its review app is `created` (its status
    parameter). When it is, a destroy tombstone left by an earlier teardown is lifted first."""
    name = status_parameter_name(str(ref.pipeline), str(ref.pr), get_settings().ssm_prefix)
    refusal = deploy_refusal(ref.name, name, parse_status(deps.ssm.read_string(name)))
    if refusal is None:
        reopen_review_app(deps.store, ref.name)
    return refusal


def run_task_step(
    ref: AppRef,
    number: int,
    step: str,
    command: str,
    at: int | None,
    deps: PipelineDeps,
    *,
    record: BuildRecord | None = None,
    ecs: EcsConfig | None = None,
    newest_checked: bool = False,
    pending: Change | None = None,
) -> StepOutcome:
    """RunTask the release or postdeploy command, once per build and step, and record it.
    `record` and `ecs`: as the caller holds them (else read); `newest_checked`: the caller has just read the
    deploy claim and found no newer build (else it is read here). `pending`: a change of the caller's, not
    written yet (`record` shows it), written with this step's write."""
    app = ref.name
    record = record or load_record(deps.store, app, number)
    if not newest_checked:
        newer = newer_deploy(deps.store, app, number)
        if newer is not None:
            return _superseded(deps, app, number, newer, step, record, pending)
    assert record is not None
    assert record.plan is not None
    started_before = getattr(record, step, None)
    if isinstance(started_before, Phase) and started_before.arns:  # a repeated event: its task was started
        stored = write_pending(deps.store, app, number, pending, record)
        return StepOutcome(f"{step} started", app, number, step, record=stored)
    plan = record.plan
    ecs = ecs or load_ecs_config(ref, deps)
    request = {
        "cluster": ecs.cluster,
        "taskDefinition": plan.task_definition,
        "launchType": "FARGATE",
        "count": 1,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ecs.subnets,
                "securityGroups": ecs.security_groups,
                "assignPublicIp": ecs.assign_public_ip,
            }
        },
        "overrides": {"containerOverrides": [{"name": plan.container_name, "command": split_command(command)}]},
        "tags": task_tags(ref, step, number),
        "startedBy": STARTED_BY,
        "clientToken": client_token(app, number, "run-task", step),
    }

    # No claim: RunTask's client token makes a retry (a lost response, a redelivery before the record says
    # the task started) get the same task, and once the record says so the check above returns first.
    try:
        result = deps.ecs.run_task(request)
    except RequestRefusedError as error:  # final; a retryable error is raised for Lambda to retry
        message = f"RunTask failed: {error}"
        return _fail(deps, app, number, step, at or 0, message, "TaskStartFailures", record, task_failed=True,
                     pending=pending)  # fmt: skip
    task_arn = result.task_arn
    if not task_arn:
        reasons = "; ".join(result.failures) or "no task started"
        message = f"RunTask placed no task: {reasons}"
        return _fail(deps, app, number, step, at or 0, message, "TaskStartFailures", record, task_failed=True,
                     pending=pending)  # fmt: skip
    lookup = {"app": app, "build_number": number, "step": step, **expires_after(TRANSIENT_TTL_SECONDS)}
    deps.store.put({"primary_id": keys.task_pk(task_arn), "secondary_id": keys.LOOKUP_SK, **lookup})
    stream = f"{plan.task_definition.rsplit('/', 1)[-1].split(':')[0]}/{plan.container_name}/{str(task_arn).rsplit('/', 1)[-1]}"
    started = Phase(state=PhaseState.STARTED, start=at, arns=[str(task_arn)], logs=cloudwatch_pointer(ecs.log_group, stream))
    _, stored = change_record(deps.store, app, number, then(pending, lambda r: with_phase(r, step, started)), current=record)
    logger.info(f"{step} task started", extra={"app": app, "build_number": number, "task": task_arn})
    return StepOutcome(f"{step} started", app, number, step, record=stored)


def advance(
    ref: AppRef, number: int, finished: str, at: int | None, deps: PipelineDeps, *, record: BuildRecord | None = None,
    pending: Change | None = None,
) -> StepOutcome:  # fmt: skip
    """The step `finished` succeeded: start the next one. `record`: as the caller just stored it (else read).
    `pending`: the caller's change not written yet (`record` shows it): the next step's write carries it."""
    record = record or load_record(deps.store, ref.name, number)
    if record is None or record.plan is None:
        stored = write_pending(deps.store, ref.name, number, pending, record)
        return StepOutcome("no plan", ref.name, number, finished, record=stored)
    if finished == "release" and record.plan.postdeploy_command:
        command = record.plan.postdeploy_command
        return run_task_step(ref, number, "postdeploy", command, at, deps, record=record, pending=pending)
    outcome = start_deploy(ref, number, at, deps, record=record, pending=pending)
    return StepOutcome(outcome.action, ref.name, number, "deploy", record=outcome.record)


def _tag(event: TaskStateChangeEvent, key: str) -> str | None:
    return next((t.value for t in event.detail.tags if t.key == key), None)


def find_task(event: TaskStateChangeEvent, deps: PipelineDeps) -> tuple[str, int, str] | None:
    """The (app, build number, step) of a task: its lookup item, else its tags if they name a planned build."""
    lookup = deps.store.get(keys.task_pk(event.detail.task_arn), keys.LOOKUP_SK)
    if lookup is not None:
        return str(lookup["app"]), int(lookup["build_number"]), str(lookup["step"])
    app = app_from_tags({t.key: t.value for t in event.detail.tags})
    number, step = (_tag(event, f"apppack:{k}") for k in ("buildNumber", "processType"))
    if not app or not number or not number.isdigit() or step not in TASK_STEPS:
        return None
    record = load_record(deps.store, app, int(number))
    if record is None or record.plan is None:
        return None
    return app, int(number), step


def task_outcome(event: TaskStateChangeEvent, container_name: str) -> tuple[TaskOutcome, str | None]:
    """How the task ended, and the error when it did not succeed."""
    detail = event.detail
    container = next((c for c in detail.containers if c.name == container_name), None)
    if container is None and detail.containers:
        container = detail.containers[0]
    exit_code = container.exit_code if container else None
    outcome = TaskOutcome(
        task_arn=detail.task_arn, exit_code=exit_code, stopped_reason=detail.stopped_reason, stop_code=detail.stop_code
    )
    why = detail.stopped_reason or (container.reason if container else None) or "no reason given"
    if exit_code is None:
        return outcome, f"task stopped before its command ran ({detail.stop_code or 'no stop code'}): {why}"
    if exit_code != 0:
        return outcome, f"command exited with code {exit_code} ({detail.stop_code or 'no stop code'}): {why}"
    return outcome, None


def record_task_stopped(event: TaskStateChangeEvent, deps: PipelineDeps | None = None) -> StepOutcome:
    """An ECS task stopped: record how, and on exit 0 move the build's pipeline to its next step."""
    deps = deps or PipelineDeps()
    return notify(deps, _record_task_stopped(event, deps))


def _record_task_stopped(event: TaskStateChangeEvent, deps: PipelineDeps) -> StepOutcome:
    found = find_task(event, deps)
    if found is None:
        logger.debug("ECS task not managed; acknowledged", extra={"task": event.detail.task_arn})
        return StepOutcome("not managed")
    app, number, step = found
    record = load_record(deps.store, app, number)
    container_name = record.plan.container_name if record and record.plan else "app"
    outcome, error = task_outcome(event, container_name)
    moment = event.detail.stopped_at or event.time
    at = int(moment.timestamp()) if moment else None
    state = PhaseState.FAILED if error else PhaseState.SUCCEEDED
    phase = Phase(state=state, end=at, arns=[event.detail.task_arn], error=f"{step} {error}" if error else None)

    def change(record: BuildRecord) -> BuildRecord:
        return with_phase(with_task(record, step, outcome), step, phase)

    if not error and record is not None:
        # Exit 0: the outcome is written with the next step's first write of the record (one write, not two).
        return advance(AppRef(app), number, step, at, deps, record=change(record), pending=change)
    _, record = change_record(deps.store, app, number, change, current=record)
    if error:
        logger.warning(f"{step} failed", extra={"app": app, "build_number": number, "error": error})
        metrics.add_metric(
            name="ReleaseFailures" if step == "release" else "PostdeployFailures", unit=MetricUnit.Count, value=1
        )
        _release_failed_status(deps, record, step, at)
        return StepOutcome(f"{step} failed", app, number, step, record=record)
    return advance(AppRef(app), number, step, at, deps, record=record)
