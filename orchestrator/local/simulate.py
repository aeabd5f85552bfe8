"""Simulated AWS: what moto does not do by itself.

moto stores CodeBuild builds, ECS tasks and services and SSM parameters, but it never runs a build, never
stops a task, never rolls out a deployment and never emits an event. Each simulator here watches moto
through the public API (as an outside observer would), plays the missing behaviour, and emits the events
AWS documents with PutEvents on moto's default bus, so they reach the handlers through the same rules.

Time is simulated: the emulator advances a clock one tick (5 simulated seconds) per step, and every
simulated action is scheduled on a tick. Nothing sleeps.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.artifacts import Artifacts, artifact_key
from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.local import apps as local_apps
from orchestrator.local.apppack import (
    ProcfileError,
    apppack_toml,
    commit_txt,
    metadata_toml,
    parse_procfile,
    sample_procfile,
)
from orchestrator.local.aws_events import ACCOUNT, codebuild_build_events
from orchestrator.local.behaviour import Behaviour
from orchestrator.local.ecs_events import ecs_deployment_state_change, ecs_task_state_change, task_stopped
from orchestrator.local.local_services import LocalServices
from orchestrator.local.local_sources import LocalSources
from orchestrator.local.log_writing import write_build_log, write_task_line
from orchestrator.local.moto_patches import record_container_exit
from orchestrator.local.processes import LocalProcess, ProcessSupervisor
from orchestrator.local.ssm_events import parameter_store_change
from orchestrator.local.task_runtime import LaunchError, LocalImages, container_launch
from orchestrator.pipeline.app_registry import ecr_repository_name
from orchestrator.pipeline.apps import app_from_tags
from orchestrator.pipeline.builds import InvalidSourceVersionError, resolve_app
from orchestrator.settings import get_settings

SECONDS_PER_TICK = 5
Action = Callable[[], None]


@dataclass
class Clock:
    start: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    tick: int = 0

    def now(self, ticks_ahead: int = 0) -> datetime:
        return self.start + timedelta(seconds=SECONDS_PER_TICK * (self.tick + ticks_ahead))


class Scheduler:
    """Actions due on a tick, run in order of (tick, scheduling order)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._queue: list[tuple[int, int, Action]] = []
        self._order = itertools.count()

    def at(self, ticks_ahead: int, action: Action) -> None:
        heapq.heappush(self._queue, (self.clock.tick + ticks_ahead, next(self._order), action))

    def run_due(self) -> int:
        ran = 0
        while self._queue and self._queue[0][0] <= self.clock.tick:
            _, _, action = heapq.heappop(self._queue)
            action()
            ran += 1
        return ran

    @property
    def pending(self) -> int:
        return len(self._queue)


class Bus:
    """Puts events on moto's default event bus (PutEvents), where the rules route them.

    It also notes which routes an event matches (the same patterns, matched locally), so the dispatcher
    only polls the queues that can have something: moto decides the actual delivery."""

    def __init__(self) -> None:
        self.emitted: list[dict[str, Any]] = []
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.touched_routes: set[str] = set()

    def put(self, event: dict[str, Any]) -> None:
        entry: dict[str, Any] = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
            "Resources": event.get("resources", []),
        }
        if event.get("time"):
            entry["Time"] = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
        response = client("events").put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents rejected the event: {response['Entries']}")
        self.emitted.append(event)
        settings = get_settings()
        for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
            if matches(route.pattern, event):
                self.touched_routes.add(route.name)
        for listener in self.listeners:
            listener(event)


# --- CodeBuild ------------------------------------------------------------------------------------


def _image_digest(commit: str) -> str:
    return f"sha256:{commit[:40]:0<64}"


@dataclass
class AppSource:
    """What a simulated build of an app produces: its Procfile and review-app initialize command. With a
    `directory` the build is of that folder (its Procfile, its code, run for real); `changes` are files a
    build's commit changes on top of it (build number → path → text)."""

    procfile: str = field(default_factory=sample_procfile)
    initialize_command: str | None = None
    directory: Path | None = None
    changes: dict[int, dict[str, str]] = field(default_factory=dict)
    test_command: str | None = None  # apppack.toml `[test] command`, run in POST_BUILD (see _run_tests)


TEST_TIMEOUT_SECONDS = 300


def _processes(procfile: dict[str, str]) -> dict[str, str]:
    """metadata.toml's processes: the services and the release command (a review app's postdeploy is not one)."""
    return {name: command for name, command in procfile.items() if name != "postdeploy"}


