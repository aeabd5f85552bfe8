"""The build-record merge is a join: commutative, idempotent, and it never moves a phase backwards."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
from orchestrator.local.aws_events import codebuild_build_events
from orchestrator.pipeline.builds import BuildObservation, merge_observation, observe
from orchestrator.pipeline.phase_mapping import derive_record_phases
from orchestrator.pipeline.records import BuildRecord, CodeBuildPhaseRecord, PhaseState

START = datetime(2026, 11, 1, tzinfo=UTC)


def observations(fail_phase: str | None) -> list[BuildObservation]:
    events = codebuild_build_events(
        project="demo-build", build_uuid="u", build_number=7, commit="abc", start=START, fail_phase=fail_phase
    )
    parsed = [
        (BuildStateChangeEvent if e["detail-type"].endswith("State Change") else BuildPhaseChangeEvent).model_validate(
            e
        )
        for e in events
    ]
    return [observe(p) for p in parsed]


def fold(obs: list[BuildObservation]) -> BuildRecord:
    return reduce(lambda rec, o: merge_observation(rec, "demo", 7, o), obs, None)  # type: ignore[arg-type,return-value]


@given(st.sampled_from([None, "PROVISIONING", "BUILD", "POST_BUILD", "FINALIZING"]), st.randoms())
def test_any_order_and_any_duplicates_give_the_same_record(fail_phase: str | None, rnd: st.Random) -> None:  # type: ignore[name-defined]
    obs = observations(fail_phase)
    expected = fold(obs)
    shuffled = obs + rnd.sample(obs, k=len(obs) // 2)
    rnd.shuffle(shuffled)
    assert fold(shuffled) == expected


def test_phase_states_only_climb() -> None:
    obs = observations(None)
    record = None
    ranks = {None: 0, PhaseState.STARTED: 1, PhaseState.SUCCEEDED: 2, PhaseState.FAILED: 3}
    seen: dict[str, int] = {}
    for o in obs + obs[:3]:
        record = merge_observation(record, "demo", 7, o)
        for name in ("build", "test", "finalize"):
            phase = getattr(record, name)
            rank = ranks[phase.state if phase else None]
            assert rank >= seen.get(name, 0)
            seen[name] = rank
    assert record is not None
    assert record.codebuild_status == "SUCCEEDED"


def test_mapping_of_codebuild_phases() -> None:
    phases = {
        "SUBMITTED": CodeBuildPhaseRecord(status="SUCCEEDED", start=1, end=2),
        "BUILD": CodeBuildPhaseRecord(status="SUCCEEDED", start=3, end=9),
        "POST_BUILD": CodeBuildPhaseRecord(status=None, start=9),
    }
    derived = derive_record_phases(phases, "IN_PROGRESS", "logs")
    assert derived["build"].state == PhaseState.SUCCEEDED
    assert (derived["build"].start, derived["build"].end) == (1, 9)
    assert derived["test"].state == PhaseState.STARTED
    assert derived["test"].end is None
    assert "finalize" not in derived
    stopped = derive_record_phases(phases, "STOPPED", "logs")
    assert stopped["test"].state == PhaseState.FAILED
    assert stopped["test"].error == "build STOPPED during this phase"
