"""The orchestrator stack's template: table, buckets, one function and one rule per route, retries, DLQ."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.constructs.route_function import (
    LAMBDA_ASYNC_RETRIES,
    RULE_TARGET_RETRIES,
    function_name,
)
from infra.orchestrator_stack import TTL_ATTRIBUTE
from orchestrator.events.patterns import ORCHESTRATOR_SOURCE, event_routes
from orchestrator.local.dispatcher import MAX_RETRIES as DISPATCHER_RETRIES
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER
from orchestrator.settings import Settings
from tests.infra.conftest import SSM_PREFIX, Synth, render

STACK = "Orchestrator"
LAYER = "arn:aws:lambda:<AWS::Region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"


def route_functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """Route name -> function properties, found by the handler path each route declares."""
    by_handler = {
        f["Properties"]["Handler"]: f["Properties"] for f in synth.resources(STACK, "AWS::Lambda::Function").values()
    }
    return {route.name: by_handler[route.handler] for route in synth.stacks.orchestrator.routes}


def bucket_logical_id(synth: Synth, purpose: str) -> str:
    for logical_id, bucket in synth.resources(STACK, "AWS::S3::Bucket").items():
        if f"orchestrator-{purpose}-" in render(bucket["Properties"].get("BucketName", "")):
            return logical_id
    raise AssertionError(f"no {purpose} bucket")


def test_table_keys_billing_pitr_ttl(synth: Synth) -> None:
    synth.template(STACK).has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "apppack",  # AppPack's CLI hard-codes it
            "KeySchema": [
                {"AttributeName": "primary_id", "KeyType": "HASH"},
                {"AttributeName": "secondary_id", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "primary_id", "AttributeType": "S"},
                    {"AttributeName": "secondary_id", "AttributeType": "S"},
                ]
            ),
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        },
    )
    assert TTL_ATTRIBUTE == "expiration"  # what Powertools idempotency writes


@pytest.mark.parametrize("purpose", ["artifacts", "bundles"])
def test_data_buckets_are_hardened_and_logged(synth: Synth, purpose: str) -> None:
    logical_id = bucket_logical_id(synth, purpose)
    bucket = synth.resources(STACK, "AWS::S3::Bucket")[logical_id]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": bucket_logical_id(synth, "access-logs")}
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources(STACK, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statements in policies
        for s in statements
    ), "SSL is not enforced"


def test_only_the_artifacts_bucket_answers_the_dashboards_signed_gets(synth: Synth) -> None:
    buckets = synth.resources(STACK, "AWS::S3::Bucket")
    (rule,) = buckets[bucket_logical_id(synth, "artifacts")]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET"]  # a failed build's log, read with the users role's credentials
    assert {"authorization", "range"} <= set(rule["AllowedHeaders"])
    assert "Content-Range" in rule["ExposedHeaders"]
    assert "CorsConfiguration" not in buckets[bucket_logical_id(synth, "bundles")]["Properties"]


def test_only_the_bundle_bucket_notifies_eventbridge(synth: Synth) -> None:
    notifications = list(synth.resources(STACK, "Custom::S3BucketNotifications").values())
    assert len(notifications) == 1
    assert notifications[0]["Properties"]["BucketName"] == {"Ref": bucket_logical_id(synth, "bundles")}
    assert notifications[0]["Properties"]["NotificationConfiguration"] == {"EventBridgeConfiguration": {}}


def test_one_function_per_route(synth: Synth) -> None:
    routes = synth.stacks.orchestrator.routes
    functions = route_functions(synth)
    assert set(functions) == {r.name for r in routes}
    handlers = [
        f["Properties"]["Handler"]
        for f in synth.resources(STACK, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("orchestrator.")
        and f["Properties"]["Handler"] != GITHUB_WEBHOOK_HANDLER  # a function URL's, not an event route's
    ]
    assert sorted(handlers) == sorted(r.handler for r in routes)  # exactly one each
    for route in routes:
        props = functions[route.name]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["FunctionName"] == function_name(route)
        assert "_" not in props["FunctionName"]  # never matches the bundle-function IAM pattern
        assert [render(layer) for layer in props["Layers"]] == [LAYER]
        assert props["TracingConfig"] == {"Mode": "Active"}


def test_environment_matches_the_settings_model(synth: Synth) -> None:
    settings_variables = {f"ORCHESTRATOR_{name.upper()}" for name in Settings.model_fields} - {
        "ORCHESTRATOR_ENDPOINT_URL",  # AWS_ENDPOINT_URL: unset in Lambda (real endpoints)
        "ORCHESTRATOR_REGION",  # AWS_DEFAULT_REGION: set by Lambda itself
        "ORCHESTRATOR_AWS_MAX_ATTEMPTS",  # the default (5) in Lambda; the CLI lowers it against the emulator
        "ORCHESTRATOR_LOCAL_STATE_DIR",  # the CLI's emulator only
        "ORCHESTRATOR_XDG_STATE_HOME",  # XDG_STATE_HOME: the CLI's emulator only
        "ORCHESTRATOR_GITHUB_WEBHOOK_SECRET_ARN",  # the webhook receiver's own (tests/infra/test_github_webhook.py)
    }
    for props in route_functions(synth).values():
        env = props["Environment"]["Variables"]
        assert settings_variables <= set(env), settings_variables - set(env)
        assert env["ORCHESTRATOR_SSM_PREFIX"] == SSM_PREFIX
        assert env["ORCHESTRATOR_CLUSTER_NAME"] == "orchestrator"
        assert env["POWERTOOLS_SERVICE_NAME"] == "orchestrator"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "orchestrator"
        # pydantic-settings parses list fields from JSON: the rendered value must be a JSON list
        for key in ("ORCHESTRATOR_SUBNETS", "ORCHESTRATOR_SECURITY_GROUPS"):
            rendered = render(env[key])
            assert rendered.startswith('["'), rendered
            assert rendered.endswith('"]'), rendered
        assert env["ORCHESTRATOR_TABLE_NAME"] == {"Ref": _logical_id(synth, "AWS::DynamoDB::Table")}
        assert env["ORCHESTRATOR_BUNDLE_BUCKET"] == {"Ref": bucket_logical_id(synth, "bundles")}
        assert env["ORCHESTRATOR_ARTIFACTS_BUCKET"] == {"Ref": bucket_logical_id(synth, "artifacts")}
        assert env["ORCHESTRATOR_DLQ_URL"] == {"Ref": _logical_id(synth, "AWS::SQS::Queue")}
        assert render(env["ORCHESTRATOR_FUNCTION_ROLE_ARN"]).startswith("<BundleFunctionRole")
        assert render(env["ORCHESTRATOR_EVENTS_ROLE_ARN"]).startswith("<ScheduledTaskRole")


def test_settings_parse_json_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape the template renders for the lists is the shape Settings reads."""
    monkeypatch.setenv("ORCHESTRATOR_SUBNETS", '["subnet-1","subnet-2"]')
    monkeypatch.setenv("ORCHESTRATOR_SECURITY_GROUPS", '["sg-1"]')
    settings = Settings()
    assert settings.subnets == ["subnet-1", "subnet-2"]
    assert settings.security_groups == ["sg-1"]


