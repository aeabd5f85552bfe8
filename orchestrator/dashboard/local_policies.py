"""The users role's statements with this machine's ARNs: the ones the stack attaches in AWS, for the emulator."""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.dashboard.aws_requests import Account
from orchestrator.iam.evaluation import Statement
from orchestrator.iam.users_role import UsersRoleArns, users_role_statements
from orchestrator.pipeline.app_registry import codebuild_project_name, task_log_group_name
from orchestrator.settings import Settings


def local_users_role_statements(app: str, kind: str, settings: Settings, account: Account) -> Sequence[Statement]:
    base = "pipelines" if kind == "pipeline" else "apps"
    prefix = settings.ssm_prefix
    return users_role_statements(
        UsersRoleArns(
            app=app,
            region=account.region,
            parameters=account.arn("ssm", f"parameter/{prefix}/{base}/{app}/*"),
            parameter_root=account.arn("ssm", f"parameter/{prefix}/{base}/{app}"),
            ssm_keys=account.arn("kms", "key/*"),
            table=account.arn("dynamodb", f"table/{settings.table_name}"),
            artifacts=f"arn:aws:s3:::{settings.artifacts_bucket}/{app}/*",
            review_app_artifacts=f"arn:aws:s3:::{settings.artifacts_bucket}/{app}:*",
            build_project=account.arn("codebuild", f"project/{codebuild_project_name(app)}"),
            app_log_group=account.arn("logs", f"log-group:{task_log_group_name(app)}:*"),
            build_logs=account.arn("logs", f"log-group:/orchestrator/builds/{app}:*"),
            services=account.arn("ecs", f"service/{settings.cluster_name}/{app}-*"),
            task_definitions=account.arn("ecs", f"task-definition/{app}-*"),
            cluster=account.arn("ecs", f"cluster/{settings.cluster_name}"),
        )
    )
