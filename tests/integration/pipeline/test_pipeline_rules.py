"""DESIGN's pipeline rules at the edges: late events for finished builds, deploys that fail at the ECS API.

Each test drives the real handlers against moto.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.ecs import Ecs
from orchestrator.pipeline import keys
from tests.conftest import CallRecorder
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    item,
    record,
    step_task,
    stopped,
    upload_toml,
)


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same event delivered again by EventBridge with a new id (idempotency does not absorb it)."""
    return dict(event, id=f"{event['id']}-again")


def deploy_fully(number: int, toml: str = TOML_WEB_WORKER_RELEASE, seconds: int = 0) -> list[dict[str, Any]]:
    """Build, release and deploy `number` of app demo; returns the events that did it."""
    upload_toml("demo", number, toml)
    events = build(number=number)
    deliver(*events)
    release = stopped(step_task("demo", number, "release"), seconds=120 + seconds)
    deliver(release)
    done = completed("demo", number, seconds=300 + seconds)
    deliver(*done)
    assert record(number=number)["deploy"]["state"] == "succeeded"
    return [*events, release, *done]


def test_late_events_of_a_deployed_build_do_not_mark_it_superseded(aws: None, api_calls: CallRecorder) -> None:
    """Build 1 deployed; build 2 deployed after it. Build 1's SUCCEEDED and release STOPPED events come again:
    build 1's record keeps saying it deployed (superseded_by means "deployed nothing"), and nothing is called."""
    declare()
    first = deploy_fully(1)
    deploy_fully(2, seconds=1000)
    before = record(number=1)
    writes = len(ecs_writes(api_calls))

    succeeded, release_stopped = first[len(build()) - 1], first[len(build())]
    assert succeeded["detail"].get("build-status") == "SUCCEEDED"
    deliver(redelivered(succeeded), redelivered(release_stopped))

    after = record(number=1)
    assert "superseded_by" not in after
    assert after == before
    assert len(ecs_writes(api_calls)) == writes


def test_a_deploy_that_fails_at_the_ecs_api_ends_with_a_failed_deploystatus(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CreateService refused: the deploy ends failed, and DEPLOYSTATUS says so. Without it the app's deploy
    claim names a build that never ends, and parameter changes wait for that deploy forever."""
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)

    def refuse(self: Ecs, request: dict[str, Any]) -> Any:
        raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": "no"}}, "CreateService")

    monkeypatch.setattr(Ecs, "create_service", refuse)
    deliver(*build())

    final = record()
    assert final["deploy"]["state"] == "failed"
    assert "InvalidParameterException" in final["deploy"]["error"]
    status = item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK)
    assert status is not None
    assert (status["phase"], status["failed"], status["build_number"]) == ("deploy", True, 1)
    assert status["build_id"] == final["build_arn"]
