"""The local IAM simulation: the users role's statements (the stack's own), evaluated for the requests the
dashboard's SDK clients make, refused with AWS's message."""

from __future__ import annotations

import json

import pytest

from orchestrator.dashboard.aws_requests import Account, UnknownTarget, iam_request, s3_get_request
from orchestrator.dashboard.gate import refusal_of
from orchestrator.dashboard.local_policies import local_users_role_statements
from orchestrator.dashboard.local_users import app_of_role, parse_user, users_role_arn
from orchestrator.dashboard.sessions import LocalSessions, SignInError
from orchestrator.iam.evaluation import IamRequest, access_denied_message, refused_resource
from orchestrator.settings import Settings

ACCOUNT = Account("us-east-1", "123456789012")
SETTINGS = Settings()


def statements(app: str = "shop", kind: str = "app") -> list[dict[str, object]]:
    return [dict(s) for s in local_users_role_statements(app, kind, SETTINGS, ACCOUNT)]


def allowed(target: str, body: dict[str, object], app: str = "shop") -> bool:
    return refused_resource(statements(app), iam_request(target, body, ACCOUNT)) is None


def query(pk: str) -> dict[str, object]:
    return {"TableName": "apppack", "KeyConditionExpression": "primary_id = :pk AND begins_with(secondary_id, :sk)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":sk": {"S": "BUILD#"}}}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/{SETTINGS.artifacts_bucket}/shop/12/build.log?x-id=GetObject", True),
        (f"/{SETTINGS.artifacts_bucket}/shop:7/3/build.log", True),  # a review app of the pipeline shop
        (f"/{SETTINGS.artifacts_bucket}/shopping/12/build.log", False),
        (f"/{SETTINGS.artifacts_bucket}/other/12/build.log", False),
        ("/another-bucket/shop/12/build.log", False),
    ],
)
def test_the_users_role_reads_its_own_build_logs_only(path: str, expected: bool) -> None:
    assert (refused_resource(statements(), s3_get_request(path)) is None) is expected


@pytest.mark.parametrize("path", ["/", f"/{SETTINGS.artifacts_bucket}", f"/{SETTINGS.artifacts_bucket}/?list-type=2",
                                  f"/{SETTINGS.artifacts_bucket}/shop/1/build.log?x-id=ListParts"])  # fmt: skip
def test_an_s3_get_other_than_getobject_is_not_read(path: str) -> None:
    with pytest.raises(UnknownTarget):
        s3_get_request(path)


@pytest.mark.parametrize(
    ("target", "body", "expected"),
    [
        ("AmazonSSM.PutParameter", {"Name": "/apppack/apps/shop/scaling"}, True),
        ("AmazonSSM.PutParameter", {"Name": "/apppack/apps/other/scaling"}, False),
        ("AmazonSSM.PutParameter", {"Name": "/apppack/apps/shopping/scaling"}, False),  # a longer name is another app
        ("AmazonSSM.GetParameter", {"Name": "/apppack/apps/shop/config/X", "WithDecryption": True}, True),
        ("AmazonSSM.DescribeParameters", {}, True),
        ("DynamoDB_20120810.Query", query("APP#shop"), True),
        ("DynamoDB_20120810.Query", query("APP#shop:12"), True),  # a pipeline's review app
        ("DynamoDB_20120810.Query", query("APP#other"), False),
        ("DynamoDB_20120810.Query", query("APPS"), False),  # the app index is not the app's
        ("DynamoDB_20120810.GetItem", {"TableName": "apppack", "Key": {"primary_id": {"S": "APP#shop"}}}, True),
        ("DynamoDB_20120810.PutItem", {"TableName": "apppack", "Item": {"primary_id": {"S": "APP#shop"}}}, False),
        ("CodeBuild_20161006.StartBuild", {"projectName": "shop"}, True),
        ("CodeBuild_20161006.StartBuild", {"projectName": "other"}, False),
        ("AmazonEC2ContainerServiceV20141113.DescribeServices", {"cluster": "orchestrator", "services": ["shop-web"]}, True),
        ("AmazonEC2ContainerServiceV20141113.DescribeServices", {"cluster": "orchestrator", "services": ["shop-web", "other-web"]}, False),
        ("AmazonEC2ContainerServiceV20141113.UpdateService", {"cluster": "orchestrator", "service": "shop-web"}, True),
        ("AmazonEC2ContainerServiceV20141113.UpdateService", {"cluster": "orchestrator", "service": "shop-pr3-web"}, True),
        ("AmazonEC2ContainerServiceV20141113.UpdateService", {"cluster": "orchestrator", "service": "other-web"}, False),
        ("AmazonEC2ContainerServiceV20141113.UpdateService", {"cluster": "elsewhere", "service": "shop-web"}, False),
        # A restart keeps the task definition; pointing the service at another app's family is refused.
        ("AmazonEC2ContainerServiceV20141113.UpdateService",
         {"cluster": "orchestrator", "service": "shop-web", "taskDefinition": "shop-web:3"}, True),
        ("AmazonEC2ContainerServiceV20141113.UpdateService",
         {"cluster": "orchestrator", "service": "shop-web", "taskDefinition": "other-web:3"}, False),
        ("AmazonEC2ContainerServiceV20141113.UpdateService",
         {"cluster": "orchestrator", "service": "shop-web",
          "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/other-web:3"}, False),
        ("AmazonEC2ContainerServiceV20141113.ListTasks", {"cluster": "orchestrator"}, True),
        ("AmazonEC2ContainerServiceV20141113.ListTasks", {"cluster": "elsewhere"}, False),  # the ecs:cluster condition
        ("Logs_20140328.GetLogEvents", {"logGroupName": "/orchestrator/apps/shop", "logStreamName": "shop-web/app/t"}, True),
        ("Logs_20140328.GetLogEvents", {"logGroupName": "/orchestrator/apps/other", "logStreamName": "x"}, False),
    ],
)
def test_the_users_role_allows_its_own_app_only(target: str, body: dict[str, object], expected: bool) -> None:
    assert allowed(target, body) is expected


