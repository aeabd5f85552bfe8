"""The optional GitHub webhook receiver (context `githubWebhook`): a Lambda function URL that destroys a
closed pull request's review app (orchestrator/review_apps/github.py).

The URL is public (GitHub cannot sign AWS requests), so every request is authenticated by the handler with
GitHub's HMAC-SHA256 signature under a generated secret kept in Secrets Manager. The function's role may only
read that secret and read and write review apps' status parameters; it never reads a config value. The
teardown itself is done by the parameters handler, which reacts to the status parameter's change.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge, resource_details
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER

FUNCTION_NAME = "orchestrator-github-webhook"
RESERVED_CONCURRENCY = 2  # GitHub delivers a few events at a time; a flood of bad requests stays bounded


class GitHubWebhook(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        role_path: str,
        status_parameters_arn: str,
        config_parameters_arn: str,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Shared secret of the GitHub webhook (paste it into the repository's webhook settings)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=40, exclude_punctuation=True),
        )
        acknowledge(
            self.secret,
            "SMG4",
            "The webhook secret is shared with GitHub, which cannot fetch it: rotating it means changing it in "
            "the repository's webhook settings at the same time, so it is rotated by hand.",
        )
        self.role = iam.Role(
            self,
            "HandlerRole",
            path=role_path,
            description="Orchestrator GitHub webhook receiver",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{FUNCTION_NAME}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group.grant_write(self.role)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WebhookSecret", actions=["secretsmanager:GetSecretValue"], resources=[self.secret.secret_arn]
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReviewAppStatus",
                actions=["ssm:GetParameter", "ssm:PutParameter"],
                resources=[status_parameters_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="NeverTouchConfig",  # `*` in the status pattern spans `/`: config stays out of reach
                effect=iam.Effect.DENY,
                actions=["ssm:GetParameter", "ssm:PutParameter"],
                resources=[config_parameters_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=FUNCTION_NAME,
            description="GitHub webhook: a closed pull request destroys its review app",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=GITHUB_WEBHOOK_HANDLER,
            code=code,
            layers=[layer],
            role=self.role,
            environment={**environment, "ORCHESTRATOR_GITHUB_WEBHOOK_SECRET_ARN": self.secret.secret_arn},
            timeout=Duration.seconds(10),  # GitHub waits 10 s for an answer
            memory_size=256,
            reserved_concurrent_executions=RESERVED_CONCURRENCY,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
        )
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Review apps' status parameters are named /<prefix>/pipelines/<pipeline>/review-apps/pr/<N> and "
            "made at run time; config/* is an explicit Deny. X-Ray's PutTraceSegments/PutTelemetryRecords "
            "have no resource type.",
            "Resource::*",
            *resource_details(stack, status_parameters_arn, config_parameters_arn),
        )
        CfnOutput(stack, "GitHubWebhookUrl", value=self.url.url)
        CfnOutput(stack, "GitHubWebhookSecretArn", value=self.secret.secret_arn)
