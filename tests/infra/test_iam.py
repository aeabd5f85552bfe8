"""Least privilege, proven from the templates.

Every policy attached to the orchestrator handlers' roles, in every stack (app stacks add their own
grants), is walked statement by statement. IAM's `*` spans `/`, so a resource pattern is checked against
concrete config parameter ARNs with fnmatch (same semantics), not by looking for the word "config".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.infra.conftest import SSM_PREFIX, Synth, as_list, render

HANDLER_ROLES = ("ContainerHandlerRole", "BundleHandlerRole")
SSM_VALUE_READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory")
PARAMETER_ARN = "arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/"
# Config values, including variables named like the non-secret parameters, and review apps'.
CONFIG_PARAMETERS = [
    f"{SSM_PREFIX}/apps/shop/config/DATABASE_URL",
    f"{SSM_PREFIX}/apps/shop/config/scaling",
    f"{SSM_PREFIX}/apps/shop/config/users",
    f"{SSM_PREFIX}/apps/shop/config/scheduled-tasks",
    f"{SSM_PREFIX}/pipelines/review/config/SECRET_KEY",
    f"{SSM_PREFIX}/pipelines/review/review-apps/pr/7/config/scaling",
    f"{SSM_PREFIX}/account/config/x",
]
NON_SECRET_PARAMETERS = [
    f"{SSM_PREFIX}/apps/shop/scaling",
    f"{SSM_PREFIX}/apps/shop/scheduled-tasks",
    f"{SSM_PREFIX}/apps/shop/users",
    f"{SSM_PREFIX}/pipelines/review/review-apps/pr/7/scaling",
    f"{SSM_PREFIX}/account/administrators",
]


@dataclass(frozen=True)
class Statement:
    stack: str
    policy: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict[str, Any]

    def allows(self, action: str) -> bool:
        return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions)

    def covers(self, resource: str) -> bool:
        return any(fnmatchcase(resource, pattern) for pattern in self.resources)


def _attached_to_handler_role(roles: list[Any]) -> bool:
    return any(any(name in render(role) for name in HANDLER_ROLES) for role in roles)


def _documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            if _attached_to_handler_role(props.get("Roles", [])):
                yield logical_id, props["PolicyDocument"]
        elif resource["Type"] == "AWS::IAM::Role" and logical_id.startswith(HANDLER_ROLES):
            for policy in props.get("Policies", []):
                yield logical_id, policy["PolicyDocument"]
            assert not props.get("ManagedPolicyArns"), f"{logical_id} has managed policies"


def handler_statements(synth: Synth) -> list[Statement]:
    statements = []
    for stack, template in synth.templates.items():
        for policy, document in _documents(template):
            for s in as_list(document["Statement"]):
                statements.append(
                    Statement(
                        stack=stack,
                        policy=policy,
                        effect=s["Effect"],
                        actions=tuple(as_list(s["Action"])),
                        resources=tuple(render(r) for r in as_list(s.get("Resource", "*"))),
                        condition=s.get("Condition", {}),
                    )
                )
    return statements


@pytest.fixture(scope="module")
def statements(synth: Synth) -> list[Statement]:
    found = handler_statements(synth)
    # The walk is not vacuous: it sees the orchestrator's own policies and each app's grants.
    stacks = {s.stack for s in found}
    assert {"Orchestrator", "OrchestratorApp-shop", "OrchestratorApp-review"} <= stacks, stacks
    assert any(s.allows("ecs:RunTask") for s in found)
    assert any(s.allows("iam:PassRole") for s in found)
    assert any(s.allows("ssm:GetParameter") for s in found)
    return found


def test_no_kms_permission_at_all(statements: list[Statement]) -> None:
    for s in statements:
        if s.effect == "Allow":
            assert not any(a.lower().startswith("kms:") or a == "*" for a in s.actions), s


def test_kms_decrypt_through_ssm_is_explicitly_denied(statements: list[Statement]) -> None:
    denies = [s for s in statements if s.effect == "Deny" and s.allows("kms:Decrypt")]
    assert denies
    for s in denies:
        assert s.resources == ("*",)
        assert s.condition == {"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}


def test_no_parameter_value_read_on_everything_or_on_a_config_path(statements: list[Statement]) -> None:
    for s in statements:
        if s.effect == "Allow" and any(s.allows(a) for a in SSM_VALUE_READS):
            for resource in s.resources:
                assert resource != "*", s
                assert "config" not in resource, s
                assert ":parameter/" in resource, s


def test_no_path_or_history_reads_at_all(statements: list[Statement]) -> None:
    """GetParametersByPath is authorized on the path, not on each parameter it returns (so a Deny on
    config/* would not see the children of /apps/<app>), and GetParameterHistory returns every old value:
    neither is allowed to a handler on any resource."""
    for s in statements:
        if s.effect == "Allow":
            assert not s.allows("ssm:GetParametersByPath"), s
            assert not s.allows("ssm:GetParameterHistory"), s


@pytest.mark.parametrize("parameter", CONFIG_PARAMETERS)
@pytest.mark.parametrize("action", SSM_VALUE_READS)
def test_no_config_value_is_readable(statements: list[Statement], parameter: str, action: str) -> None:
    """Even where an allowed pattern matches a config parameter (IAM `*` spans `/`), a Deny wins."""
    arn = PARAMETER_ARN + parameter
    for role in HANDLER_ROLES:
        role_statements = [s for s in statements if role in s.policy or _grants_role(s, role)]
        denied = any(s.effect == "Deny" and s.allows(action) and s.covers(arn) for s in role_statements)
        allowed = any(s.effect == "Allow" and s.allows(action) and s.covers(arn) for s in role_statements)
        assert denied or not allowed, f"{role} can {action} {parameter}"


def _grants_role(s: Statement, role: str) -> bool:
    # App-stack grants are attached to the container-handler role.
    return s.stack.startswith("OrchestratorApp-") and role == "ContainerHandlerRole"


@pytest.mark.parametrize("parameter", NON_SECRET_PARAMETERS)
def test_non_secret_parameters_stay_readable(statements: list[Statement], parameter: str) -> None:
    """The guard is not so broad that the parameter handler cannot do its job."""
    arn = PARAMETER_ARN + parameter
    container = [s for s in statements if "ContainerHandlerRole" in s.policy]
    assert any(s.effect == "Allow" and s.allows("ssm:GetParameter") and s.covers(arn) for s in container)
    assert not any(s.effect == "Deny" and s.allows("ssm:GetParameter") and s.covers(arn) for s in container)


def test_pass_role_is_always_conditioned_on_the_service(statements: list[Statement]) -> None:
    passing = [s for s in statements if s.effect == "Allow" and s.allows("iam:PassRole")]
    assert passing
    for s in passing:
        assert "*" not in s.resources, s
        services = s.condition["StringEquals"]["iam:PassedToService"]
        assert services in {"ecs-tasks.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com"}, s


def test_app_task_roles_are_passed_only_to_ecs_tasks(statements: list[Statement]) -> None:
    app_passes = [s for s in statements if s.stack.startswith("OrchestratorApp-") and s.allows("iam:PassRole")]
    assert len(app_passes) == 2  # shop and review
    for s in app_passes:
        assert s.condition == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
        assert all(r.startswith(("<ExecutionRole", "<TaskRole")) for r in s.resources), s.resources


def test_no_scan_and_no_wildcard_actions(statements: list[Statement]) -> None:
    for s in statements:
        if s.effect == "Allow":
            assert not s.allows("dynamodb:Scan"), s
            assert all(not a.endswith(":*") and a != "*" for a in s.actions), s


def test_run_task_is_limited_to_app_families_on_the_cluster(statements: list[Statement]) -> None:
    run = [s for s in statements if s.effect == "Allow" and s.allows("ecs:RunTask")]
    assert {r.rsplit("/", 1)[-1] for s in run for r in s.resources} == {"shop-*:*", "review-*:*"}
    for s in run:
        assert list(s.condition) == ["ArnEquals"]
        assert render(s.condition["ArnEquals"]["ecs:cluster"]) == (
            "arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:cluster/orchestrator"
        )


def test_events_limited_to_orchestrator_rules(statements: list[Statement]) -> None:
    for s in statements:
        if s.effect == "Allow" and any(
            s.allows(a) for a in ("events:PutRule", "events:PutTargets", "events:DeleteRule")
        ):
            assert s.resources == ("arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/orchestrator-*",)


def test_lambda_management_limited_to_bundle_function_names(statements: list[Statement]) -> None:
    managing = [s for s in statements if s.effect == "Allow" and s.allows("lambda:CreateFunction")]
    assert managing
    for s in managing:
        assert all(r.endswith(":function:*_*_*") for r in s.resources), s
        assert "BundleHandlerRole" in s.policy
    own_functions = [f"arn:aws:lambda:r:a:function:orchestrator-{n}" for n in ("codebuild", "bundles")]
    for s in statements:
        if s.effect == "Allow" and any(s.allows(a) for a in ("lambda:UpdateFunctionCode", "lambda:CreateFunction")):
            for arn in own_functions:
                assert not any(fnmatchcase(arn.split(":function:")[1], r.split(":function:")[1]) for r in s.resources)


def test_codebuild_limited_to_app_projects(statements: list[Statement]) -> None:
    """Handlers only look builds up; starting one is the operator's (users role, CLI)."""
    assert not any(s.effect == "Allow" and s.allows("codebuild:StartBuild") for s in statements)
    builds = [s for s in statements if s.effect == "Allow" and s.allows("codebuild:BatchGetBuilds")]
    assert len(builds) == 2
    for s in builds:
        assert s.resources == ("<Build45A36621.Arn>",), s


def test_execution_role_reads_only_its_own_config(synth: Synth) -> None:
    template = synth.templates["OrchestratorApp-shop"]
    policies = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and any("ExecutionRole" in render(x) for x in r["Properties"]["Roles"])
    ]
    statements = [s for doc in policies for s in doc]
    reads = [s for s in statements if "ssm:GetParameters" in as_list(s["Action"])]
    assert [render(r) for s in reads for r in as_list(s["Resource"])] == [
        f"{PARAMETER_ARN}{SSM_PREFIX}/apps/shop/config/*"
    ]
    (decrypt,) = [s for s in statements if "kms:Decrypt" in as_list(s["Action"])]
    assert (
        decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "ssm.<AWS::Region>.amazonaws.com"}
        or render(decrypt["Condition"]["StringEquals"]["kms:ViaService"]) == "ssm.<AWS::Region>.amazonaws.com"
    )
    assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/aws/ssm"}


def test_pipeline_execution_role_reads_pipeline_and_review_app_config(synth: Synth) -> None:
    template = synth.templates["OrchestratorApp-review"]
    resources = [
        render(r)
        for res in template["Resources"].values()
        if res["Type"] == "AWS::IAM::Policy" and any("ExecutionRole" in render(x) for x in res["Properties"]["Roles"])
        for s in res["Properties"]["PolicyDocument"]["Statement"]
        if "ssm:GetParameters" in as_list(s["Action"])
        for r in as_list(s["Resource"])
    ]
    assert resources == [
        f"{PARAMETER_ARN}{SSM_PREFIX}/pipelines/review/config/*",
        f"{PARAMETER_ARN}{SSM_PREFIX}/pipelines/review/review-apps/pr/*/config/*",
    ]


def test_users_role_requires_mfa_from_this_account(synth: Synth) -> None:
    roles = synth.resources("OrchestratorApp-shop", "AWS::IAM::Role")
    (users,) = [r["Properties"] for k, r in roles.items() if k.startswith("UsersRole")]
    assert users["Path"] == "/orchestrator/users/shop/"  # the dashboard reads the app from the role ARN
    (trust,) = users["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert render(trust["Principal"]["AWS"]).endswith(":root")


def test_users_role_needs_no_write_a_rollback_makes(synth: Synth) -> None:
    """`rollback` only writes the app's rollback parameter; the parameter handler makes the writes."""
    template = synth.templates["OrchestratorApp-shop"]
    actions = {
        action
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and any("UsersRole" in render(r) for r in resource["Properties"].get("Roles", []))
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }
    assert "ssm:PutParameter" in actions  # the request itself
    forbidden = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "ecs:DescribeTaskDefinition", "ecr:DescribeImages", "events:PutTargets"}  # fmt: skip
    assert actions & forbidden == set()
    # UpdateService is `ps restart`'s, on the app's own services, which it may point at its own families only.
    (restart,) = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and any("UsersRole" in render(r) for r in resource["Properties"].get("Roles", []))
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if "ecs:UpdateService" in as_list(statement["Action"])
    ]
    assert as_list(restart["Action"]) == ["ecs:UpdateService"]
    assert render(restart["Resource"]).endswith(":service/orchestrator/shop-*")
    assert render(restart["Condition"]["ArnLikeIfExists"]["ecs:task-definition"]).endswith(":task-definition/shop-*")
