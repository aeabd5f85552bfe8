"""Scenarios: one declarative file describes a run and the outcome it expects.

    name: release-failed
    app: {name: shop}
    behaviour:                       # what the simulated AWS does (default: everything succeeds)
      tasks: [{process: release, exit_code: 1}]
    steps:                           # what the operator does, in order
      - build: {}
    expect:
      builds: {1: {codebuild_status: SUCCEEDED, release: failed, deploy: absent}}
      deploystatus: null             # subset of the DEPLOYSTATUS item; null: must not exist

Shipped scenarios live in the repository's `scenarios/` directory; the package carries the same files as
data (`orchestrator/local/scenarios`, a link to it), so `orchestrator local run happy-path` works from a
clone and from an installed wheel. A path to any other YAML file works too.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.local.behaviour import Behaviour, BuildBehaviour, CodeBuildPhaseName
from orchestrator.local.emulator import Emulator
from orchestrator.local.http_probe import HTTP_AFTER_REQUESTS, Prober
from orchestrator.local.simulate import AppSource, _build_from_image, _tags
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import AppDeclaration, AppKind
from orchestrator.pipeline.deploystatus import deploystatus_value
from orchestrator.pipeline.names import APP_NAME_PATTERN
from orchestrator.settings import get_settings

PhaseExpectation = Literal["started", "succeeded", "failed", "absent"]
REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppSpec(Strict):
    name: str = Field(pattern=APP_NAME_PATTERN)
    kind: AppKind = "app"
    procfile: str | None = None  # default: the sample app's Procfile (web, worker, release)
    initialize_command: str | None = None  # [review_app] initialize_command (postdeploy)
    # A local source: a sample's name (orchestrator/local/samples) or a folder. Its processes run for real.
    source: str | None = None
    test_command: str | None = None  # [test] command: the simulated build runs it; failing, it fails the build


class ProcessScalingSpec(Strict):
    cpu: int = 256
    memory: int = 512
    min_processes: int = 1
    max_processes: int = 1


class ScheduledTaskSpec(Strict):
    schedule: str
    command: str


class BuildStep(Strict):
    source_version: str | None = None  # a commit sha, a branch, or pr/<N> for a review app
    fail_phase: CodeBuildPhaseName | None = None
    slow_phase: CodeBuildPhaseName | None = None
    slow_ticks: int = Field(default=0, ge=0, le=100)
    files: dict[str, str] | None = None  # files this build's commit changes in the local source


class RollbackStep(Strict):
    version: int | None = Field(default=None, ge=1)  # default: the release before the current one


class RunStep(Strict):
    """`orchestrator run`: a one-off command in the app's current release (its exit code is recorded)."""

    command: list[str] = Field(min_length=1)
    shell: bool = False
    max_ticks: int = Field(default=50, ge=1, le=200)  # simulated steps to wait for the task to stop


class Step(Strict):
    """Exactly one operator action, or `advance` (simulated steps) / `settle` (until nothing moves)."""

    build: BuildStep | None = None
    config_set: dict[str, str] | None = None
    config_unset: list[str] | None = None
    scaling: dict[str, ProcessScalingSpec] | None = None
    scheduled_tasks: list[ScheduledTaskSpec] | None = None
    advance: int | None = Field(default=None, ge=1, le=200)
    settle: bool | None = None
    rollback: RollbackStep | None = None
    review_app_create: int | None = Field(default=None, ge=1)  # PR number: as `review-apps create --no-build`
    review_app_destroy: int | None = Field(default=None, ge=1)  # PR number: as `review-apps destroy --no-wait`
    run: RunStep | None = None
    target: str | None = None  # app key the parameter steps apply to (default: the scenario's app)

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [k for k in ("build", "config_set", "config_unset", "scaling", "scheduled_tasks", "advance",
                               "settle", "rollback", "review_app_create", "review_app_destroy", "run")
                   if getattr(self, k) is not None]  # fmt: skip
        if len(actions) != 1:
            raise ValueError(f"a step has exactly one action, got {actions or 'none'}")
        return self


class ServiceExpectation(Strict):
    desired_count: int | None = None
    build: int | None = None  # the build whose image the service runs
    cpu: int | None = None
    memory: int | None = None
    secrets: list[str] | None = None  # names of the container's secrets (config variables), sorted


class HttpExpectation(Strict):
    """Requests through the local router: which builds may answer (every answer must be a 200)."""

    during_last_build: list[int]  # from the last build's start until the scenario settles
    after: list[int]  # once it settled


