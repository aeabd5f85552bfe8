"""One stack per declared container app (or pipeline of review apps).

It holds the app's ECR repository, CodeBuild project, log group, task execution role, task role and the
"users" role operators assume, writes the app's DynamoDB items (`app_items()`: settings, CONFIG#ecs and the
CodeBuild lookup) at deploy time, and adds this app's grants to the orchestrator's container-handler role
and to the scheduled-task role (RunTask on its task families, PassRole on its two task roles, its services
and its build project). Deleting the stack removes the grants and the items; build records stay.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from boto3.dynamodb.types import TypeSerializer
from constructs import Construct

from infra.buildspec import buildspec
from infra.config import AppSpec
from infra.dashboard_stack import DashboardStack
from infra.nag import acknowledge, resource_details
from infra.network_stack import CLUSTER_NAME
from infra.orchestrator_stack import APP_ROLE_PATH, OrchestratorStack, bucket_name
from orchestrator.iam.users_role import UsersRoleArns, users_role_statements
from orchestrator.pipeline.app_registry import (
    AppDeclaration,
    EcsConfig,
    app_items,
    build_variables,
    codebuild_project_name,
    ecr_repository_name,
    task_log_group_name,
)

USERS_ROLE_PATH = "/orchestrator/users/"


def users_role_path(app: str) -> str:
    return f"{USERS_ROLE_PATH}{app}/"
# The singleton Lambda behind every AwsCustomResource of a stack.
AWS_CUSTOM_RESOURCE_ID = "AWS679f53fac002430cb0da5b7982bd2287"


def to_dynamodb_json(item: dict[str, Any]) -> dict[str, Any]:
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}


def item_key(item: dict[str, Any]) -> dict[str, Any]:
    return to_dynamodb_json({"primary_id": item["primary_id"], "secondary_id": item["secondary_id"]})


class AppStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: AppSpec,
        orchestrator: OrchestratorStack,
        dashboard: DashboardStack | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.spec = spec
        self.dashboard = dashboard
        name = spec.name
        config = orchestrator.config
        network = orchestrator.network
        self.add_stack_dependency(orchestrator)
        # By its deterministic name: no cross-stack export, and cdk-nag findings name it predictably.
        self.artifacts_bucket = s3.Bucket.from_bucket_name(self, "ArtifactsBucket", bucket_name(self, "artifacts"))

        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=ecr_repository_name(name),
            image_scan_on_push=True,
            # Task definitions pull `build-<N>`: immutable tags mean whoever can push cannot swap a deployed
            # build's image. The buildspec pushes only that one tag.
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            lifecycle_rules=[ecr.LifecycleRule(description="keep the last 200 images", max_image_count=200)],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.log_group = logs.LogGroup(
            self,
            "TaskLogs",
            log_group_name=task_log_group_name(name),
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.RETAIN,
        )
        build_logs = logs.LogGroup(
            self,
            "BuildLogs",
            log_group_name=f"/orchestrator/builds/{name}",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.RETAIN,
        )

        # --- task roles -------------------------------------------------------------------------------
        app_path = f"{APP_ROLE_PATH}{name}/"
        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            path=app_path,
            description=f"ECS task execution role of {name}: pull the image, write logs, read its config",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
        self.task_role = iam.Role(
            self,
            "TaskRole",
            path=app_path,
            description=f"Role the containers of {name} run with (extend it with the app's own permissions)",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
        self.repository.grant_pull(self.execution_role)
        self.log_group.grant_write(self.execution_role)
        self.config_paths = self._config_paths(config.ssm_prefix)
        self.execution_role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadOwnConfig",  # ECS resolves `secrets.valueFrom` with GetParameters at task start
                actions=["ssm:GetParameters"],
                resources=[orchestrator.parameter_arn(p) for p in self.config_paths],
            )
        )
        self.execution_role.add_to_policy(
            iam.PolicyStatement(
                sid="DecryptConfigThroughSsm",
                actions=["kms:Decrypt"],
                resources=[self.format_arn(service="kms", resource="key", resource_name="*")],
                conditions={
                    "StringEquals": {"kms:ViaService": f"ssm.{self.region}.amazonaws.com"},
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/ssm"},
                },
            )
        )

        # --- build ------------------------------------------------------------------------------------
        self.project = codebuild.Project(
            self,
            "Build",
            project_name=codebuild_project_name(name),
            description=f"Builds {name}: buildpacks or Dockerfile, pushed to ECR, artifacts to S3",
            source=self._source(),
            build_spec=codebuild.BuildSpec.from_object(buildspec()),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.MEDIUM,
                privileged=True,  # docker daemon for `docker build` and `pack build`
            ),
            environment_variables={
                variable: codebuild.BuildEnvironmentVariable(value=value)
                for variable, value in build_variables(
                    name, spec.kind, self.repository.repository_uri, self.artifacts_bucket.bucket_name
                ).items()
            },
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=build_logs)),
            timeout=Duration.minutes(60),
        )
        project_resource = self.project.node.default_child
        assert isinstance(project_resource, codebuild.CfnProject)
        # AppPack's actions read the bucket from `artifacts.location`; CodeBuild puts the buildspec's
        # `artifacts.files` under <app>/<build number>/ (the name the buildspec gives), unzipped. Set on the
        # L1 resource: the L2 `Artifacts.s3` would grant read-write on the whole bucket, where the role
        # below may only put objects under <app>/.
        project_resource.add_property_override("Artifacts", {
            "Type": "S3", "Location": self.artifacts_bucket.bucket_name, "Path": name, "Name": "build",
            "Packaging": "NONE", "NamespaceType": "NONE", "OverrideArtifactName": True, "EncryptionDisabled": False,
        })  # fmt: skip
        self.repository.grant_pull_push(self.project)
        assert self.project.role is not None
        self.project.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="UploadBuildArtifacts",
                actions=["s3:PutObject"],
                resources=[self.artifacts_bucket.arn_for_objects(f"{name}/*")],
            )
        )

        # --- the operators' role ----------------------------------------------------------------------
        self.users_role = self._users_role(orchestrator)

        # --- the orchestrator may act on this app, and only through these grants ------------------------
        self._grant_orchestrator(orchestrator)

        # --- DynamoDB items ---------------------------------------------------------------------------
        self.declaration = AppDeclaration(
            name=name,
            kind=spec.kind,
            codebuild_project=codebuild_project_name(name),
            ecr_repository=ecr_repository_name(name),
            stack_id=self.stack_id,
            ecs=EcsConfig(
                cluster=CLUSTER_NAME,
                execution_role_arn=self.execution_role.role_arn,
                task_role_arn=self.task_role.role_arn,
                log_group=self.log_group.log_group_name,
                image_repository_uri=self.repository.repository_uri,
                subnets=[s.subnet_id for s in network.task_subnets.subnets],
                security_groups=[network.task_security_group.security_group_id],
                assign_public_ip=network.assign_public_ip,
            ),
        )
        self.items = app_items(self.declaration)
        self._write_items(orchestrator)
        self._acknowledge(orchestrator)

        CfnOutput(self, "UsersRoleArn", value=self.users_role.role_arn)
        CfnOutput(self, "RepositoryUri", value=self.repository.repository_uri)
        CfnOutput(self, "BuildProject", value=self.project.project_name)

    # ------------------------------------------------------------------------------------------------
    def _config_paths(self, prefix: str) -> list[str]:
        name = self.spec.name
        if self.spec.kind == "pipeline":
            return [f"pipelines/{name}/config/*", f"pipelines/{name}/review-apps/pr/*/config/*"]
        return [f"apps/{name}/config/*"]

    def _source(self) -> codebuild.ISource:
        spec = self.spec
        if spec.repository is None:
            return codebuild.Source.s3(bucket=self.artifacts_bucket, path=f"sources/{spec.name}.zip")
        owner, repo = spec.repository.removeprefix("https://github.com/").removesuffix(".git").split("/")
        filters = [codebuild.FilterGroup.in_event_of(codebuild.EventAction.PUSH).and_branch_is(spec.branch)]
        if spec.kind == "pipeline":
            filters.append(
                codebuild.FilterGroup.in_event_of(
                    codebuild.EventAction.PULL_REQUEST_CREATED,
                    codebuild.EventAction.PULL_REQUEST_UPDATED,
                    codebuild.EventAction.PULL_REQUEST_REOPENED,
                )
            )
        return codebuild.Source.git_hub(
            owner=owner,
            repo=repo,
            branch_or_ref=spec.branch,
            webhook=spec.webhook,
            webhook_filters=filters if spec.webhook else None,
            report_build_status=spec.webhook,
        )

    def _operators(self) -> iam.IPrincipal:
        """IAM users and SSO sessions of the account with MFA; dashboard users through the identity pool."""
        account = iam.AccountRootPrincipal().with_conditions({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
        if self.dashboard is None:
            return account
        dashboard_users = iam.WebIdentityPrincipal(
            "cognito-identity.amazonaws.com",
            conditions={
                "StringEquals": {"cognito-identity.amazonaws.com:aud": self.dashboard.identity_pool.identity_pool_id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        )
        return iam.CompositePrincipal(account, dashboard_users)

    def _users_role(self, orchestrator: OrchestratorStack) -> iam.Role:
        """Operators of this app assume this role (with MFA) to run the CLI against it."""
        name = self.spec.name
        table = orchestrator.table
        role = iam.Role(
            self,
            "UsersRole",
            # The app's name is a path segment, so the dashboard tells a role's app from its ARN.
            path=users_role_path(name),
            description=f"Operators of {name}: config, scaling, scheduled tasks, builds and records of this app",
            assumed_by=self._operators(),
            max_session_duration=Duration.hours(4),
        )
        if self.dashboard is not None:
            # Membership of this group is what lets a dashboard user act on the app: the ID token then names
            # this role, and the identity pool hands out no other.
            cognito.CfnUserPoolGroup(
                self,
                "DashboardUsers",
                user_pool_id=self.dashboard.user_pool.user_pool_id,
                group_name=name,
                role_arn=role.role_arn,
                description=f"Dashboard users who may operate {name}",
            )
        base = "pipelines" if self.spec.kind == "pipeline" else "apps"
        parameters = orchestrator.parameter_arn(f"{base}/{name}/*")
        ssm_keys = self.format_arn(service="kms", resource="key", resource_name="*")
        artifacts = self.artifacts_bucket.arn_for_objects(f"{name}/*")
        review_app_artifacts = self.artifacts_bucket.arn_for_objects(f"{name}:*")
        build_logs = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/orchestrator/builds/{name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        services = orchestrator.ecs_arn("service", f"{CLUSTER_NAME}/{name}-*")
        arns = UsersRoleArns(
            app=name,
            region=self.region,
            parameters=parameters,
            parameter_root=orchestrator.parameter_arn(f"{base}/{name}"),
            ssm_keys=ssm_keys,
            table=table.table_arn,
            artifacts=artifacts,
            review_app_artifacts=review_app_artifacts,
            build_project=self.project.project_arn,
            app_log_group=self.log_group.log_group_arn,
            build_logs=build_logs,
            services=services,
            task_definitions=orchestrator.ecs_arn("task-definition", f"{name}-*"),
            cluster=orchestrator.cluster_arn,
        )
        for statement in users_role_statements(arns):  # shared with the local dashboard's IAM check
            role.add_to_policy(iam.PolicyStatement.from_json(statement))
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Operators of this app manage every parameter under its own path (config values included: they "
            "own them) through the aws/ssm key via SSM only, list parameter names, list and describe tasks of "
            "the orchestrator cluster, read its own artifacts (a pipeline's review apps' too) and build logs, and "
            "describe and restart (UpdateService) its <app>-<process> services.",
            "Resource::*",
            *resource_details(self, parameters, ssm_keys, artifacts, review_app_artifacts, build_logs, services),
        )
        return role

    def _grant_orchestrator(self, orchestrator: OrchestratorStack) -> None:
        name = self.spec.name
        families = orchestrator.ecs_arn("task-definition", f"{name}-*:*")
        services = orchestrator.ecs_arn("service", f"{CLUSTER_NAME}/{name}-*")
        run_task = iam.PolicyStatement(
            sid="RunTasks",
            actions=["ecs:RunTask"],
            resources=[families],
            conditions={"ArnEquals": {"ecs:cluster": orchestrator.cluster_arn}},
        )
        pass_task_roles = iam.PolicyStatement(
            sid="PassTaskRoles",
            actions=["iam:PassRole"],
            resources=[self.execution_role.role_arn, self.task_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        )
        self.handler_grants = iam.Policy(
            self,
            "OrchestratorGrants",
            roles=[orchestrator.container_role],
            statements=[
                run_task,
                pass_task_roles,
                # Tags given to RegisterTaskDefinition and CreateService are authorized as ecs:TagResource on
                # the new resource; only at creation, never on an existing one.
                iam.PolicyStatement(
                    sid="TagTaskDefinitionsAtRegistration",
                    actions=["ecs:TagResource"],
                    resources=[families],
                    conditions={"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
                ),
                iam.PolicyStatement(
                    sid="Services",
                    # DeleteService: a review app's teardown (orchestrator/review_apps/lifecycle.py)
                    actions=["ecs:CreateService", "ecs:UpdateService", "ecs:DescribeServices", "ecs:DeleteService"],
                    resources=[services],
                ),
                iam.PolicyStatement(
                    sid="TagServicesAtCreation",
                    actions=["ecs:TagResource"],
                    resources=[services],
                    conditions={"StringEquals": {"ecs:CreateAction": "CreateService"}},
                ),
                iam.PolicyStatement(
                    sid="Builds",  # a build's number and commit when an event lacks them
                    actions=["codebuild:BatchGetBuilds"],
                    resources=[self.project.project_arn],
                ),
            ],
        )
        self.schedule_grants = iam.Policy(
            self,
            "ScheduledTaskGrants",
            roles=[orchestrator.events_role],
            statements=[run_task.copy(), pass_task_roles.copy()],
        )
        for policy in (self.handler_grants, self.schedule_grants):
            acknowledge(
                policy,
                "IAM5",
                f"Task definitions are registered at run time as revisions of the families {name}-<process> "
                f"and services are named {name}-<process>; RunTask is also limited to the orchestrator cluster.",
                *resource_details(self, families, services),
            )

    def _write_items(self, orchestrator: OrchestratorStack) -> None:
        table = orchestrator.table
        for item in self.items:
            key = f"{item['primary_id']}|{item['secondary_id']}"
            put = cr.AwsSdkCall(
                service="DynamoDB",
                action="putItem",
                parameters={"TableName": table.table_name, "Item": to_dynamodb_json(item)},
                physical_resource_id=cr.PhysicalResourceId.of(key),
            )
            cr.AwsCustomResource(
                self,
                f"Item-{item['secondary_id'].replace('#', '-')}",
                on_create=put,
                on_update=put,
                on_delete=cr.AwsSdkCall(
                    service="DynamoDB",
                    action="deleteItem",
                    parameters={"TableName": table.table_name, "Key": item_key(item)},
                ),
                policy=cr.AwsCustomResourcePolicy.from_statements(
                    [
                        iam.PolicyStatement(
                            actions=["dynamodb:PutItem", "dynamodb:DeleteItem"], resources=[table.table_arn]
                        )
                    ]
                ),
                install_latest_aws_sdk=False,
                log_retention=None,
            )

    def _acknowledge(self, orchestrator: OrchestratorStack) -> None:
        name = self.spec.name
        acknowledge(
            self.execution_role.node.find_child("DefaultPolicy"),
            "IAM5",
            "ecr:GetAuthorizationToken has no resource type; config parameters are read by path (only this "
            "app's config/*), and kms:Decrypt is limited to the aws/ssm key, through SSM.",
            "Resource::*",
            *resource_details(
                self,
                *(orchestrator.parameter_arn(p) for p in self.config_paths),
                self.format_arn(service="kms", resource="key", resource_name="*"),
            ),
        )
        project_role = self.project.role
        assert project_role is not None
        acknowledge(
            project_role.node.find_child("DefaultPolicy"),
            "IAM5",
            "CodeBuild's generated policy names its own log streams and report groups by prefix; "
            "ecr:GetAuthorizationToken has no resource type; artifacts are written only under <artifacts>/<app>/.",
            "Resource::*",
            *resource_details(
                self,
                self.artifacts_bucket.arn_for_objects(f"{name}/*"),
                self.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=f"/aws/codebuild/{self.project.project_name}:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                ),
                self.format_arn(
                    service="codebuild", resource="report-group", resource_name=f"{self.project.project_name}-*"
                ),
            ),
        )
        if self.spec.repository is None:
            acknowledge(
                project_role.node.find_child("DefaultPolicy"),
                "IAM5",
                "CodeBuild's S3-source grant (read of this app's source zip) uses CDK's standard read action "
                "groups; the resource is the one object sources/<app>.zip.",
                "Action::s3:GetObject*",
                "Action::s3:GetBucket*",
                "Action::s3:List*",
            )
        acknowledge(
            self.project,
            "CB4",
            "Build artifacts go to the artifacts bucket (S3-managed encryption, SSL only) and images to ECR "
            "(AES-256); a customer-managed KMS key would add cost and key administration without narrowing "
            "who can read them.",
        )
        acknowledge(
            self.project,
            "CB3",
            "Privileged mode runs the Docker daemon that `docker build` and `pack build` need; the project "
            "builds only this app's own repository.",
        )
        provider = self.node.try_find_child(AWS_CUSTOM_RESOURCE_ID)
        if provider is not None:
            acknowledge(
                provider,
                "IAM4",
                "CDK's AwsCustomResource provider (writes this app's DynamoDB items at deploy time) uses the "
                "AWSLambdaBasicExecutionRole managed policy for its own logs only.",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            )
            acknowledge(
                provider,
                "L1",
                "The AwsCustomResource provider's Node.js runtime is chosen by aws-cdk-lib, not by this project.",
            )
