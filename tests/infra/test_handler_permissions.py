"""Every AWS call the handlers make is allowed to the role that makes it, and nothing else is.

moto does not enforce IAM, so a missing permission would pass every other test and break in production.
Here each call an adapter makes (found in orchestrator/adapters/*.py, with paginators and waiters mapped to
their operations) maps to the IAM actions AWS authorizes it with, on a concrete resource and with the
request context AWS documents for it (e.g. RunTask's tags are authorized as ecs:TagResource with
`ecs:CreateAction`, not `ecs:cluster`). Those requests are evaluated against the synthesized policies of
every stack (explicit Deny wins; a condition on a key the request does not carry does not match). The
reverse test keeps the roles at exactly that: an allowed action that no call needs fails.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from aws_cdk import Stack

from tests.infra.conftest import SSM_PREFIX, Synth, as_list, render

ADAPTERS = Path(__file__).resolve().parents[2] / "orchestrator" / "adapters"
ARN = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
CLUSTER = ARN.format(service="ecs", resource="cluster/orchestrator")
ROLES = {
    "container": "ContainerHandlerRole",
    "bundle": "BundleHandlerRole",
    "events": "ScheduledTaskRole",
}
# Granted by CDK itself for what the function construct configures (log group, X-Ray tracing, the async
# on-failure destination): not adapter calls.
PLATFORM_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "sqs:SendMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}
# Adapter modules (or single calls) that only the operator CLI uses, with the operator's own credentials.
# dead_letters: `orchestrator events redrive`; cloudwatch_logs: `logs`, `build logs` (and the emulator's writers);
# review_app_operator: review-apps
# list|create|destroy; published_events: `events tail`; one_off_tasks: `run`.
OPERATOR_MODULES = {
    "operator.py", "dead_letters.py", "cloudwatch_logs.py", "review_app_operator.py",
    "published_events.py", "one_off_tasks.py",
}  # fmt: skip
OPERATOR_CALLS = {
    ("codebuild", "StartBuild"): "CodeBuild.start_build: `orchestrator build start` (CLI)",
    ("lambda", "DeleteFunction"): "LambdaFunctions.delete: `orchestrator bundle delete|prune` (CLI)",
    ("lambda", "Invoke"): "LambdaFunctions.invoke: `orchestrator bundle call` (CLI); callers get BundleInvokePolicy",
    ("s3", "DeleteObject"): "BundleStorage.delete: `orchestrator bundle delete` (CLI)",
    ("s3", "DeleteObjects"): "BundleStorage.delete_prefix: `orchestrator bundle delete|prune` (CLI)",
    ("s3", "ListObjectsV2"): "BundleStorage.list_keys: `orchestrator bundle delete|prune` (CLI)",
    # The optional GitHub webhook receiver's own role (context githubWebhook): tests/infra/test_github_webhook.py
    ("ssm", "PutParameter"): "StatusParameters.write: the webhook role (and `review-apps create|destroy`, CLI)",
    ("secretsmanager", "GetSecretValue"): "Secrets.value: the webhook role, on its own secret only",
    ("elbv2", "DescribeListeners"): "LoadBalancing.dns_name: `orchestrator domains` prints where hosts point (CLI)",
    ("elbv2", "DescribeLoadBalancers"): "LoadBalancing.dns_name: `orchestrator domains` (CLI)",
}


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: action on resource with this request context."""

    role: str
    api: tuple[str, str]  # (boto3 service, operation) in the adapters
    action: str
    resource: str  # "{table}"-style placeholders are filled from the synthesized stacks
    context: dict[str, str] = field(default_factory=dict)
    stack: str = "Orchestrator"  # where the resource's placeholders live (an app stack for its own resources)


