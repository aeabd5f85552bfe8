"""The cheaper claims of issue 17: one claim per step (`claimed_step`, orchestrator/pipeline/claims.py) and the
notifications' leases, which ride on the build record's own write (orchestrator/notifications/leases.py),
against moto; exact call counts."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.event_bus import EventBus, EventPublishError
from orchestrator.adapters.store import Store
from orchestrator.invocation import handling
from orchestrator.pipeline import keys
from orchestrator.pipeline.claims import ClaimPendingError, SideEffect, claimed_step
from tests.conftest import recording_calls
from tests.integration.pipeline.world import TOML_WEB_ONLY, build, declare, deliver, record, upload_toml


def step_claim(targets: str) -> dict[str, Any] | None:
    return Store().get(keys.app_pk("demo"), keys.claim_sk("SCOPE", "step", targets))


def effects(made: list[str], fail_on: str | None = None) -> list[SideEffect]:
    def perform(target: str) -> dict[str, Any]:
        if target == fail_on:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "UpdateService")
        made.append(target)
        return {"arn": f"arn:{target}"}

    def resume(target: str) -> dict[str, Any] | None:  # what an API without a client token finds again
        return {"arn": f"arn:{target}"} if target in made else None

    return [SideEffect(t, lambda t=t: perform(t), lambda t=t: resume(t)) for t in ("a", "b")]


def test_a_step_is_one_claim_write_before_and_one_after_whatever_its_effects(aws: None) -> None:
    made: list[str] = []
    with recording_calls() as calls, handling("event-1"):
        results, fresh = claimed_step(Store(), "demo", "SCOPE", "step", effects(made))
    assert (results, fresh, made) == ({"a": {"arn": "arn:a"}, "b": {"arn": "arn:b"}}, True, ["a", "b"])
    assert [o for _, o, _ in calls.params] == ["PutItem", "UpdateItem"]
    stored = step_claim("a+b")
    assert stored is not None
    assert (stored["claim_state"], stored["results"]) == ("done", results)
    with handling("event-2"):  # another event asking for the same step: the results, no call to AWS
        again, fresh = claimed_step(Store(), "demo", "SCOPE", "step", effects(made))
    assert (again, fresh, made) == (results, False, ["a", "b"])


def test_a_step_that_failed_half_way_is_resumed_by_its_own_retry_without_repeating_an_effect(aws: None) -> None:
    made: list[str] = []
    with handling("event-1"), pytest.raises(ClientError):
        claimed_step(Store(), "demo", "SCOPE", "step", effects(made, fail_on="b"))
    assert made == ["a"]
    assert (step_claim("a+b") or {})["claim_state"] == "claimed"
    with handling("event-2"), pytest.raises(ClaimPendingError):  # another event waits for it
        claimed_step(Store(), "demo", "SCOPE", "step", effects(made))
    with handling("event-1"):  # Lambda's retry: `a` is found again (resume), `b` is made
        results, fresh = claimed_step(Store(), "demo", "SCOPE", "step", effects(made))
    assert (sorted(results), fresh, made) == (["a", "b"], True, ["a", "b"])
    assert (step_claim("a+b") or {})["claim_state"] == "done"


def test_a_refused_effect_releases_the_step(aws: None) -> None:
    def refuse() -> dict[str, Any]:
        raise RequestRefusedError(
            ClientError({"Error": {"Code": "InvalidParameterException", "Message": "no"}}, "UpdateService")
        )

    with handling("event-1"), pytest.raises(RequestRefusedError):
        claimed_step(Store(), "demo", "SCOPE", "step", [SideEffect("a", refuse)])
    assert step_claim("a") is None
    with handling("event-2"):  # a corrected attempt may make it
        results, fresh = claimed_step(Store(), "demo", "SCOPE", "step", [SideEffect("a", lambda: {"ok": 1})])
    assert (results, fresh) == ({"a": {"ok": 1}}, True)


def test_a_notification_costs_one_put_events_and_one_record_write(aws: None) -> None:
    """The record write that shows build:started leases it (no claim item, no call of its own)."""
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    in_progress = build()[0]
    with recording_calls() as calls:
        deliver(in_progress)  # publishes build:started
    assert not [p for s, o, p in calls.params if "CLAIM#" in str(p)]
    writes = [o for s, o, _ in calls.params if s == "dynamodb" and o != "GetItem"]  # (the app's lookup read)
    assert writes == ["PutItem", "UpdateItem"]  # the record with its lease, then marked (only what changed)
    assert calls.count("events", "PutEvents") == 1
    assert record()["notified"] == ["build:started"]
    assert "publishing" not in record()
    with recording_calls() as again:
        deliver(in_progress)  # a redelivery: nothing pending, no lease, no PutEvents
    assert again.count("events", "PutEvents") == 0
    assert [o for s, o, _ in again.params if s == "dynamodb" and o != "GetItem"] == ["PutItem"]  # "absent": refused
    assert "publishing" not in record()


def test_a_refused_entry_is_published_by_the_retry_once(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    real = EventBus.publish_all
    sent: list[str] = []

    def refuse_releases(self: EventBus, source: str, events: list[Any]) -> list[str | None]:
        """EventBridge takes the request and refuses the release entries (FailedEntryCount)."""
        taken = [e for e in events if "Release" not in e[0]]
        ids = iter(real(self, source, taken))
        sent.extend(f"{d['stage']}:{d['state']}" for _, d, _ in taken)
        return [None if "Release" in e[0] else next(ids) for e in events]

    def publish(self: EventBus, source: str, events: list[Any]) -> list[str | None]:
        sent.extend(f"{d['stage']}:{d['state']}" for _, d, _ in events)
        return real(self, source, events)

    events = build()
    monkeypatch.setattr(EventBus, "publish_all", refuse_releases)
    with pytest.raises(EventPublishError, match="release:started"):
        deliver(*events)  # SUCCEEDED (no release command): its release entries are refused
    assert "release:started" not in (record().get("notified") or [])
    monkeypatch.setattr(EventBus, "publish_all", publish)
    deliver(*events)  # Lambda's retry of SUCCEEDED (same id) publishes it; the others find nothing pending
    # each once: the refused ones by the retry, the others (deploy:started, taken in the same PutEvents) before
    assert sorted(sent) == ["build:started", "build:succeeded", "deploy:started", "release:started", "release:succeeded"]
    assert sorted(record()["notified"]) == sorted(sent)
