"""The CodeBuild write path at its floor (issue 17): the app from the build's APPNAME, one forward-only
UpdateItem per event, and the expressions proven against the pure merge (`merge_observation`) through moto."""

from __future__ import annotations

from functools import reduce
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from orchestrator.adapters.artifacts import artifact_key
from orchestrator.handlers.codebuild import CodeBuildEvent
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import build_variables
from orchestrator.pipeline.builds import merge_observation, observe
from orchestrator.pipeline.log_pointers import s3_pointer
from orchestrator.pipeline.records import BuildRecord
from orchestrator.settings import get_settings
from tests.conftest import CallRecorder, fresh_aws, recording_calls
from tests.integration.builders import build_events, declare_app
from tests.integration.test_codebuild_handler import deliver, record

REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orchestrator/demo"


def named_events(app: str = "demo", bucket: str | None = None, **kw: Any) -> list[dict[str, Any]]:
    """The build's events as CodeBuild sends them for a project of the AppStack: with its environment."""
    variables = build_variables(app, "app", REPOSITORY, bucket or get_settings().artifacts_bucket)
    return build_events(app=app, variables=variables, **kw)


def operations(calls: CallRecorder) -> list[tuple[str, str]]:
    return [(service, operation) for service, operation, _ in calls.params]


def test_a_phase_change_is_one_update_item(aws: None) -> None:
    declare_app()
    events = named_events()
    deliver(events[:2])  # IN_PROGRESS creates the record; SUBMITTED
    with recording_calls() as calls:
        deliver(events[2:3])  # QUEUED: no lookup, no read, no idempotency record, no notification
    assert operations(calls) == [("dynamodb", "UpdateItem")]
    assert record()["codebuild_phases"]["QUEUED"]["status"] == "SUCCEEDED"


def test_a_phase_change_that_completes_phases_reported_running_is_one_update_item(aws: None) -> None:
    declare_app()
    events = named_events()
    deliver(events[:1])  # IN_PROGRESS: SUBMITTED is stored as CodeBuild reports it running (its start only)
    with recording_calls() as calls:
        deliver(events[3:4])  # PROVISIONING, listing SUBMITTED and QUEUED completed: no fallback write
    assert operations(calls) == [("dynamodb", "UpdateItem")]
    assert record()["codebuild_phases"]["SUBMITTED"]["status"] == "SUCCEEDED"


def test_a_phase_change_that_moves_a_record_phase_is_two_update_items(aws: None) -> None:
    declare_app()
    events = named_events()
    deliver(events[:9])  # up to POST_BUILD
    with recording_calls() as calls:
        deliver(events[9:10])  # UPLOAD_ARTIFACTS: the phase, then `finalize` started (conditional on the version)
    assert operations(calls) == [("dynamodb", "UpdateItem")] * 2
    assert record()["finalize"]["state"] == "started"


def test_without_appname_the_project_lookup_finds_the_app(aws: None, api_calls: CallRecorder) -> None:
    declare_app()
    deliver(build_events()[:1])
    assert api_calls.count("dynamodb", "GetItem") >= 1  # the CODEBUILD# lookup
    assert record()["build"]["state"] == "started"


def test_appname_of_another_installation_is_not_trusted(aws: None) -> None:
    """A project writing to another artifact bucket names an app of someone else's: the lookup decides,
    and an unknown project is acknowledged with nothing written."""
    declare_app()
    results = deliver(named_events(app="stranger", bucket="someone-elses-artifacts"))
    assert {r["status"] for r in results} == {"not managed"}
    from orchestrator.adapters.store import Store

    assert Store().get(keys.app_pk("stranger"), keys.build_sk(1)) is None


def _pure_record(stream: list[dict[str, Any]]) -> dict[str, Any]:
    """The record that folding `merge_observation` over the stream gives, in Python, with no AWS."""
    adapter: TypeAdapter[Any] = TypeAdapter(CodeBuildEvent)
    folder = s3_pointer(get_settings().artifacts_bucket, artifact_key("demo", 1, "")).rstrip("/")

    def fold(current: BuildRecord | None, event: dict[str, Any]) -> BuildRecord:
        return merge_observation(current, "demo", 1, observe(adapter.validate_python(event)), folder)

    merged = reduce(fold, stream, None)
    assert merged is not None
    return merged.to_item()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_expressions_store_what_the_pure_merge_computes(data: st.DataObject) -> None:
    """Any order, any duplicates (fresh ids: no idempotency), named or looked up: the record written
    through the conditional UpdateItems (and their fallback) is the pure merge of the same events."""
    fail_phase = data.draw(st.sampled_from([None, "INSTALL", "BUILD", "POST_BUILD"]))
    events = named_events(fail_phase=fail_phase) if data.draw(st.booleans()) else build_events(fail_phase=fail_phase)
    extra = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    stream = [dict(e, id=f"{e['id']}-{i}") for i, e in enumerate(data.draw(st.permutations(events + extra)))]
    with fresh_aws():
        declare_app()
        deliver(stream)
        stored = record()
    pure = _pure_record(stream)
    # What the merge owns; the release (no apppack.toml here: it fails) and notifications add their own fields.
    assert {k: stored.get(k) for k in pure} == pure
