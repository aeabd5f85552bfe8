"""The orchestrator's own events: published on the default bus once per state change, read back from the
log group the archive rule writes to (the same rule the emulator and the stack create)."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

import pytest

from orchestrator.adapters.event_bus import EventBus, EventPublishError
from orchestrator.adapters.published_events import PublishedEvents
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.explain import explain_event
from orchestrator.local.ecs_events import deployment_failed
from orchestrator.local.resources import keep_published_events
from orchestrator.notifications.models import OrchestratorEvent
from tests.conftest import CallRecorder
from tests.integration.builders import START
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    record,
    step_task,
    stopped,
    upload_toml,
)


def published() -> list[OrchestratorEvent]:
    return [OrchestratorEvent.model_validate(e.event) for e in PublishedEvents().since(0)]


def keys_of(events: list[OrchestratorEvent]) -> list[str]:
    return [f"{e.detail.stage.value}:{e.detail.state}" for e in events]


def redelivered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same events again under new ids, as EventBridge's at-least-once delivery may (Powertools
    idempotency absorbs only a repeated id)."""
    copies = copy.deepcopy(events)
    for event in copies:
        event["id"] = str(uuid.uuid4())
    return copies


def test_a_deploy_publishes_each_state_change_once_under_redelivery(aws: None, api_calls: CallRecorder) -> None:
    keep_published_events()
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    events = build()
    deliver(*events)
    deliver(*reversed(redelivered(events)))
    done = completed("demo", 1)
    deliver(*done, *redelivered(done), *redelivered(done))
    deliver(*reversed(redelivered(events)))

    found = published()
    assert keys_of(found) == [
        "build:started", "build:succeeded", "release:started", "release:succeeded", "deploy:started", "deploy:succeeded",
    ]  # fmt: skip
    # one PutEvents per event that changes a state: IN_PROGRESS, BUILD, SUCCEEDED (no release command: release
    # started and succeeded, deploy started, published together), the last COMPLETED
    assert api_calls.count("events", "PutEvents") == 4
    assert {e.source for e in found} == {"orchestrator"}
    assert {e.detail_type for e in found} == {
        "Orchestrator Build State Change", "Orchestrator Release State Change", "Orchestrator Deploy State Change",
    }  # fmt: skip
    assert all(e.detail.app == "demo" and e.detail.build_number == 1 for e in found)
    assert found[0].detail.commit == record()["commit"]
    assert sorted(record()["notified"]) == sorted(keys_of(found))


def test_a_failed_deploy_is_published_with_its_reason(aws: None) -> None:
    keep_published_events()
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))
    worker = record()["services"]["worker"]
    bad = deployment_failed(worker["service_arn"], worker["deployment_id"], START + timedelta(seconds=400))
    deliver(bad, *redelivered([bad]))

    failures = [e for e in published() if e.detail.state == "failed"]
    assert len(failures) == 1
    assert failures[0].detail_type == "Orchestrator Deploy State Change"
    assert failures[0].detail.error == record()["deploy"]["error"]
    assert bad["detail"]["reason"] in (failures[0].detail.error or "")
    # `events explain` knows it, and it reaches the people rule as well as the archive
    explained = explain_event(failures[0].model_dump(by_alias=True, mode="json"))
    assert [r.rule for r in explained.routes] == ["published-events", "notify-people"]
    assert "deploy failed" in explained.routes[1].action


def test_a_publish_that_failed_after_the_record_write_is_made_by_the_retry(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_published_events()
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    real = EventBus.publish_all
    refused: list[str] = []

    def refuse_deploys(self: EventBus, source: str, events: list[Any]) -> list[str | None]:
        if any("Deploy" in detail_type for detail_type, *_ in events):
            refused.append(events[-1][0])
            raise EventPublishError("throttled")
        return real(self, source, events)

    monkeypatch.setattr(EventBus, "publish_all", refuse_deploys)
    events = build()
    with pytest.raises(EventPublishError):
        deliver(*events)
    assert record()["deploy"]["state"] == "started"  # the record was written; its event was not published
    assert "deploy:started" not in keys_of(published())
    monkeypatch.setattr(EventBus, "publish_all", real)
    # Lambda retries the failed event (same id, so it resumes its own claim). The events handled before it
    # come again too: the record-only ones (no idempotency) find that publish claimed by the failed event and
    # leave it to that event; SUCCEEDED is answered from Powertools' idempotency record.
    deliver(*events)
    deliver(*completed("demo", 1))
    assert keys_of(published()).count("deploy:started") == 1
    assert keys_of(published())[-2:] == ["deploy:started", "deploy:succeeded"]
    assert refused


def test_no_handler_rule_matches_the_orchestrators_own_events() -> None:
    event = {
        "version": "0", "id": "1", "source": "orchestrator", "detail-type": "Orchestrator Deploy State Change",
        "account": "123456789012", "time": "2026-11-30T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"app": "demo", "build_number": 1, "stage": "deploy", "state": "failed", "error": "x"},
    }  # fmt: skip
    assert not any(matches(r.pattern, event) for r in event_routes(ssm_prefix="apppack", bundle_bucket="b"))


def test_a_deploy_replaced_by_a_newer_builds_deploy_is_published_as_failed(aws: None) -> None:
    keep_published_events()
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    upload_toml("demo", 2, TOML_WEB_ONLY)
    deliver(*build(number=1))  # build 1 deploying
    deliver(*build(number=2))  # build 2 replaces it: ECS sends nothing for build 1's deployment
    assert record(number=1)["deploy"]["state"] == "failed"
    ends = [e for e in published() if e.detail.build_number == 1 and e.detail.stage.value == "deploy"]
    assert [e.detail.state for e in ends] == ["started", "failed"]
    assert "2" in (ends[1].detail.error or "")
