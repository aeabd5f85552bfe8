"""The orchestrator itself: table, buckets, one Lambda + rule per event route, the dead-letter queue and its
alarm, and the least-privilege roles the handlers (and the resources they create) run with.

Roles, all under the IAM path /orchestrator/:
- container handlers (codebuild, ecs-task, ecs-deployment, parameters): build records, releases, deploys,
  scaling, scheduled tasks. Each AppStack adds that app's grants (RunTask on its families, PassRole on its
  task roles, its services and CodeBuild project) to this role, so adding an app never widens it for others.
- bundle handler (bundles): function-app deploys (Lambda functions named <appid>_<version>_<function>).
- bundle functions' execution role (passed by the bundle handler), and the EventBridge role that runs
  scheduled tasks (passed by the container handlers to events.amazonaws.com).
Neither handler role can read a config value: no kms:Decrypt, and ssm:GetParameter* only on the
non-secret parameters, with an explicit Deny on every `config` path.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.asset import staged_lambda_code
from infra.config import InfraConfig
from infra.constructs.buckets import access_log_bucket, secure_bucket
from infra.constructs.github_webhook import GitHubWebhook
from infra.constructs.load_balancer import LOAD_BALANCER_NAME, SharedLoadBalancer
from infra.constructs.notifications import Notifications
from infra.constructs.route_function import RouteFunction
from infra.nag import acknowledge, resource_details
from infra.network_stack import CLUSTER_NAME, NetworkStack
from orchestrator.bundles.naming import BUNDLE_PREFIX
from orchestrator.events.patterns import ORCHESTRATOR_SOURCE, EventRoute, event_routes
from orchestrator.routing.hosts import TARGET_GROUP_PREFIX
from orchestrator.settings import DEFAULT_TABLE_NAME

TABLE_NAME = DEFAULT_TABLE_NAME  # AppPack's CLI reads the table `apppack`
TTL_ATTRIBUTE = "expiration"  # Powertools idempotency records expire through it
POWERTOOLS_ACCOUNT = "017000801446"  # AWS's account that publishes the Powertools layers
ROLE_PATH = "/orchestrator/"
APP_ROLE_PATH = "/orchestrator/apps/"  # + <app>/ : each app's task and execution roles
SCHEDULE_RULE_PREFIX = "orchestrator-"  # scheduled-task rules the handlers create
BUNDLE_FUNCTION_PATTERN = "*_*_*"  # <appid>_<version>_<function>
CONTAINER_ROUTES = ("codebuild", "ecs-task", "ecs-deployment", "parameters", "certificates")
BUNDLE_ROUTES = ("bundles",)
NON_SECRET_PARAMETERS = ("scaling", "scheduled-tasks", "users", "domains", "rollback")
SSM_READ_ACTIONS = ["ssm:GetParameter"]  # the handlers read one non-secret parameter at a time
SSM_ALL_READS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"]
# `arn:...:alarm:<name>` and `arn:...:log-group:<name>` separate the resource name with a colon.
_COLON_RESOURCE_NAME = ArnFormat.COLON_RESOURCE_NAME
# What adapters/store.py and the Powertools idempotency layer call; no Scan: every read is a key lookup or a
# Query. tests/infra/test_handler_permissions.py maps each adapter call to these actions.
# TransactWriteItems is authorized as the PutItem/UpdateItem of each of its items (no action of its own).
TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
]


def bucket_name(stack: Stack, purpose: str) -> str:
    """`orchestrator-<purpose>-<account>-<region>`: globally unique, and known to every stack of the app."""
    return f"orchestrator-{purpose}-{stack.account}-{stack.region}"


def powertools_layer_arn(region: str, version: int, architecture: str = "arm64") -> str:
    return (
        f"arn:aws:lambda:{region}:{POWERTOOLS_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-python312-{architecture}:{version}"
    )


class OrchestratorStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        network: NetworkStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.network = network
        self.cluster = network.cluster

        # --- data -------------------------------------------------------------------------------------
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=TABLE_NAME,
            partition_key=dynamodb.Attribute(name="primary_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="secondary_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Deterministic names (unique per account and region): app stacks and operators derive them
        # without a cross-stack import.
        self.log_bucket = access_log_bucket(self, "AccessLogs", bucket_name=bucket_name(self, "access-logs"))
        self.artifacts_bucket = secure_bucket(
            self, "Artifacts", access_logs=self.log_bucket, bucket_name=bucket_name(self, "artifacts")
        )
        # The dashboard reads a failed build's log from the browser. CORS only lets a page see the answer to
        # a request its users-role credentials signed; any origin, since the dashboard's domain is made later.
        self.artifacts_bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.GET],
            allowed_origins=["*"],
            allowed_headers=["authorization", "range", "x-amz-*", "amz-sdk-*"],
            exposed_headers=["Content-Range", "ETag"],
            max_age=3600,
        )
        self.bundle_bucket = secure_bucket(
            self, "Bundles", access_logs=self.log_bucket, bucket_name=bucket_name(self, "bundles"), event_bridge=True
        )

        # --- web traffic ------------------------------------------------------------------------------
        self.web = SharedLoadBalancer(
            self,
            "Web",
            config=config,
            vpc=network.vpc,
            security_group=network.load_balancer_security_group,
            log_bucket=self.log_bucket,
        )

        # --- failures ---------------------------------------------------------------------------------
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "SQS3",
            "This queue is itself the dead-letter queue of the EventBridge targets and of the Lambda async "
            "invocations; its depth is alarmed on, and messages are inspected and redriven by an operator.",
        )
        self.dlq_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_description="Events or async invocations failed after their bounded retries; see the DLQ.",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if config.alarm_topic_arn:
            topic = sns.Topic.from_topic_arn(self, "AlarmTopic", config.alarm_topic_arn)
            self.dlq_alarm.add_alarm_action(cw_actions.SnsAction(topic))

        # --- the orchestrator's own events: kept for `events tail`, told to people ----------------------
        self.notifications = Notifications(
            self, "Notifications", config=config, dead_letter_queue=self.dead_letter_queue
        )

        # --- roles ------------------------------------------------------------------------------------
        self.container_role = self._lambda_role("ContainerHandlerRole", "codebuild, ECS and parameter handlers")
        self.bundle_role = self._lambda_role("BundleHandlerRole", "function-app bundle handler")
        self.function_role = iam.Role(
            self,
            "BundleFunctionRole",
            path=ROLE_PATH,
            description="Execution role of the function-app (bundle) Lambdas the orchestrator deploys",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        self.events_role = iam.Role(
            self,
            "ScheduledTaskRole",
            path=ROLE_PATH,
            description="Role EventBridge uses to RunTask the apps' scheduled tasks",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
        )
        self._grant_common(self.container_role)
        self._grant_common(self.bundle_role)
        self._grant_container(self.container_role)
        self._grant_bundles(self.bundle_role)
        self._grant_function_role()
        self._grant_events_role()

        # --- handlers ---------------------------------------------------------------------------------
        self.layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            powertools_layer_arn(self.region, config.powertools_layer_version, config.architecture),
        )
        code = lambda_.Code.from_asset(str(staged_lambda_code(config.powertools_layer_version)))
        self.routes: list[EventRoute] = event_routes(
            ssm_prefix=config.ssm_prefix, bundle_bucket=self.bundle_bucket.bucket_name
        )
        self.route_functions: dict[str, RouteFunction] = {}
        for route in self.routes:
            role = self.bundle_role if route.name in BUNDLE_ROUTES else self.container_role
            self.route_functions[route.name] = RouteFunction(
                self,
                f"Route-{route.name}",
                route=route,
                code=code,
                layer=self.layer,
                role=role,
                environment=self.environment_variables(),
                dead_letter_queue=self.dead_letter_queue,
                timeout=Duration.minutes(5 if route.name in BUNDLE_ROUTES else 2),
                memory_size=1024 if route.name in BUNDLE_ROUTES else 512,
                reserved_concurrency=config.reserved_concurrency,
            )
        unknown = {r.name for r in self.routes} - set(CONTAINER_ROUTES) - set(BUNDLE_ROUTES)
        if unknown:
            raise ValueError(f"routes without an IAM role assignment: {sorted(unknown)}")

        invocable = self.function_arn(BUNDLE_FUNCTION_PATTERN)
        self.bundle_invoke_policy = iam.ManagedPolicy(
            self,
            "BundleInvokePolicy",
            description="Attach to whatever calls the function apps (e.g. the chat server's role)",
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[invocable],
                )
            ],
        )
        acknowledge(
            self.bundle_invoke_policy,
            "IAM5",
            "Function apps are created at run time under the deterministic name <appid>_<version>_<function>; "
            "the pattern admits only such names (the orchestrator's own functions contain no underscore).",
            *resource_details(self, invocable),
        )
        self.github_webhook: GitHubWebhook | None = None
        if config.github_webhook:
            self.github_webhook = GitHubWebhook(
                self,
                "GitHubWebhook",
                code=code,
                layer=self.layer,
                role_path=ROLE_PATH,
                status_parameters_arn=self.parameter_arn("pipelines/*/review-apps/pr/*"),
                config_parameters_arn=self.config_parameters_arn,
                environment={
                    "ORCHESTRATOR_SSM_PREFIX": self.config.ssm_prefix,
                    "POWERTOOLS_SERVICE_NAME": "orchestrator",
                    "POWERTOOLS_METRICS_NAMESPACE": "orchestrator",
                },
            )
        self._acknowledge_platform_findings()
        self._outputs()

    # ------------------------------------------------------------------------------------------------
    def environment_variables(self) -> dict[str, str]:
        """What orchestrator/settings.py reads (pydantic-settings parses list fields from JSON)."""
        subnets = [s.subnet_id for s in self.network.task_subnets.subnets]
        return {
            "ORCHESTRATOR_TABLE_NAME": self.table.table_name,
            "ORCHESTRATOR_ARTIFACTS_BUCKET": self.artifacts_bucket.bucket_name,
            "ORCHESTRATOR_BUNDLE_BUCKET": self.bundle_bucket.bucket_name,
            "ORCHESTRATOR_SSM_PREFIX": self.config.ssm_prefix,
            "ORCHESTRATOR_CLUSTER_NAME": CLUSTER_NAME,
            "ORCHESTRATOR_SUBNETS": self.to_json_string(subnets),
            "ORCHESTRATOR_SECURITY_GROUPS": self.to_json_string([self.network.task_security_group.security_group_id]),
            "ORCHESTRATOR_FUNCTION_ROLE_ARN": self.function_role.role_arn,
            "ORCHESTRATOR_EVENTS_ROLE_ARN": self.events_role.role_arn,
            "ORCHESTRATOR_DLQ_URL": self.dead_letter_queue.queue_url,
            "ORCHESTRATOR_VPC_ID": self.network.vpc.vpc_id,
            "ORCHESTRATOR_LISTENER_ARN": self.web.listener.listener_arn,
            "ORCHESTRATOR_APPS_DOMAIN": self.web.domain,
            "ORCHESTRATOR_APPS_HTTPS": "true" if self.config.https else "false",
            # Powertools' subsegments (the X-Ray SDK's import on every cold start): flip to "true" when needed;
            # Lambda's active tracing records each invocation either way.
            "ORCHESTRATOR_XRAY_SUBSEGMENTS": "false",
            "POWERTOOLS_SERVICE_NAME": "orchestrator",
            "POWERTOOLS_METRICS_NAMESPACE": "orchestrator",
        }

    @property
    def config_parameters_arn(self) -> str:
        """Every config value (apps, pipelines, review apps): `*` spans `/` in IAM."""
        return self.parameter_arn("*/config/*")

    def parameter_arn(self, path: str) -> str:
        """ARN of an SSM parameter; `path` is relative to the prefix (e.g. "apps/*/scaling")."""
        return self.format_arn(service="ssm", resource="parameter", resource_name=f"{self.config.ssm_prefix}/{path}")

    @property
    def cluster_arn(self) -> str:
        """By name (the cluster's name is fixed): no cross-stack import for IAM conditions."""
        return self.ecs_arn("cluster", CLUSTER_NAME)

    def ecs_arn(self, resource: str, name: str) -> str:
        return self.format_arn(service="ecs", resource=resource, resource_name=name)

    def elb_arn(self, resource: str) -> str:
        return self.format_arn(service="elasticloadbalancing", resource=resource)

    def function_arn(self, name: str) -> str:
        return self.format_arn(
            service="lambda", resource="function", resource_name=name, arn_format=_COLON_RESOURCE_NAME
        )

    def _lambda_role(self, construct_id: str, what: str) -> iam.Role:
        return iam.Role(
            self,
            construct_id,
            path=ROLE_PATH,
            description=f"Orchestrator {what}",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )

    def _grant_common(self, role: iam.Role) -> None:
        """Both handler roles: the one table, and the guard rails against reading config values."""
        role.add_to_policy(iam.PolicyStatement(sid="Table", actions=TABLE_ACTIONS, resources=[self.table.table_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                sid="NeverReadConfigValues",
                effect=iam.Effect.DENY,
                actions=SSM_ALL_READS,
                resources=[self.config_parameters_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="NeverDecryptParameters",
                effect=iam.Effect.DENY,
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}},
            )
        )
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Only Deny statements use these wildcards (every config/* parameter, kms:Decrypt through SSM on "
            "any key), plus X-Ray PutTraceSegments/PutTelemetryRecords, which have no resource type.",
            "Resource::*",
            *resource_details(self, self.config_parameters_arn),
        )

    def _grant_container(self, role: iam.Role) -> None:
        objects = self.artifacts_bucket.arn_for_objects("*")
        tasks = self.ecs_arn("task", f"{CLUSTER_NAME}/*")
        alarms = self.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"TargetTracking-service/{CLUSTER_NAME}/*",
            arn_format=_COLON_RESOURCE_NAME,
        )
        rules = self.format_arn(service="events", resource="rule", resource_name=f"{SCHEDULE_RULE_PREFIX}*")
        parameters = [
            *(
                self.parameter_arn(f"{base}/*/{name}")
                for base in ("apps", "pipelines")
                for name in NON_SECRET_PARAMETERS
            ),
            self.parameter_arn("account/*"),
        ]
        review_app_parameters = self.parameter_arn("pipelines/*/review-apps/pr/*")
        repositories = self.format_arn(service="ecr", resource="repository", resource_name="orchestrator/*")
        target_groups = self.elb_arn(f"targetgroup/{TARGET_GROUP_PREFIX}*/*")
        listeners = self.elb_arn(f"listener/app/{LOAD_BALANCER_NAME}/*")
        listener_rules = self.elb_arn(f"listener-rule/app/{LOAD_BALANCER_NAME}/*")
        certificates = self.format_arn(service="acm", resource="certificate", resource_name="*")
        statements = [
            iam.PolicyStatement(
                sid="AppTargetGroups",  # AddTags: CreateTargetGroup with Tags (the owner app)
                actions=[
                    "elasticloadbalancing:CreateTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:AddTags",
                ],
                resources=[target_groups],
            ),
            iam.PolicyStatement(
                sid="AppHostRules",
                actions=["elasticloadbalancing:CreateRule"],
                resources=[listeners],
            ),
            iam.PolicyStatement(
                sid="AppHostRuleChanges",
                actions=["elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule"],
                resources=[listener_rules],
            ),
            iam.PolicyStatement(
                sid="CustomDomainCertificates",  # the listener serves an app's custom domains' certificates (SNI)
                actions=[
                    "elasticloadbalancing:AddListenerCertificates",
                    "elasticloadbalancing:RemoveListenerCertificates",
                ],
                resources=[listeners],
            ),
            iam.PolicyStatement(
                sid="CertificateRequests",  # RequestCertificate has no resource type
                actions=["acm:RequestCertificate"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="Certificates",  # AddTagsToCertificate: RequestCertificate with Tags (the owner app)
                actions=["acm:AddTagsToCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate"],
                resources=[certificates],
            ),
            iam.PolicyStatement(
                sid="LoadBalancerReads",  # Describe* have no resource-level permissions
                actions=[
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetHealth",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(sid="ArtifactsObjects", actions=["s3:GetObject", "s3:PutObject"], resources=[objects]),
            iam.PolicyStatement(
                sid="ArtifactsList",  # a missing key is then NoSuchKey, not AccessDenied
                actions=["s3:ListBucket"],
                resources=[self.artifacts_bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                # None of these has resource-level permissions. Describe reads a family's owner tag (the
                # ownership check); List and Describe find a revision an earlier attempt registered (its
                # idempotency token tag) instead of registering another.
                sid="TaskDefinitions",
                actions=["ecs:RegisterTaskDefinition", "ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                # RunTask with `tags` is also authorized as ecs:TagResource on the new task. Its request
                # context has ecs:CreateAction, not ecs:cluster (RunTask itself is limited to the cluster).
                sid="TagTasksAtRunTask",
                actions=["ecs:TagResource"],
                resources=[tasks],
                conditions={"StringEquals": {"ecs:CreateAction": "RunTask"}},
            ),
            iam.PolicyStatement(
                sid="AutoScaling",  # scalable targets have no ARN until registered
                actions=[
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:DeregisterScalableTarget",
                    "application-autoscaling:PutScalingPolicy",
                    "application-autoscaling:DeleteScalingPolicy",
                    "application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:DescribeScalingPolicies",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="AutoScalingServiceLinkedRole",
                actions=["iam:CreateServiceLinkedRole"],
                resources=[
                    self.format_arn(
                        service="iam",
                        region="",
                        resource="role",
                        resource_name="aws-service-role/ecs.application-autoscaling.amazonaws.com/"
                        "AWSServiceRoleForApplicationAutoScaling_ECSService",
                    )
                ],
                conditions={"StringEquals": {"iam:AWSServiceName": "ecs.application-autoscaling.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                sid="TargetTrackingAlarms",
                actions=["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"],
                resources=[alarms],
            ),
            iam.PolicyStatement(
                sid="ScheduledTaskRules",
                actions=[
                    "events:PutRule",
                    "events:PutTargets",
                    "events:DeleteRule",
                    "events:RemoveTargets",
                    "events:ListTargetsByRule",
                    "events:DescribeRule",
                    "events:TagResource",
                ],
                resources=[rules],
            ),
            iam.PolicyStatement(sid="ListRules", actions=["events:ListRules"], resources=["*"]),
            iam.PolicyStatement(  # the orchestrator's own events (orchestrator/notifications), only as itself
                sid="PublishOwnEvents",
                actions=["events:PutEvents"],
                resources=[self.format_arn(service="events", resource="event-bus", resource_name="default")],
                conditions={"StringEquals": {"events:source": ORCHESTRATOR_SOURCE}},
            ),
            iam.PolicyStatement(
                sid="PassScheduledTaskRole",
                actions=["iam:PassRole"],
                resources=[self.events_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                sid="ConfigParameterNames",  # names only: DescribeParameters returns no values
                actions=["ssm:DescribeParameters"],
                resources=["*"],
            ),
            iam.PolicyStatement(sid="NonSecretParameters", actions=SSM_READ_ACTIONS, resources=parameters),
            iam.PolicyStatement(
                # A review app's status parameter is read; its teardown deletes its parameters (config values
                # are deleted by name, never read: the config Deny above still holds for reads).
                sid="ReviewAppParameters",
                actions=["ssm:GetParameter", "ssm:DeleteParameters"],
                resources=[review_app_parameters],
            ),
            iam.PolicyStatement(sid="ClusterServices", actions=["ecs:ListServices"], resources=[self.cluster_arn]),
            iam.PolicyStatement(  # a rollback request is refused when the image it returns to is gone
                sid="RollbackImages", actions=["ecr:DescribeImages"], resources=[repositories]
            ),
        ]
        for statement in statements:
            role.add_to_policy(statement)
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Wildcards are bounded by this platform's naming: objects of the artifacts bucket "
            "(<app>/<build>/...), tasks of the orchestrator cluster (tagged at RunTask only), scheduled-task rules named "
            "orchestrator-*, target-tracking alarms of the cluster's services, the apps' target groups (orch-*) "
            "and the host rules of the shared load balancer's listeners, ACM certificates (the apps' custom domains: "
            "their IDs are random), and the non-secret parameters "
            "(scaling, scheduled-tasks, users, domains, rollback of any app or pipeline, account/*), the apps' ECR "
            "repositories (orchestrator/*: DescribeImages for rollback checks), and review apps' parameters "
            "(pipelines/<p>/review-apps/pr/<N>..., deleted at teardown); reading config/* is an explicit Deny. "
            "Resource::* only for APIs without resource types: ecs:RegisterTaskDefinition, "
            "ecs:ListTaskDefinitions, ecs:DescribeTaskDefinition, "
            "application-autoscaling, events:ListRules, ssm:DescribeParameters, elasticloadbalancing:Describe*, "
            "acm:RequestCertificate.",
            *resource_details(
                self,
                objects,
                tasks,
                alarms,
                rules,
                target_groups,
                listeners,
                listener_rules,
                certificates,
                *parameters,
                review_app_parameters,
                repositories,
            ),
        )

    def _grant_bundles(self, role: iam.Role) -> None:
        objects = self.bundle_bucket.arn_for_objects("*")
        # S3 events of the versioned bucket carry the uploaded version, which is read by id.
        uploads = self.bundle_bucket.arn_for_objects(f"{BUNDLE_PREFIX}*")
        published = [self.bundle_bucket.arn_for_objects("static/*"), self.bundle_bucket.arn_for_objects("manifests/*")]
        functions = self.function_arn(BUNDLE_FUNCTION_PATTERN)
        statements = [
            iam.PolicyStatement(sid="BundleBucketRead", actions=["s3:GetObject"], resources=[objects]),
            iam.PolicyStatement(sid="UploadedVersions", actions=["s3:GetObjectVersion"], resources=[uploads]),
            iam.PolicyStatement(
                sid="BundleBucketList", actions=["s3:ListBucket"], resources=[self.bundle_bucket.bucket_arn]
            ),
            iam.PolicyStatement(sid="PublishStaticAndManifests", actions=["s3:PutObject"], resources=published),
            iam.PolicyStatement(
                sid="BundleFunctions",
                actions=[
                    "lambda:CreateFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:GetFunction",  # also the function_active_v2/function_updated_v2 waiters
                    "lambda:ListTags",  # without it GetFunction omits Tags, and the owner check fails
                    "lambda:PublishVersion",
                    "lambda:CreateAlias",
                    "lambda:UpdateAlias",
                    "lambda:GetAlias",
                    "lambda:TagResource",  # CreateFunction with Tags
                ],
                resources=[functions],
            ),
            iam.PolicyStatement(
                sid="PassBundleFunctionRole",
                actions=["iam:PassRole"],
                resources=[self.function_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            ),
        ]
        for statement in statements:
            role.add_to_policy(statement)
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Bundles are read from the bundle bucket and static assets and manifests published under its "
            "static/ and manifests/ prefixes; function apps are created at run time as "
            "<appid>_<version>_<function> (two underscores, which the orchestrator's own function names never "
            "contain).",
            *resource_details(self, objects, uploads, *published, functions),
        )

    def _grant_function_role(self) -> None:
        """Bundle functions may only write their own logs; the app adds nothing else here."""
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/lambda/{BUNDLE_FUNCTION_PATTERN}:*",
            arn_format=_COLON_RESOURCE_NAME,
        )
        static = self.bundle_bucket.arn_for_objects("static/*")
        self.function_role.add_to_policy(
            iam.PolicyStatement(sid="ReadStaticAssets", actions=["s3:GetObject"], resources=[static])
        )
        self.function_role.add_to_policy(
            iam.PolicyStatement(
                sid="OwnLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_groups],
            )
        )
        acknowledge(
            self.function_role,
            "IAM5",
            "Lambda creates each function app's log group at first invoke as /aws/lambda/<function>; the "
            "pattern admits only <appid>_<version>_<function> names. Function apps read their static assets "
            "(ORCHESTRATOR_STATIC_BUCKET) under static/ only.",
            *resource_details(self, log_groups, static),
        )

    def _grant_events_role(self) -> None:
        """Scheduled tasks: each AppStack adds RunTask on its families and PassRole on its task roles."""
        tasks = self.ecs_arn("task", f"{CLUSTER_NAME}/*")
        self.events_role.add_to_policy(
            iam.PolicyStatement(
                sid="TagScheduledTasks",
                actions=["ecs:TagResource"],
                resources=[tasks],
                conditions={"StringEquals": {"ecs:CreateAction": "RunTask"}},
            )
        )
        acknowledge(
            self.events_role,
            "IAM5",
            "RunTask launches tasks whose ARNs are unknown in advance; tagging is limited to tasks of the "
            "orchestrator cluster, and to RunTask itself.",
            *resource_details(self, tasks),
        )

    def _acknowledge_platform_findings(self) -> None:
        functions = [f.function for f in self.route_functions.values()]
        if self.github_webhook is not None:
            functions.append(self.github_webhook.function)
        for function in functions:
            acknowledge(
                function,
                "L1",
                "Pinned to python3.12 to match the AWS-published Powertools layer "
                "AWSLambdaPowertoolsPythonV3-python312 (its pydantic-core is compiled for 3.12).",
            )
        notifications = self.node.try_find_child("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")
        if notifications is not None:
            acknowledge(
                notifications,
                "IAM4",
                "CDK's bucket-notifications provider (turns on EventBridge delivery for the bundle bucket at "
                "deploy time) uses AWSLambdaBasicExecutionRole for its own logs only.",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            )
            acknowledge(
                notifications,
                "IAM5",
                "CDK's bucket-notifications provider needs s3:PutBucketNotification, which it is granted on "
                "Resource::* by aws-cdk-lib.",
                "Resource::*",
            )

    def _outputs(self) -> None:
        outputs = {
            "TableName": self.table.table_name,
            "ArtifactsBucket": self.artifacts_bucket.bucket_name,
            "BundleBucket": self.bundle_bucket.bucket_name,
            "ClusterName": CLUSTER_NAME,
            "DeadLetterQueueUrl": self.dead_letter_queue.queue_url,
            "BundleInvokePolicyArn": self.bundle_invoke_policy.managed_policy_arn,
            "SsmPrefix": self.config.ssm_prefix,
            "LoadBalancerDnsName": self.web.load_balancer.load_balancer_dns_name,
            "ListenerArn": self.web.listener.listener_arn,
            "AppsDomain": self.web.domain,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