def _requests() -> list[Request]:
    table = "{table}"
    artifacts = "{artifacts}"
    bundles = "{bundles}"
    task = ARN.format(service="ecs", resource="task/orchestrator/0123456789abcdef")
    service = ARN.format(service="ecs", resource="service/orchestrator/shop-web")
    family = ARN.format(service="ecs", resource="task-definition/shop-web:3")
    function = ARN.format(service="lambda", resource="function:com-acme-app_1-0-0_send")
    alias = function + ":live"
    rule = ARN.format(service="events", resource="rule/orchestrator-shop-0a1b2c3d")
    alarm = ARN.format(
        service="cloudwatch", resource="alarm:TargetTracking-service/orchestrator/shop-web-AlarmHigh-0a1b"
    )
    linked_role = (
        "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_ECSService"
    )
    scaling = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/apps/shop/scaling")
    review_scaling = ARN.format(
        service="ssm", resource=f"parameter/{SSM_PREFIX}/pipelines/review/review-apps/pr/7/scaling"
    )
    schedules = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/apps/shop/scheduled-tasks")
    review_status = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/pipelines/review/review-apps/pr/7")
    review_config = ARN.format(
        service="ssm", resource=f"parameter/{SSM_PREFIX}/pipelines/review/review-apps/pr/7/config/SEED"
    )
    dynamodb = [("dynamodb", op) for op in ("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")]
    on_cluster = {"ecs:cluster": CLUSTER}
    elb = "elasticloadbalancing"
    target_group = ARN.format(service=elb, resource="targetgroup/orch-shop-web-0a1b2c3d/6d0ecf831eec9f09")
    listener = ARN.format(service=elb, resource="listener/app/orchestrator/50dc6c495c0c9188/f2f7dc8efc522ab2")
    listener_rule = ARN.format(
        service=elb, resource="listener-rule/app/orchestrator/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
    )
    certificate = ARN.format(service="acm", resource="certificate/0b5ab3c1-4e3a-4b7e-9a3e-1f0d2c3b4a59")
    domains = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/apps/shop/domains")
    rollback = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/apps/shop/rollback")
    review_rollback = ARN.format(
        service="ssm", resource=f"parameter/{SSM_PREFIX}/pipelines/review/review-apps/pr/7/rollback"
    )
    repository = ARN.format(service="ecr", resource="repository/orchestrator/shop")
    return [
        # --- both handler roles: the table (Store, and the Powertools idempotency records) -------------
        *(Request(role, api, f"dynamodb:{api[1]}", table) for role in ("container", "bundle") for api in dynamodb),
        # A transaction is authorized as each of its writes (Put and Update items; no ConditionCheck is used).
        *(
            Request(role, ("dynamodb", "TransactWriteItems"), action, table)
            for role in ("container", "bundle")
            for action in ("dynamodb:PutItem", "dynamodb:UpdateItem")
        ),
        # --- container handlers: artifacts ------------------------------------------------------------
        Request("container", ("s3", "GetObject"), "s3:GetObject", f"{artifacts}/shop/12/apppack.toml"),
        # a missing key must be NoSuchKey (read as "absent"), not AccessDenied
        Request("container", ("s3", "GetObject"), "s3:ListBucket", artifacts),
        Request("container", ("s3", "PutObject"), "s3:PutObject", f"{artifacts}/shop/12/summary.json"),
        # --- container handlers: CodeBuild, ECS -------------------------------------------------------
        Request("container", ("codebuild", "BatchGetBuilds"), "codebuild:BatchGetBuilds", "{project}", stack="shop"),
        Request("container", ("ecs", "RegisterTaskDefinition"), "ecs:RegisterTaskDefinition", "*"),
        Request("container", ("ecs", "DescribeTaskDefinition"), "ecs:DescribeTaskDefinition", "*"),
        Request(
            "container",
            ("ecs", "RegisterTaskDefinition"),
            "ecs:TagResource",
            family,
            {"ecs:CreateAction": "RegisterTaskDefinition"},
        ),
        *(
            Request(
                "container",
                ("ecs", "RegisterTaskDefinition"),
                "iam:PassRole",
                role_arn,
                {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
                stack="shop",
            )
            for role_arn in ("{execution_role}", "{task_role}")
        ),
        Request("container", ("ecs", "ListTaskDefinitions"), "ecs:ListTaskDefinitions", "*"),
        Request("container", ("ecs", "DescribeTaskDefinition"), "ecs:DescribeTaskDefinition", "*"),
        Request("container", ("ecs", "RunTask"), "ecs:RunTask", family, on_cluster),
        Request("container", ("ecs", "RunTask"), "ecs:TagResource", task, {"ecs:CreateAction": "RunTask"}),
        Request("container", ("ecs", "DescribeServices"), "ecs:DescribeServices", service, on_cluster),
        Request("container", ("ecs", "CreateService"), "ecs:CreateService", service, on_cluster),
        Request(
            "container", ("ecs", "CreateService"), "ecs:TagResource", service, {"ecs:CreateAction": "CreateService"}
        ),
        Request("container", ("ecs", "UpdateService"), "ecs:UpdateService", service, on_cluster),
        # --- container handlers: a review app's teardown (review_apps/lifecycle.py) -------------------
        Request("container", ("ecs", "ListServices"), "ecs:ListServices", CLUSTER),
        Request("container", ("ecs", "DeleteService"), "ecs:DeleteService", service, on_cluster),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", review_status),
        Request("container", ("ssm", "DeleteParameters"), "ssm:DeleteParameters", review_config),
        Request("container", ("ssm", "DeleteParameters"), "ssm:DeleteParameters", review_scaling),
        Request("container", ("ssm", "DeleteParameters"), "ssm:DeleteParameters", review_status),
        # --- container handlers: the apps' target groups and host rules on the shared listener ---------
        Request("container", ("elbv2", "CreateTargetGroup"), f"{elb}:CreateTargetGroup", target_group),
        Request("container", ("elbv2", "CreateTargetGroup"), f"{elb}:AddTags", target_group),  # with Tags
        Request("container", ("elbv2", "ModifyTargetGroup"), f"{elb}:ModifyTargetGroup", target_group),
        Request("container", ("elbv2", "DeleteTargetGroup"), f"{elb}:DeleteTargetGroup", target_group),
        Request("container", ("elbv2", "DescribeTargetGroups"), f"{elb}:DescribeTargetGroups", "*"),
        Request("container", ("elbv2", "DescribeTargetHealth"), f"{elb}:DescribeTargetHealth", "*"),
        Request("container", ("elbv2", "DescribeRules"), f"{elb}:DescribeRules", "*"),
        Request("container", ("elbv2", "CreateRule"), f"{elb}:CreateRule", listener),
        Request("container", ("elbv2", "ModifyRule"), f"{elb}:ModifyRule", listener_rule),
        Request("container", ("elbv2", "DeleteRule"), f"{elb}:DeleteRule", listener_rule),
        # --- container handlers: custom domains' certificates (routing/domains.py) ----------------------
        Request("container", ("elbv2", "AddListenerCertificates"), f"{elb}:AddListenerCertificates", listener),
        Request("container", ("elbv2", "RemoveListenerCertificates"), f"{elb}:RemoveListenerCertificates", listener),
        Request("container", ("acm", "RequestCertificate"), "acm:RequestCertificate", "*"),
        Request("container", ("acm", "RequestCertificate"), "acm:AddTagsToCertificate", certificate),  # with Tags
        Request("container", ("acm", "DescribeCertificate"), "acm:DescribeCertificate", certificate),
        Request("container", ("acm", "DeleteCertificate"), "acm:DeleteCertificate", certificate),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", domains),
        # --- container handlers: Parameter Store (names, and non-secret values) -----------------------
        Request("container", ("ssm", "DescribeParameters"), "ssm:DescribeParameters", "*"),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", scaling),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", review_scaling),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", schedules),
        # --- container handlers: rollback requests (the parameter, who wrote it, the images it returns to) --
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", rollback),
        Request("container", ("ssm", "GetParameter"), "ssm:GetParameter", review_rollback),
        Request("container", ("ecr", "DescribeImages"), "ecr:DescribeImages", repository),
        # --- container handlers: Application Auto Scaling (and what it does as the caller) ------------
        *(
            Request("container", ("application-autoscaling", op), f"application-autoscaling:{op}", "*")
            for op in (
                "RegisterScalableTarget",
                "DeregisterScalableTarget",
                "PutScalingPolicy",
                "DeleteScalingPolicy",
                "DescribeScalableTargets",
                "DescribeScalingPolicies",
            )
        ),
        Request(
            "container",
            ("application-autoscaling", "RegisterScalableTarget"),
            "iam:CreateServiceLinkedRole",
            linked_role,
            {"iam:AWSServiceName": "ecs.application-autoscaling.amazonaws.com"},
        ),
        *(
            Request("container", ("application-autoscaling", "PutScalingPolicy"), action, alarm)
            for action in ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms")
        ),
        # --- container handlers: scheduled-task rules -------------------------------------------------
        Request("container", ("events", "ListRules"), "events:ListRules", "*"),
        Request(
            "container",
            ("events", "PutEvents"),
            "events:PutEvents",
            ARN.format(service="events", resource="event-bus/default"),
            {"events:source": "orchestrator"},
        ),
        Request("container", ("events", "DescribeRule"), "events:DescribeRule", rule),
        Request("container", ("events", "PutRule"), "events:PutRule", rule),
        Request("container", ("events", "PutRule"), "events:TagResource", rule),  # PutRule with Tags
        Request("container", ("events", "ListTargetsByRule"), "events:ListTargetsByRule", rule),
        Request("container", ("events", "PutTargets"), "events:PutTargets", rule),
        Request(
            "container",
            ("events", "PutTargets"),
            "iam:PassRole",
            "{events_role}",
            {"iam:PassedToService": "events.amazonaws.com"},
        ),
        Request("container", ("events", "RemoveTargets"), "events:RemoveTargets", rule),
        Request("container", ("events", "DeleteRule"), "events:DeleteRule", rule),
        # --- the events role: what EventBridge does for a scheduled-task target -----------------------
        Request("events", ("events", "PutTargets"), "ecs:RunTask", family, on_cluster),
        Request("events", ("events", "PutTargets"), "ecs:TagResource", task, {"ecs:CreateAction": "RunTask"}),
        *(
            Request(
                "events",
                ("events", "PutTargets"),
                "iam:PassRole",
                role_arn,
                {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
                stack="shop",
            )
            for role_arn in ("{execution_role}", "{task_role}")
        ),
        # --- bundle handler: the bundle bucket --------------------------------------------------------
        Request("bundle", ("s3", "GetObject"), "s3:GetObject", f"{bundles}/bundles/com.acme.app_1.0.0.zip"),
        # the S3 event's version id is read by id (the bucket is versioned)
        Request("bundle", ("s3", "GetObject"), "s3:GetObjectVersion", f"{bundles}/bundles/com.acme.app_1.0.0.zip"),
        Request("bundle", ("s3", "HeadObject"), "s3:GetObject", f"{bundles}/static/com-acme-app_1-0-0_app/a.js"),
        Request("bundle", ("s3", "HeadObject"), "s3:ListBucket", bundles),  # absent → 404, not 403
        Request("bundle", ("s3", "PutObject"), "s3:PutObject", f"{bundles}/static/com-acme-app_1-0-0_app/a.js"),
        Request("bundle", ("s3", "PutObject"), "s3:PutObject", f"{bundles}/manifests/com-acme-app_1-0-0.json"),
        # --- bundle handler: the function apps --------------------------------------------------------
        Request("bundle", ("lambda", "GetFunction"), "lambda:GetFunction", function),
        Request("bundle", ("lambda", "GetFunction"), "lambda:GetFunction", alias),
        # GetFunction returns Tags only with lambda:ListTags; the owner tag decides whether to update
        Request("bundle", ("lambda", "GetFunction"), "lambda:ListTags", function),
        Request("bundle", ("lambda", "CreateFunction"), "lambda:CreateFunction", function),
        Request("bundle", ("lambda", "CreateFunction"), "lambda:TagResource", function),
        Request(
            "bundle",
            ("lambda", "CreateFunction"),
            "iam:PassRole",
            "{function_role}",
            {"iam:PassedToService": "lambda.amazonaws.com"},
        ),
        Request("bundle", ("lambda", "UpdateFunctionCode"), "lambda:UpdateFunctionCode", function),
        Request("bundle", ("lambda", "UpdateFunctionConfiguration"), "lambda:UpdateFunctionConfiguration", function),
        Request(
            "bundle",
            ("lambda", "UpdateFunctionConfiguration"),
            "iam:PassRole",
            "{function_role}",
            {"iam:PassedToService": "lambda.amazonaws.com"},
        ),
        Request("bundle", ("lambda", "PublishVersion"), "lambda:PublishVersion", function),
        Request("bundle", ("lambda", "GetAlias"), "lambda:GetAlias", alias),
        Request("bundle", ("lambda", "CreateAlias"), "lambda:CreateAlias", alias),
        Request("bundle", ("lambda", "UpdateAlias"), "lambda:UpdateAlias", alias),
    ]


REQUESTS = _requests()


# --- the adapters' calls ------------------------------------------------------------------------------
def adapter_calls() -> dict[tuple[str, str], set[str]]:
    """(service, operation) → adapter files calling it: client methods, paginators and waiters."""
    session = botocore.session.get_session()
    calls: dict[tuple[str, str], set[str]] = {}
    for path in sorted(ADAPTERS.glob("*.py")):
        source = path.read_text()
        services = set(re.findall(r'client\("([a-z0-9-]+)"\)', source))
        called = {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)}
        strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)}
        for service in services:
            model = session.get_service_model(service)
            names = {botocore.xform_name(op): op for op in model.operation_names}
            found = {names[n] for n in (called | strings) & set(names)}
            if "get_waiter" in called:
                waiters = session.get_waiter_model(service)
                found |= {waiters.get_waiter(name).operation for name in strings & set(waiters.waiter_names)}
            for operation in found:
                calls.setdefault((service, operation), set()).add(path.name)
    return calls