def test_a_pipelines_role_covers_its_parameters_not_an_apps() -> None:
    pipeline = statements("pipe", "pipeline")
    put = iam_request("AmazonSSM.PutParameter", {"Name": "/apppack/pipelines/pipe/review-apps/pr/3/scaling"}, ACCOUNT)
    assert refused_resource(pipeline, put) is None
    assert refused_resource(pipeline, iam_request("AmazonSSM.PutParameter", {"Name": "/apppack/apps/pipe/scaling"}, ACCOUNT))


def test_an_explicit_deny_wins_and_conditions_need_their_keys() -> None:
    allow = {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "ssm:PutParameter", "Resource": "arn:aws:ssm:*:*:parameter/secret/*"}
    put = IamRequest("ssm:PutParameter", ("arn:aws:ssm:us-east-1:1:parameter/secret/x",))
    assert refused_resource([allow], put) is None
    assert refused_resource([allow, deny], put) == put.resources[0]
    conditional = {**allow, "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
    assert refused_resource([conditional], put) == put.resources[0]  # the request carries no such key
    with_key = IamRequest(put.action, put.resources, {"aws:RequestedRegion": ("us-east-1",)})
    assert refused_resource([conditional], with_key) is None


def test_unknown_targets_are_not_guessed() -> None:
    with pytest.raises(UnknownTarget):
        iam_request("AWSCognitoIdentityService.GetId", {}, ACCOUNT)


def test_the_refusal_is_awss_error_shape_and_message() -> None:
    sessions = LocalSessions([parse_user("bob=other")], "123456789012", lambda: ["other", "shop"])
    token, roles = sessions.sign_in("bob")
    assert roles == [users_role_arn("123456789012", "other")]
    credentials = sessions.credentials(token, roles[0])
    headers = {
        "authorization": f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/20261130/us-east-1/ssm/aws4_request",
        "x-amz-target": "AmazonSSM.PutParameter",
    }
    body = json.dumps({"Name": "/apppack/apps/shop/scaling", "Value": "{}"}).encode()
    refusal = refusal_of(headers, body, sessions, ACCOUNT, lambda app: statements(app))
    assert refusal is not None
    assert refusal.error_type == "AccessDeniedException"
    assert refusal.message == access_denied_message(
        "arn:aws:sts::123456789012:assumed-role/other-users/bob", "ssm:PutParameter",
        "arn:aws:ssm:us-east-1:123456789012:parameter/apppack/apps/shop/scaling",
    )
    assert json.loads(refusal.body()) == {"__type": "AccessDeniedException", "message": refusal.message}
    own = json.dumps({"Name": "/apppack/apps/other/scaling"}).encode()
    assert refusal_of(headers, own, sessions, ACCOUNT, lambda app: statements(app)) is None
    unsigned = refusal_of({"x-amz-target": "AmazonSSM.PutParameter"}, own, sessions, ACCOUNT, lambda app: statements(app))
    assert unsigned is not None
    assert unsigned.error_type == "UnrecognizedClientException"


def test_sign_in_and_credentials_are_refused_outside_the_users_roles() -> None:
    sessions = LocalSessions([parse_user("alice=shop")], "123456789012", lambda: ["shop", "blog"])
    with pytest.raises(SignInError, match="no local user 'mallory'"):
        sessions.sign_in("mallory")
    token, _ = sessions.sign_in("alice")
    with pytest.raises(SignInError, match="may not assume"):
        sessions.credentials(token, users_role_arn("123456789012", "blog"))
    with pytest.raises(SignInError, match="Invalid login token"):
        sessions.credentials("forged", users_role_arn("123456789012", "shop"))


def test_user_specs_and_role_arns() -> None:
    assert parse_user("alice=shop,blog").apps == ("shop", "blog")
    for bad in ("alice", "=shop", "alice=Shop", "alice=shop-pr3"):
        with pytest.raises(ValueError, match=r"alice|shop"):
            parse_user(bad)
    arn = users_role_arn("123456789012", "shop")
    assert arn == "arn:aws:iam::123456789012:role/orchestrator/users/shop/shop-users"
    assert app_of_role(arn) == "shop"
    assert app_of_role("arn:aws:iam::123456789012:role/orchestrator/apps/shop/x") is None