class Expectations(Strict):
    app: str | None = None  # the record key to check (`pipe:12` for a review app); default the scenario's app
    builds: dict[int, dict[str, str]] = Field(default_factory=dict)
    deploystatus: dict[str, Any] | None = Field(default_factory=dict)
    services: dict[str, ServiceExpectation] = Field(default_factory=dict)  # by service name
    scheduled_rules: int | None = None  # EventBridge rules with ECS targets for the app
    scalable_targets: int | None = None  # Application Auto Scaling targets on the app's services
    dead_letters: int = 0
    http: HttpExpectation | None = None
    releases: dict[int, dict[str, Any]] = Field(default_factory=dict)  # version → subset of its record
    nothing_left_of: str | None = None  # a review app key: no ECS service, ELB rule or target group, EventBridge
    # rule, autoscaling target or parameter of it remains
    run_exit_codes: list[int | None] | None = None  # of the `run` steps, in order


class Scenario(Strict):
    name: str
    description: str = ""
    app: AppSpec
    behaviour: Behaviour = Field(default_factory=Behaviour)
    setup: list[Step] = Field(default_factory=list)  # parameter writes before anything else (settled)
    steps: list[Step]
    expect: Expectations


# --- loading --------------------------------------------------------------------------------------


def _packaged() -> Path | None:
    path = Path(str(resources.files("orchestrator.local").joinpath("scenarios")))
    return path if path.is_dir() else None


def scenario_dirs() -> list[Path]:
    return [d for d in (REPO_SCENARIOS, _packaged()) if d is not None and d.is_dir()]


def shipped_scenarios() -> list[str]:
    names: set[str] = set()
    for directory in scenario_dirs():
        names.update(p.stem for p in directory.glob("*.yaml"))
    return sorted(names)


class ScenarioError(ValueError):
    pass


def load_scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if not path.is_file():
        found = next(
            (d / f"{name_or_path}.yaml" for d in scenario_dirs() if (d / f"{name_or_path}.yaml").is_file()), None
        )
        if found is None:
            raise ScenarioError(f"no scenario {name_or_path!r} (shipped: {', '.join(shipped_scenarios())})")
        path = found
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from error
    from pydantic import ValidationError

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScenarioError(f"{path}: {where}: {first['msg']}") from error
    if scenario.app.source is not None:
        source_folder(scenario.app.source)  # an unknown sample or folder is refused before anything starts
    return scenario


# --- running --------------------------------------------------------------------------------------