def test_the_adapter_scan_sees_the_calls() -> None:
    """Not vacuous: known calls of every kind are found (method, paginator, waiter, Table resource)."""
    calls = adapter_calls()
    for expected in [
        ("ecs", "RunTask"),
        ("events", "ListRules"),  # paginator
        ("ssm", "DescribeParameters"),  # paginator
        ("lambda", "GetFunction"),  # also the v2 waiters
        ("dynamodb", "Query"),  # Table resource
        ("s3", "HeadObject"),
        ("codebuild", "BatchGetBuilds"),
    ]:
        assert expected in calls, expected


def test_every_adapter_call_is_authorized_or_operator_only() -> None:
    covered = {r.api for r in REQUESTS}
    missing = []
    for api, files in sorted(adapter_calls().items()):
        if files <= OPERATOR_MODULES or api in OPERATOR_CALLS or api in covered:
            continue
        missing.append(f"{api[0]}:{api[1]} (in {', '.join(sorted(files))})")
    assert not missing, "adapter calls with no IAM mapping here (add a Request and the grant): " + "; ".join(missing)


# --- policy evaluation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grant:
    stack: str
    roles: frozenset[str]
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict[str, dict[str, Any]]

    def matches(self, action: str, resource: str, context: dict[str, str]) -> bool:
        return (
            any(fnmatchcase(action.lower(), a.lower()) for a in self.actions)
            and any(fnmatchcase(resource, r) for r in self.resources)
            and all(_condition(op, tests, context) for op, tests in self.condition.items())
        )


