"""Deploy a released build: one ECS service per process type, newest build wins, then deploy status.

- **Newest build wins.** Before touching a service, a build claims `APP#<app>` / `CLAIM#deploy` with a
  versioned conditional write that only succeeds while the stored `build_number` is lower. A build that
  finds a newer number there is recorded as superseded (`superseded_by`) and deploys nothing.
- **Each service once.** CreateService (first deploy; with a client token) or UpdateService (to the new
  revision) is claimed under `CLAIM#BUILD#<N>#deploy-service#<process>`. The PRIMARY deployment id it
  returns is mapped to the build by a `DEPLOYMENT#<id>` lookup item.
- **Removed process types** (in the previous deploy, gone from apppack.toml) are scaled to 0, once.
- **ECS Deployment State Change** updates the service's state in the build record. All COMPLETED: the
  deploy succeeded. SERVICE_DEPLOYMENT_FAILED, or IN_PROGRESS with a circuit-breaker rollback: it failed,
  and the record names the service and the reason. When the deploy ends, `DEPLOYSTATUS` is written (only
  if no newer build wrote it), and on success `DEPLOYED` and the post-deploy hooks (orchestrator/pipeline/hooks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError
from pydantic import BaseModel

from orchestrator.adapters.ecs import ServiceInfo
from orchestrator.adapters.store import Item, Store, expires_after
from orchestrator.events.ecs import DeploymentStateChangeEvent
from orchestrator.observability import logger, metrics
from orchestrator.pipeline import hooks, keys
from orchestrator.pipeline.app_registry import EcsConfig
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.claims import TRANSIENT_TTL_SECONDS, claimed, client_token
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.ownership import ForeignResourceError, check_services
from orchestrator.pipeline.record_store import (
    change_record,
    load_record,
    with_phase,
    with_services,
    with_superseded,
)
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState, PlannedProcess, ServiceDeployment
from orchestrator.pipeline.taskdefs import load_ecs_config


@dataclass(frozen=True)
class DeployOutcome:
    action: str
    app: str | None = None
    build_number: int | None = None
    process: str | None = None

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
    """Take the app's deploy claim for this build unless a newer build holds it. Returns the claim as stored:
    its `build_number` is this build's when this build may deploy. Its `scaled_to_zero` lists the process
    types of the previous deploy that this build no longer runs."""

    def change(item: Item | None) -> Item | None:
        current = int(item["build_number"]) if item else 0
        if current >= build_number:
            return None
        previous = list(item.get("processes", [])) if item else []
        return {
            "build_number": build_number,
            "previous_build_number": current or None,
            "processes": sorted(processes),
            "scaled_to_zero": sorted(set(previous) - set(processes)),
        }

    before, after = store.update(keys.app_pk(app), keys.DEPLOY_CLAIM_SK, change)
    result = after or before
    assert result is not None
    return result


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
    ref: AppRef, process: str, planned: PlannedProcess, build_number: int, ecs: EcsConfig, client_token: str
) -> dict[str, Any]:
    """The CreateService request of a process type's first deploy. Pure."""
    return {
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
        "propagateTags": "SERVICE",
        "enableECSManagedTags": True,
        "tags": [
            {"key": "apppack:appName", "value": ref.name},
            {"key": "apppack:processType", "value": process},
        ],
        "clientToken": client_token,
    }


def _deploy_service(
    ref: AppRef, number: int, process: str, planned: PlannedProcess, ecs: EcsConfig,
    existing: ServiceInfo | None, deps: PipelineDeps,
) -> dict[str, Any]:  # fmt: skip
    name = ref.ecs_name(process)
    if existing is not None and existing.status == "ACTIVE":
        revive = planned.min_processes if existing.desired_count < planned.min_processes else None
        info = deps.ecs.update_service(ecs.cluster, name, task_definition=planned.task_definition, desired_count=revive)
        action = "updated"
    else:
        token = client_token(ref.name, number, "create-service", process)
        info = deps.ecs.create_service(create_service_input(ref, process, planned, number, ecs, token))
        action = "created"
    if info.primary_deployment_id:
        deps.store.put(
            {
                "primary_id": keys.deployment_pk(info.primary_deployment_id),
                "secondary_id": keys.LOOKUP_SK,
                "app": ref.name,
                "build_number": number,
                "process": process,
                "service": name,
                **expires_after(TRANSIENT_TTL_SECONDS),
            }
        )
    return {"service_arn": info.arn, "deployment_id": info.primary_deployment_id, "action": action}


