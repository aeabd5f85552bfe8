"""The statements of an app's users role: what an operator of one app (CLI or dashboard) may do.

One definition, two readers: `infra/app_stack.py` attaches them to the role in AWS, and the local dashboard
server (`orchestrator/dashboard/`) evaluates them before a browser request reaches the emulator. The ARNs are
arguments (CDK tokens in the stack, plain strings locally), so the statements never differ between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrator.pipeline import keys

Statement = dict[str, Any]


@dataclass(frozen=True)
class UsersRoleArns:
    """The resources one app's users role reaches, as ARNs (or CDK tokens that resolve to them)."""

    app: str  # the app or pipeline name: the leading keys of its records
    region: str
    parameters: str  # every parameter under the app's path: .../<prefix>/apps/<app>/*
    parameter_root: str  # the parameter named after the path itself (a pipeline's review-app status lives below)
    ssm_keys: str  # KMS keys (the aws/ssm key, by alias condition)
    table: str
    artifacts: str  # the app's build artifacts: <bucket>/<app>/*
    review_app_artifacts: str  # a pipeline's review apps' (<bucket>/<app>:*), as its records' APP#<app>:*
    build_project: str
    app_log_group: str
    build_logs: str
    services: str  # .../service/<cluster>/<app>-*
    task_definitions: str  # .../task-definition/<app>-*: the only families its services may be pointed at
    cluster: str


def users_role_statements(arns: UsersRoleArns) -> list[Statement]:
    """The users role's policy statements, in IAM's JSON form."""
    pk = keys.app_pk(arns.app)
    return [
        {
            "Sid": "AppParameters",
            "Effect": "Allow",
            "Action": [
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
                "ssm:PutParameter",
                "ssm:DeleteParameter",
                "ssm:DeleteParameters",
                "ssm:AddTagsToResource",
            ],
            "Resource": [arns.parameters, arns.parameter_root],
        },
        {"Sid": "ParameterNames", "Effect": "Allow", "Action": "ssm:DescribeParameters", "Resource": "*"},
        {
            "Sid": "ConfigEncryption",  # SecureString config values use the account's aws/ssm key
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": arns.ssm_keys,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"ssm.{arns.region}.amazonaws.com"},
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/ssm"},
            },
        },
        {
            "Sid": "AppRecords",  # the app's own items only (and its review apps' for a pipeline)
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
            "Resource": arns.table,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [pk, f"{pk}:*"]}},
        },
        {
            "Sid": "BuildArtifacts",  # build.log and test.log: the dashboard shows a failed phase's tail
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [arns.artifacts, arns.review_app_artifacts],
        },
        {
            "Sid": "Builds",
            "Effect": "Allow",
            "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:ListBuildsForProject"],
            "Resource": arns.build_project,
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"],
            "Resource": [arns.app_log_group, arns.build_logs],
        },
        {"Sid": "Services", "Effect": "Allow", "Action": "ecs:DescribeServices", "Resource": arns.services},
        {
            # `ps restart` is a new deployment of the app's own services. A service pointed at another
            # app's task definition would run with that app's roles and config: only its own families.
            "Sid": "RestartServices",
            "Effect": "Allow",
            "Action": "ecs:UpdateService",
            "Resource": arns.services,
            "Condition": {"ArnLikeIfExists": {"ecs:task-definition": arns.task_definitions}},
        },
        {
            "Sid": "Tasks",
            "Effect": "Allow",
            "Action": ["ecs:ListTasks", "ecs:DescribeTasks"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"ecs:cluster": arns.cluster}},
        },
    ]
