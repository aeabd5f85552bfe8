"""An ECS deployment whose end is reported before its lookup is written (pipeline/deployment_lookups.py).

ECS can report a deployment's end before the orchestrator has recorded which build or release started it:
when the invocation that called UpdateService failed after the call, and its retry writes the lookup later.
Here ECS's event is delivered right after UpdateService or CreateService returns, before the lookup write:
the deploy or release must still end, once, as when the event comes after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from orchestrator.adapters.ecs import Ecs, ServiceInfo
from orchestrator.adapters.store import Store
from orchestrator.handlers import parameters as parameter_handler
from orchestrator.local import moto_patches
from orchestrator.local.ecs_events import deployment_completed, deployment_failed
from orchestrator.local.resources import keep_published_events
from orchestrator.local.ssm_events import parameter_store_change
from orchestrator.pipeline import keys
from orchestrator.pipeline.deployment_lookups import DeploymentReport, park_ended, write_lookup
from orchestrator.pipeline.deploystatus import deploystatus_value
from orchestrator.pipeline.releases import list_releases
from tests.integration.builders import START
from tests.integration.pipeline.test_notifications import published
from tests.integration.pipeline.world import (
    CONTEXT,
    INVOCATION_ENDS,
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    fails_once,
    item,
    put_parameter,
    record,
    step_task,
    stopped,
    upload_toml,
)

Report = Callable[[ServiceInfo], dict[str, Any]]
REPORTS: dict[str, Report] = {}  # service name → the event ECS sends at once for its new deployment


@pytest.fixture(autouse=True)
def _a_new_revision_is_a_new_deployment() -> None:
    moto_patches.apply()  # as in ECS: UpdateService with a new revision starts a deployment with a new id


@pytest.fixture
def ecs_reports_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """While active, each new deployment's end (from `REPORTS`) is handled as soon as UpdateService or
    CreateService returns it: before the caller has written its lookup. Yields (service, outcome) of each."""
    REPORTS.clear()
    handled: list[tuple[str, dict[str, Any]]] = []

    def reporting(original: Callable[..., ServiceInfo]) -> Callable[..., ServiceInfo]:
        def call(self: Ecs, *args: Any, **kwargs: Any) -> ServiceInfo:
            info = original(self, *args, **kwargs)
            report = REPORTS.get(info.name)
            if report is not None and info.primary_deployment_id:
                [outcome] = deliver(report(info))
                handled.append((info.name, outcome))
            return info

        return call

    monkeypatch.setattr(Ecs, "update_service", reporting(Ecs.update_service))
    monkeypatch.setattr(Ecs, "create_service", reporting(Ecs.create_service))
    yield handled
    REPORTS.clear()


def completes(info: ServiceInfo) -> dict[str, Any]:
    return deployment_completed(info.arn, str(info.primary_deployment_id), START + timedelta(seconds=400))


def fails(info: ServiceInfo) -> dict[str, Any]:
    return deployment_failed(info.arn, str(info.primary_deployment_id), START + timedelta(seconds=400))


def deployed_first() -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))
    deliver(*completed("demo", 1))


def reads_of(monkeypatch: pytest.MonkeyPatch, prefix: str) -> list[str]:
    """The keys whose primary id starts with `prefix` that `Store.get` reads from now on."""
    read: list[str] = []
    original = Store.get

    def get(self: Store, primary_id: str, secondary_id: str, *args: Any, **kwargs: Any) -> Any:
        if primary_id.startswith(prefix):
            read.append(primary_id)
        return original(self, primary_id, secondary_id, *args, **kwargs)

    monkeypatch.setattr(Store, "get", get)
    return read


def change_config() -> dict[str, Any]:
    name = "/apppack/apps/demo/config/FEATURE"
    put_parameter(name, "on")
    event = parameter_store_change(name, "Create")
    parameter_handler.handler(event, CONTEXT)  # type: ignore[arg-type]
    return event


@pytest.mark.usefixtures("aws")
def test_a_deploy_whose_only_service_ended_before_its_lookup_succeeds_once(
    ecs_reports_at_once: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)  # no release command: the build's end starts the deploy
    REPORTS["demo-web"] = completes
    lookup_reads = reads_of(monkeypatch, keys.deployment_pk(""))
    deliver(*build())
    [(service, outcome)] = ecs_reports_at_once
    # ECS's handler read the lookup once (absent); the deploy applies the end to the lookup it wrote, unread.
    assert len(lookup_reads) == 1
    assert (service, outcome["status"]) == ("demo-web", "not managed")  # kept for the lookup's writer
    stored = record()
    assert stored["deploy"]["state"] == "succeeded"
    assert stored["services"]["web"]["state"] == "COMPLETED"
    deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK)
    assert deployed is not None
    assert deployed["build_number"] == 1
    [release] = list_releases(Store(), "demo")
    assert release.status == "deployed"
    # ECS's event again, and the build's events again: nothing moves.
    REPORTS.clear()
    deliver(*completed("demo", 1), *build())
    assert record()["deploy"] == stored["deploy"]
    assert [r.status for r in list_releases(Store(), "demo")] == ["deployed"]


@pytest.mark.usefixtures("aws")
def test_a_deploy_ends_when_one_service_ended_early_and_the_other_later(
    ecs_reports_at_once: list[tuple[str, dict[str, Any]]],
) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    REPORTS["demo-worker"] = fails
    deliver(stopped(step_task("demo", 1, "release")))
    assert [s for s, _ in ecs_reports_at_once] == ["demo-worker"]
    stored = record()
    assert stored["services"]["worker"]["state"] == "FAILED"
    assert stored["deploy"]["state"] == "failed"  # one failed service fails the deploy at once
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert status["failed"] is True


@pytest.mark.usefixtures("aws")
def test_the_release_task_is_announced_before_a_deploy_that_ended_early(
    ecs_reports_at_once: list[tuple[str, dict[str, Any]]],
) -> None:
    keep_published_events()
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    REPORTS["demo-web"] = REPORTS["demo-worker"] = completes
    deliver(stopped(step_task("demo", 1, "release")))
    assert sorted(s for s, _ in ecs_reports_at_once) == ["demo-web", "demo-worker"]
    assert record()["deploy"]["state"] == "succeeded"
    announced = [f"{e.detail.stage.value}:{e.detail.state}" for e in published()]
    assert announced[-3:] == ["release:succeeded", "deploy:started", "deploy:succeeded"], announced


@pytest.mark.usefixtures("aws")
def test_a_config_release_whose_deployments_ended_before_their_lookups_is_deployed(
    ecs_reports_at_once: list[tuple[str, dict[str, Any]]],
) -> None:
    deployed_first()
    REPORTS["demo-web"] = REPORTS["demo-worker"] = completes
    event = change_config()
    assert sorted(s for s, _ in ecs_reports_at_once) == ["demo-web", "demo-worker"]
    assert {o["status"] for _, o in ecs_reports_at_once} == {"not managed"}
    config = list_releases(Store(), "demo", 1)[0]
    assert (config.kind, config.status) == ("config", "deployed")
    assert {p: s.state for p, s in config.services.items()} == {"web": "COMPLETED", "worker": "COMPLETED"}
    # Lambda's retry of the parameter event, and ECS's events again: still one release, deployed.
    REPORTS.clear()
    parameter_handler.handler(event, CONTEXT)  # type: ignore[arg-type]
    deliver(*[completes(i) for i in Ecs().describe_services("orchestrator", ["demo-web", "demo-worker"]).values()])
    releases = list_releases(Store(), "demo")
    assert [(r.kind, r.status) for r in releases] == [("config", "deployed"), ("deploy", "deployed")]


@pytest.mark.usefixtures("aws")
def test_events_explain_names_the_release_of_a_deployment_and_a_deployment_of_no_one() -> None:
    from orchestrator.explain import explain_event

    deployed_first()
    change_config()
    web = Ecs().describe_services("orchestrator", ["demo-web"])["demo-web"]
    [route] = [r for r in explain_event(completes(web)).routes if r.rule == "ecs-deployment"]
    assert "on release v2 of app 'demo'" in route.action
    foreign = ServiceInfo("other", web.arn, "ACTIVE", 1, "ecs-svc/404")
    [route] = [r for r in explain_event(completes(foreign)).routes if r.rule == "ecs-deployment"]
    assert route.action.startswith("not managed: ECS deployment ecs-svc/404 belongs to no build or release (its end is kept")
    assert item(keys.deployment_pk("ecs-svc/404"), keys.LOOKUP_SK) is None  # explaining changes nothing


@pytest.mark.usefixtures("aws")
def test_an_end_is_parked_once_and_the_lookup_write_returns_it_every_time() -> None:
    store = Store()
    ended = DeploymentReport("ecs-svc/1", "COMPLETED", None, 1_800_000_000, "arn:aws:ecs:service/x")
    assert park_ended(store, ended) is None
    assert park_ended(store, DeploymentReport("ecs-svc/1", "FAILED", "later")) is None  # the first end stays
    assert park_ended(store, DeploymentReport("ecs-svc/2", "IN_PROGRESS")) is None  # nothing to keep
    assert item(keys.deployment_pk("ecs-svc/2"), keys.LOOKUP_SK) is None
    lookup = {"app": "demo", "release": 3, "process": "web", "service": "demo-web"}
    assert write_lookup(store, "ecs-svc/1", lookup) == ended
    assert write_lookup(store, "ecs-svc/1", lookup) == ended  # a retry of the writer finds it again
    # Once the lookup exists, an end is not parked: the caller applies it to the lookup returned.
    returned = park_ended(store, DeploymentReport("ecs-svc/1", "COMPLETED"))
    assert returned is not None
    assert returned["release"] == 3
    # A build's lookup for the same deployment drops the release's attributes.
    write_lookup(store, "ecs-svc/1", {"app": "demo", "build_number": 2, "process": "web", "service": "demo-web"})
    stored = item(keys.deployment_pk("ecs-svc/1"), keys.LOOKUP_SK)
    assert stored is not None
    assert "release" not in stored
    assert stored["build_number"] == 2
    with pytest.raises(ValueError, match="already mapped to service demo-web"):
        write_lookup(store, "ecs-svc/1", {"app": "demo", "build_number": 2, "process": "x", "service": "demo-x"})


@pytest.mark.usefixtures("aws")
def test_a_deploy_that_failed_before_applying_an_early_end_applies_it_on_its_retry(
    ecs_reports_at_once: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestrator.pipeline import deploy as deploy_module

    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    REPORTS["demo-web"] = completes
    *before, succeeded = build()
    deliver(*before)
    fails_once(monkeypatch, deploy_module, "apply_deployment_report")
    with pytest.raises(RuntimeError, match=INVOCATION_ENDS):
        deliver(succeeded)
    REPORTS.clear()  # ECS reported the end once, before the lookup existed
    deliver(succeeded)  # Lambda's retry
    stored = record()
    assert stored["deploy"]["state"] == "succeeded"
    assert [r.status for r in list_releases(Store(), "demo")] == ["deployed"]
