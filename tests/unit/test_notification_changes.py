"""Which state changes a build record shows (orchestrator/notifications/derive.py): pure, order-free."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.notifications.derive import record_state_changes, unpublished
from orchestrator.notifications.models import OrchestratorEvent
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState, PlannedProcess, ReleasePlan

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "orchestrator-events" / "orchestrator_deploy_failed.json"


def keys(record: BuildRecord) -> list[str]:
    return [c.key for c in record_state_changes(record)]


def plan(postdeploy: str | None = None) -> ReleasePlan:
    web = PlannedProcess(command="gunicorn", task_definition="td:1", cpu=256, memory=512)
    return ReleasePlan(processes={"web": web}, task_definition="td:1", postdeploy_command=postdeploy)


def test_each_phase_reports_started_then_its_end() -> None:
    record = BuildRecord(
        app="shop", build_number=3, commit="abc",
        build=Phase(state=PhaseState.SUCCEEDED, start=1, end=2),
        release=Phase(state=PhaseState.STARTED, start=3),
    )  # fmt: skip
    assert keys(record) == ["build:started", "build:succeeded", "release:started"]
    changes = record_state_changes(record)
    assert (changes[1].at, changes[1].commit, changes[1].error) == (2, "abc", None)


def test_a_failure_carries_the_phase_error_and_no_success() -> None:
    record = BuildRecord(
        app="shop", build_number=3, deploy=Phase(state=PhaseState.FAILED, start=5, end=9, error="service x failed")
    )
    (started, failed) = record_state_changes(record)
    assert (started.key, failed.key, failed.error, failed.at) == ("deploy:started", "deploy:failed", "service x failed", 9)


def test_a_planned_postdeploy_holds_the_release_open_until_it_ends() -> None:
    done = Phase(state=PhaseState.SUCCEEDED, start=1, end=2)
    record = BuildRecord(app="rev:7", build_number=1, plan=plan("manage.py loaddata"), release=done)
    assert keys(record) == ["release:started"]
    record = record.model_copy(update={"postdeploy": Phase(state=PhaseState.FAILED, start=3, end=4, error="exit 1")})
    assert keys(record) == ["release:started", "release:failed"]
    assert keys(BuildRecord(app="shop", build_number=1, plan=plan(), release=done)) == [
        "release:started", "release:succeeded",
    ]  # fmt: skip


def test_published_changes_are_not_pending_again() -> None:
    record = BuildRecord(
        app="shop", build_number=1, build=Phase(state=PhaseState.SUCCEEDED, start=1, end=2), notified=["build:started"]
    )
    assert [c.key for c in unpublished(record)] == ["build:succeeded"]


states = st.sampled_from([PhaseState.STARTED, PhaseState.SUCCEEDED, PhaseState.FAILED])


@given(st.lists(st.tuples(st.sampled_from(["build", "release", "deploy"]), states), max_size=12))
def test_publishing_what_is_pending_after_each_merge_reports_each_change_once(
    updates: list[tuple[str, PhaseState]],
) -> None:
    """Whatever order the phase updates merge in: every change the record ends with is published, none
    twice, and `started` always comes before the end of its stage."""
    record = BuildRecord(app="shop", build_number=1)
    published: list[str] = []
    for name, state in updates:
        update = Phase(state=state, start=1, end=2 if state is not PhaseState.STARTED else None)
        current = getattr(record, name)
        record = record.model_copy(update={name: update if current is None else current.merge(update)})
        pending = [c.key for c in unpublished(record)]
        published += pending
        record = record.model_copy(update={"notified": sorted({*(record.notified or []), *pending})})
    assert len(published) == len(set(published))
    assert set(keys(record)) <= set(published)
    for key in published:
        stage, state = key.split(":")
        if state != "started":
            assert published.index(f"{stage}:started") < published.index(key)


def test_the_documented_sample_is_an_orchestrator_event() -> None:
    event = OrchestratorEvent.model_validate(json.loads(SAMPLE.read_text()))
    assert event.summary().startswith("shop build 7: deploy failed: service shop-worker failed")


def test_events_explain_knows_the_orchestrators_events_and_no_handler_takes_them() -> None:
    from orchestrator.explain import explain_event

    explained = explain_event(json.loads(SAMPLE.read_text()))
    assert [r.rule for r in explained.routes] == ["published-events", "notify-people"]
    assert all(r.handler == "(no handler)" for r in explained.routes)
    assert "shop build 7: deploy failed" in explained.summary
    started = {**json.loads(SAMPLE.read_text()), "detail": {"app": "shop", "build_number": 7, "stage": "build",
                                                          "state": "started"}}  # fmt: skip
    assert [r.rule for r in explain_event(started).routes] == ["published-events"]  # nobody is emailed for it
