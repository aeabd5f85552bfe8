"""The notification resources: the archive rule and log group `events tail` reads (in every synth), and the
person-facing rule with its encrypted email topic and webhook (API destination) whose secrets stay out of
the template. The person-facing part is synthesized here with its context values and cdk-nag; the shared
synth (conftest) leaves it off, because moto's CloudFormation cannot create its resources
(tests/infra/test_templates_deploy.py deploys that one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from infra import build
from infra.config import ConfigError, load_config
from infra.constructs.route_function import RULE_TARGET_RETRIES
from infra.nag import add_nag_checks
from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP, notification_rules
from tests.infra.conftest import CONTEXT, Synth

STACK = "Orchestrator"
NOTIFY = {
    "notifyEmail": "ops@example.com",
    "notifyWebhookUrl": "secretsmanager:orchestrator/slack-webhook",
    "notifyWebhookSecretName": "orchestrator/webhook-token",
}


@dataclass
class Notified:
    template: Template
    raw: dict[str, Any]

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="module")
def notified(tmp_path_factory: pytest.TempPathFactory) -> Notified:
    """The stacks with every notification context value, checked by cdk-nag (a finding fails the synth)."""
    outdir = tmp_path_factory.mktemp("cdk.notify")
    app = App(outdir=str(outdir), context={**CONTEXT, **NOTIFY})
    build(app)
    add_nag_checks(app)
    app.synth()  # raises on any unacknowledged AwsSolutions finding
    raw = json.loads((outdir / f"{STACK}.template.json").read_text())
    return Notified(Template.from_json(raw), raw)


def test_every_published_event_is_archived_to_the_log_group(synth: Synth) -> None:
    template = synth.template(STACK)
    archive = notification_rules()[0]
    template.has_resource_properties("AWS::Logs::LogGroup", {"LogGroupName": PUBLISHED_EVENTS_LOG_GROUP})
    rules = synth.resources(STACK, "AWS::Events::Rule")
    archived = [r for r in rules.values() if r["Properties"].get("EventPattern") == archive.pattern]
    assert len(archived) == 1
    assert archived[0]["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][1] == "Arn"
    policies = synth.resources(STACK, "AWS::Logs::ResourcePolicy")
    assert len(policies) == 1
    document = json.dumps(next(iter(policies.values()))["Properties"]["PolicyDocument"])
    assert "events.amazonaws.com" in document
    assert "aws:SourceArn" in document


def test_people_are_told_by_email_and_webhook_without_secrets_in_the_template(notified: Notified) -> None:
    template = notified.template
    people = notification_rules()[1]
    rules = notified.resources("AWS::Events::Rule")
    told = [r["Properties"] for r in rules.values() if r["Properties"].get("EventPattern") == people.pattern]
    assert len(told) == 1
    targets = told[0]["Targets"]
    assert len(targets) == 2  # the topic and the API destination
    assert all(t["DeadLetterConfig"] and t["RetryPolicy"]["MaximumRetryAttempts"] == RULE_TARGET_RETRIES for t in targets)
    assert all("InputTransformer" in t for t in targets)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    raw = json.dumps(notified.raw)
    assert "{{resolve:secretsmanager:orchestrator/slack-webhook:SecretString:::}}" in raw
    assert "{{resolve:secretsmanager:orchestrator/webhook-token:SecretString:::}}" in raw
    template.has_resource_properties(
        "AWS::Events::ApiDestination",
        {"HttpMethod": "POST", "InvocationEndpoint": "{{resolve:secretsmanager:orchestrator/slack-webhook:SecretString:::}}"},
    )


def test_the_handlers_may_publish_only_as_the_orchestrator(synth: Synth) -> None:
    policies = synth.resources(STACK, "AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    publish = [s for s in statements if "events:PutEvents" in json.dumps(s["Action"])]
    assert len(publish) == 1
    assert publish[0]["Condition"] == {"StringEquals": {"events:source": "orchestrator"}}
    assert "event-bus/default" in json.dumps(publish[0]["Resource"])


def test_without_context_values_nobody_is_told_but_events_are_kept(synth: Synth) -> None:
    template = synth.template(STACK)
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::Events::ApiDestination", 0)
    template.has_resource_properties("AWS::Logs::LogGroup", {"LogGroupName": PUBLISHED_EVENTS_LOG_GROUP})


@pytest.mark.parametrize(
    "context",
    [
        {"notifyEmail": "not-an-address"},
        {"notifyWebhookUrl": "http://hooks.example.com/plain-http"},
        {"notifyWebhookSecretName": "token-without-url"},
    ],
)
def test_bad_notification_context_is_refused(context: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_config(context)
