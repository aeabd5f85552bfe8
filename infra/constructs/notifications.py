"""The orchestrator's own events (orchestrator/notifications) on the default bus: kept, and told to people.

- `published-events`: every event into the log group `events tail` reads (an L1 rule and an explicit
  log-group resource policy, so no custom-resource Lambda is needed for it).
- `notify-people` (orchestrator/events/patterns.py): failures and finished deploys, to an encrypted SNS
  topic with an email subscription (context `notifyEmail`) and/or an EventBridge API destination
  (context `notifyWebhookUrl`, e.g. a Slack incoming webhook). A webhook URL that is itself the secret is
  given as `secretsmanager:<secret name>` and reaches the template only as a dynamic reference; an
  `Authorization` header value comes from `notifyWebhookSecretName` the same way.
Every target retries for a bounded time (as the route rules do) and then goes to the dead-letter queue.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy, SecretValue
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.route_function import RULE_TARGET_RETRIES
from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP, notification_rules

SECRET_URL_PREFIX = "secretsmanager:"


def _message() -> events.RuleTargetInput:
    """One line a person reads (Slack's `text`; the email body)."""
    field = events.EventField.from_path
    text = (
        f"{field('$.detail.app')} build {field('$.detail.build_number')}: "
        f"{field('$.detail.stage')} {field('$.detail.state')} {field('$.detail.error')}"
    )
    return events.RuleTargetInput.from_object({"text": text})


class Notifications(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: InfraConfig, dead_letter_queue: sqs.IQueue
    ) -> None:
        super().__init__(scope, construct_id)
        archive, people = notification_rules()
        self.log_group = logs.LogGroup(
            self, "PublishedEvents", log_group_name=PUBLISHED_EVENTS_LOG_GROUP,
            retention=logs.RetentionDays.THREE_MONTHS, removal_policy=RemovalPolicy.DESTROY,
        )  # fmt: skip
        self.archive_rule = events.CfnRule(
            self, "ArchiveRule", description=archive.description, event_pattern=archive.pattern, state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="log-group", arn=self.log_group.log_group_arn,
                    retry_policy=events.CfnRule.RetryPolicyProperty(
                        maximum_retry_attempts=RULE_TARGET_RETRIES, maximum_event_age_in_seconds=7200
                    ),
                    dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=dead_letter_queue.queue_arn),
                )
            ],
        )  # fmt: skip
        # EventBridge writes to CloudWatch Logs under a resource policy, limited to this rule.
        logs.ResourcePolicy(
            self, "ArchiveWrite",
            policy_statements=[
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": self.archive_rule.attr_arn}},
                )
            ],
        )  # fmt: skip
        self.topic: sns.Topic | None = None
        self.api_destination: events.ApiDestination | None = None
        if not (config.notify_email or config.notify_webhook_url):
            return
        self.people_rule = events.Rule(
            self, "PeopleRule", description=people.description,
            event_pattern=events.EventPattern(source=people.pattern["source"]),
        )  # fmt: skip
        # `$or` has no field in the L2 EventPattern: the pattern is set as written in patterns.py.
        cfn_rule = self.people_rule.node.default_child
        assert isinstance(cfn_rule, events.CfnRule)
        cfn_rule.add_property_override("EventPattern", json.loads(json.dumps(people.pattern)))
        retry = {
            "dead_letter_queue": dead_letter_queue, "retry_attempts": RULE_TARGET_RETRIES,
            "max_event_age": Duration.hours(2),
        }  # fmt: skip
        if config.notify_email:
            key = kms.Key(
                self, "TopicKey", enable_key_rotation=True, description="Encrypts the orchestrator's notification topic",
                removal_policy=RemovalPolicy.DESTROY,
            )  # fmt: skip
            # EventBridge publishes to an encrypted topic only with a customer-managed key it may use.
            key.grant(iam.ServicePrincipal("events.amazonaws.com"), "kms:GenerateDataKey*", "kms:Decrypt")
            self.topic = sns.Topic(self, "Topic", master_key=key, enforce_ssl=True, display_name="orchestrator")
            self.topic.add_subscription(subscriptions.EmailSubscription(config.notify_email))
            self.people_rule.add_target(targets.SnsTopic(self.topic, message=_message(), **retry))
        if config.notify_webhook_url:
            url = config.notify_webhook_url
            endpoint = (
                SecretValue.secrets_manager(url.removeprefix(SECRET_URL_PREFIX)).unsafe_unwrap()
                if url.startswith(SECRET_URL_PREFIX)
                else url
            )  # a dynamic reference: CloudFormation resolves it at deploy time, the template never holds it
            header = (
                SecretValue.secrets_manager(config.notify_webhook_secret_name)
                if config.notify_webhook_secret_name
                else SecretValue.unsafe_plain_text("orchestrator")  # no secret: the URL (or nothing) is the auth
            )
            connection = events.Connection(
                self, "WebhookConnection", description="The notification webhook",
                authorization=events.Authorization.api_key("Authorization", header),
            )  # fmt: skip
            self.api_destination = events.ApiDestination(
                self, "Webhook", connection=connection, endpoint=endpoint, http_method=events.HttpMethod.POST,
                description="The notification webhook (e.g. Slack)", rate_limit_per_second=1,
            )  # fmt: skip
            self.people_rule.add_target(
                targets.ApiDestination(self.api_destination, event=_message(), **retry)  # type: ignore[arg-type]
            )
