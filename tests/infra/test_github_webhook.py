"""The optional GitHub webhook receiver (context githubWebhook): a public function URL whose requests the
handler authenticates, a generated secret, and a role that reaches only that secret and status parameters.
Part of the shared session synth (tests/infra/conftest.py), so cdk-nag's AwsSolutions pack and the moto
stack deploy cover it too."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.config import load_config
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER
from tests.infra.conftest import SSM_PREFIX, Synth, as_list, render
from tests.infra.test_nag import violations

ARN = f"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/{SSM_PREFIX}/"


@pytest.fixture(scope="module")
def webhook_synth(synth: Synth) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The shared session synth has the receiver (context githubWebhook): its template and cdk-nag's report."""
    return synth.templates["Orchestrator"], synth.report


def test_cdk_nag_is_clean_with_the_receiver(webhook_synth: tuple[dict[str, Any], dict[str, Any] | None]) -> None:
    assert violations(webhook_synth[1]) == []


def test_a_function_url_runs_the_webhook_handler(webhook_synth: tuple[dict[str, Any], Any]) -> None:
    template = Template.from_json(webhook_synth[0])
    template.has_resource_properties("AWS::Lambda::Url", {"AuthType": "NONE"})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": GITHUB_WEBHOOK_HANDLER,
            "Timeout": 10,
            "ReservedConcurrentExecutions": 2,
            "Environment": {
                "Variables": Match.object_like(
                    {"ORCHESTRATOR_GITHUB_WEBHOOK_SECRET_ARN": Match.any_value(), "ORCHESTRATOR_SSM_PREFIX": SSM_PREFIX}
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::SecretsManager::Secret", {"GenerateSecretString": Match.object_like({"PasswordLength": 40})}
    )
    assert {"GitHubWebhookUrl", "GitHubWebhookSecretArn"} <= set(webhook_synth[0]["Outputs"])


def _allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    def hits(s: dict[str, Any]) -> bool:
        return action in as_list(s["Action"]) and any(fnmatchcase(resource, render(r)) for r in as_list(s["Resource"]))

    return any(hits(s) for s in statements if s["Effect"] == "Allow") and not any(
        hits(s) for s in statements if s["Effect"] == "Deny"
    )


def test_the_webhook_role_reads_only_its_secret_and_writes_only_status_parameters(
    webhook_synth: tuple[dict[str, Any], Any],
) -> None:
    resources = webhook_synth[0]["Resources"]
    [policy] = [
        r for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and "GitHubWebhookHandlerRole" in render(r["Properties"]["Roles"][0])
    ]  # fmt: skip
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    [secret] = [k for k, r in resources.items() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert _allowed(statements, "secretsmanager:GetSecretValue", f"<{secret}>")
    status = ARN + "pipelines/review/review-apps/pr/7"
    assert _allowed(statements, "ssm:GetParameter", status)
    assert _allowed(statements, "ssm:PutParameter", status)
    for name in ("pipelines/review/review-apps/pr/7/config/SECRET", "apps/shop/scaling", "pipelines/review/scaling"):
        assert not _allowed(statements, "ssm:PutParameter", ARN + name), name
        assert not _allowed(statements, "ssm:GetParameter", ARN + name) or "config" not in name, name
    granted = {a for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}
    assert granted <= {
        "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:PutParameter", "logs:CreateLogStream",
        "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    }  # fmt: skip


def test_the_receiver_is_off_unless_asked_for() -> None:
    assert load_config({}).github_webhook is False
    assert load_config({"githubWebhook": "true"}).github_webhook is True
