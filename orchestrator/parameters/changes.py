"""One Parameter Store Change → the app's ECS services, autoscaling, schedules or access items.

Every path follows the same steps (see state.py for why this ends in the state of the last write):

1. parse the name (foreign names: acknowledged, nothing else), check the app is declared;
2. take a ticket, then read the parameter's CURRENT value (config: names and versions only);
3. unchanged since the last apply (same fingerprint): done, no side effect;
4. validate; invalid: error in the state record, the log and a metric, and nothing else changes;
5. a newer handler has started meanwhile: stop, it applies a view at least as new;
6. apply, then record what was applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.adapters.certificates import Certificates
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.event_bus import EventBus
from orchestrator.adapters.images import Images
from orchestrator.adapters.load_balancing import LoadBalancing
from orchestrator.adapters.parameters import Parameters
from orchestrator.adapters.scheduling import Scheduling
from orchestrator.adapters.store import Store
from orchestrator.events.ssm import ParameterStoreChangeEvent
from orchestrator.observability import logger, metrics
from orchestrator.parameters.access import apply_grants
from orchestrator.parameters.context import AppContext, declared, load_context, review_apps
from orchestrator.parameters.domains import domains_refusal, parse_domains
from orchestrator.parameters.names import (
    ParameterKind,
    ParameterRef,
    Target,
    config_path,
    kind_name,
    parse_parameter_name,
)
from orchestrator.parameters.rollout import ROLLOUT_SK, Rollout, RolloutResult, RunningApp, scope_for
from orchestrator.parameters.scaling import InvalidParameterError, ProcessScaling, ScalingSpec
from orchestrator.parameters.schedules import (
    TaskTemplate,
    applied_tasks,
    cluster_arn_from,
    plan_rules,
    scheduled_tasks_refused,
    sync_rules,
)
from orchestrator.parameters.settled import no_schedules, scaling_in_line
from orchestrator.parameters.state import ParameterStates, Ticket, state_sk
from orchestrator.parameters.values import (
    emails_of,
    refused_tasks_message,
    scaling_names,
    scaling_of,
    tasks_of,
    text_of,
    value_of,
)
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.ownership import ForeignResourceError
from orchestrator.pipeline.release_deployments import track_release_deployments
from orchestrator.pipeline.releases import Release, ReleaseKind, ReleaseService, record_release
from orchestrator.pipeline.taskdefs import ENV_NAME, RuntimeInputsError
from orchestrator.routing.domains import DomainClaimedError, DomainDeps, apply_domains
from orchestrator.settings import get_settings

Status = Literal["not managed", "ignored", "applied", "recorded", "deferred", "unchanged", "superseded", "rejected"]


@dataclass(frozen=True)
class ParameterOutcome:
    status: Status
    parameter: str
    kind: str | None = None
    target: str | None = None
    message: str = ""
    changes: tuple[str, ...] = ()
    details: tuple[ParameterOutcome, ...] = ()
    registered: bool = False  # new task-definition revisions were registered (what runs changed)

    def response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "parameter": self.parameter}
        for key in ("kind", "target", "message"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        if self.changes:
            body["changes"] = list(self.changes)
        if self.details:
            body["targets"] = [d.response() for d in self.details]
        return body


@dataclass
class ParameterDeps:
    store: Store = field(default_factory=Store)
    parameters: Parameters = field(default_factory=Parameters)
    scheduling: Scheduling = field(default_factory=Scheduling)
    rollout: Rollout | None = None
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    certificates: Certificates = field(default_factory=Certificates)
    ecs: Ecs = field(default_factory=Ecs)
    images: Images = field(default_factory=Images)
    bus: EventBus = field(default_factory=EventBus)

    def __post_init__(self) -> None:
        self.states = ParameterStates(self.store)
        if self.rollout is None:
            self.rollout = Rollout(self.store)

    @property
    def roll(self) -> Rollout:
        assert self.rollout is not None
        return self.rollout


def _outcome(ref: ParameterRef, target: Target, status: Status, message: str = "", changes: list[str] | None = None) -> ParameterOutcome:  # fmt: skip
    return ParameterOutcome(status, ref.name, ref.kind.value, target.key, message, tuple(changes or ()))


def _reject(deps: ParameterDeps, ticket: Ticket, ref: ParameterRef, parameter: str, fingerprint: str, message: str) -> ParameterOutcome:  # fmt: skip
    deps.states.record_error(ticket, parameter, fingerprint, message)
    metrics.add_metric(name="InvalidParameters", unit=MetricUnit.Count, value=1)
    logger.error(
        "parameter rejected; nothing changed",
        extra={"parameter": parameter, "kind": ref.kind.value, "target": ticket.target.key, "error": message},
    )
    return _outcome(ref, ticket.target, "rejected", message)


def _unchanged(deps: ParameterDeps, ticket: Ticket, ref: ParameterRef, fingerprint: str) -> ParameterOutcome:
    deps.states.clear_stale_error(ticket, fingerprint)  # e.g. the rejected value was deleted
    return _outcome(ref, ticket.target, "unchanged", "already applied")


def _defer(deps: ParameterDeps, ticket: Ticket, ref: ParameterRef) -> ParameterOutcome:
    message = "a deploy is in progress; the change is applied when the deploy ends"
    deps.states.mark_deferred(ticket, message)
    logger.info("parameter change deferred", extra={"parameter": ref.name, "target": ticket.target.key})
    return _outcome(ref, ticket.target, "deferred", message)


@dataclass(frozen=True)
class Current:
    """A parameter's current value, read under a freshly taken ticket (steps 2 and 3 of every kind)."""

    ticket: Ticket
    value: str | None
    fingerprint: str
    source: str  # the parameter the value came from
    unchanged: ParameterOutcome | None  # set when this fingerprint is already applied: the kind stops here