def _condition(operator: str, tests: dict[str, Any], context: dict[str, str]) -> bool:
    """IAM semantics for the operators used here: a key the request does not carry never matches."""
    for key, expected in tests.items():
        if key not in context:
            return False
        values = [render(v) for v in as_list(expected)]
        actual = context[key]
        if operator in {"StringEquals", "ArnEquals"}:
            ok = actual in values
        elif operator in {"StringLike", "ArnLike"}:
            ok = any(fnmatchcase(actual, v) for v in values)
        else:
            raise AssertionError(f"condition operator {operator} is not modelled by this test")
        if not ok:
            return False
    return True


def _roles_of(roles: list[Any]) -> frozenset[str]:
    text = " ".join(render(r) for r in roles)
    return frozenset(short for short, name in ROLES.items() if name in text)


def _grants(synth: Synth) -> Iterator[Grant]:
    for stack, template in synth.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] not in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
                continue
            props = resource["Properties"]
            roles = _roles_of(props.get("Roles", []))
            if not roles:
                continue
            for s in as_list(props["PolicyDocument"]["Statement"]):
                assert "NotAction" not in s, s
                assert "NotResource" not in s, s
                yield Grant(
                    stack=stack,
                    roles=roles,
                    effect=s["Effect"],
                    actions=tuple(as_list(s["Action"])),
                    resources=tuple(render(r) for r in as_list(s.get("Resource", "*"))),
                    condition=s.get("Condition", {}),
                )


