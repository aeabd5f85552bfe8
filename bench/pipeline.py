"""Figure 2: AWS API calls of one full happy-path pipeline, by service and operation, against a minimum.

The pipeline runs through the real handlers, in process, on moto. Build 1 of the app is run first and not
counted (it creates the ECS services); build 2 is the measured one, a push to an app that already runs,
the usual case. Its events: the 12 CodeBuild events of a successful build (IN_PROGRESS, ten phase changes, SUCCEEDED), the release task's STOPPED event (exit 0), and for each of
the two services (web, worker) ECS's SERVICE_DEPLOYMENT_IN_PROGRESS and SERVICE_DEPLOYMENT_COMPLETED.
Events are built with orchestrator/local (aws_events, ecs_events) from what moto returned to the handlers
(task ARN, service ARNs, deployment ids), and each goes to the handler whose rule matches it, as EventBridge
routes it. Only the handlers' calls are counted (the harness's own setup and DescribeTasks are not).

The minimum is justified step by step in MINIMUM below; Powertools idempotency (2 writes per event: the
in-progress record and the stored result) is counted apart, as the price of answering exact redeliveries
without running the logic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench import container
from bench.cases import discover_handlers
from bench.container import PROCESSES, declare_container_app, route
from bench.world import IDEMPOTENCY, LOGIC, CallMeter, World, fresh_world
from orchestrator.adapters.store import Store
from orchestrator.events.patterns import CODEBUILD_HANDLER, ECS_DEPLOYMENT_HANDLER, ECS_TASK_HANDLER
from orchestrator.pipeline import keys

UNIT = "API calls (count) for one pipeline; ratio: calls / justified minimum"
APP = "shop"
WARM_BUILD, BUILD = 1, 2  # build 1 creates the services (not counted); build 2 is measured
REQUIRED_HANDLERS = (CODEBUILD_HANDLER, ECS_TASK_HANDLER, ECS_DEPLOYMENT_HANDLER)


@dataclass(frozen=True)
class MinimumStep:
    """Calls that one step of the pipeline cannot do without, and why."""

    step: str
    times: int
    calls: dict[tuple[str, str], int]
    why: str


CODEBUILD_EVENTS = 12
DEPLOYMENT_EVENTS = 2 * len(PROCESSES)
# The justified minimum, step by step. Writes are named by the operation the store uses for that conditional
# write (UpdateItem for a CodeBuild event's forward-only merge, PutItem with a condition elsewhere); the
# other operation would do as well, one call either way.
# DESIGN.md's contract is kept: every side effect without a client token is claimed by one conditional
# write first (RegisterTaskDefinition, UpdateService); RunTask has a client token, so it needs no claim;
# newest build wins through one conditional write of the app's deploy claim.
MINIMUM: tuple[MinimumStep, ...] = (
    MinimumStep(
        "each CodeBuild event",
        CODEBUILD_EVENTS,
        {("dynamodb", "UpdateItem"): 1},
        "the event carries the build's environment, whose APPNAME names the app (no lookup); 1 conditional "
        "UpdateItem merges the phases forward-only (the condition keeps it forward-only; no prior read needed)",
    ),
    MinimumStep(
        "build SUCCEEDED: plan and start the release",
        1,
        {
            ("s3", "GetObject"): 1,
            ("dynamodb", "GetItem"): 2,
            ("ssm", "DescribeParameters"): 1,
            ("ssm", "GetParameter"): 1,
            ("ecs", "RegisterTaskDefinition"): len(PROCESSES),
            ("dynamodb", "PutItem"): len(PROCESSES) + 2,
            ("ecs", "RunTask"): 1,
        },
        "read apppack.toml, CONFIG#ecs, the app's deploy claim (is a newer build deploying? first deploy?), "
        "the config parameter names (DescribeParameters: names only, for secrets.valueFrom) and the scaling "
        "parameter; claim (1 write) and register one task definition per process type (the release runs the "
        "web definition with a command override); RunTask with a client token (no claim); write the TASK#<arn> "
        "lookup, and the plan with the release phase in the record (1 write)",
    ),
    MinimumStep(
        "release task STOPPED (exit 0): deploy",
        1,
        {
            ("dynamodb", "GetItem"): 2,
            ("dynamodb", "PutItem"): 1 + 2 * len(PROCESSES) + 1,
            ("ecs", "DescribeServices"): 1,
            ("ecs", "UpdateService"): len(PROCESSES),
        },
        "read the TASK# lookup and the build record (its plan); take the app's newest-build-wins deploy claim "
        "(1 conditional write, no read); describe the services once; claim (1 write) and UpdateService each; "
        "write a DEPLOYMENT#<id> lookup per service; write the record (release succeeded, deploy started)",
    ),
    MinimumStep(
        "each ECS deployment event",
        DEPLOYMENT_EVENTS,
        {("dynamodb", "GetItem"): 1, ("dynamodb", "PutItem"): 1},
        "1 read of the DEPLOYMENT#<id> lookup; 1 conditional write of the service's state in the record",
    ),
    MinimumStep(
        "last deployment COMPLETED: deployed",
        1,
        {("dynamodb", "PutItem"): 2},
        "write DEPLOYSTATUS and DEPLOYED, each conditional on no newer build (no read needed)",
    ),
)


def minimum_calls() -> Counter[tuple[str, str]]:
    total: Counter[tuple[str, str]] = Counter()
    for step in MINIMUM:
        for key, count in step.calls.items():
            total[key] += count * step.times
    return total


def describe(event: dict[str, Any]) -> str:
    """A short name for an event: its detail-type and what it says."""
    detail = event.get("detail", {})
    said = (
        detail.get("build-status")
        or (detail.get("completed-phase") and f"{detail['completed-phase']} {detail.get('completed-phase-status')}")
        or detail.get("eventName")
        or (
            detail.get("lastStatus")
            and f"{detail['lastStatus']} exit {detail.get('containers', [{}])[0].get('exitCode')}"
        )
        or ""
    )
    return f"{event.get('detail-type')}: {said}"


@dataclass
class Stage:
    name: str
    events: int = 0
    calls: CallMeter = field(default_factory=CallMeter)
    per_event: list[dict[str, Any]] = field(default_factory=list)


def deliver(world: World, stage: Stage, events: list[dict[str, Any]]) -> None:
    for event in events:
        for handler in route(world, event):
            world.meter.reset()
            with world.meter.counting():
                response = world.invoke(handler, event)
            stage.calls.add(world.meter)
            stage.events += 1
            stage.per_event.append(
                {"event": describe(event), "handler": handler, "calls": world.meter.by_operation(),
                 "calls_total": world.meter.total(), "dynamodb_calls_by_item": world.meter.by_item_kind(),
                 "response": _short(response)}
            )  # fmt: skip
    world.meter.reset()


def _record(number: int = BUILD) -> dict[str, Any]:
    item = Store().get(keys.app_pk(APP), keys.build_sk(number))
    if item is None:
        raise RuntimeError(f"the pipeline wrote no record of build {number}")
    return item


def drive(world: World) -> tuple[list[Stage], list[str]]:
    """Run build 1 (not counted), then build 2; returns build 2's stages and what is pending."""
    available = {d.handler_path for d in discover_handlers() if d.importable}
    pending = [f"{h} does not import yet" for h in REQUIRED_HANDLERS if h not in available]
    declare_container_app(world, APP)
    if not pending:
        container.deploy_fully(world, APP, WARM_BUILD)
    return drive_build(world, BUILD, pending)


