"""Deploy a released build: one ECS service per process type, newest build wins, then deploy status.

- **Newest build wins.** Before touching a service, a build claims `APP#<app>` / `CLAIM#deploy` with a
  versioned conditional write that only succeeds while the stored `build_number` is lower. A build that
  finds a newer number there is recorded as superseded (`superseded_by`) and deploys nothing.
- **Each service once.** CreateService (first deploy; with a client token) or UpdateService (to the new
  revision) is claimed, for all the services at once, under `CLAIM#BUILD#<N>#deploy-services#<processes>`.
  The PRIMARY deployment id it returns is mapped to the build by a `DEPLOYMENT#<id>` lookup item.
- **Web traffic.** Before the `web` service is created or updated, its target group and host rule on the
  shared listener are made or confirmed (orchestrator/routing/web.py), and the service is attached to the
  target group. ECS then counts the deployment COMPLETED only once the new targets pass the load balancer's
  health check; a failing check trips the circuit breaker, and the record names the health check path.
- **Removed process types** (in the previous deploy, gone from apppack.toml) are scaled to 0, once.
- **The config current at rollout.** Once the claim is taken, the config names are listed again; if they
  changed since the release registered the task definitions, new revisions are registered first.
- **A replaced deploy ends.** The build whose deploy this one replaces, if still open, is closed as failed
  with `superseded_by` (ECS sends no event for a deployment replaced by a newer one).
- **Only a final refusal fails the deploy** (RequestRefusedError); a retryable error is raised for Lambda.
- **ECS Deployment State Change** updates the service's state in the build record. All COMPLETED: the
  deploy succeeded. SERVICE_DEPLOYMENT_FAILED, or IN_PROGRESS with a circuit-breaker rollback: it failed,
  and the record names the service and the reason. When the deploy ends, `DEPLOYSTATUS` is written (only
  if no newer build wrote it), and on success `DEPLOYED` and the post-deploy hooks (orchestrator/pipeline/hooks.py),
  retried on every later delivery until they have all succeeded once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.conditions import Attr, ConditionBase
from pydantic import BaseModel, ConfigDict

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.ecs import ServiceInfo
from orchestrator.adapters.store import ConditionalUpdate, Item, Store, newest_wins
from orchestrator.events.ecs import DeploymentStateChangeEvent
from orchestrator.notifications.publish import NotifyDeps, publish_state_changes
from orchestrator.observability import logger, metrics
from orchestrator.pipeline import hooks, keys
from orchestrator.pipeline.app_registry import EcsConfig
from orchestrator.pipeline.apppack_toml import DEFAULT_HEALTHCHECK_PATH, SHELL_PROCESS
from orchestrator.pipeline.apps import AppRef, app_tags
from orchestrator.pipeline.claims import SideEffect, claimed_step, client_token
from orchestrator.pipeline.deployment_lookups import DeploymentReport, is_lookup, park_ended, write_lookup
from orchestrator.pipeline.deploystatus import (
    DeployStatus,
    DeployStatusProcess,
    deploystatus_fields,
    deploystatus_value,
)
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.ownership import ForeignResourceError, check_services
from orchestrator.pipeline.record_store import (
    Change,
    change_record,
    change_record_forward,
    change_record_quietly,
    load_record,
    then,
    with_phase,
    with_services,
    with_superseded,
    write_pending,
)
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState, PlannedProcess, ServiceDeployment
from orchestrator.pipeline.releases import (
    deploy_release_scope,
    record_release,
    release_of_scope,
    rolled_back_since,
    set_status,
    status_update,
)
from orchestrator.pipeline.service_forward import service_forward_update, service_quiet_update
from orchestrator.settings import get_settings

if TYPE_CHECKING:
    from orchestrator.pipeline.taskdefs import ProcessSize
    from orchestrator.routing.web import WebRoute


@dataclass(frozen=True)
class DeployOutcome:
    action: str
    app: str | None = None
    build_number: int | None = None
    process: str | None = None
    # The build record as this invocation last stored it, when that is the last thing it did (notify reuses it).
    record: BuildRecord | None = field(default=None, compare=False, repr=False)

    def response(self) -> dict[str, object]:
        return {"status": self.action, "app": self.app, "build_number": self.build_number, "process": self.process}


# --- newest build wins ---------------------------------------------------------------------------


def read_deploy_claim(store: Store, app: str) -> Item | None:
    """The app's deploy claim (the newest build that started deploying), or None before its first deploy."""
    return store.get(keys.app_pk(app), keys.DEPLOY_CLAIM_SK)


def newer_than(claim: Item | None, build_number: int) -> int | None:
    """The number of the build holding `claim` when it is newer than `build_number`."""
    current = int(claim["build_number"]) if claim else 0
    return current if current > build_number else None


def newer_deploy(store: Store, app: str, build_number: int) -> int | None:
    """The number of a newer build that has started deploying this app, if any."""
    return newer_than(read_deploy_claim(store, app), build_number)