def start_deploy(
    ref: AppRef, number: int, at: int | None, deps: PipelineDeps | None = None, *, record: BuildRecord | None = None
) -> DeployOutcome:
    """Deploy the build's planned process types, unless a newer build is deploying. Safe to repeat.
    `record`: the build record as the caller just stored it (else it is read)."""
    deps = deps or PipelineDeps()
    app = ref.name
    record = record or load_record(deps.store, app, number)
    if record is None or record.plan is None:
        return DeployOutcome("no plan", app, number)
    if record.superseded_by:
        return DeployOutcome("superseded", app, number)
    if record.deploy is not None:
        # The deploy has begun: every service was claimed and recorded (or it failed, and is not retried).
        # A late or repeated event changes nothing, and never marks a build that deployed as superseded.
        return DeployOutcome(f"deploy {record.deploy.state or 'started'}", app, number)
    plan = record.plan
    claim = claim_deploy(deps.store, app, number, list(plan.processes))
    holder = int(claim["build_number"])
    if holder != number:
        logger.info("a newer build is deploying; this build is superseded", extra={"app": app, "newer": holder})
        metrics.add_metric(name="SupersededBuilds", unit=MetricUnit.Count, value=1)
        change_record(deps.store, app, number, lambda r: with_superseded(r, holder), current=record)
        return DeployOutcome("superseded", app, number)
    removed = [str(p) for p in claim.get("scaled_to_zero", [])]
    ecs = load_ecs_config(ref, deps)
    scope = keys.build_scope(number)
    services: dict[str, ServiceDeployment] = {}
    try:
        existing = deps.ecs.describe_services(
            ecs.cluster, [ref.ecs_name(p) for p in [*sorted(plan.processes), *removed]]
        )
        check_services(ref, existing.values())  # before any action: another app's service is never touched
        for process in sorted(plan.processes):
            planned = plan.processes[process]

            def deploy(process: str = process, planned: PlannedProcess = planned) -> dict[str, Any]:
                found = existing.get(ref.ecs_name(process))
                return _deploy_service(ref, number, process, planned, ecs, found, deps)

            result, _ = claimed(deps.store, app, scope, "deploy-service", process, deploy)
            services[process] = ServiceDeployment(
                service_name=ref.ecs_name(process),
                service_arn=str(result.get("service_arn") or ""),
                deployment_id=str(result.get("deployment_id") or ""),
                action=str(result.get("action") or ""),
            )
        for process in removed:
            found = existing.get(ref.ecs_name(process))
            if found is None or found.status != "ACTIVE":
                continue

            def scale_down(name: str = found.name) -> dict[str, Any]:
                return {"service_arn": deps.ecs.update_service(ecs.cluster, name, desired_count=0).arn}

            claimed(deps.store, app, scope, "scale-to-zero", process, scale_down)
    except (ClientError, ForeignResourceError) as error:
        message = f"deploy failed: {error}"
        logger.error(message, extra={"app": app, "build_number": number})
        metrics.add_metric(name="DeployFailures", unit=MetricUnit.Count, value=1)
        failed = Phase(state=PhaseState.FAILED, start=at, end=at, error=message)
        _, after = change_record(
            deps.store, app, number, lambda r: with_services(with_phase(r, "deploy", failed), services), current=record
        )
        write_deploy_status(deps.store, after)  # the deploy ended: DEPLOYSTATUS says so (unless a newer build's)
        return DeployOutcome("deploy failed", app, number)

    started = Phase(state=PhaseState.STARTED, start=at, arns=sorted(s.service_arn for s in services.values()))

    def change(record: BuildRecord) -> BuildRecord:
        record = with_services(with_phase(record, "deploy", started), services)
        gone = sorted(set(record.scaled_to_zero or []) | set(removed))
        return record.model_copy(update={"scaled_to_zero": gone or None})

    change_record(deps.store, app, number, change, current=record)
    logger.info("deploy started", extra={"app": app, "build_number": number, "services": sorted(services)})
    return DeployOutcome("deploy started", app, number)


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