def _take_current(
    deps: ParameterDeps, ref: ParameterRef, *, target: Target | None = None, kind: ParameterKind | None = None,
    read: Callable[[], tuple[str | None, str, str]] | None = None, extend: Callable[[str], str] | None = None,
    check_unchanged: bool = True, ctx: AppContext | None = None,
) -> Current:  # fmt: skip
    """Take a ticket, THEN read the current value (so a newer write gets a newer ticket), fingerprint it
    (`extend` adds what else the applied state depends on), and say whether it is already applied. `ctx`:
    when it was read with the state items, the ticket's write starts from the state item read there."""
    target = target or ref.target
    kind = kind or ref.kind
    if ctx is not None and ctx.states is not None:
        ticket = deps.states.take_ticket(target, kind, current=ctx.state(state_sk(kind)), read=True)
    else:
        ticket = deps.states.take_ticket(target, kind)
    value, fingerprint, source = (read or (lambda: value_of(deps.parameters, [ref.name])))()
    if extend is not None:
        fingerprint = extend(fingerprint)
    unchanged = None
    if check_unchanged and fingerprint == ticket.applied_fingerprint:
        unchanged = _unchanged(deps, ticket, ref, fingerprint)
    return Current(ticket, value, fingerprint, source, unchanged)


UNKNOWN_WRITER = "parameter store change"  # a deleted parameter, or Parameter Store does not say


def parameter_writer(deps: ParameterDeps, name: str) -> str:
    """Who wrote the parameter (its LastModifiedUser): a release's caller."""
    if name.endswith("/*"):  # a deferred config change re-applied after a deploy: no one parameter
        return UNKNOWN_WRITER
    return deps.parameters.last_modified_user(name) or UNKNOWN_WRITER


# -- access lists ---------------------------------------------------------------------------------------------