def _logical_id(synth: Synth, resource_type: str) -> str:
    (logical_id,) = synth.resources(STACK, resource_type)
    return logical_id


def test_one_rule_per_route_with_the_shared_pattern(synth: Synth) -> None:
    bundles_bucket = {"Ref": bucket_logical_id(synth, "bundles")}
    # The expected patterns come from the one definition, with the bucket name as CloudFormation renders it.
    expected = event_routes(ssm_prefix=SSM_PREFIX, bundle_bucket=bundles_bucket)  # type: ignore[arg-type]
    functions = {
        logical_id: f["Properties"]["Handler"]
        for logical_id, f in synth.resources(STACK, "AWS::Lambda::Function").items()
    }
    rules = [
        r for r in synth.resources(STACK, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]  # schedules: test_a_scheduled_route_gets_a_schedule_rule
        and r["Properties"]["EventPattern"].get("source") != [ORCHESTRATOR_SOURCE]  # notifications: test_notifications
    ]  # fmt: skip
    assert len(rules) == len(expected)
    by_handler = {}
    for rule in rules:
        (target,) = rule["Properties"]["Targets"]
        by_handler[functions[target["Arn"]["Fn::GetAtt"][0]]] = rule["Properties"]
    for route in expected:
        props = by_handler[route.handler]
        assert props["EventPattern"] == route.pattern
        assert props["State"] == "ENABLED"


