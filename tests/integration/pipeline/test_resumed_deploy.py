"""A deploy whose invocation failed after ECS made its services resumes without touching them again.

Found by a random fault schedule (`deploy-rollback`, seed 4032): the retry of a deploy whose CreateService had
succeeded found the service and sent it an UpdateService to the revision it already ran. The step now takes the
service as it is when it runs the planned revision."""

from __future__ import annotations

import pytest

from orchestrator.pipeline import deploy as deploy_module
from tests.conftest import CallRecorder
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
