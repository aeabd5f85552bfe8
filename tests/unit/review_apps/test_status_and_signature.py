"""Pure parts of review apps: the status parameter's name and JSON, the deploy gate, GitHub's signature."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from orchestrator.parameters.names import ParameterKind, Target, parse_parameter_name
from orchestrator.review_apps.github import signature, signature_valid
from orchestrator.review_apps.status import ReviewAppStatus, deploy_refusal, parse_status, status_parameter_name


def test_the_status_parameter_is_named_after_the_review_app() -> None:
    name = status_parameter_name("pipe", "7", "apppack")
    assert name == "/apppack/pipelines/pipe/review-apps/pr/7"
    ref = parse_parameter_name(name, "apppack")
    assert ref is not None
    assert ref.kind is ParameterKind.REVIEW_APP_STATUS
    assert ref.target == Target("review_app", "pipe", "7")
    # Its children keep their own kinds; a malformed PR number is not managed.
    assert parse_parameter_name(f"{name}/scaling", "apppack").kind is ParameterKind.SCALING  # type: ignore[union-attr]
    assert parse_parameter_name("/apppack/pipelines/pipe/review-apps/pr/07", "apppack") is None
    assert parse_parameter_name("/apppack/pipelines/pipe/review-apps/pr/7x", "apppack") is None


def test_apppack_json_round_trips_and_junk_is_no_review_app() -> None:
    status = ReviewAppStatus(pull_request="pr/7", status="created", branch="b", title="t", url="u")
    assert parse_status(status.to_json()) == status
    assert parse_status('{"pull_request": "pr/7", "status": "created", "extra": 1}') is not None
    for junk in (None, "", "[]", "{}", "not json", '{"status": "created"}'):
        assert parse_status(junk) is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [(None, "does not exist"), ("open", "has status 'open'"), ("deleting", "has status 'deleting'")],
)
def test_only_a_created_review_app_deploys(status: str | None, reason: str) -> None:
    parsed = ReviewAppStatus(pull_request="pr/7", status=status) if status else None
    refusal = deploy_refusal("pipe:7", "/apppack/pipelines/pipe/review-apps/pr/7", parsed)
    assert refusal is not None
    assert reason in refusal
    assert "orchestrator review-apps create -a pipe:7" in refusal
    assert deploy_refusal("pipe:7", "x", ReviewAppStatus(pull_request="pr/7", status="created")) is None


def test_the_signature_is_githubs_hmac_sha256() -> None:
    body = b'{"action": "closed"}'
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret", body) == expected
    assert signature_valid("s3cret", body, expected)
    assert not signature_valid("s3cret", body + b" ", expected)
    assert not signature_valid("other", body, expected)
    assert not signature_valid("s3cret", body, None)
    assert not signature_valid("s3cret", body, expected.removeprefix("sha256="))
    assert not signature_valid("", body, signature("", body))  # no secret: nothing is valid
