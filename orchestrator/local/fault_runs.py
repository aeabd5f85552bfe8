"""A scenario run under injected faults, then one redrive, and the guarantees it must keep.

    run = run_under_faults(load_scenario("happy-path"), FaultPlan(seed=7, lost_response_rate=0.1))
    run.violations   # [] when every guarantee of README "Reliability" held

What is checked, after the run and at most one redrive of the dead-letter queue: the scenario's own
expectations; an empty DLQ; no claim left `claimed`; no build phase left `started`; and the side effects
AWS executed, compared with the same scenario run without faults: the same task-definition revisions per
family, the same tasks, the same services and the same service updates (each made once).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.local.emulator import Emulator
from orchestrator.local.faults import FaultInjector, FaultPlan
from orchestrator.local.scenarios import Scenario, ScenarioResult, ScenarioRunner
from orchestrator.pipeline import keys
from orchestrator.settings import get_settings

PHASES = ("build", "test", "finalize", "release", "postdeploy", "deploy")


@dataclass(frozen=True)
class SideEffects:
    """What the pipeline made in ECS, comparable across runs of one scenario."""

    revisions: dict[str, int]  # task-definition family → number of revisions
    tasks: int  # one-off tasks started by the orchestrator
    services: tuple[str, ...]
    updates: Counter[tuple[str, str]]  # (service, task definition family:revision) → UpdateService calls


@dataclass
class FaultRun:
    plan: FaultPlan
    result: ScenarioResult
    effects: SideEffects
    redriven: list[dict[str, Any]] = field(default_factory=list)
    injected: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)


def observed_effects(injector: FaultInjector | None) -> SideEffects:
    ecs = client("ecs")
    cluster = get_settings().cluster_name
    families = ecs.list_task_definition_families(status="ACTIVE").get("families", [])
    revisions = {
        family: len(ecs.list_task_definitions(familyPrefix=family).get("taskDefinitionArns", []))
        for family in families
    }
    tasks = sum(
        len(ecs.list_tasks(cluster=cluster, startedBy="orchestrator", desiredStatus=status).get("taskArns", []))
        for status in ("RUNNING", "STOPPED")
    )
    services = tuple(sorted(a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster=cluster).get("serviceArns", [])))
    updates: Counter[tuple[str, str]] = Counter()
    for params in injector.calls("ecs", "UpdateService") if injector else []:
        if params.get("taskDefinition"):
            updates[(str(params["service"]), str(params["taskDefinition"]).rsplit("/", 1)[-1])] += 1
    return SideEffects(revisions, tasks, services, updates)


def open_items(app_keys: list[str]) -> list[str]:
    """Claims left `claimed` and build phases left `started`, under the given `APP#` keys."""
    store = Store()
    found: list[str] = []
    for app in app_keys:
        for item in store.query(keys.app_pk(app), keys.CLAIM_PREFIX):
            if item.get("claim_state") == "claimed":
                found.append(f"claim {item['secondary_id']} of {app} left claimed")
        for record in store.query(keys.app_pk(app), keys.BUILD_PREFIX):
            for phase in PHASES:
                if (record.get(phase) or {}).get("state") == "started":
                    found.append(f"{app} build {record.get('build_number')}: {phase} left started")
    return found


def _app_keys(scenario: Scenario) -> list[str]:
    store = Store()
    names = {scenario.app.name, scenario.expect.app or scenario.app.name}
    names |= {str(i["secondary_id"]).removeprefix("APP#") for i in store.query(keys.APPS_PK)}
    return sorted(n for n in names if n)


def run_under_faults(scenario: Scenario, plan: FaultPlan, baseline: SideEffects | None = None) -> FaultRun:
    """Run `scenario` on a fresh emulator with `plan`'s faults, redrive the DLQ once if needed, and check
    every guarantee. With `baseline` (the same scenario without faults), side effects are compared too."""
    with Emulator() as emulator, FaultInjector(plan) as injector:
        runner = ScenarioRunner(scenario, emulator)
        runner.run()
        redriven: list[dict[str, Any]] = []
        if emulator.dead_letters():
            redriven = emulator.redrive()
            emulator.run_until_idle()
        result = runner.check()
        effects = observed_effects(injector)
        violations = list(result.failures)
        violations += open_items(_app_keys(scenario))
        if baseline is not None:
            violations += compare_effects(baseline, effects)
        return FaultRun(plan, result, effects, redriven, dict(injector.injected), violations)


def compare_effects(expected: SideEffects, actual: SideEffects) -> list[str]:
    found = []
    if actual.revisions != expected.revisions:
        found.append(f"task-definition revisions {actual.revisions}, without faults {expected.revisions}")
    if actual.tasks != expected.tasks:
        found.append(f"{actual.tasks} one-off tasks started, without faults {expected.tasks}")
    if actual.services != expected.services:
        found.append(f"services {list(actual.services)}, without faults {list(expected.services)}")
    if set(actual.updates) != set(expected.updates):
        found.append(f"service updates {sorted(actual.updates)}, without faults {sorted(expected.updates)}")
    return found