def record_deployment_event(event: DeploymentStateChangeEvent, deps: PipelineDeps | None = None) -> DeployOutcome:
    deps = deps or PipelineDeps()
    lookup = deps.store.get(keys.deployment_pk(event.detail.deployment_id), keys.LOOKUP_SK)
    if lookup is None:
        logger.debug("ECS deployment not managed; acknowledged", extra={"deployment": event.detail.deployment_id})
        return DeployOutcome("not managed")
    app, number, process = str(lookup["app"]), int(lookup["build_number"]), str(lookup["process"])
    state, reason = deployment_state(event)
    moment = event.detail.updated_at or event.time
    update = ServiceDeployment(
        service_name=str(lookup["service"]),
        service_arn=event.service_arn or "",
        deployment_id=event.detail.deployment_id,
        state=state,
        reasons=[reason] if reason else [],
        updated=int(moment.timestamp()) if moment else None,
    )

    def change(record: BuildRecord) -> BuildRecord:
        record = with_services(record, {process: update})
        phase, error = derive_deploy_phase(record)
        return with_phase(record, "deploy", phase, error=error) if phase else record

    before, after = change_record(deps.store, app, number, change)
    closed = after.deploy is not None and after.deploy.state in (PhaseState.SUCCEEDED, PhaseState.FAILED)
    was_closed = (
        before is not None
        and before.deploy is not None
        and before.deploy.state in (PhaseState.SUCCEEDED, PhaseState.FAILED)
    )
    if closed:
        write_deploy_status(deps.store, after)
    if closed and not was_closed:
        succeeded = after.deploy is not None and after.deploy.state is PhaseState.SUCCEEDED
        metrics.add_metric(name="Deploys" if succeeded else "DeployFailures", unit=MetricUnit.Count, value=1)
        log = logger.info if succeeded else logger.error
        log(
            f"deploy {'succeeded' if succeeded else 'failed'}",
            extra={"app": app, "build_number": number, "error": after.deploy.error if after.deploy else None},
        )
        if succeeded and write_deployed(deps.store, after):
            assert after.plan is not None
            hooks.run_deployed_hooks(app, number, {p: s.task_definition for p, s in after.plan.processes.items()})
    return DeployOutcome(f"deployment {state.lower()}", app, number, process)


# --- deploy status -------------------------------------------------------------------------------


class DeployStatusProcess(BaseModel):
    name: str
    cpu: int
    memory: int
    min_processes: int
    max_processes: int
    state: str
    command: str


class DeployStatus(BaseModel):
    """AppPack's `DEPLOYSTATUS` item (`DEPLOYSTATUS#<pr>` under the pipeline for a review app)."""

    phase: str  # "complete", or the phase that failed
    processes: list[DeployStatusProcess]
    build_id: str
    build_number: int
    commit: str
    last_update: int
    failed: bool


_PROCESS_STATE = {"COMPLETED": "running", "FAILED": "failed", "IN_PROGRESS": "deploying"}


def deploy_status(record: BuildRecord) -> DeployStatus:
    assert record.plan is not None
    assert record.deploy is not None
    services = record.services or {}
    processes = [
        DeployStatusProcess(
            name=name, cpu=p.cpu, memory=p.memory, min_processes=p.min_processes, max_processes=p.max_processes,
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


def write_deploy_status(store: Store, record: BuildRecord) -> bool:
    """Write DEPLOYSTATUS for this build unless a newer build's is there: one conditional write, no read.
    This build's own status may be rewritten (its services' states move on). True when written."""
    pk, sk = AppRef(record.app).deploystatus_key
    status = deploy_status(record).model_dump(mode="json")
    return store.set_fields_unless_newer(pk, sk, status, order="build_number", replace_equal=True)


def write_failed_deploy_status(store: Store, record: BuildRecord, phase: str, when: int | None) -> bool:
    """A build that failed before deploying (its release): DEPLOYSTATUS says so (`phase`, `failed`, this build),
    unless a newer build's status is there. One conditional write, no read. Nothing was deployed, so the
    `processes` already there (what still runs, from the last deploy) are kept; [] when there are none."""
    pk, sk = AppRef(record.app).deploystatus_key
    fields = {
        "phase": phase,
        "failed": True,
        "build_id": record.build_arn,
        "build_number": record.build_number,
        "commit": record.commit,
        "last_update": when or 0,
    }
    return store.set_fields_unless_newer(
        pk, sk, fields, order="build_number", replace_equal=True, defaults={"processes": []}
    )


class DeployedProcess(BaseModel):
    command: str
    task_definition: str


class Deployed(BaseModel):
    """What runs now: the app's last successful deploy (`APP#<app>` / `DEPLOYED`)."""

    app: str
    build_number: int
    commit: str
    processes: dict[str, DeployedProcess]
    task_definition: str  # for one-off tasks (release, scheduled tasks)
    container_name: str


def write_deployed(store: Store, record: BuildRecord) -> bool:
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
    # One conditional write, no read; strictly newer, so this build's hooks run once however often it ends.
    return store.set_fields_unless_newer(
        keys.app_pk(record.app), keys.DEPLOYED_SK, deployed, order="build_number", replace_equal=False
    )


def current_deployment(app: str, store: Store | None = None) -> Deployed | None:
    """The app's last successful deploy (build, commands, task definitions), or None before the first."""
    item = (store or Store()).get(keys.app_pk(app), keys.DEPLOYED_SK)
    return Deployed.model_validate(item) if item else None


def read_deploy_status(app: str, store: Store | None = None) -> DeployStatus | None:
    pk, sk = AppRef(app).deploystatus_key
    item = (store or Store()).get(pk, sk)
    return DeployStatus.model_validate(item) if item else None
