"""Issue 10, defect 8: values that become keys are validated, stored text is bounded (DynamoDB's 400 KB)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orchestrator.adapters.store import Store
from orchestrator.handlers import codebuild
from orchestrator.handlers.common import MalformedEventError
from orchestrator.pipeline import keys
from orchestrator.pipeline.records import BuildRecord, Phase
from orchestrator.stored_text import MAX_MESSAGE_CHARS
from tests.integration.builders import build_events, declare_app
from tests.lambda_context import FakeLambdaContext


def deliver(event: dict[str, Any]) -> dict[str, Any]:
    return codebuild.handler(event, FakeLambdaContext())  # type: ignore[arg-type]


def build_item(app: str = "demo", number: int = 1) -> dict[str, Any] | None:
    return Store().get(keys.app_pk(app), keys.build_sk(number))


@pytest.mark.parametrize("phase_type", ["", "NOT_A_PHASE", "B" * 250_000])
def test_an_unknown_phase_type_is_a_clear_error_and_the_record_is_untouched(aws: None, phase_type: str) -> None:
    declare_app()
    events = build_events()
    deliver(events[0])
    before = build_item()
    bad = copy.deepcopy(events[1])
    bad["detail"]["additional-information"]["phases"][0]["phase-type"] = phase_type
    with pytest.raises(MalformedEventError, match="malformed CodeBuild"):
        deliver(bad)
    assert build_item() == before


def test_an_unknown_completed_phase_is_a_clear_error(aws: None) -> None:
    declare_app()
    phase_events = [e for e in build_events() if e["detail-type"] == "CodeBuild Build Phase Change"]
    bad = copy.deepcopy(phase_events[0])
    bad["detail"]["completed-phase"] = ""
    with pytest.raises(MalformedEventError):
        deliver(bad)
    assert build_item() is None


@pytest.mark.parametrize("source_version", ["pr/", "pr/abc", "pr/0", "pr/-3", "pr/1/../2", "pr/12345678901"])
def test_a_malformed_pull_request_ref_is_refused_and_nothing_is_recorded(aws: None, source_version: str) -> None:
    declare_app("pipe", kind="pipeline")
    [first, *_] = build_events("pipe", source_version=source_version)
    result = deliver(first)
    assert result["status"].startswith("refused: source version")
    assert "is not pr/<N> with N a positive integer" in result["status"]
    assert Store().query(keys.app_pk(f"pipe:{source_version.removeprefix('pr/')}")) == []
    assert Store().query(keys.app_pk("pipe"), keys.BUILD_PREFIX) == []


def test_a_pull_request_ref_names_its_review_app(aws: None) -> None:
    declare_app("pipe", kind="pipeline")
    [first, *_] = build_events("pipe", source_version="pr/7")
    assert deliver(first)["app"] == "pipe:7"
    assert build_item("pipe:7") is not None


def test_a_huge_log_pointer_is_stored_truncated_with_a_marker(aws: None) -> None:
    declare_app()
    event = copy.deepcopy(build_events()[0])
    logs = event["detail"]["additional-information"].setdefault("logs", {})
    logs["group-name"], logs["stream-name"] = "/aws/codebuild/shop", "l" * 250_000  # the pointer's stream
    deliver(event)
    item = build_item()
    assert item is not None
    pointer = item["build"]["logs"]
    assert len(pointer) == MAX_MESSAGE_CHARS
    assert pointer.startswith("cloudwatch:///aws/codebuild/shop#lll")
    assert pointer.endswith(f"… [truncated: {len('cloudwatch:///aws/codebuild/shop#') + 250_000} characters]")


def test_long_error_messages_are_bounded_in_every_stored_record() -> None:
    record = BuildRecord(app="demo", build_number=1).model_copy(
        update={"deploy": Phase(error="e" * 300_000), "commit": "c" * 300_000}
    )
    item = record.to_item()
    assert len(item["deploy"]["error"]) == MAX_MESSAGE_CHARS
    assert item["deploy"]["error"].endswith("[truncated: 300000 characters]")
    assert len(item["commit"]) == MAX_MESSAGE_CHARS  # model_copy skipped validation; to_item does not