@pytest.fixture(scope="module")
def grants(synth: Synth) -> list[Grant]:
    found = list(_grants(synth))
    assert {r for g in found for r in g.roles} == set(ROLES), "every role's policies are found"
    return found


def _ref(stack: Stack, construct: Any, attribute: str = "Arn") -> str:
    return f"<{stack.get_logical_id(construct.node.default_child)}.{attribute}>"


@pytest.fixture(scope="module")
def placeholders(synth: Synth) -> dict[str, dict[str, str]]:
    orchestrator = synth.stacks.orchestrator
    shop = synth.stacks.apps["shop"]
    common = {
        "table": _ref(orchestrator, orchestrator.table),
        "artifacts": _ref(orchestrator, orchestrator.artifacts_bucket),
        "bundles": _ref(orchestrator, orchestrator.bundle_bucket),
        "events_role": _ref(orchestrator, orchestrator.events_role),
        "function_role": _ref(orchestrator, orchestrator.function_role),
    }
    return {
        "Orchestrator": common,
        "shop": {
            **common,
            "project": _ref(shop, shop.project),
            "execution_role": _ref(shop, shop.execution_role),
            "task_role": _ref(shop, shop.task_role),
        },
    }


def _stack_name(request: Request) -> str:
    return "Orchestrator" if request.stack == "Orchestrator" else f"OrchestratorApp-{request.stack}"


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.role}-{r.api[1]}-{r.action}")
def test_each_call_is_allowed_to_its_role(
    grants: list[Grant], placeholders: dict[str, dict[str, str]], request_: Request
) -> None:
    resource = request_.resource.format(**placeholders[request_.stack])
    # A placeholder (<LogicalId.Arn>) is only meaningful in its own stack; ARNs by name are global.
    local = resource.startswith("<")
    visible = [g for g in grants if request_.role in g.roles and (g.stack == _stack_name(request_) or not local)]
    allowed = any(g.effect == "Allow" and g.matches(request_.action, resource, request_.context) for g in visible)
    denied = any(g.effect == "Deny" and g.matches(request_.action, resource, request_.context) for g in visible)
    what = f"{request_.role} role: {request_.action} on {resource} ({request_.api})"
    assert allowed, f"not allowed: {what}"
    assert not denied, f"denied: {what}"


