"""The CodeBuild handler against moto: build records, summaries, foreign and malformed events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.handlers import codebuild
from orchestrator.handlers.common import MalformedEventError
from orchestrator.pipeline import keys
from orchestrator.settings import get_settings
from tests.conftest import AWS_SAMPLES, CallRecorder, fresh_aws, load_sample, recording_calls
from tests.integration.builders import build_events, declare_app
from tests.lambda_context import FakeLambdaContext

CONTEXT = FakeLambdaContext()


def deliver(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [codebuild.handler(event, CONTEXT) for event in events]  # type: ignore[arg-type]


def record(app: str = "demo", number: int = 1) -> dict[str, Any]:
    item = Store().get(keys.app_pk(app), keys.build_sk(number))
    assert item is not None
    return {k: v for k, v in item.items() if k != VERSION_ATTR}


def summary(app: str = "demo", number: int = 1) -> dict[str, Any] | None:
    from orchestrator.adapters.clients import client

    try:
        body = client("s3").get_object(Bucket=get_settings().artifacts_bucket, Key=f"{app}/{number}/build-summary.json")
    except Exception:
        return None
    return json.loads(body["Body"].read())  # type: ignore[no-any-return]


def test_successful_build_is_recorded_with_every_phase(aws: None) -> None:
    declare_app()
    events = build_events()
    deliver(events[:1])
    started = record()
    assert started["build_number"] == 1
    assert started["commit"] == f"{1:040x}"
    assert started["build"]["state"] == "started"
    assert started["build"]["arns"] == [events[0]["detail"]["build-id"]]
    # AppPack's CLI tails `cloudwatch://<group>#<stream>` while the phase runs (it splits at `#`).
    build_uuid = events[0]["detail"]["build-id"].rsplit(":", 1)[-1]
    assert started["build"]["logs"] == f"cloudwatch:///aws/codebuild/demo-build#{build_uuid}"
    assert "test" not in started

    deliver(events[1:])
    final = record()
    assert final["secondary_id"] == "BUILD#0000000001"
    assert final["codebuild_status"] == "SUCCEEDED"
    for phase in ("build", "test", "finalize"):
        assert final[phase]["state"] == "succeeded"
        assert final[phase]["end"] >= final[phase]["start"]
    # Uploaded in POST_BUILD: the CLI reads them whole, and finds commit.txt beside build.log.
    folder = f"s3://{get_settings().artifacts_bucket}/demo/1"
    assert (final["build"]["logs"], final["test"]["logs"]) == (f"{folder}/build.log", f"{folder}/test.log")
    assert final["codebuild_phases"]["BUILD"] == {
        "status": "SUCCEEDED",
        "start": final["codebuild_phases"]["BUILD"]["start"],
        "end": final["codebuild_phases"]["BUILD"]["start"] + 5,
        "duration": 5,
    }
    written = summary()
    assert written is not None
    assert written["status"] == "SUCCEEDED"
    assert set(written["phases"]) == {"build", "test", "finalize"}


def test_failed_build_closes_the_open_phase(aws: None) -> None:
    declare_app()
    deliver(build_events(fail_phase="BUILD"))
    final = record()
    assert final["codebuild_status"] == "FAILED"
    assert final["build"]["state"] == "failed"
    assert final["build"]["error"] == "CodeBuild phase FAILED"
    assert "test" not in final
    assert "finalize" not in final
    assert summary() is not None


def test_a_late_phase_event_never_reopens_a_finished_build(aws: None) -> None:
    declare_app()
    events = build_events()
    deliver(events)
    finished = record()
    # Redeliver IN_PROGRESS and an early phase with fresh event ids (not absorbed by idempotency).
    late = [dict(e, id=f"late-{i}") for i, e in enumerate(events[:3])]
    deliver(late)
    assert record() == finished


def test_unmanaged_project_is_acknowledged(aws: None, api_calls: CallRecorder) -> None:
    results = deliver(build_events(app="stranger"))
    assert {r["status"] for r in results} == {"not managed"}
    # No write at all: no CodeBuild event takes an idempotency record (issue 17), and a stranger's build
    # is acknowledged before any record is written.
    assert api_calls.count("dynamodb", "PutItem") == 0
    assert api_calls.count("dynamodb", "UpdateItem") == 0
    assert api_calls.count("s3", "PutObject") == 0


@pytest.mark.parametrize("sample", AWS_SAMPLES, ids=lambda p: p.name)
def test_every_documented_sample_is_acknowledged(aws: None, sample: Any) -> None:
    result = codebuild.handler(json.loads(sample.read_text()), CONTEXT)  # type: ignore[arg-type]
    assert result["status"] in {"ignored", "not managed"}


def test_malformed_codebuild_event_raises_a_clear_error_and_changes_nothing(aws: None) -> None:
    declare_app()
    event = load_sample("codebuild_build_state_change_succeeded.json")
    event["detail"]["build-status"] = "EXPLODED"
    event["detail"]["project-name"] = "demo-build"
    with pytest.raises(MalformedEventError, match="malformed CodeBuild Build State Change"):
        codebuild.handler(event, CONTEXT)  # type: ignore[arg-type]
    assert Store().query(keys.app_pk("demo"), keys.BUILD_PREFIX) == []


def test_build_number_is_fetched_when_the_event_lacks_it(aws: None) -> None:
    from orchestrator.adapters.clients import client

    declare_app()
    cb = client("codebuild")
    cb.create_project(
        name="demo-build",
        source={"type": "S3", "location": "bucket/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole="arn:aws:iam::123456789012:role/codebuild",
    )
    started = cb.start_build(projectName="demo-build")["build"]
    arn = started["arn"]
    event = load_sample("codebuild_build_state_change_succeeded.json")
    event["detail"].update({"project-name": "demo-build", "build-id": arn})
    deliver([event])
    number = started["buildNumber"]
    assert record(number=number)["codebuild_status"] == "SUCCEEDED"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_duplicated_and_shuffled_streams_end_in_the_same_record(data: st.DataObject) -> None:
    fail_phase = data.draw(st.sampled_from([None, "INSTALL", "BUILD", "POST_BUILD"]))
    events = build_events(fail_phase=fail_phase)
    with fresh_aws():
        declare_app()
        deliver(events)
        expected = record()
    duplicated = events + data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    stream = data.draw(st.permutations(duplicated))
    with fresh_aws(), recording_calls() as calls:
        declare_app()
        deliver(stream)
        assert record() == expected
        assert calls.count("s3", "PutObject") == 1  # the summary, exactly once