def test_a_scheduled_route_gets_a_schedule_rule(synth: Synth) -> None:
    functions = {
        logical_id: f["Properties"]["Handler"]
        for logical_id, f in synth.resources(STACK, "AWS::Lambda::Function").items()
    }
    schedules = {
        functions[r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]]: r["Properties"]["ScheduleExpression"]
        for r in synth.resources(STACK, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
    }
    expected = {r.handler: r.schedule for r in event_routes(ssm_prefix=SSM_PREFIX, bundle_bucket="b") if r.schedule}
    assert schedules == expected == {"orchestrator.handlers.certificates.handler": "rate(15 minutes)"}


def test_rule_targets_and_async_invocations_have_bounded_retries_and_one_dlq(synth: Synth) -> None:
    (dlq,) = synth.resources(STACK, "AWS::SQS::Queue")
    for target in (t for r in synth.resources(STACK, "AWS::Events::Rule").values() for t in r["Properties"]["Targets"]):
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": RULE_TARGET_RETRIES, "MaximumEventAgeInSeconds": 7200}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}
    configs = list(synth.resources(STACK, "AWS::Lambda::EventInvokeConfig").values())
    assert len(configs) == len(synth.stacks.orchestrator.routes)
    for config in configs:
        props = config["Properties"]
        assert props["MaximumRetryAttempts"] == LAMBDA_ASYNC_RETRIES == DISPATCHER_RETRIES == 2
        assert props["MaximumEventAgeInSeconds"] == 3600
        assert "DestinationConfig" not in props
    # Lambda's own DLQ: failed async events land as themselves (the dispatcher's shape), not wrapped in an
    # on-failure destination record.
    handlers = [
        f["Properties"]
        for f in synth.resources(STACK, "AWS::Lambda::Function").values()
        if str(f["Properties"].get("FunctionName", "")).startswith("orchestrator-")
        and f["Properties"]["Handler"] != GITHUB_WEBHOOK_HANDLER  # synchronous (function URL): no async retries
    ]
    assert len(handlers) == len(synth.stacks.orchestrator.routes)
    for function in handlers:
        assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [dlq, "Arn"]}}


def test_dlq_is_encrypted_ssl_only_and_accepts_only_our_rules(synth: Synth) -> None:
    ((_dlq, queue),) = synth.resources(STACK, "AWS::SQS::Queue").items()
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    (policy,) = synth.resources(STACK, "AWS::SQS::QueuePolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    senders = [s for s in statements if s["Effect"] == "Allow"]
    assert senders, "EventBridge may not send to the DLQ"
    for statement in senders:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_alarm_on_dlq_depth(synth: Synth) -> None:
    (dlq,) = synth.resources(STACK, "AWS::SQS::Queue")
    synth.template(STACK).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}],
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0,
            "EvaluationPeriods": 1,
        },
    )


def test_log_groups_have_retention(synth: Synth) -> None:
    for name in ("Orchestrator", "OrchestratorNetwork", "OrchestratorApp-shop"):
        for group in synth.resources(name, "AWS::Logs::LogGroup").values():
            assert group["Properties"]["RetentionInDays"] > 0


def test_cluster_has_container_insights(synth: Synth) -> None:
    synth.template("OrchestratorNetwork").has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterName": "orchestrator",
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
        },
    )
