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


class Step(Strict):
    """Exactly one operator action, or `advance` (simulated steps) / `settle` (until nothing moves)."""

    build: BuildStep | None = None
    config_set: dict[str, str] | None = None
    config_unset: list[str] | None = None
    scaling: dict[str, ProcessScalingSpec] | None = None
    scheduled_tasks: list[ScheduledTaskSpec] | None = None
    advance: int | None = Field(default=None, ge=1, le=200)
    settle: bool | None = None
    target: str | None = None  # app key the parameter steps apply to (default: the scenario's app)

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [k for k in ("build", "config_set", "config_unset", "scaling", "scheduled_tasks", "advance",
                               "settle") if getattr(self, k) is not None]  # fmt: skip
        if len(actions) != 1:
            raise ValueError(f"a step has exactly one action, got {actions or 'none'}")
        return self


class ServiceExpectation(Strict):
    desired_count: int | None = None
    build: int | None = None  # the build whose image the service runs
    cpu: int | None = None
    memory: int | None = None
    secrets: list[str] | None = None  # names of the container's secrets (config variables), sorted


class Expectations(Strict):
    app: str | None = None  # the record key to check (`pipe:12` for a review app); default the scenario's app
    builds: dict[int, dict[str, str]] = Field(default_factory=dict)
    deploystatus: dict[str, Any] | None = Field(default_factory=dict)
    services: dict[str, ServiceExpectation] = Field(default_factory=dict)  # by service name
    scheduled_rules: int | None = None  # EventBridge rules with ECS targets for the app
    scalable_targets: int | None = None  # Application Auto Scaling targets on the app's services
    dead_letters: int = 0


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
        return Scenario.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScenarioError(f"{path}: {where}: {first['msg']}") from error


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

    def run(self, on_step: Any = None) -> ScenarioResult:
        scenario = self.scenario
        emulator = self.emulator
        emulator.behaviour.tasks[:] = scenario.behaviour.tasks
        emulator.behaviour.deployments[:] = scenario.behaviour.deployments
        emulator.behaviour.builds.update(scenario.behaviour.builds)
        source = AppSource(initialize_command=scenario.app.initialize_command, test_command=scenario.app.test_command)
        if scenario.app.procfile:
            source.procfile = scenario.app.procfile
        self.declaration = emulator.register(scenario.app.name, scenario.app.kind, source)
        for step in scenario.setup:
            self._act(step)
        emulator.run_until_idle(on_step=on_step)
        for step in scenario.steps:
            self._act(step, on_step)
        emulator.run_until_idle(on_step=on_step)
        return self.check()

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
        )


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
    with Emulator(log_path=log_path) as emulator:
        return ScenarioRunner(scenario, emulator).run(on_step)
