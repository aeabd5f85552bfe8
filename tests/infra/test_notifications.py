"""The notification resources: the archive rule and log group `events tail` reads, and the person-facing
rule with its encrypted email topic and webhook (API destination) whose secrets stay out of the template."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from infra import build
from infra.config import ConfigError, load_config
from infra.constructs.route_function import RULE_TARGET_RETRIES
from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP, notification_rules
from tests.infra.conftest import FEATURE_FLAGS, Synth

STACK = "Orchestrator"


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


def test_people_are_told_by_email_and_webhook_without_secrets_in_the_template(synth: Synth) -> None:
    template = synth.template(STACK)
    people = notification_rules()[1]
    rules = synth.resources(STACK, "AWS::Events::Rule")
    told = [r["Properties"] for r in rules.values() if r["Properties"].get("EventPattern") == people.pattern]
    assert len(told) == 1
    targets = told[0]["Targets"]
    assert len(targets) == 2  # the topic and the API destination
    assert all(t["DeadLetterConfig"] and t["RetryPolicy"]["MaximumRetryAttempts"] == RULE_TARGET_RETRIES for t in targets)
    assert all("InputTransformer" in t for t in targets)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    raw = json.dumps(synth.templates[STACK])
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


def test_without_context_values_nobody_is_told_but_events_are_kept(tmp_path: object) -> None:
    app = App(outdir=str(tmp_path), context={**FEATURE_FLAGS, "apps": []})
    build(app)
    template = Template.from_stack(app.node.find_child(STACK))  # type: ignore[arg-type]
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