class ScenarioResult(BaseModel):
    scenario: str
    passed: bool
    failures: list[str]
    builds: list[dict[str, Any]]
    deploystatus: dict[str, Any] | None
    services: dict[str, dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    steps: int
    http: dict[str, dict[str, int]] = {}  # phase → "<status> build <N>" → requests (expect.http)


def _clean(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: v for k, v in item.items() if k not in ("primary_id", "secondary_id", VERSION_ATTR)}


class ScenarioRunner:
    def __init__(self, scenario: Scenario, emulator: Emulator) -> None:
        self.scenario = scenario
        self.emulator = emulator
        self.builds_started: dict[str, int] = {}
        self.declaration: AppDeclaration | None = None  # as registered: the build project is the stack's
        router = emulator.router
        self.prober: Prober | None = None
        if scenario.expect.http is not None and router is not None:
            self.prober = Prober(router.url(f"{scenario.app.name}.{get_settings().apps_domain}"))
        self.run_exit_codes: list[int | None] = []

    def run(self, on_step: Any = None) -> ScenarioResult:
        scenario = self.scenario
        emulator = self.emulator
        emulator.behaviour.tasks[:] = scenario.behaviour.tasks
        emulator.behaviour.deployments[:] = scenario.behaviour.deployments
        emulator.behaviour.builds.update(scenario.behaviour.builds)
        source = AppSource(initialize_command=scenario.app.initialize_command, test_command=scenario.app.test_command)
        if scenario.app.procfile:
            source.procfile = scenario.app.procfile
        if scenario.app.source:
            source.directory = source_folder(scenario.app.source)
            source.changes = {
                n: s.build.files for n, s in enumerate(self._build_steps(), start=1) if s.build and s.build.files
            }
        self.declaration = emulator.register(scenario.app.name, scenario.app.kind, source)
        for step in scenario.setup:
            self._act(step)
        emulator.run_until_idle(on_step=on_step)
        last_build = max((i for i, s in enumerate(scenario.steps) if s.build is not None), default=None)
        for index, step in enumerate(scenario.steps):
            if index == last_build and self.prober is not None:
                self.prober.start("during")
            self._act(step, on_step)
        emulator.run_until_idle(on_step=on_step)
        if self.prober is not None:
            self.prober.stop()
            self.prober.sample("after", HTTP_AFTER_REQUESTS)
        return self.check()

    def _build_steps(self) -> list[Step]:
        return [s for s in self.scenario.steps if s.build is not None]

    def _target_app(self, step: Step) -> str:
        return step.target or self.scenario.app.name

    def _act(self, step: Step, on_step: Any = None) -> None:
        from orchestrator.adapters import operator as operations
        from orchestrator.parameters.names import ParameterKind

        if step.build is not None:
            self._start_build(step.build)
        elif step.advance is not None:
            for _ in range(step.advance):
                report = self.emulator.step()
                if on_step:
                    on_step(report)
        elif step.settle:
            self.emulator.run_until_idle(on_step=on_step)
        elif step.rollback is not None:  # as `orchestrator rollback --detach`: the request parameter, then events
            import uuid

            asked = {"request": f"scenario-{uuid.uuid4().hex[:12]}", "version": step.rollback.version}
            operations.write_json_parameter(
                operations.target_of(self._target_app(step)), ParameterKind.ROLLBACK, asked
            )
        elif step.review_app_create is not None or step.review_app_destroy is not None:
            self._review_app_status(step.review_app_create, step.review_app_destroy)
        elif step.run is not None:
            self._run_one_off(self._target_app(step), step.run)
        else:
            target = operations.target_of(self._target_app(step))
            if step.config_set is not None:
                operations.config_set(target, step.config_set)
            elif step.config_unset is not None:
                operations.config_unset(target, step.config_unset)
            elif step.scaling is not None:
                value = {k: v.model_dump() for k, v in step.scaling.items()}
                operations.write_json_parameter(target, ParameterKind.SCALING, value)
            elif step.scheduled_tasks is not None:
                tasks = [t.model_dump() for t in step.scheduled_tasks]
                operations.write_json_parameter(target, ParameterKind.SCHEDULED_TASKS, tasks)

    def _review_app_status(self, create: int | None, destroy: int | None) -> None:
        from orchestrator.adapters import review_app_operator as review_apps
        from orchestrator.review_apps.status import CREATED, DELETING, ReviewAppStatus

        pr = create or destroy
        key = f"{self.scenario.app.name}:{pr}"
        status = ReviewAppStatus(pull_request=f"pr/{pr}", status=CREATED if create else DELETING, title=f"PR {pr}")
        review_apps.write_status(key, status)

    def _run_one_off(self, app: str, run: RunStep) -> None:
        """What `orchestrator run` does, with simulated steps instead of sleeps between polls."""
        from orchestrator.pipeline.one_off import OneOffError, follow_one_off, one_off_argv, start_one_off

        try:
            task = start_one_off(app, one_off_argv(run.command, shell=run.shell))
        except OneOffError:
            self.run_exit_codes.append(None)
            return
        ticks = iter(range(run.max_ticks))

        def wait() -> bool:
            if next(ticks, None) is None:
                return False
            self.emulator.step()
            return True

        outcome = follow_one_off(task, wait)
        self.run_exit_codes.append(outcome.exit_code if outcome.stopped else None)

    def _start_build(self, build: BuildStep) -> None:
        app = self.scenario.app
        if self.declaration is None:
            raise RuntimeError("the scenario's app is not registered yet")
        number = self.builds_started.get(app.name, 0) + 1
        self.builds_started[app.name] = number
        self.emulator.behaviour.builds.setdefault(
            number,
            BuildBehaviour(fail_phase=build.fail_phase, slow_phase=build.slow_phase, slow_ticks=build.slow_ticks),
        )
        source_version = build.source_version
        if source_version is None:
            source_version = hashlib.sha1(f"{app.name}:{number}".encode()).hexdigest()
        client("codebuild").start_build(projectName=self.declaration.codebuild_project, sourceVersion=source_version)

    # --- checking ---------------------------------------------------------------------------------

    def record_app(self) -> str:
        return self.scenario.expect.app or self.scenario.app.name

    def deploystatus(self) -> dict[str, Any] | None:
        app = self.record_app()
        if ":" in app:
            pipeline, pr = app.split(":", 1)
            return deploystatus_value(Store().get(keys.app_pk(pipeline), f"{keys.DEPLOYSTATUS_SK}#{pr}"))
        return deploystatus_value(Store().get(keys.app_pk(app), keys.DEPLOYSTATUS_SK))

    def services(self) -> dict[str, dict[str, Any]]:
        ecs = client("ecs")
        cluster = get_settings().cluster_name
        arns = ecs.list_services(cluster=cluster).get("serviceArns", [])
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster, services=arns[start : start + 10])["services"]:
                if service.get("status") != "ACTIVE":
                    continue
                definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"], include=["TAGS"])
                tags = _tags(definition.get("tags"))
                container = definition["taskDefinition"]["containerDefinitions"][0]
                build = tags.get("apppack:buildNumber")
                found[service["serviceName"]] = {
                    "desired_count": service.get("desiredCount"),
                    "task_definition": service["taskDefinition"].rsplit("/", 1)[-1],
                    "build": int(build) if build and build.isdigit() else _build_from_image(container.get("image", "")),
                    "cpu": int(definition["taskDefinition"].get("cpu") or container.get("cpu") or 0),
                    "memory": int(definition["taskDefinition"].get("memory") or container.get("memory") or 0),
                    "secrets": sorted(secret["name"] for secret in container.get("secrets", [])),
                }
        return found

    def scheduled_rules(self, app: str) -> int:
        events = client("events")
        count = 0
        for rule in events.list_rules(NamePrefix=f"orchestrator-{app.replace(':', '-pr')}-").get("Rules", []):
            targets = events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", [])
            if rule.get("ScheduleExpression") and any("EcsParameters" in t for t in targets):
                count += 1
        return count

    def scalable_targets(self, app: str) -> int:
        prefix = f"service/{get_settings().cluster_name}/{app.replace(':', '-pr')}-"
        targets = client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")
        return sum(1 for t in targets.get("ScalableTargets", []) if str(t["ResourceId"]).startswith(prefix))

    def leftovers(self, app: str) -> list[str]:
        """What of review app `app` still exists in ECS, ELB, EventBridge, Application Auto Scaling and SSM."""
        from orchestrator.parameters.names import Target, target_root
        from orchestrator.pipeline.apps import AppRef, app_from_tags

        base = AppRef(app).resource_name
        found = [f"service {name}" for name in self.services() if name.startswith(f"{base}-")]
        elbv2 = client("elbv2")
        for group in elbv2.describe_target_groups().get("TargetGroups", []):
            tags = elbv2.describe_tags(ResourceArns=[group["TargetGroupArn"]])["TagDescriptions"][0].get("Tags", [])
            if app_from_tags({t["Key"]: t["Value"] for t in tags}) == app:
                found.append(f"target group {group['TargetGroupName']}")
        listener = get_settings().listener_arn
        for rule in elbv2.describe_rules(ListenerArn=listener).get("Rules", []) if listener else []:
            hosts = [v for c in rule.get("Conditions", []) for v in (c.get("HostHeaderConfig") or {}).get("Values", [])]
            found += [f"listener rule for {h}" for h in hosts if h.startswith(f"{base}.")]
        found += [f"{n} scheduled-task rule(s)" for n in [self.scheduled_rules(app)] if n]
        found += [f"{n} auto scaling target(s)" for n in [self.scalable_targets(app)] if n]
        pipeline, pr = app.split(":", 1)
        root = target_root(Target("review_app", pipeline, pr), get_settings().ssm_prefix)
        for page in client("ssm").get_paginator("describe_parameters").paginate():
            found += [f"parameter {p['Name']}" for p in page.get("Parameters", [])
                      if p["Name"] == root or p["Name"].startswith(f"{root}/")]  # fmt: skip
        return found

    def check(self) -> ScenarioResult:
        expect = self.scenario.expect
        app = self.record_app()
        failures: list[str] = []
        records = [r for r in (_clean(i) for i in Store().query(keys.app_pk(app), keys.BUILD_PREFIX)) if r is not None]
        by_number = {int(r["build_number"]): r for r in records}
        for number, phases in expect.builds.items():
            record = by_number.get(number)
            if record is None:
                failures.append(f"build {number}: no record")
                continue
            for field, wanted in phases.items():
                if field == "codebuild_status":
                    actual = record.get("codebuild_status")
                else:
                    actual = (record.get(field) or {}).get("state") or "absent"
                if actual != wanted:
                    failures.append(f"build {number}: {field} is {actual}, expected {wanted}")
        status = _clean(self.deploystatus())
        if expect.deploystatus is None:
            if status is not None:
                failures.append("DEPLOYSTATUS exists, expected none")
        else:
            for field, wanted in expect.deploystatus.items():
                actual = (status or {}).get(field)
                if not _matches(wanted, actual):
                    failures.append(f"DEPLOYSTATUS.{field} is {actual!r}, expected {wanted!r}")
        services = self.services()
        for name, wanted_service in expect.services.items():
            actual_service = services.get(name)
            if actual_service is None:
                failures.append(f"service {name}: does not exist")
                continue
            for field, value in wanted_service.model_dump(exclude_none=True).items():
                if actual_service.get(field) != value:
                    failures.append(f"service {name}: {field} is {actual_service.get(field)!r}, expected {value!r}")
        if expect.scheduled_rules is not None and (n := self.scheduled_rules(app)) != expect.scheduled_rules:
            failures.append(f"{n} scheduled-task rules, expected {expect.scheduled_rules}")
        if expect.scalable_targets is not None and (n := self.scalable_targets(app)) != expect.scalable_targets:
            failures.append(f"{n} auto scaling targets, expected {expect.scalable_targets}")
        if expect.http is not None:
            failures += self._check_http(expect.http)
        if expect.releases:
            from orchestrator.pipeline.releases import list_releases

            found = {r.version: r.model_dump(mode="json") for r in list_releases(Store(), app)}
            for version, wanted_release in sorted(expect.releases.items()):
                if not _matches(wanted_release, found.get(version)):
                    failures.append(f"release v{version} is {found.get(version)!r}, expected {wanted_release!r}")
        if expect.nothing_left_of is not None:
            failures += [f"{expect.nothing_left_of}: {what} remains" for what in self.leftovers(expect.nothing_left_of)]
        if expect.run_exit_codes is not None and self.run_exit_codes != expect.run_exit_codes:
            failures.append(f"run exited with {self.run_exit_codes}, expected {expect.run_exit_codes}")
        dead = self.emulator.dead_letters()
        if len(dead) != expect.dead_letters:
            failures.append(f"{len(dead)} events in the dead-letter queue, expected {expect.dead_letters}")
            failures += [f"  dead letter from {d['function']}: {d['error']}" for d in dead[:5]]
        return ScenarioResult(
            scenario=self.scenario.name,
            passed=not failures,
            failures=failures,
            builds=sorted(records, key=lambda r: int(r["build_number"])),
            deploystatus=status,
            services=services,
            dead_letters=dead,
            steps=self.emulator.clock.tick,
            http=self.prober.summary() if self.prober is not None else {},
        )

    def _check_http(self, expect: HttpExpectation) -> list[str]:
        if self.prober is None:
            return ["http: no router (the scenario's app has no local source)"]
        failures: list[str] = []
        for phase, allowed in (("during", expect.during_last_build), ("after", expect.after)):
            answers = [a for a in self.prober.answers if a.phase == phase]
            if not answers:
                failures.append(f"http {phase}: no request was answered")
            bad = [a for a in answers if a.status != 200 or a.build not in allowed]
            failures += [
                f"http {phase}: {a.status} from build {a.build} ({a.first_line!r}), expected 200 from {allowed}"
                for a in bad[:5]
            ]
        return failures