def _access(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    target = ref.target
    if target.kind == "review_app":
        return _outcome(ref, target, "ignored", "review apps have no access list; use the pipeline's users")
    current = _take_current(deps, ref)
    if current.unchanged is not None:
        return current.unchanged
    ticket, fingerprint = current.ticket, current.fingerprint
    try:
        emails = emails_of(current.value, ref)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer change of this parameter is being applied")
    before = list((ticket.applied_desired or {}).get("emails") or [])
    change = apply_grants(deps.store, target, ref.kind, ref.name, before, emails)
    deps.states.record_applied(ticket, ref.name, fingerprint, {"emails": emails})
    changes = [f"granted {e}" for e in change.granted] + [f"revoked {e}" for e in change.revoked]
    return _outcome(ref, target, "applied", f"{len(emails)} email(s) granted", changes)


# -- scaling --------------------------------------------------------------------------------------------------


def default_size(ctx: AppContext) -> ProcessScaling:
    return ProcessScaling(cpu=ctx.ecs.default_cpu, memory=ctx.ecs.default_memory, min_processes=1, max_processes=1)


def effective_sizes(ctx: AppContext, spec: ScalingSpec, processes: list[str]) -> dict[str, ProcessScaling]:
    """Every running process's size: from the spec, or the app's defaults (1 process) when not listed."""
    return {p: spec.for_process(p) or default_size(ctx) for p in processes}


def apply_scaling(
    target: Target, ref: ParameterRef, deps: ParameterDeps, ctx: AppContext | None = None
) -> ParameterOutcome:
    """`ctx`: the target's context as the caller just loaded it (else it is read here)."""
    prefix = get_settings().ssm_prefix
    ctx = ctx or load_context(deps.store, target)
    if ctx is None:
        return _outcome(ref, target, "not managed", f"{target.describe()} is not declared")
    known = ctx.process_names if ctx.deployed else None
    current = _take_current(
        deps, ref, target=target, kind=ParameterKind.SCALING,
        read=lambda: value_of(deps.parameters, scaling_names(target, prefix)),
        extend=lambda f: f"{f}|processes={','.join(sorted(known or []))}|build={ctx.build_number}", ctx=ctx,
    )  # fmt: skip
    if current.unchanged is not None:
        return current.unchanged
    ticket, value, fingerprint, source = current.ticket, current.value, current.fingerprint, current.source
    try:
        spec = scaling_of(value, source, known)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, source, fingerprint, str(error))
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer change of this parameter is being applied")
    desired = {"scaling": spec.to_json(), "source": source if value is not None else None}
    running = deps.roll.running(ctx)
    if running is None:
        deps.states.record_applied(ticket, source, fingerprint, desired)
        return _outcome(ref, target, "recorded", "not deployed yet: the first deploy uses this scaling")
    if deps.roll.deploy_in_progress(ctx):
        return _defer(deps, ticket, ref)
    sizes = effective_sizes(ctx, spec, sorted(running.processes))
    resized = [
        p for p, s in sizes.items() if (s.cpu, s.memory) != (running.processes[p].cpu, running.processes[p].memory)
    ]
    revisions: dict[str, str] = {}
    try:
        if resized:
            revisions = deps.roll.register(
                ctx, running, scope=scope_for("scaling", f"{target.key}|{fingerprint}"),
                secrets=applied_config_secrets(ctx.target, deps), sizes=sizes, processes=resized,
            )  # fmt: skip
        result = deps.roll.apply(ctx, running, task_definitions=revisions, sizes=sizes)
    except (ForeignResourceError, RuntimeInputsError) as error:  # another app's service or family
        return _reject(deps, ticket, ref, source, fingerprint, str(error))
    if revisions:
        _repoint_schedules(ctx, deps)
        _record_release(ctx, running, revisions, result, deps, scope_for("scaling", f"{target.key}|{fingerprint}"),
                        "scaling", f"resize {', '.join(sorted(revisions))}",
                        parameter_writer(deps, source) if value is not None else UNKNOWN_WRITER)  # fmt: skip
    # The process types it was applied to: after a deploy of the same ones, nothing is left to apply (settled.py).
    deps.states.record_applied(ticket, source, fingerprint, {**desired, "processes": sorted(sizes)})
    outcome = _outcome(ref, target, "applied", f"scaling of {len(sizes)} process type(s)", result.changes())
    return replace(outcome, registered=bool(revisions))


