"""The optional GitHub webhook receiver (context githubWebhook): a public function URL whose requests the
handler authenticates, a generated secret, and a role that reaches only that secret and status parameters."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from infra.config import load_config
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER
from tests.infra.conftest import Synth, render


def test_a_function_url_runs_the_webhook_handler(synth: Synth) -> None:
    template = synth.template("Orchestrator")
    template.has_resource_properties("AWS::Lambda::Url", {"AuthType": "NONE"})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": GITHUB_WEBHOOK_HANDLER,
            "Timeout": 10,
            "ReservedConcurrentExecutions": 2,
            "Environment": {
                "Variables": Match.object_like(
                    {"ORCHESTRATOR_GITHUB_WEBHOOK_SECRET_ARN": Match.any_value(), "ORCHESTRATOR_SSM_PREFIX": "acme"}
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::SecretsManager::Secret", {"GenerateSecretString": Match.object_like({"PasswordLength": 40})}
    )
    outputs = synth.templates["Orchestrator"]["Outputs"]
    assert {"GitHubWebhookUrl", "GitHubWebhookSecretArn"} <= set(outputs)


def test_the_webhook_role_reads_only_its_secret_and_writes_only_status_parameters(synth: Synth) -> None:
    policies = synth.resources("Orchestrator", "AWS::IAM::Policy")
    [policy] = [p for p in policies.values() if "GitHubWebhookHandlerRole" in render(p["Properties"]["Roles"][0])]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    by_sid = {s.get("Sid"): s for s in statements}
    assert by_sid["WebhookSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert render(by_sid["ReviewAppStatus"]["Resource"]).endswith(":parameter/acme/pipelines/*/review-apps/pr/*")
    assert by_sid["NeverTouchConfig"]["Effect"] == "Deny"


def test_the_receiver_is_off_unless_asked_for() -> None:
    assert load_config({}).github_webhook is False
    assert load_config({"githubWebhook": "true"}).github_webhook is True
