"""The local dashboard server over HTTP: the site's files only, config.json, sign-in, and a refused AWS call
answered with AWS's error without reaching the emulator (the endpoint here is closed: nothing may be forwarded)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from orchestrator.dashboard.aws_requests import Account
from orchestrator.dashboard.local_policies import local_users_role_statements
from orchestrator.dashboard.local_users import parse_user
from orchestrator.dashboard.server import DashboardServer
from orchestrator.dashboard.sessions import LocalSessions
from orchestrator.dashboard.site_config import local_site_config
from orchestrator.settings import Settings

ACCOUNT = Account("us-east-1", "123456789012")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DashboardServer]:
    site = tmp_path / "dist"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>dashboard</title>")
    (tmp_path / "secret.txt").write_text("outside the site")
    settings = Settings()
    running = DashboardServer(
        0, site, "http://127.0.0.1:9", LocalSessions([parse_user("bob=other")], ACCOUNT.account_id, lambda: ["other"]),
        ACCOUNT, lambda app: local_users_role_statements(app, "app", settings, ACCOUNT),
        partial(local_site_config, settings, None),
    )  # fmt: skip
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def call(url: str, body: object | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serves_the_site_and_nothing_outside_it(server: DashboardServer) -> None:
    assert call(server.url + "/") == (200, b"<!doctype html><title>dashboard</title>")
    assert call(server.url + "/../secret.txt")[0] == 404
    assert call(server.url + "/%2e%2e/secret.txt")[0] == 404


def test_config_json_points_the_sdk_at_the_local_proxy(server: DashboardServer) -> None:
    status, body = call(server.url + "/config.json")
    config = json.loads(body)
    assert status == 200
    assert config["endpoint"] == server.url + "/aws"
    assert config["auth"] == {"mode": "local"}
    assert config["parameterPrefix"] == "/apppack"


def test_a_refused_call_never_reaches_the_emulator(server: DashboardServer) -> None:
    status, body = call(server.url + "/local-auth/sign-in", {"user": "bob"})
    signed_in = json.loads(body)
    status, body = call(server.url + "/local-auth/credentials", {"token": signed_in["token"], "roleArn": signed_in["roles"][0]})
    key = json.loads(body)["accessKeyId"]
    status, body = call(
        server.url + "/aws/",
        {"TableName": "apppack", "Key": {"primary_id": {"S": "APP#shop"}, "secondary_id": {"S": "settings"}}},
        {"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20261130/us-east-1/dynamodb/aws4_request, Signature=x",
         "X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"},
    )  # fmt: skip
    assert status == 400
    error = json.loads(body)
    assert error["__type"] == "AccessDeniedException"
    assert error["message"].startswith(
        "User: arn:aws:sts::123456789012:assumed-role/other-users/bob is not authorized to perform: dynamodb:GetItem"
    )
    status, body = call(server.url + "/local-auth/sign-in", {"user": "mallory"})
    assert status == 400
    assert json.loads(body)["__type"] == "NotAuthorizedException"


def test_an_s3_read_of_another_apps_log_is_refused_in_s3s_xml(server: DashboardServer) -> None:
    signed_in = json.loads(call(server.url + "/local-auth/sign-in", {"user": "bob"})[1])
    key = json.loads(call(server.url + "/local-auth/credentials", {"token": signed_in["token"], "roleArn": signed_in["roles"][0]})[1])["accessKeyId"]
    bucket = Settings().artifacts_bucket
    auth = {"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20261130/us-east-1/s3/aws4_request, Signature=x"}
    status, body = call(f"{server.url}/aws/{bucket}/shop/3/build.log?x-id=GetObject", headers=auth)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert f"perform: s3:GetObject on resource: arn:aws:s3:::{bucket}/shop/3/build.log".encode() in body
    # Its own app's log is allowed, and so forwarded: the closed endpoint answers 502 (nothing listens there).
    assert call(f"{server.url}/aws/{bucket}/other/3/build.log?x-id=GetObject", headers=auth)[0] == 502
    assert call(f"{server.url}/aws/{bucket}/other/3/build.log")[0] == 403  # unsigned: no session