def _scaling(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    if ref.target.kind != "pipeline":
        return apply_scaling(ref.target, ref, deps)
    # A pipeline's scaling is the default of its review apps: validate it here, apply it to each of them.
    # Never "unchanged": a review app added since the last change still needs it applied.
    current = _take_current(deps, ref, check_unchanged=False)
    ticket, fingerprint = current.ticket, current.fingerprint
    try:
        spec = scaling_of(current.value, ref.name)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    deps.states.record_applied(ticket, ref.name, fingerprint, {"scaling": spec.to_json()})
    details = tuple(apply_scaling(t, ref, deps) for t in review_apps(deps.store, ref.target.name))
    return ParameterOutcome("applied", ref.name, ref.kind.value, ref.target.key, f"{len(details)} review app(s)", details=details)  # fmt: skip


# -- config ---------------------------------------------------------------------------------------------------


def config_secrets(target: Target, deps: ParameterDeps) -> tuple[dict[str, str], str]:
    """(VAR → parameter ARN, fingerprint of names+versions) of a target's config, never reading values.
    A review app merges its pipeline's config with its own; the review app's wins."""
    prefix = get_settings().ssm_prefix
    paths = [config_path(target, prefix)]
    if target.kind == "review_app":
        paths.insert(0, config_path(Target("pipeline", target.name), prefix))
    secrets: dict[str, str] = {}
    prints: list[str] = []
    for path in paths:
        for meta in deps.parameters.list_names(path):
            var = meta.name[len(path) + 1 :]
            if not ENV_NAME.match(var):
                logger.warning("config parameter is not a valid variable name; skipped", extra={"name": meta.name})
                continue
            secrets[var] = meta.arn or _arn(meta.name)
            prints.append(meta.fingerprint)
    digest = hashlib.sha256("\n".join(prints).encode()).hexdigest()
    return secrets, digest


def applied_config_secrets(target: Target, deps: ParameterDeps) -> dict[str, str]:
    """The config the config handler last rolled out (VAR → ARN), for revisions made for another reason (a
    resize). Reading the live names instead would roll out a config change whose own event then finds it
    "already applied" and leaves the other processes behind. Before any config change: the live names, as
    the deploy read them."""
    applied = deps.states.applied_desired(target, ParameterKind.CONFIG).get("secrets")
    if isinstance(applied, dict):
        return {str(k): str(v) for k, v in applied.items()}
    return config_secrets(target, deps)[0]


def _arn(name: str) -> str:
    from orchestrator.local.aws_events import ACCOUNT  # only when SSM did not return the ARN (old moto)

    return f"arn:aws:ssm:{get_settings().region}:{ACCOUNT}:parameter/{name.lstrip('/')}"


# Read with a config change's context, in its one BatchGetItem: the config state (its ticket starts from it),
# what was rolled out (what runs now) and the scheduled tasks (re-pointed after the rollout).
CONFIG_STATES = (state_sk(ParameterKind.CONFIG), ROLLOUT_SK, state_sk(ParameterKind.SCHEDULED_TASKS))


def apply_config(target: Target, ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    ctx = load_context(deps.store, target, CONFIG_STATES)
    if ctx is None:
        return _outcome(ref, target, "not managed", f"{target.describe()} is not declared")
    secrets: dict[str, str] = {}

    def read() -> tuple[str | None, str, str]:
        found, fingerprint = config_secrets(target, deps)
        secrets.update(found)
        return None, fingerprint, ref.name

    current = _take_current(deps, ref, target=target, kind=ParameterKind.CONFIG, read=read, ctx=ctx)
    if current.unchanged is not None:
        return current.unchanged
    ticket, fingerprint = current.ticket, current.fingerprint
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer config change is being applied")
    desired = {"variables": sorted(secrets), "secrets": secrets}
    running = deps.roll.running(ctx)
    if running is None:
        deps.states.record_applied(ticket, ref.name, fingerprint, desired)
        return _outcome(ref, target, "recorded", "not deployed yet: the first deploy uses these config names")
    if deps.roll.deploy_in_progress(ctx):
        return _defer(deps, ticket, ref)
    sizes = {
        p: ProcessScaling(cpu=n.cpu, memory=n.memory, min_processes=1, max_processes=1)
        for p, n in running.processes.items()
    }
    try:
        revisions = deps.roll.register(
            ctx, running, scope=scope_for("config", f"{target.key}|{fingerprint}"), secrets=secrets, sizes=sizes
        )
        result = deps.roll.apply(ctx, running, task_definitions=revisions, sizes=None)
    except (ForeignResourceError, RuntimeInputsError) as error:  # another app's service or family
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    _repoint_schedules(ctx, deps)
    if revisions:
        _record_release(ctx, running, revisions, result, deps, scope_for("config", f"{target.key}|{fingerprint}"),
                        "config", f"config: {', '.join(sorted(secrets)) or 'no variables'}",
                        parameter_writer(deps, ref.name))  # fmt: skip
    deps.states.record_applied(ticket, ref.name, fingerprint, desired)
    return _outcome(ref, target, "applied", f"{len(secrets)} config variable(s)", result.changes())


def _record_release(
    ctx: AppContext, running: RunningApp, revisions: dict[str, str], result: RolloutResult, deps: ParameterDeps,
    scope: str, kind: ReleaseKind, description: str, caller: str,
) -> None:  # fmt: skip
    """The change is a release: the new revisions, and the current one of every other process type. It is
    `deploying` until the ECS deployments its UpdateService calls started have ended (as a deploy's)."""
    current = {p: n.task_definition for p, n in running.processes.items() if n.task_definition}
    release, recorded = record_release(
        deps.store, ctx.target.key, scope=scope, kind=kind, description=description[:200],
        build_number=running.build_number, task_definitions={**current, **revisions}, caller=caller,
    )  # fmt: skip
    stored = None
    if recorded or release.status == "deploying":
        services = {p: ReleaseService(service=s, deployment_id=d) for p, (s, d) in result.deployments.items()}
        stored = track_release_deployments(deps.store, ctx.target.key, release.version, services)
    _publish_rollout(deps, ctx.target.key, release.version, stored)


def _publish_rollout(deps: ParameterDeps, app: str, version: int, release: Release | None = None) -> None:
    from orchestrator.notifications.publish import NotifyDeps
    from orchestrator.notifications.rollouts import publish_rollout_changes

    publish_rollout_changes(NotifyDeps(store=deps.store, bus=deps.bus), app, version, release)


def _config(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    if ref.target.kind != "pipeline":
        return apply_config(ref.target, ref, deps)
    details = tuple(apply_config(t, ref, deps) for t in review_apps(deps.store, ref.target.name))
    return ParameterOutcome("applied", ref.name, ref.kind.value, ref.target.key, f"{len(details)} review app(s)", details=details)  # fmt: skip


# -- scheduled tasks ------------------------------------------------------------------------------------------

SCHEDULE_PROCESS_PREFERENCE = ("web",)


def task_template(ctx: AppContext, running: RunningApp | None, deps: ParameterDeps) -> TaskTemplate | None:
    """The task definition scheduled commands run with: the current revision of the `web` process (or of the
    first process type), with the app's networking. None before the first deploy."""
    if running is None or not running.processes:
        return None
    process = next((p for p in SCHEDULE_PROCESS_PREFERENCE if p in running.processes), sorted(running.processes)[0])
    arn = running.processes[process].task_definition
    if arn is None:
        return None
    family = arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]
    if family != ctx.ref.ecs_name(process):  # the record names another app's family: never a rule target
        raise ForeignResourceError(f"task definition {arn} is not of {ctx.ref.ecs_name(process)}; rules not touched")
    return TaskTemplate(
        app=ctx.target.key,
        cluster_arn=cluster_arn_from(arn, ctx.ecs.cluster),
        task_definition_arn=arn,
        ecs=ctx.ecs,
        events_role_arn=get_settings().events_role_arn,
    )


def _repoint_schedules(ctx: AppContext, deps: ParameterDeps) -> list[str]:
    """Point the app's schedule targets at the current task definition (after a rollout or a deploy)."""
    if ctx.target.kind != "app":
        return []
    known = ctx.state(state_sk(ParameterKind.SCHEDULED_TASKS)) if ctx.states is not None else None
    tasks = applied_tasks(deps.states, ctx.target, known, read=ctx.states is not None)
    try:
        template = task_template(ctx, deps.roll.running(ctx), deps)
    except ForeignResourceError as error:
        logger.error("scheduled tasks not re-pointed", extra={"target": ctx.target.key, "error": str(error)})
        return [str(error)]
    result = sync_rules(deps.scheduling, ctx.target.key, plan_rules(ctx.target.key, tasks), template)
    return [result.describe()]


def repoint_schedules(app: str, deps: ParameterDeps | None = None) -> list[str]:
    """Point an app's schedule targets at what runs now (after a rollback re-pointed its services)."""
    deps = deps or ParameterDeps()
    ctx = load_context(deps.store, Target.of_deployed(app))
    return _repoint_schedules(ctx, deps) if ctx is not None else []


def _scheduled_tasks(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    target = ref.target
    # The unchanged check waits for the task definition (part of the fingerprint), after the refusal check.
    current = _take_current(deps, ref, check_unchanged=False)
    ticket, value, fingerprint = current.ticket, current.value, current.fingerprint
    refused = refused_tasks_message(target, ref.name)
    if refused is not None:
        if value is None:
            deps.states.clear_stale_error(ticket, fingerprint)
            return _outcome(ref, target, "ignored", f"deleted; {scheduled_tasks_refused(target)}")
        return _reject(deps, ticket, ref, ref.name, fingerprint, refused)
    ctx = load_context(deps.store, target)
    if ctx is None:
        return _outcome(ref, target, "not managed", f"{target.describe()} is not declared")
    running = deps.roll.running(ctx)
    try:
        template = task_template(ctx, running, deps)
    except ForeignResourceError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    fingerprint = f"{fingerprint}|td={template.task_definition_arn if template else None}"
    if fingerprint == ticket.applied_fingerprint:
        return _unchanged(deps, ticket, ref, fingerprint)
    try:
        tasks = tasks_of(value, ref.name)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer change of this parameter is being applied")
    planned = plan_rules(target.key, tasks)
    result = sync_rules(deps.scheduling, target.key, planned, template)
    desired = {"tasks": [t.model_dump() for t in tasks], "rules": sorted(planned)}
    deps.states.record_applied(ticket, ref.name, fingerprint, desired)
    status: Status = "applied" if template is not None or not planned else "recorded"
    message = f"{len(tasks)} task(s) on {len(planned)} schedule(s)"
    if status == "recorded":
        message += "; rules are created by the first deploy"
    return _outcome(ref, target, status, message, [result.describe()])


def _review_app_status(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    from orchestrator.review_apps.lifecycle import ReviewAppDeps, apply_review_app_status

    result = apply_review_app_status(
        ref.target, ReviewAppDeps(store=deps.store, parameters=deps.parameters, scheduling=deps.scheduling)
    )
    status: Status = "ignored" if result.action == "nothing to do" else "applied"
    return _outcome(ref, ref.target, status, result.message or result.action, list(result.changes))


# -- rollback requests ----------------------------------------------------------------------------------------

def _rollback(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    from orchestrator.pipeline.rollback import RollbackDeps, RollbackRefusedError
    from orchestrator.pipeline.rollback_requests import parse_rollback_request, perform_rollback_request

    target = ref.target
    if target.kind == "pipeline":
        return _outcome(ref, target, "ignored", "a pipeline has no releases; roll back one of its review apps")
    current = _take_current(deps, ref)
    if current.unchanged is not None:
        return current.unchanged
    ticket, fingerprint = current.ticket, current.fingerprint
    if current.value is None:
        deps.states.record_applied(ticket, ref.name, fingerprint, {})
        return _outcome(ref, target, "ignored", "deleted; a rollback request is never undone by deleting it")
    try:
        asked = parse_rollback_request(text_of(current.value, ref.name), ref.name)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer rollback request is being handled")
    rollback_deps = RollbackDeps(store=deps.store, ecs=deps.ecs, images=deps.images)
    try:
        done = perform_rollback_request(target.key, asked, parameter_writer(deps, ref.name), rollback_deps)
    except RollbackRefusedError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, f"rollback {asked.request} refused: {error}")
    if done.status == "refused":
        return _reject(deps, ticket, ref, ref.name, fingerprint, f"rollback {asked.request} refused: {done.error}")
    if done.release is not None:
        _publish_rollout(deps, target.key, done.release)
    deps.states.record_applied(ticket, ref.name, fingerprint, {"request": asked.request, "release": done.release})
    if ctx := load_context(deps.store, target):
        _repoint_schedules(ctx, deps)
    return _outcome(ref, target, "applied", f"rollback {asked.request}: v{done.release} returns to v{done.version}")


# -- custom domains -------------------------------------------------------------------------------------------

def _domains(ref: ParameterRef, deps: ParameterDeps) -> ParameterOutcome:
    target = ref.target
    if target.kind == "pipeline":
        return _outcome(ref, target, "ignored", "a pipeline has no domains; set them per review app")
    current = _take_current(deps, ref)
    if current.unchanged is not None:
        return current.unchanged
    ticket, value, fingerprint = current.ticket, current.value, current.fingerprint
    app = AppRef(target.key)
    try:
        hosts = parse_domains(text_of(value, ref.name), ref.name) if value is not None else []
        domains_refusal(app, hosts, deps.store, get_settings().apps_domain, ref.name)
    except InvalidParameterError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, str(error))
    if not deps.states.is_newest(ticket):
        return _outcome(ref, target, "superseded", "a newer change of this parameter is being applied")
    try:
        result = apply_domains(app, hosts, DomainDeps(deps.store, deps.load_balancing, deps.certificates))
    except DomainClaimedError as error:
        return _reject(deps, ticket, ref, ref.name, fingerprint, f"{ref.name}: {error}")
    # Pending certificates are recorded for the certificates route (routing/certificates.py): attached when
    # ACM issues them, whether or not this parameter changes again.
    deps.states.record_applied(ticket, ref.name, fingerprint, {"hosts": hosts, "pending": result.pending})
    message = f"{len(hosts)} domain(s)"
    if result.pending:
        message += f"; certificate not issued yet for {', '.join(result.pending)} (create the DNS records; "
        message += "it is attached once issued)"
    return _outcome(ref, target, "applied", message, result.changes)


# -- entry point ----------------------------------------------------------------------------------------------

_KINDS: dict[ParameterKind, Callable[[ParameterRef, ParameterDeps], ParameterOutcome]] = {
    ParameterKind.CONFIG: _config,
    ParameterKind.SCALING: _scaling,
    ParameterKind.SCHEDULED_TASKS: _scheduled_tasks,
    ParameterKind.USERS: _access,
    ParameterKind.ADMINISTRATORS: _access,
    ParameterKind.REVIEW_APP_STATUS: _review_app_status,
    ParameterKind.DOMAINS: _domains,
    ParameterKind.ROLLBACK: _rollback,
}


def apply_parameter_change(event: ParameterStoreChangeEvent, deps: ParameterDeps | None = None) -> ParameterOutcome:
    name = event.detail.path
    ref = parse_parameter_name(name, get_settings().ssm_prefix)
    if ref is None:
        logger.debug("parameter not managed by the orchestrator; acknowledged", extra={"parameter": name})
        return ParameterOutcome("not managed", name, message="not a parameter the orchestrator manages")
    if event.detail.exception:
        logger.info("Parameter Store rejected the change; nothing to do", extra={"parameter": name})
        return ParameterOutcome("ignored", name, ref.kind.value, ref.target.key, f"rejected by Parameter Store: {event.detail.exception}")  # fmt: skip
    if event.detail.operation == "LabelParameterVersion":
        return ParameterOutcome("ignored", name, ref.kind.value, ref.target.key, "a label does not change the value")
    deps = deps or ParameterDeps()
    if not declared(deps.store, ref.target):
        logger.debug("parameter of an undeclared app; acknowledged", extra={"parameter": name})
        return ParameterOutcome("not managed", name, ref.kind.value, ref.target.key, f"{ref.target.describe()} is not declared")  # fmt: skip
    outcome = _KINDS[ref.kind](ref, deps)
    logger.info("parameter change handled", extra={"outcome": outcome.response()})
    return outcome


# The parameter states the post-deploy step reads: read once, with the app's context.
AFTER_DEPLOY_STATES = (
    state_sk(ParameterKind.CONFIG), state_sk(ParameterKind.SCALING), state_sk(ParameterKind.SCHEDULED_TASKS), ROLLOUT_SK,
)


def after_deploy(app: str, deps: ParameterDeps | None = None) -> list[ParameterOutcome]:
    """Post-deploy callback: re-apply a config change that was deferred while the deploy ran, bring desired
    counts and autoscaling in line with the scaling (new services included), and re-point the scheduled tasks
    at the new task definition. `app` is an app key (`demo`, `pipe:12`)."""
    deps = deps or ParameterDeps()
    prefix = get_settings().ssm_prefix
    target = Target.of_deployed(app)
    ctx = load_context(deps.store, target, AFTER_DEPLOY_STATES)  # the context and the states: one read
    if ctx is None:
        return []
    outcomes = []
    if (ctx.state(state_sk(ParameterKind.CONFIG)) or {}).get("deferred"):
        # Only a deferred config change is re-applied: otherwise the deploy itself read the current names,
        # and rolling again would restart every service for nothing.
        config_ref = ParameterRef(config_path(target, prefix) + "/*", prefix, ParameterKind.CONFIG, target, "*")
        outcomes.append(apply_config(target, config_ref, deps))
    scaling_ref = ParameterRef(kind_name(target, ParameterKind.SCALING, prefix), prefix, ParameterKind.SCALING, target)
    # The context just read serves the scaling too, unless the config change above rolled new revisions.
    config_rolled = bool(outcomes)
    if not config_rolled and scaling_in_line(ctx, default_size(ctx)):  # the usual push: no call at all
        scaling = _outcome(scaling_ref, target, "unchanged", "the deploy runs the applied scaling")
    else:
        scaling = apply_scaling(target, scaling_ref, deps, None if config_rolled else ctx)
    outcomes.append(scaling)
    if target.kind == "app" and not no_schedules(ctx):  # none set: no rule to list or re-point
        # Read again only when what runs changed since the read (new revisions of the config or the scaling).
        fresh = load_context(deps.store, target, AFTER_DEPLOY_STATES) if config_rolled or scaling.registered else ctx
        if fresh is not None:
            _repoint_schedules(fresh, deps)
    return outcomes