def test_no_action_is_granted_that_no_call_needs(grants: list[Grant]) -> None:
    needed = {(r.role, r.action.lower()) for r in REQUESTS}
    extra = sorted(
        {
            (role, action)
            for g in grants
            if g.effect == "Allow"
            for role in g.roles
            for action in g.actions
            if action not in PLATFORM_ACTIONS and (role, action.lower()) not in needed
        }
    )
    assert not extra, f"granted but used by no handler call: {extra}"


@pytest.mark.parametrize(
    ("role", "action", "resource", "context"),
    [
        # tagging is allowed only as part of creating the resource, never on an existing one
        ("container", "ecs:TagResource", "task/orchestrator/x", {}),
        ("container", "ecs:TagResource", "service/orchestrator/shop-web", {}),
        ("container", "ecs:TagResource", "task-definition/shop-web:3", {}),
        ("events", "ecs:TagResource", "task/orchestrator/x", {}),
        # another cluster's tasks, another app's families
        ("container", "ecs:TagResource", "task/other/x", {"ecs:CreateAction": "RunTask"}),
        ("container", "ecs:RunTask", "task-definition/other-web:1", {"ecs:cluster": CLUSTER}),
        ("container", "ecs:RunTask", "task-definition/shop-web:1", {}),
    ],
)
def test_tagging_and_run_task_stay_narrow(
    grants: list[Grant], role: str, action: str, resource: str, context: dict[str, str]
) -> None:
    arn = ARN.format(service="ecs", resource=resource)
    assert not any(g.effect == "Allow" and role in g.roles and g.matches(action, arn, context) for g in grants)


@pytest.mark.parametrize(
    ("role", "action", "name"),
    [
        # the teardown deletes review apps' parameters, never an app's or a pipeline's own
        ("container", "ssm:DeleteParameters", "apps/shop/config/DATABASE_URL"),
        ("container", "ssm:DeleteParameters", "pipelines/review/config/DATABASE_URL"),
    ],
)
def test_review_app_parameter_grants_stay_narrow(grants: list[Grant], role: str, action: str, name: str) -> None:
    arn = ARN.format(service="ssm", resource=f"parameter/{SSM_PREFIX}/{name}")
    allowed = any(g.effect == "Allow" and role in g.roles and g.matches(action, arn, {}) for g in grants)
    denied = any(g.effect == "Deny" and role in g.roles and g.matches(action, arn, {}) for g in grants)
    assert denied or not allowed