def claim_deploy(store: Store, app: str, build_number: int, processes: list[str]) -> Item:
    """Take the app's deploy claim for this build unless a newer build holds it: one conditional UpdateItem,
    no read. Returns the claim as stored: its `build_number` is this build's when this build may deploy. Its
    `previous_build_number` is the build it replaces, and `scaled_to_zero` the process types of that build's
    deploy that this build no longer runs (derived from `previous_processes`, kept by the same write, so a
    repeated call finds them again). `registered_processes`: the process types whose task-definition families
    this app has registered into (the plan's and the shell), so the next release need not check who owns them."""
    fields = {"build_number": build_number, "processes": sorted(processes),
              "registered_processes": sorted({*processes, SHELL_PROCESS})}  # fmt: skip
    newer_or_equal_held = Attr("primary_id").not_exists() | Attr("build_number").lt(build_number)
    copies = {"previous_build_number": ("build_number", 0), "previous_processes": ("processes", []),
              "previous_deploy_ended": ("deploy_ended", 0)}  # fmt: skip
    written, old = store.set_fields_returning_old(
        keys.app_pk(app), keys.DEPLOY_CLAIM_SK, fields, newer_or_equal_held, copies=copies
    )
    before: Item = old or {}
    claim: Item = dict(before)  # the condition failed: the claim as stored (this build's, or a newer one's)
    if written:  # the claim as the write left it: the fields, and each copy of what it held before
        copied = {name: before.get(source) or default for name, (source, default) in copies.items()}
        claim = {**before, **fields, **copied}
    if "previous_processes" in claim:  # (a claim written before it kept them holds `scaled_to_zero` itself)
        claim["scaled_to_zero"] = sorted(set(claim["previous_processes"]) - set(claim.get("processes") or []))
    claim["previous_build_number"] = claim.get("previous_build_number") or None
    return claim


# --- services ------------------------------------------------------------------------------------


def _network(ecs: EcsConfig) -> dict[str, Any]:
    return {
        "awsvpcConfiguration": {
            "subnets": ecs.subnets,
            "securityGroups": ecs.security_groups,
            "assignPublicIp": ecs.assign_public_ip,
        }
    }