def drive_build(world: World, number: int, pending: list[str]) -> tuple[list[Stage], list[str]]:
    """One build from IN_PROGRESS to deployed, through the handlers, counted stage by stage."""
    container.upload_build(APP, number)
    stages = [Stage("CodeBuild: IN_PROGRESS, 10 phase changes, SUCCEEDED")]
    deliver(world, stages[0], container.codebuild_events(APP, number))
    if pending:
        return stages, pending
    try:
        stopped = container.release_stopped(world, APP, number)
        stages.append(Stage("release task STOPPED (exit 0)"))
        deliver(world, stages[-1], [stopped])
        events = [*container.deployment_in_progress(APP, number), *container.deployment_done(APP, number)]
        stages.append(Stage("ECS deployments: IN_PROGRESS and COMPLETED per service"))
        deliver(world, stages[-1], events)
    except RuntimeError as error:  # a step the pipeline did not take
        return stages, [str(error)]
    return stages, []


def _outcome(world: World) -> dict[str, Any]:
    record = _record()
    status = Store().get(keys.app_pk(APP), keys.DEPLOYSTATUS_SK)
    return {
        "codebuild_status": record.get("codebuild_status"),
        "phases": {p: (record.get(p) or {}).get("state") for p in ("build", "test", "finalize", "release", "deploy")},
        "services": sorted(record.get("services") or {}),
        "deploystatus_phase": status.get("phase") if status else None,
    }


def run() -> dict[str, Any]:
    with fresh_world() as world:
        stages, pending = drive(world)
        outcome = _outcome(world)
    total: Counter[tuple[str, str, str]] = Counter()
    for stage in stages:
        total.update(stage.calls.calls)
    minimum = minimum_calls() if not pending else Counter()
    rows = []
    operations = sorted({(s, o) for s, o, _ in total} | set(minimum))
    for service, operation in operations:
        logic = total[(service, operation, LOGIC)]
        idem = total[(service, operation, IDEMPOTENCY)]
        floor = minimum.get((service, operation), 0)
        rows.append(
            {"service": service, "operation": operation, "calls": logic, "idempotency_calls": idem,
             "minimum": floor if not pending else None, "excess": logic - floor if not pending else None}
        )  # fmt: skip
    logic_total = sum(c for (_, _, p), c in total.items() if p == LOGIC)
    idem_total = sum(c for (_, _, p), c in total.items() if p == IDEMPOTENCY)
    minimum_total = sum(minimum.values())
    return {
        "title": "AWS calls per pipeline",
        "unit": UNIT,
        "complete": not pending,
        "pending": pending,
        "outcome": outcome,
        "events": sum(s.events for s in stages),
        "stages": [
            {
                "stage": s.name,
                "events": s.events,
                "calls": s.calls.by_operation(),
                "calls_total": s.calls.total(),
                "dynamodb_calls_by_item": s.calls.by_item_kind(),
                "per_event": s.per_event,
            }
            for s in stages
        ],
        "rows": rows,
        "calls_total": logic_total,
        "idempotency_calls_total": idem_total,
        "minimum_total": minimum_total if not pending else None,
        "ratio": round(logic_total / minimum_total, 2) if minimum_total and not pending else None,
        "ratio_with_idempotency": round((logic_total + idem_total) / minimum_total, 2)
        if minimum_total and not pending
        else None,
        "minimum": [
            {"step": m.step, "times": m.times, "calls": {f"{s}:{o}": n for (s, o), n in m.calls.items()}, "why": m.why}
            for m in MINIMUM
        ],
        "scans": sum(s.calls.scans for s in stages),
        "measured_build": BUILD,
    }


def _short(response: Any) -> Any:
    if isinstance(response, dict):
        return {k: v for k, v in response.items() if v is not None}
    return repr(response)
