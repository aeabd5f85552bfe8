"""The GitHub webhook receiver against moto: a signed `pull_request closed` destroys the PR's review app
(through the parameters handler, as `review-apps destroy` does); a bad or missing signature gets 401 and
changes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from orchestrator.adapters.clients import client
from orchestrator.handlers import github_webhook
from orchestrator.review_apps.github import signature
from orchestrator.settings import configure
from tests.integration.review_apps.test_lifecycle import STATUS, active_services, deploy_review_app, on_parameter
from tests.integration.routing.conftest import SharedAlb, declare_in
from tests.lambda_context import FakeLambdaContext

SECRET = "it's a secret to everybody"


@pytest.fixture
def webhook_secret(aws: None) -> str:
    arn = str(client("secretsmanager").create_secret(Name="orchestrator/github-webhook", SecretString=SECRET)["ARN"])
    configure(github_webhook_secret_arn=arn)
    github_webhook._deps = None  # a fresh secret cache per test
    return arn


def delivery(
    pr: int, action: str = "closed", *, secret: str = SECRET, event: str = "pull_request", signed: bool = True,
    base64_body: bool = False, pipeline: str = "pipe",
) -> dict[str, Any]:  # fmt: skip
    """A Lambda function URL event (payload 2.0) carrying a GitHub webhook delivery."""
    body = json.dumps({
        "action": action, "number": pr,
        "pull_request": {"html_url": f"https://github.com/acme/pipe/pull/{pr}", "title": "Add search",
                         "head": {"ref": "search"}},
    }).encode()  # fmt: skip
    headers = {"content-type": "application/json", "x-github-event": event, "x-github-delivery": "72d3162e"}
    if signed:
        headers["x-hub-signature-256"] = signature(secret, body)
    path = f"/pipelines/{pipeline}"
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": headers,
        "requestContext": {"accountId": "anonymous", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
                           "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.30.252.1",
                                    "userAgent": "GitHub-Hookshot/1"},
                           "requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "30/Nov/2026:01:00:00 +0000",
                           "timeEpoch": 1796000000000},
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }  # fmt: skip


def post(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = github_webhook.handler(event, FakeLambdaContext())  # type: ignore[arg-type]
    return int(response["statusCode"]), json.loads(response["body"])


def status_of(pr: int) -> dict[str, Any] | None:
    try:
        return dict(json.loads(client("ssm").get_parameter(Name=STATUS.format(pr=pr))["Parameter"]["Value"]))
    except client("ssm").exceptions.ParameterNotFound:
        return None


def test_a_bad_or_missing_signature_gets_401_and_changes_nothing(alb: SharedAlb, webhook_secret: str) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    deploy_review_app(4, 1)
    before = status_of(4)
    for event in (delivery(4, secret="guessed"), delivery(4, signed=False)):
        assert post(event) == (401, {"message": "bad signature"})
    tampered = delivery(4)
    tampered["body"] = tampered["body"].replace('"number": 4', '"number": 5')
    assert post(tampered)[0] == 401
    assert status_of(4) == before
    assert active_services() == ["pipe-pr4-web", "pipe-pr4-worker"]


def test_a_closed_pull_request_destroys_its_review_app(alb: SharedAlb, webhook_secret: str) -> None:
    declare_in(alb, "pipe", kind="pipeline")
    deploy_review_app(4, 1)
    deploy_review_app(5, 2)
    assert post(delivery(4, "synchronize"))[0] == 202  # other actions: nothing
    assert status_of(4)["status"] == "created"  # type: ignore[index]
    assert post(delivery(5, "ping", event="ping")) == (200, {"message": "pong"})

    code, body = post(delivery(4, base64_body=True))  # function URLs may base64-encode the body
    assert (code, body) == (202, {"message": "review app pipe:4 is being destroyed"})
    assert status_of(4)["status"] == "deleting"  # type: ignore[index]
    assert post(delivery(4))[0] == 202  # GitHub redelivers: still one destroy
    on_parameter(STATUS.format(pr=4))  # the Parameter Store Change event of that write
    assert active_services() == ["pipe-pr5-web", "pipe-pr5-worker"]
    assert status_of(4) is None
    assert post(delivery(4)) == (200, {"message": "pipe:4 has no review app: nothing to do"})
    assert post(delivery(99)) == (200, {"message": "pipe:99 has no review app: nothing to do"})


def test_without_a_configured_secret_every_delivery_is_refused(aws: None) -> None:
    configure(github_webhook_secret_arn="")
    assert post(delivery(4))[0] == 503


def test_an_opened_pull_request_creates_its_review_app_and_its_build_deploys(
    alb: SharedAlb, webhook_secret: str
) -> None:
    from tests.integration.pipeline.world import build, completed, deliver, record, step_task, stopped, upload_toml
    from tests.integration.review_apps.test_lifecycle import REVIEW_TOML

    declare_in(alb, "pipe", kind="pipeline")
    assert post(delivery(6, "opened", secret="guessed"))[0] == 401
    assert status_of(6) is None  # a bad signature creates nothing
    code, body = post(delivery(6, "opened"))
    assert (code, body) == (201, {"message": "review app pipe:6 created; its builds now deploy"})
    assert status_of(6) == {"pull_request": "pr/6", "status": "created", "branch": "search", "title": "Add search",
                            "url": "https://github.com/acme/pipe/pull/6"}  # fmt: skip
    assert post(delivery(6, "reopened")) == (200, {"message": "review app pipe:6 already exists"})  # redelivery
    on_parameter(STATUS.format(pr=6), "Create")
    upload_toml("pipe:6", 1, REVIEW_TOML)  # the PR's first build: deployed, as after `review-apps create`
    deliver(*build("pipe", 1, source_version="pr/6"))
    deliver(stopped(step_task("pipe:6", 1, "release")))
    deliver(stopped(step_task("pipe:6", 1, "postdeploy"), seconds=200))
    deliver(*completed("pipe:6", 1))
    assert record("pipe:6", 1)["deploy"]["state"] == "succeeded"
    assert post(delivery(6, "closed"))[0] == 202
    assert post(delivery(6, "reopened"))[0] == 409  # still being destroyed: nothing written
    assert status_of(6)["status"] == "deleting"  # type: ignore[index]