def create_service_input(
    ref: AppRef, process: str, planned: PlannedProcess, build_number: int, ecs: EcsConfig, client_token: str,
    load_balancers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The CreateService request of a process type's first deploy. Pure."""
    from orchestrator.routing.web import HEALTH_CHECK_GRACE_SECONDS  # routing: only when a service is deployed

    attachment: dict[str, Any] = {}
    if load_balancers:
        attachment = {"loadBalancers": load_balancers, "healthCheckGracePeriodSeconds": HEALTH_CHECK_GRACE_SECONDS}
    return {
        **attachment,
        "cluster": ecs.cluster,
        "serviceName": ref.ecs_name(process),
        "taskDefinition": planned.task_definition,
        "desiredCount": planned.min_processes,
        "launchType": "FARGATE",
        "networkConfiguration": _network(ecs),
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        "deploymentController": {"type": "ECS"},
        # Tasks take the task definition's tags: apppack:appName, processType and buildNumber, which AppPack's
        # `ps` reads from each task (a service's own tags cannot follow the build).
        "propagateTags": "TASK_DEFINITION",
        "enableECSManagedTags": True,
        "tags": [
            *({"key": key, "value": value} for key, value in app_tags(ref).items()),
            {"key": "apppack:processType", "value": process},
        ],
        "clientToken": client_token,
    }


def _deploy_service(
    ref: AppRef, number: int, process: str, planned: PlannedProcess, ecs: EcsConfig,
    existing: ServiceInfo | None, deps: PipelineDeps, route: WebRoute | None, processes: list[str],
) -> dict[str, Any]:  # fmt: skip
    from orchestrator.routing.web import load_balancer_attachment

    name = ref.ecs_name(process)
    attach = load_balancer_attachment(route, ecs.container_name, ecs.container_port) if route and ecs.container_port else None
    if existing is not None and existing.status == "ACTIVE":
        revive = planned.min_processes if existing.desired_count < planned.min_processes else None
        unchanged = existing.task_definition == planned.task_definition and (attach is None or existing.load_balanced)
        if unchanged and revive is None:
            # A resumed step whose earlier attempt created or updated the service: it runs this revision, and an
            # UpdateService would change nothing (its primary deployment is this deploy's).
            info = existing
        else:
            info = deps.ecs.update_service(
                ecs.cluster, name, task_definition=planned.task_definition, desired_count=revive, load_balancers=attach
            )
        action = "updated"
    else:
        token = client_token(ref.name, number, "create-service", process)
        info = deps.ecs.create_service(create_service_input(ref, process, planned, number, ecs, token, attach))
        action = "created"
    result = {"service_arn": info.arn, "deployment_id": info.primary_deployment_id, "action": action}
    if not info.primary_deployment_id:
        return result
    lookup = {
        "app": ref.name,
        "build_number": number,
        "process": process,
        "processes": processes,  # the deploy's: whether an event of this one can end it
        "service": name,
        "healthcheck_path": route.healthcheck_path if attach and route else None,
        "target_group_arn": route.target_group_arn if attach and route else None,
    }
    parked = write_lookup(deps.store, info.primary_deployment_id, lookup)
    # An end ECS reported before the lookup existed: start_deploy applies it to the lookup written here.
    lookup_written = {k: v for k, v in lookup.items() if v is not None}
    return {**result, "early": asdict(parked), "lookup": lookup_written} if parked else result


def start_deploy(
    ref: AppRef, number: int, at: int | None, deps: PipelineDeps | None = None, *, record: BuildRecord | None = None,
    pending: Change | None = None,
) -> DeployOutcome:  # fmt: skip
    """Deploy the build's planned process types, unless a newer build is deploying. Safe to repeat.
    `record`: the build record as the caller just stored it (else it is read). `pending`: the caller's change
    not written yet (`record` shows it; the release task's outcome): the first write of the record carries it."""
    # The deploy path (task definitions, web routing), imported here: a deployment event only records.
    from orchestrator.pipeline.taskdefs import WEB_PROCESS, load_ecs_config
    from orchestrator.routing.web import RouteConflictError, RoutingDeps, ensure_web_route

    deps = deps or PipelineDeps()
    app = ref.name
    record = record or load_record(deps.store, app, number)
    if record is None or record.plan is None:
        return DeployOutcome("no plan", app, number, record=write_pending(deps.store, app, number, pending, record))
    if record.superseded_by:
        return DeployOutcome("superseded", app, number, record=write_pending(deps.store, app, number, pending, record))
    resuming = record.deploy is not None and _unrecorded_deploy(deps.store, app, number, record)
    if record.deploy is not None and not resuming:
        # The deploy has begun: every service was claimed and recorded (or it failed, and is not retried).
        # A late or repeated event changes nothing, and never marks a build that deployed as superseded.
        stored = write_pending(deps.store, app, number, pending, record)
        return DeployOutcome(f"deploy {record.deploy.state or 'started'}", app, number, record=stored)
    claim = claim_deploy(deps.store, app, number, list(record.plan.processes))
    holder = int(claim["build_number"])
    if holder != number and resuming:
        assert record.deploy is not None  # never marked superseded once it has begun
        stored = write_pending(deps.store, app, number, pending, record)
        return DeployOutcome(f"deploy {record.deploy.state or 'started'}", app, number, record=stored)
    if holder != number:
        logger.info("a newer build is deploying; this build is superseded", extra={"app": app, "newer": holder})
        metrics.add_metric(name="SupersededBuilds", unit=MetricUnit.Count, value=1)
        superseded = then(pending, lambda r: with_superseded(r, holder))
        _, stored = change_record(deps.store, app, number, superseded, current=record)
        return DeployOutcome("superseded", app, number, record=stored)
    previous = claim.get("previous_build_number")
    # The build this one replaces: its record is read only when its deploy may still be open (the claim
    # says when a deploy ended: `deploy_ended`, written with its end).
    if previous and claim.get("previous_deploy_ended") != previous:
        replaced = close_replaced_deploy(deps.store, app, int(previous), number, at)
        # ECS sends no event for the replaced deployment: its failure is published here (once, claimed).
        publish_state_changes(NotifyDeps(store=deps.store, bus=deps.bus), app, int(previous), replaced)
    removed = [str(p) for p in claim.get("scaled_to_zero", [])]
    ecs = load_ecs_config(ref, deps)
    try:
        record, pending = with_current_config(ref, number, record, deps, pending)
    except RequestRefusedError as error:
        message = f"deploy failed: task definitions refused: {error}"
        return _deploy_failed(deps, app, number, at, message, {}, record, pending)
    plan = record.plan
    assert plan is not None
    scope = keys.build_scope(number)
    services: dict[str, ServiceDeployment] = {}
    try:
        existing = deps.ecs.describe_services(
            ecs.cluster, [ref.ecs_name(p) for p in [*sorted(plan.processes), *removed]]
        )
        check_services(ref, existing.values())  # before any action: another app's service is never touched
        route = None
        if WEB_PROCESS in plan.processes and ecs.container_port is not None:
            route = ensure_web_route(
                ref, plan.healthcheck_path or DEFAULT_HEALTHCHECK_PATH, ecs.container_port,
                RoutingDeps(deps.store, deps.load_balancing),
            )  # fmt: skip
        effects: list[SideEffect] = []
        for process in sorted(plan.processes):
            planned = plan.processes[process]

            def deploy(process: str = process, planned: PlannedProcess = planned) -> dict[str, Any]:
                found = existing.get(ref.ecs_name(process))
                return _deploy_service(
                    ref, number, process, planned, ecs, found, deps, route if process == WEB_PROCESS else None,
                    sorted(plan.processes),
                )  # fmt: skip

            effects.append(SideEffect(process, deploy))
        for process in removed:
            found = existing.get(ref.ecs_name(process))
            if found is None or found.status != "ACTIVE":
                continue

            def scale_down(name: str = found.name) -> dict[str, Any]:
                return {"service_arn": deps.ecs.update_service(ecs.cluster, name, desired_count=0).arn}

            effects.append(SideEffect(f"{process}-to-zero", scale_down))
        # Every service of the deploy under one claim (claims.py): a resumed claim repeats the UpdateServices
        # (same revision and count: no new deployment) and the CreateServices (client token).
        results, _ = claimed_step(deps.store, app, scope, "deploy-services", effects)
        for process in sorted(plan.processes):
            result = results[process]
            services[process] = ServiceDeployment(
                service_name=ref.ecs_name(process),
                service_arn=str(result.get("service_arn") or ""),
                deployment_id=str(result.get("deployment_id") or ""),
                action=str(result.get("action") or ""),
            )
    except (RequestRefusedError, ForeignResourceError, RouteConflictError) as error:  # final; retryable errors are raised for Lambda
        return _deploy_failed(deps, app, number, at, f"deploy failed: {error}", services, record, pending)

    release, _ = record_release(
        deps.store, app, scope=deploy_release_scope(number), kind="deploy", description=f"deploy build {number}",
        build_number=number, task_definitions={p: q.task_definition for p, q in plan.processes.items()},
        caller=record.initiator or f"codebuild (commit {record.commit[:12] or 'unknown'})", at=at,
    )  # fmt: skip
    # An end ECS reported before a service's lookup existed, applied as its event would have been. Before the
    # record says the deploy started: a retry after a failure in between runs this again (the record write
    # below is what makes a retry return early).
    if pending is not None and any(results[p].get("early") for p in plan.processes):
        # The change the caller brought (the release task's end) is written first, so that it is announced
        # before the deploy's end that the early end publishes.
        record, pending = write_pending(deps.store, app, number, pending, record) or record, None
    for process in sorted(plan.processes):
        early, lookup = results[process].get("early"), results[process].get("lookup")
        if early and lookup is None:  # a step result stored before it carried its lookup
            lookup = deps.store.get(keys.deployment_pk(services[process].deployment_id), keys.LOOKUP_SK)
        if early and is_lookup(lookup):
            assert lookup is not None
            apply_deployment_report(lookup, DeploymentReport(**early), deps)
    started = Phase(state=PhaseState.STARTED, start=at, arns=sorted(s.service_arn for s in services.values()))

    def change(record: BuildRecord) -> BuildRecord:
        record = with_services(with_phase(record, "deploy", started), services)
        gone = sorted(set(record.scaled_to_zero or []) | set(removed))
        return record.model_copy(update={"scaled_to_zero": gone or None, "release_version": release.version})

    _, stored = change_record(deps.store, app, number, then(pending, change), current=record)
    ended = stored.deploy if stored.deploy is not None and stored.deploy.state in ENDED_STATES else None
    if ended is not None:
        # ECS's events ended the deploy before this (resumed) attempt recorded its release: it ends here.
        succeeded = ended.state is PhaseState.SUCCEEDED
        ending = status_update(app, release.version, "deployed" if succeeded else "failed", ended.error)
        deps.store.set_fields_together([ending])
    logger.info("deploy started", extra={"app": app, "build_number": number, "services": sorted(services)})
    return DeployOutcome("deploy started", app, number, record=stored)


ENDED_STATES = (PhaseState.SUCCEEDED, PhaseState.FAILED)


def _unrecorded_deploy(store: Store, app: str, number: int, record: BuildRecord) -> bool:
    """Whether an earlier attempt made the deploy's services (its step claim exists) and failed before the
    record write that names the deploy's release: ECS's events may have moved the deploy since, and the
    release and the rest of that write are still to be made. One Query, only for a begun deploy without it."""
    if record.release_version is not None:
        return False
    prefix = keys.claim_sk(keys.build_scope(number), "deploy-services", "")
    return bool(store.query(keys.app_pk(app), prefix, limit=1, attributes=("claim_state",)))


def _deploy_failed(
    deps: PipelineDeps, app: str, number: int, at: int | None, message: str,
    services: dict[str, ServiceDeployment], record: BuildRecord, pending: Change | None = None,
) -> DeployOutcome:  # fmt: skip
    logger.error(message, extra={"app": app, "build_number": number})
    metrics.add_metric(name="DeployFailures", unit=MetricUnit.Count, value=1)
    failed = Phase(state=PhaseState.FAILED, start=at, end=at, error=message)
    change = then(pending, lambda r: with_services(with_phase(r, "deploy", failed), services))
    _, after = change_record(deps.store, app, number, change, current=record)
    write_deploy_status(deps.store, after)  # the deploy ended: DEPLOYSTATUS says so (unless a newer build's)
    return DeployOutcome("deploy failed", app, number, record=after)


def with_current_config(
    ref: AppRef, number: int, record: BuildRecord, deps: PipelineDeps, pending: Change | None = None
) -> tuple[BuildRecord, Change | None]:
    """The record with a plan whose task definitions carry the config names current now. The release
    registered them earlier; a config change in between was applied to the old services only, so without
    this the new build would roll out without it. Called after the deploy claim is taken: from then on a
    config change is deferred until the deploy ends, and the post-deploy hook applies it. Returns the record
    and what of `pending` is still to write (None once a new plan was written with it)."""
    from orchestrator.pipeline.taskdefs import (
        config_secrets,
        load_runtime_inputs,
        planned_task_definitions,
        register_task_definitions,
        secrets_digest,
    )

    plan = record.plan
    assert plan is not None
    secrets = config_secrets(ref, deps, get_settings().ssm_prefix)
    digest = secrets_digest(secrets)
    if digest == plan.config_digest:
        return record, pending
    inputs = load_runtime_inputs(ref, deps)
    commands = {name: p.command for name, p in plan.processes.items()}
    scope = f"{keys.build_scope(number)}#config-{digest}"
    registered = register_task_definitions(
        ref, number, commands, scope=scope, deps=deps, inputs=inputs, build_system=plan.build_system
    )
    fields = planned_task_definitions(registered, inputs)
    logger.info(
        "config changed since the release; task definitions registered again",
        extra={"app": ref.name, "build_number": number, "variables": sorted(secrets)},
    )

    def change(r: BuildRecord) -> BuildRecord:
        if r.plan is None or r.plan.config_digest == fields["config_digest"]:
            return r
        return r.model_copy(update={"plan": r.plan.model_copy(update=fields)})

    _, stored = change_record(deps.store, ref.name, number, then(pending, change), current=record)
    return stored, None


def close_replaced_deploy(store: Store, app: str, previous: int, newer: int, at: int | None) -> BuildRecord | None:
    """The build whose deploy this one replaces: if its deploy is still open, it never ends on its own (ECS
    sends no event for a deployment that a newer one replaced). End it, visibly: superseded by `newer`.
    Returns its record as stored now (None when there is none), for its notifications."""
    record = load_record(store, app, previous)
    if record is None or record.deploy is None or record.deploy.state is not PhaseState.STARTED:
        return record
    replaced = Phase(state=PhaseState.FAILED, end=at, error=f"superseded by build {newer} before its deploy completed")

    def change(r: BuildRecord) -> BuildRecord:
        if r.deploy is None or r.deploy.state is not PhaseState.STARTED:
            return r
        return with_superseded(with_phase(r, "deploy", replaced), newer)

    _, stored = change_record(store, app, previous, change, current=record)
    version = stored.release_version or _release_version(store, app, previous)
    if version is not None:  # its release ends too: a release left deploying would block every rollback
        set_status(store, app, version, "failed", replaced.error)
    return stored


# --- deployment events ---------------------------------------------------------------------------


def deployment_state(event: DeploymentStateChangeEvent) -> tuple[str, str | None]:
    """(service state, failure reason) that an ECS Deployment State Change reports."""
    detail = event.detail
    if detail.event_name == "SERVICE_DEPLOYMENT_COMPLETED":
        return "COMPLETED", None
    if detail.event_name == "SERVICE_DEPLOYMENT_FAILED":
        return "FAILED", detail.reason or "deployment failed"
    if detail.is_circuit_breaker_rollback:
        return "FAILED", detail.reason
    return "IN_PROGRESS", None


def health_check_failure(reason: str | None, path: str, target_group_arn: object, deps: PipelineDeps) -> str:
    """A failed web deployment's reason, with the load balancer's health check path and what the unhealthy
    targets answered (when they are still registered). Failing to read target health loses only detail."""
    detail = ""
    if isinstance(target_group_arn, str) and target_group_arn:
        try:
            unhealthy = [t for t in deps.load_balancing.target_health(target_group_arn) if t.state == "unhealthy"]
        except RequestRefusedError:
            unhealthy = []
        if unhealthy:
            detail = f": {unhealthy[0].description or unhealthy[0].reason}"
    return f"{reason or 'deployment failed'} (load balancer health check GET {path}{detail})"


def derive_deploy_phase(record: BuildRecord) -> tuple[Phase | None, str | None]:
    """The deploy phase that the services' states imply, with its error; (None, None) while in progress."""
    plan, services = record.plan, record.services or {}
    if plan is None:
        return None, None
    updated = [s.updated for s in services.values() if s.updated is not None]
    end = max(updated) if updated else None
    failed = {p: s for p, s in sorted(services.items()) if s.state == "FAILED"}
    if failed:
        error = "; ".join(
            f"service {s.service_name} failed: {' / '.join(s.reasons) or 'no reason given'}" for s in failed.values()
        )
        return Phase(state=PhaseState.FAILED, end=end, error=error), error
    if all(services.get(p) is not None and services[p].state == "COMPLETED" for p in plan.processes):
        return Phase(state=PhaseState.SUCCEEDED, end=end), None
    return None, None


def deployment_report(event: DeploymentStateChangeEvent) -> DeploymentReport:
    state, reason = deployment_state(event)
    moment = event.detail.updated_at or event.time
    return DeploymentReport(
        deployment_id=event.detail.deployment_id, state=state, reason=reason,
        updated=int(moment.timestamp()) if moment else None, service_arn=event.service_arn or "",
    )  # fmt: skip


def record_deployment_event(event: DeploymentStateChangeEvent, deps: PipelineDeps | None = None) -> DeployOutcome:
    deps = deps or PipelineDeps()
    report = deployment_report(event)
    lookup = deps.store.get(keys.deployment_pk(report.deployment_id), keys.LOOKUP_SK)
    if not is_lookup(lookup):
        # Not ours, or ours with its lookup not written yet: an end is kept for the lookup's writer.
        lookup = park_ended(deps.store, report)
        if lookup is None:
            logger.debug("ECS deployment not managed; acknowledged", extra={"deployment": report.deployment_id})
            return DeployOutcome("not managed")
    assert lookup is not None
    return apply_deployment_report(lookup, report, deps)


def apply_deployment_report(lookup: Item, report: DeploymentReport, deps: PipelineDeps) -> DeployOutcome:
    """What an ECS deployment event does to the build or release its lookup names: the ECS handler's work, and
    the lookup writer's for an end reported before the lookup was written (deployment_lookups.py)."""
    outcome, record = _record_deployment(lookup, report, deps)
    if record is not None and outcome.build_number is not None:  # None: nothing changed that publishes
        publish_state_changes(NotifyDeps(store=deps.store, bus=deps.bus), str(outcome.app), outcome.build_number, record)
    return outcome


def _record_deployment(
    lookup: Item, report: DeploymentReport, deps: PipelineDeps
) -> tuple[DeployOutcome, BuildRecord | None]:
    """What the report did, and the build record as this invocation stored it (None: not read, and nothing
    that publishes changed)."""
    state, reason = report.state, report.reason
    if lookup.get("release") is not None:  # a rollback's, config change's or resize's: tracked on its release
        from orchestrator.notifications.rollouts import publish_rollout_changes
        from orchestrator.pipeline.release_deployments import record_release_deployment

        record_release_deployment(deps.store, lookup, state, reason)
        publish_rollout_changes(NotifyDeps(store=deps.store, bus=deps.bus), str(lookup["app"]), int(lookup["release"]))
        outcome = DeployOutcome(f"release deployment {state.lower()}", str(lookup["app"]), None, str(lookup["process"]))
        return outcome, None
    app, number, process = str(lookup["app"]), int(lookup["build_number"]), str(lookup["process"])
    if state == "FAILED" and lookup.get("healthcheck_path"):
        reason = health_check_failure(reason, str(lookup["healthcheck_path"]), lookup.get("target_group_arn"), deps)
    update = ServiceDeployment(
        service_name=str(lookup["service"]),
        service_arn=report.service_arn,
        deployment_id=report.deployment_id,
        state=state,
        reasons=[reason] if reason else [],
        updated=report.updated,
    )

    def change(record: BuildRecord) -> BuildRecord:
        record = with_services(record, {process: update})
        phase, error = derive_deploy_phase(record)
        return with_phase(record, "deploy", phase, error=error) if phase else record

    quiet = service_quiet_update(process, update, [str(p) for p in lookup.get("processes") or []])
    if quiet is not None:
        merged = change_record_quietly(deps.store, app, number, quiet, change)
        if merged is None:  # written, and the deploy stays open: nothing else to do
            return DeployOutcome(f"deployment {state.lower()}", app, number, process), None
        before, after = merged
    else:
        before, after = change_record_forward(deps.store, app, number, service_forward_update(process, update), change)
    closed = after.deploy is not None and after.deploy.state in (PhaseState.SUCCEEDED, PhaseState.FAILED)
    was_closed = (
        before is not None
        and before.deploy is not None
        and before.deploy.state in (PhaseState.SUCCEEDED, PhaseState.FAILED)
    )
    rolled_back = deployed_now = False
    if closed:
        succeeded = after.deploy is not None and after.deploy.state is PhaseState.SUCCEEDED
        version = after.release_version or _release_version(deps.store, app, number)  # older records: a lookup
        rolled_back = version is not None and rolled_back_since(deps.store, app, version)
        # The release's end, DEPLOYSTATUS and DEPLOYED: one transaction when all are due (the first event that
        # ends the deploy), else each on its own condition. A late event of a build that a rollback replaced
        # leaves what runs alone.
        updates = []
        if version is not None:
            error = None if succeeded else (after.deploy.error if after.deploy else None)
            updates.append(status_update(app, version, "deployed" if succeeded else "failed", error))
        if not rolled_back:
            updates.append(deploy_ended_update(after))
            updates.append(deploy_status_update(after))
            if succeeded:
                updates.append(deployed_update(after))
        written = deps.store.set_fields_together(updates)
        deployed_now = not rolled_back and succeeded and written[-1]
    if closed and not was_closed:
        succeeded = after.deploy is not None and after.deploy.state is PhaseState.SUCCEEDED
        metrics.add_metric(name="Deploys" if succeeded else "DeployFailures", unit=MetricUnit.Count, value=1)
        log = logger.info if succeeded else logger.error
        log(
            f"deploy {'succeeded' if succeeded else 'failed'}",
            extra={"app": app, "build_number": number, "error": after.deploy.error if after.deploy else None},
        )
    succeeded_now = not rolled_back and closed and after.deploy is not None and after.deploy.state is PhaseState.SUCCEEDED
    # DEPLOYED is written with hooks `pending` (once, by the first event that ends the deploy); any later
    # delivery of this build's events runs them again until they have all succeeded once.
    if succeeded_now and (deployed_now or hooks_pending(deps.store, app, number)):
        run_hooks(deps.store, after)
    return DeployOutcome(f"deployment {state.lower()}", app, number, process), after


def _release_version(store: Store, app: str, number: int) -> int | None:
    release = release_of_scope(store, app, deploy_release_scope(number))
    return release.version if release is not None else None


def hooks_pending(store: Store, app: str, number: int) -> bool:
    """Whether `number` is the deployed build and its post-deploy hooks have not all succeeded yet."""
    deployed = store.get(keys.app_pk(app), keys.DEPLOYED_SK)
    return deployed is not None and deployed.get("build_number") == number and deployed.get("hooks") == "pending"


def run_hooks(store: Store, record: BuildRecord) -> None:
    """Run the post-deploy hooks; record `done`, or the error (and raise it, so the event is retried)."""
    assert record.plan is not None
    app, number = record.app, record.build_number
    this_build = Attr("build_number").eq(number)
    try:
        hooks.run_deployed_hooks(app, number, {p: s.task_definition for p, s in record.plan.processes.items()})
    except hooks.DeployHooksError as error:
        store.set_fields_if(keys.app_pk(app), keys.DEPLOYED_SK, {"hooks_error": str(error)[:2000]}, this_build)
        raise
    store.set_fields_if(keys.app_pk(app), keys.DEPLOYED_SK, {"hooks": "done", "hooks_error": ""}, this_build)


# --- deploy status -------------------------------------------------------------------------------


_PROCESS_STATE = {"COMPLETED": "running", "FAILED": "failed", "IN_PROGRESS": "deploying"}


def deploy_status(record: BuildRecord) -> DeployStatus:
    assert record.plan is not None
    assert record.deploy is not None
    services = record.services or {}
    processes = [
        DeployStatusProcess(
            name=name, cpu=str(p.cpu), memory=str(p.memory), min_processes=p.min_processes, max_processes=p.max_processes,
            state=_PROCESS_STATE[services[name].state] if name in services else "pending", command=p.command,
        )
        for name, p in sorted(record.plan.processes.items())
    ]  # fmt: skip
    failed = record.deploy.state is PhaseState.FAILED
    return DeployStatus(
        phase="deploy" if failed else "complete",
        processes=processes,
        build_id=record.build_arn,
        build_number=record.build_number,
        commit=record.commit,
        last_update=record.deploy.end or record.deploy.start or 0,
        failed=failed,
    )


def deploy_status_update(record: BuildRecord) -> ConditionalUpdate:
    """DEPLOYSTATUS for this build's ended deploy, unless this build's or a newer one's is there: one
    conditional write, no read. Strictly newer: a late duplicate of the event that ended the deploy must
    not rewrite the planned sizes over a `ps scale` applied since (`write_scaled_deploy_status`). Written
    only when the deploy has ended, so the first write is already final."""
    pk, sk = AppRef(record.app).deploystatus_key
    fields = deploystatus_fields(deploy_status(record))
    return ConditionalUpdate(pk, sk, fields, newest_wins("build_number", record.build_number, replace_equal=False))


def deploy_ended_update(record: BuildRecord) -> ConditionalUpdate:
    """The app's deploy claim says this build's deploy has ended (while the claim is still this build's), so
    the next build's deploy need not read this record to close it."""
    this_build = Attr("build_number").eq(record.build_number)
    return ConditionalUpdate(keys.app_pk(record.app), keys.DEPLOY_CLAIM_SK, {"deploy_ended": record.build_number}, this_build)


def write_deploy_status(store: Store, record: BuildRecord) -> bool:
    """Write `deploy_status_update`. True when written."""
    return store.set_fields_together([deploy_status_update(record)])[0]


def write_failed_deploy_status(store: Store, record: BuildRecord, phase: str, when: int | None) -> bool:
    """A build that failed before deploying (its release): DEPLOYSTATUS says so (`phase`, `failed`, this build),
    unless a newer build's status is there. Nothing was deployed, so the `processes` already there (what still
    runs, from the last deploy) are kept; [] when there are none. Conditional writes, no read: the first
    creates AppPack's `value` map where there is none (DynamoDB cannot create a map and set paths in it in
    one expression), the second sets this build's fields inside it. Both are idempotent and newest-wins."""
    pk, sk = AppRef(record.app).deploystatus_key
    empty = DeployStatus(
        phase="", processes=[], build_id="", build_number=0, commit="", last_update=0, failed=False
    ).model_dump(mode="json")
    newest = {"build_number": record.build_number}
    if not store.set_fields_unless_newer(
        pk,
        sk,
        {},
        order="build_number",
        replace_equal=True,
        defaults={**newest, "value": empty},
        order_value=record.build_number,
    ):
        return False
    fields = {
        "value.phase": phase,
        "value.failed": True,
        "value.build_id": record.build_arn,
        "value.build_number": record.build_number,
        "value.commit": record.commit,
        "value.last_update": when or 0,
        **newest,
    }
    return store.set_fields_unless_newer(pk, sk, fields, order="build_number", replace_equal=True)


def write_scaled_deploy_status(
    store: Store, app: str, build_number: int, processes: list[Any], sizes: Mapping[str, ProcessSize]
) -> bool:
    """A scaling change applied to build `build_number`: its DEPLOYSTATUS processes take the new cpu, memory and
    counts (what `ps` shows). `processes` is the `value.processes` list read with the change's context; one
    conditional write sets each changed process by its index, only while the item is still this build's and
    each index still names that process (a newer build's status, or a rewritten list, is left alone)."""
    pk, sk = AppRef(app).deploystatus_key
    fields: dict[str, Any] = {}
    condition: ConditionBase = Attr("build_number").eq(build_number)
    for index, process in enumerate(processes):
        name = process.get("name") if isinstance(process, dict) else None
        size = sizes.get(name) if isinstance(name, str) else None
        if size is None or None in (size.cpu, size.memory, size.min_processes, size.max_processes):
            continue
        path = f"value.processes[{index}]"
        wanted = {"cpu": str(size.cpu), "memory": str(size.memory), "min_processes": size.min_processes,
                  "max_processes": size.max_processes}  # fmt: skip
        if all(process.get(key) == value for key, value in wanted.items()):
            continue
        fields.update({f"{path}.{key}": value for key, value in wanted.items()})
        condition = condition & Attr(f"{path}.name").eq(name)
    return bool(fields) and store.set_fields_if(pk, sk, fields, condition)


class DeployedProcess(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    command: str
    task_definition: str


class Deployed(BaseModel):
    """What runs now: the app's last successful deploy (`APP#<app>` / `DEPLOYED`)."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    app: str
    build_number: int
    commit: str
    processes: dict[str, DeployedProcess]
    task_definition: str  # for one-off tasks (release, scheduled tasks)
    container_name: str


def deployed_update(record: BuildRecord) -> ConditionalUpdate:
    """DEPLOYED for this build's successful deploy, with its hooks pending; only the first event that ends
    the deploy writes it (strictly newer)."""
    assert record.plan is not None
    deployed = Deployed(
        app=record.app,
        build_number=record.build_number,
        commit=record.commit,
        processes={
            name: DeployedProcess(command=p.command, task_definition=p.task_definition)
            for name, p in record.plan.processes.items()
        },
        task_definition=record.plan.task_definition,
        container_name=record.plan.container_name,
    ).model_dump(mode="json")
    return ConditionalUpdate(
        keys.app_pk(record.app), keys.DEPLOYED_SK, {**deployed, "hooks": "pending", "hooks_error": ""},
        newest_wins("build_number", record.build_number, replace_equal=False),
    )


def current_deployment(app: str, store: Store | None = None) -> Deployed | None:
    """The app's last successful deploy (build, commands, task definitions), or None before the first."""
    item = (store or Store()).get(keys.app_pk(app), keys.DEPLOYED_SK)
    return Deployed.model_validate(item) if item else None


def read_deploy_status(app: str, store: Store | None = None) -> DeployStatus | None:
    pk, sk = AppRef(app).deploystatus_key
    value = deploystatus_value((store or Store()).get(pk, sk))
    return DeployStatus.model_validate(value) if value else None
