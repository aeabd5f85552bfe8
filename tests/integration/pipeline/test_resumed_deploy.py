"""A deploy whose invocation failed after ECS made its services resumes without touching them again.

Found by a random fault schedule (`deploy-rollback`, seed 4032): the retry of a deploy whose CreateService had
succeeded found the service and sent it an UpdateService to the revision it already ran. The step now takes the
service as it is when it runs the planned revision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.store import Store
from orchestrator.local.ecs_events import deployment_completed
from orchestrator.pipeline import deploy as deploy_module
from orchestrator.pipeline.releases import list_releases
from tests.conftest import CallRecorder
from tests.integration.builders import START
from tests.integration.pipeline.world import (
    INVOCATION_ENDS,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    fails_once,
    record,
    step_task,
    stopped,
    upload_toml,
)


@pytest.mark.usefixtures("aws")
def test_a_deploy_retried_after_its_services_were_made_makes_no_other_service_call(
    api_calls: CallRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    fails_once(monkeypatch, deploy_module, "write_lookup")  # after CreateService made web
    released = stopped(step_task("demo", 1, "release"))
    with pytest.raises(RuntimeError, match=INVOCATION_ENDS):
        deliver(released)
    deliver(released)  # Lambda's retry
    writes = [(op, call.get("serviceName") or call.get("service")) for op, call in ecs_writes(api_calls)]
    service_calls = [w for w in writes if w[0] in ("CreateService", "UpdateService")]
    # web was created before the crash: the retry takes it as it is (no UpdateService), and creates worker.
    assert sorted(service_calls) == [("CreateService", "demo-web"), ("CreateService", "demo-worker")]
    deliver(*completed("demo", 1))
    assert record()["deploy"]["state"] == "succeeded"


@pytest.mark.usefixtures("aws")
def test_a_deploy_that_ended_before_its_retry_recorded_it_gets_its_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a random fault schedule (`scaling`, seed 350): the attempt failed after its services were made
    and their lookups written, ECS's events ended the deploy, and the retry returned early: the deploy's
    release was never recorded (the next release took its version)."""
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    fails_once(monkeypatch, deploy_module, "record_release")  # after the services and their lookups
    released = stopped(step_task("demo", 1, "release"))
    with pytest.raises(RuntimeError, match=INVOCATION_ENDS):
        deliver(released)
    running = Ecs().describe_services("orchestrator", ["demo-web", "demo-worker"]).values()
    deliver(*[deployment_completed(s.arn, str(s.primary_deployment_id), START + timedelta(seconds=400)) for s in running])
    assert record()["deploy"]["state"] == "succeeded"  # ECS's events ended it
    assert list_releases(Store(), "demo") == []
    deliver(released)  # Lambda's retry
    assert record()["release_version"] == 1
    assert [(r.version, r.kind, r.status) for r in list_releases(Store(), "demo")] == [(1, "deploy", "deployed")]
    deliver(released)  # and again: nothing moves
    assert [(r.version, r.status) for r in list_releases(Store(), "demo")] == [(1, "deployed")]