def _run_tests(command: str | None, workdir: Path | None = None) -> tuple[bool, str] | None:
    """Run an app's `[test] command` as the buildspec does in POST_BUILD (`/bin/sh -c`, CI=true), on this
    machine, in the build's code when it has some (`workdir`): (passed, test.log). None without a command."""
    if not command:
        return None
    try:
        done = subprocess.run(["/bin/sh", "-c", command], env={**os.environ, "CI": "true"}, cwd=workdir, capture_output=True,
                              text=True, timeout=TEST_TIMEOUT_SECONDS, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, f"+ {command}\ntest script timed out after {TEST_TIMEOUT_SECONDS} s\n"
    log = f"+ {command}\n{done.stdout}{done.stderr}"
    if done.returncode != 0:
        log += f"test script failed with exit code {done.returncode}\n"
    return done.returncode == 0, log


class CodeBuildSimulator:
    """Runs every build StartBuild created: IN_PROGRESS, each phase, then SUCCEEDED or FAILED, with the
    artifacts the buildspec uploads (`<app>/<N>/build.log, test.log, commit.txt, apppack.toml,
    metadata.toml`) and the image pushed to ECR. Build numbers count per project, as CodeBuild's do."""

    def __init__(
        self, clock: Clock, scheduler: Scheduler, bus: Bus, behaviour: Behaviour, images: LocalImages,
        local_sources: LocalSources,
    ) -> None:  # fmt: skip
        self.clock, self.scheduler, self.bus, self.behaviour = clock, scheduler, bus, behaviour
        self.images, self.local_sources = images, local_sources
        self.sources: dict[str, AppSource] = {}
        self.numbers: dict[str, int] = {}
        self.seen: set[str] = set()
        self.started: list[tuple[str, int]] = []  # (app, build number) in start order

    def step(self) -> int:
        started = 0
        for item in local_apps.registered_apps():
            project = str(item["codebuild_project"])
            ids = client("codebuild").list_builds_for_project(projectName=project, sortOrder="ASCENDING")["ids"]
            new = [build_id for build_id in ids if build_id not in self.seen]
            if not new:
                continue
            builds = {b["id"]: b for b in client("codebuild").batch_get_builds(ids=new)["builds"]}
            for build_id in new:
                self.seen.add(build_id)
                self._simulate(project, str(item["name"]), builds.get(build_id, {}), build_id)
                started += 1
        return started

    def _simulate(self, project: str, owner: str, build: dict[str, Any], build_id: str) -> None:
        number = int(build.get("buildNumber") or self.numbers.get(project, 0) + 1)
        self.numbers[project] = number
        source_version = str(build.get("sourceVersion") or "main")
        commit = source_version if re.fullmatch(r"[0-9a-f]{40}", source_version) else f"{number:040x}"
        try:
            app = resolve_app(Store(), project, source_version) or owner
        except InvalidSourceVersionError:
            app = owner  # the events still go out; the handler refuses them, as it would in AWS
        behaviour = self.behaviour.build(number)
        source = self.sources.get(app) or self.sources.get(owner) or AppSource()
        folder = self.local_sources.folder(app) or self.local_sources.folder(owner)
        workdir = None
        if folder is not None and behaviour.fail_phase is None:
            source, workdir = self._snapshot(app, number, commit, source_version, build_id, folder, source)
        fail_phase = behaviour.fail_phase
        test_log = _run_tests(source.test_command, workdir) if fail_phase is None else None
        if test_log is not None and not test_log[0]:
            fail_phase = "POST_BUILD"  # the buildspec's post_build ends with the tests' status
        events = codebuild_build_events(
            project=project,
            build_uuid=build_id.split(":", 1)[1],
            build_number=number,
            commit=commit,
            start=self.clock.now(),
            region=get_settings().region,
            source_version=source_version,
            fail_phase=fail_phase,
            phase_seconds=SECONDS_PER_TICK,
            variables=_plain_variables(build) or _plain_variables(_project(project)),
        )
        self.started.append((app, number))
        log = test_log[1] if test_log is not None else "no tests defined in apppack.toml\n"
        delay = 0
        for event in events:
            phase = event["detail"].get("completed-phase")
            if phase is not None and phase == behaviour.slow_phase:
                delay += behaviour.slow_ticks
            # The buildspec uploads in POST_BUILD, so the artifacts are there when that phase reports.
            # A failing test still uploads (the upload runs before post_build exits with the tests' status).
            tests_failed = fail_phase == "POST_BUILD" and test_log is not None
            if phase == "POST_BUILD" and (event["detail"]["completed-phase-status"] == "SUCCEEDED" or tests_failed):
                self.scheduler.at(
                    delay, self._artifacts_action(app, number, commit, source, source_version, build_id, log)
                )
            if event["detail"].get("build-status") == "FAILED" and not tests_failed:
                self.scheduler.at(delay, self._failure_log_action(app, number, commit, fail_phase))
            self.scheduler.at(delay, self._emit_action(event, project, build_id.split(":", 1)[1]))
            delay += 1

    def _snapshot(
        self, app: str, number: int, commit: str, source_version: str, build_id: str, folder: Path, source: AppSource
    ) -> tuple[AppSource, Path]:
        """The build of a local folder: the code as it is now becomes the image of build `number` (returned
        with the folder it is in, where the build's tests run)."""
        repository = ecr_repository_name(app.split(":")[0])
        image = f"{ACCOUNT}.dkr.ecr.{get_settings().region}.amazonaws.com/{repository}"

        def procfile_of(snapshot: Path) -> str:
            procfile = snapshot / "Procfile"
            return procfile.read_text() if procfile.is_file() else source.procfile

        def metadata(snapshot: Path) -> str:  # the processes as the artifacts' metadata.toml lists them
            try:
                processes = _processes(parse_procfile(procfile_of(snapshot)))
            except ProcfileError:
                processes = {}  # left to the artifacts step, which fails on it as before
            return metadata_toml(app=app, build_number=number, commit=commit, source_version=source_version,
                                 image=f"{image}:build-{number}", digest=f"{image}@{_image_digest(commit)}",
                                 build_id=build_id, processes=processes)  # fmt: skip

        snapshot = self.images.build(repository, number, folder, metadata, source.changes.get(number))
        built = AppSource(
            procfile=procfile_of(snapshot),
            initialize_command=source.initialize_command,
            test_command=source.test_command,
        )
        return built, snapshot

    def _emit_action(self, event: dict[str, Any], project: str, build_uuid: str) -> Action:
        def emit() -> None:
            write_build_log(project, build_uuid, event, self.clock.now())  # written before the event is seen
            self.bus.put(event)

        return emit

    def _artifacts_action(
        self, app: str, number: int, commit: str, source: AppSource, source_version: str, build_id: str, test_log: str
    ) -> Action:
        def write() -> None:
            artifacts = Artifacts()
            procfile = parse_procfile(source.procfile)
            repository = ecr_repository_name(app.split(":")[0])
            image = f"{ACCOUNT}.dkr.ecr.{get_settings().region}.amazonaws.com/{repository}"
            artifacts.write_text(artifact_key(app, number, "commit.txt"), commit_txt(commit, app))
            artifacts.write_text(
                artifact_key(app, number, "build.log"),
                f"===> DETECTING\n===> BUILDING {app} at {commit}\n===> EXPORTING {image}:build-{number}\n",
            )
            artifacts.write_text(artifact_key(app, number, "test.log"), test_log)
            artifacts.write_text(
                artifact_key(app, number, "apppack.toml"),
                apppack_toml(procfile, source.initialize_command, source.test_command),
            )
            artifacts.write_text(
                artifact_key(app, number, "metadata.toml"),
                metadata_toml(app=app, build_number=number, commit=commit, source_version=source_version,
                              image=f"{image}:build-{number}", digest=f"{image}@{_image_digest(commit)}",
                              build_id=build_id, processes=_processes(procfile)),
            )  # fmt: skip
            self._push_image(app.split(":")[0], number, commit)

        return write

    def _failure_log_action(self, app: str, number: int, commit: str, phase: str | None) -> Action:
        def write() -> None:
            artifacts = Artifacts()
            artifacts.write_text(artifact_key(app, number, "commit.txt"), commit_txt(commit, app))
            artifacts.write_text(
                artifact_key(app, number, "build.log"),
                f"===> BUILDING {app} at {commit}\nERROR: phase {phase} failed: command exited with code 1\n",
            )

        return write

    @staticmethod
    def _push_image(app: str, number: int, commit: str) -> None:
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"digest": _image_digest(commit), "size": 1},
                               "layers": []})  # fmt: skip
        try:  # one immutable tag, as the buildspec pushes
            client("ecr").put_image(repositoryName=ecr_repository_name(app), imageManifest=manifest,
                                    imageTag=f"build-{number}")  # fmt: skip
        except ClientError:
            return  # no repository: nothing to push to