def source_folder(source: str) -> Path:
    """A scenario's `source`: a shipped sample's name, or a folder."""
    sample = Path(str(resources.files("orchestrator.local").joinpath("samples", source)))
    folder = sample if sample.is_dir() else Path(source)
    if not folder.is_dir():
        raise ScenarioError(f"source {source!r} is neither a sample ({', '.join(samples())}) nor a folder")
    return folder


def samples() -> list[str]:
    root = Path(str(resources.files("orchestrator.local").joinpath("samples")))
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def _matches(wanted: Any, actual: Any) -> bool:
    """Subset match: dicts by their listed keys, lists element-wise by a `name` key when present."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(_matches(v, actual.get(k)) for k, v in wanted.items())
    if isinstance(wanted, list) and wanted and isinstance(wanted[0], dict) and "name" in wanted[0]:
        if not isinstance(actual, list):
            return False
        by_name = {a.get("name"): a for a in actual if isinstance(a, dict)}
        return len(by_name) == len(wanted) and all(_matches(w, by_name.get(w["name"])) for w in wanted)
    if isinstance(wanted, str) and wanted.startswith("re:"):
        return isinstance(actual, str) and re.search(wanted[3:], actual) is not None
    return bool(wanted == actual)


def run_scenario(scenario: Scenario, on_step: Any = None, log_path: Path | None = None) -> ScenarioResult:
    """Run `scenario` on a fresh emulator (its own moto server) and check its expectations."""
    with Emulator(log_path=log_path, serve_web=scenario.app.source is not None) as emulator:
        return ScenarioRunner(scenario, emulator).run(on_step)