# --- ECS tasks ------------------------------------------------------------------------------------


def _log_target(task_definition_arn: str, task_arn: str) -> tuple[str, str] | None:
    """(group, stream) the awslogs driver would write a task's first container to; None without awslogs."""
    definition = client("ecs").describe_task_definition(taskDefinition=task_definition_arn)["taskDefinition"]
    container = (definition.get("containerDefinitions") or [{}])[0]
    options = (container.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if not group or not prefix:
        return None
    return str(group), f"{prefix}/{container.get('name')}/{task_arn.rsplit('/', 1)[-1]}"


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in items or []}


def _build_from_image(image: str) -> int | None:
    match = re.search(r":build-(\d+)$", image)
    return int(match[1]) if match else None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EcsTaskSimulator:
    """Notices tasks RunTask started (release, postdeploy, scheduled) and runs them to their exit:
    RUNNING, then STOPPED with the scenario's exit code; the task is stopped in moto too. A task whose image
    is a local build runs for real (its command, or RunTask's override) and stops with its real exit code."""

    def __init__(
        self, clock: Clock, scheduler: Scheduler, bus: Bus, behaviour: Behaviour,
        supervisor: ProcessSupervisor, images: LocalImages,
    ) -> None:  # fmt: skip
        self.clock, self.scheduler, self.bus, self.behaviour = clock, scheduler, bus, behaviour
        self.supervisor, self.images = supervisor, images
        self.seen: set[str] = set()
        self.exits: list[dict[str, Any]] = []
        self.running: dict[str, tuple[LocalProcess, dict[str, Any], datetime, dict[str, Any]]] = {}

    @property
    def pending(self) -> int:
        return len(self.running)

    def step(self) -> int:
        ecs = client("ecs")
        cluster = get_settings().cluster_name
        ended = self._reap(cluster)
        arns = [a for a in ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"] if a not in self.seen]
        if not arns:
            return ended
        for chunk in _chunks(arns, 100):
            for task in ecs.describe_tasks(cluster=cluster, tasks=chunk, include=["TAGS"])["tasks"]:
                self.seen.add(task["taskArn"])
                if str(task.get("group", "")).startswith("service:"):
                    continue  # a service's task: it keeps running
                self._run(cluster, task)
        return len(arns) + ended

    def _reap(self, cluster: str) -> int:
        """Stop the tasks whose local process exited, with its exit code."""
        ended = 0
        for arn, (process, task, started, facts) in list(self.running.items()):
            if process.exit_code is None:
                continue
            del self.running[arn]
            self.supervisor.finish(process)
            self._stopped(cluster, task, started, facts, process.exit_code)
            ended += 1
        return ended

    def _stopped(
        self, cluster: str, task: dict[str, Any], started: datetime, facts: dict[str, Any], exit_code: int | None,
        reason: str | None = None,
    ) -> None:  # fmt: skip
        client("ecs").stop_task(
            cluster=cluster, task=task["taskArn"], reason=reason or "Essential container in task exited"
        )
        record_container_exit(get_settings().region, cluster, task["taskArn"], exit_code)
        self.exits.append({"task": task["taskArn"], **facts, "exit_code": exit_code})
        self.bus.put(task_stopped(task, exit_code=exit_code, started_at=started, stopped_at=self.clock.now(),
                                  stopped_reason=reason))  # fmt: skip

    def _run(self, cluster: str, task: dict[str, Any]) -> None:
        tags = _tags(task.get("tags"))
        app = app_from_tags(tags)
        process = tags.get("apppack:processType")
        build = int(tags["apppack:buildNumber"]) if tags.get("apppack:buildNumber", "").isdigit() else None
        definition = client("ecs").describe_task_definition(taskDefinition=task["taskDefinitionArn"])
        facts = {"app": app, "build": build, "process": process}
        try:
            launch = container_launch(definition["taskDefinition"], self.images, task.get("overrides"))
        except LaunchError as error:
            self._stopped(cluster, task, self.clock.now(), facts, None, str(error))
            return
        if not task.get("containers"):
            names = [c["name"] for c in definition["taskDefinition"]["containerDefinitions"]]
            task = {**task, "containers": [{"name": n} for n in names[:1]]}
            if build is None:
                images = [c.get("image", "") for c in definition["taskDefinition"]["containerDefinitions"]]
                build = next((b for b in map(_build_from_image, images) if b is not None), None)
        rule = self.behaviour.task(app, build, process)
        started = self.clock.now()
        log = _log_target(task["taskDefinitionArn"], task["taskArn"]) if launch is None else None
        if launch is not None:
            try:
                local = self.supervisor.start(launch, task_id=task["taskArn"].rsplit("/", 1)[-1])
            except OSError as error:  # no such program: the container exits at once, as its entrypoint would
                self.supervisor.start_failed(launch, task["taskArn"].rsplit("/", 1)[-1], error)
                self._stopped(cluster, task, started, facts, 127, f"CannotStartContainerError: {error}")
                return
            self.running[task["taskArn"]] = (local, task, started, facts)
        elif log:  # a real process writes its own lines; a simulated one says what it stands for
            write_task_line(*log, started, f"{process or 'task'} started (build {build}); simulated task")
        self.bus.put(
            ecs_task_state_change(
                task_arn=task["taskArn"], cluster_arn=task["clusterArn"], task_definition_arn=task["taskDefinitionArn"],
                containers=[{"name": c["name"]} for c in task["containers"]], last_status="RUNNING",
                desired_status="RUNNING", created_at=started, started_at=started, started_by=task.get("startedBy"),
                group=task.get("group"), tags=task.get("tags") or None, version=2,
            )
        )  # fmt: skip

        if launch is not None:
            return  # it stops when its process exits (`_reap`)

        def stop() -> None:
            if log:
                write_task_line(*log, self.clock.now(), f"{process or 'task'} exited with code {rule.exit_code}")
            self._stopped(cluster, task, started, facts, rule.exit_code)

        self.scheduler.at(rule.ticks, stop)


# --- ECS deployments ------------------------------------------------------------------------------


@dataclass
class ServiceState:
    deployment_id: str
    task_definition: str
    stable_task_definition: str | None = None


class EcsDeploymentSimulator:
    """Rolls out every new service deployment (CreateService, UpdateService with a new task definition or
    forceNewDeployment): IN_PROGRESS, then COMPLETED, or FAILED, or a circuit-breaker rollback (the service
    goes back to its last stable task definition), as the scenario says."""

    def __init__(
        self, clock: Clock, scheduler: Scheduler, bus: Bus, behaviour: Behaviour, local: LocalServices
    ) -> None:
        self.clock, self.scheduler, self.bus, self.behaviour = clock, scheduler, bus, behaviour
        self.local = local  # services of local-source apps: real processes decide the outcome
        self.services: dict[str, ServiceState] = {}
        self.outcomes: list[dict[str, Any]] = []

    def step(self) -> int:
        ecs = client("ecs")
        cluster = get_settings().cluster_name
        arns = ecs.list_services(cluster=cluster).get("serviceArns", [])
        started = 0
        for chunk in _chunks(arns, 10):
            for service in ecs.describe_services(cluster=cluster, services=chunk, include=["TAGS"])["services"]:
                if service.get("status") != "ACTIVE":
                    continue
                primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
                if primary is None:
                    continue
                known = self.services.get(service["serviceArn"])
                task_definition = service["taskDefinition"]
                if known and (known.deployment_id, known.task_definition) == (primary["id"], task_definition):
                    continue
                state = ServiceState(primary["id"], task_definition, known.stable_task_definition if known else None)
                self.services[service["serviceArn"]] = state
                self._roll_out(cluster, service, state)
                started += 1
        return started

    def _identify(self, service: dict[str, Any]) -> tuple[str | None, int | None, str | None]:
        tags = _tags(service.get("tags"))
        app, process = app_from_tags(tags), tags.get("apppack:processType")
        if app is None or process is None:
            name = service["serviceName"]
            owners = [str(a["name"]) for a in local_apps.registered_apps() if name.startswith(f"{a['name']}-")]
            if owners:
                app = max(owners, key=len)
                process = name.removeprefix(f"{app}-")
        definition = client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"], include=["TAGS"])
        def_tags = _tags(definition.get("tags"))
        build = int(def_tags["apppack:buildNumber"]) if def_tags.get("apppack:buildNumber", "").isdigit() else None
        if build is None:
            images = [c.get("image", "") for c in definition["taskDefinition"]["containerDefinitions"]]
            build = next((b for b in map(_build_from_image, images) if b is not None), None)
        return app, build, process

    def _roll_out(self, cluster: str, service: dict[str, Any], state: ServiceState) -> None:
        app, build, process = self._identify(service)
        rule = self.behaviour.deployment(app, build, process)
        arn = service["serviceArn"]

        def emit(name: str, reason: str) -> None:
            self.bus.put(ecs_deployment_state_change(service_arn=arn, deployment_id=state.deployment_id,
                                                     event_name=name, reason=reason, updated_at=self.clock.now()))  # fmt: skip

        emit("SERVICE_DEPLOYMENT_IN_PROGRESS", f"ECS deployment {state.deployment_id} in progress.")

        def finish(outcome: str = rule.outcome, reason: str = "") -> None:
            if self.services.get(arn) is not state:
                return  # superseded by a newer deployment of the same service
            self.outcomes.append({"service": service["serviceName"], "app": app, "build": build, "process": process,
                                  "deployment_id": state.deployment_id, "outcome": outcome})  # fmt: skip
            if outcome == "completed":
                state.stable_task_definition = state.task_definition
                simulated = not self.local.is_local(state.task_definition)  # real processes write their own
                log = simulated and _log_target(
                    state.task_definition, f"task/{state.deployment_id.removeprefix('ecs-svc/')}"
                )
                if log:  # one line from the deployment's task, so `logs` shows every running process
                    write_task_line(*log, self.clock.now(), f"{process} running build {build}; simulated task")
                emit("SERVICE_DEPLOYMENT_COMPLETED", f"ECS deployment {state.deployment_id} completed.")
            elif outcome == "failed":
                emit("SERVICE_DEPLOYMENT_FAILED", "ECS deployment circuit breaker: task failed to start.")
            else:
                previous = state.stable_task_definition
                emit(
                    "SERVICE_DEPLOYMENT_IN_PROGRESS",
                    f"{reason or 'ECS deployment circuit breaker:'} rolling back to deploymentId {previous or 'none'}.",
                )
                if previous:
                    # The rollback is ECS's own deployment: recorded as seen, not simulated again.
                    rolled = client("ecs").update_service(cluster=cluster, service=arn, taskDefinition=previous)
                    primary = next(d for d in rolled["service"]["deployments"] if d.get("status") == "PRIMARY")
                    state.deployment_id, state.task_definition = primary["id"], previous

        if self.local.is_local(state.task_definition):
            self.local.roll_out(service, state.deployment_id, finish)
            return
        self.scheduler.at(rule.ticks, finish)


# --- SSM Parameter Store ------------------------------------------------------------------------


class SsmChangeSimulator:
    """Parameter Store Change events for what PutParameter and DeleteParameter did under the prefix:
    each step compares the parameters' versions with the last step's (DescribeParameters) and emits
    Create, Update or Delete. Several writes between two steps give one event: the last state wins."""

    def __init__(self, clock: Clock, bus: Bus) -> None:
        self.clock, self.bus = clock, bus
        self.versions: dict[str, tuple[int, str]] = {}

    def snapshot(self) -> dict[str, tuple[int, str]]:
        ssm = client("ssm")
        prefix = f"/{get_settings().ssm_prefix}"
        found: dict[str, tuple[int, str]] = {}
        for page in ssm.get_paginator("describe_parameters").paginate(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [prefix]}]
        ):
            for parameter in page.get("Parameters", []):
                found[parameter["Name"]] = (int(parameter.get("Version", 1)), str(parameter.get("Type", "")))
        return found

    def step(self) -> int:
        current = self.snapshot()
        region = get_settings().region
        changes: list[tuple[str, str, str]] = []
        for name, (version, kind) in current.items():
            if name not in self.versions:
                changes.append((name, "Create", kind))
            elif self.versions[name][0] != version:
                changes.append((name, "Update", kind))
        changes += [(name, "Delete", old) for name, (_, old) in self.versions.items() if name not in current]
        self.versions = current
        for name, operation, kind in sorted(changes):
            self.bus.put(parameter_store_change(name, operation, parameter_type=kind,  # type: ignore[arg-type]
                                                when=self.clock.now(), region=region))  # fmt: skip
        return len(changes)


def _project(name: str) -> dict[str, Any]:
    projects = client("codebuild").batch_get_projects(names=[name]).get("projects", [])
    return dict(projects[0]) if projects else {}


def _plain_variables(build_or_project: dict[str, Any]) -> dict[str, str]:
    """The plain-text environment variables of a build (or its project), as CodeBuild puts them in its events."""
    variables = (build_or_project.get("environment") or {}).get("environmentVariables") or []
    return {str(v["name"]): str(v["value"]) for v in variables if v.get("type", "PLAINTEXT") == "PLAINTEXT"}
