"""`local up` in the background, the operator CLI against it, `events replay`, then `local down`."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.conftest import AWS_SAMPLES
from tests.e2e.conftest import as_json, cli, emulator_env


def test_operator_flow_from_build_start_to_deployed(emulator: dict[str, str]) -> None:
    env = emulator_env(emulator)
    assert cli("local", "register", "shop", env=env).returncode == 0
    apps = as_json(cli("apps", "--json", env=env))
    assert [a["name"] for a in apps] == ["shop"]
    started = as_json(cli("build", "start", "-a", "shop", "--json", env=env))
    assert started["build_number"] == 1
    watched = cli("build", "watch", "1", "-a", "shop", "--interval", "0.5", "--json", env=env)
    assert watched.returncode == 0, watched.stderr
    record = as_json(watched)
    assert record["deploy"]["state"] == "succeeded"
    listed = as_json(cli("build", "list", "-a", "shop", "--json", env=env))
    assert [b["build_number"] for b in listed] == [1]
    ps = as_json(cli("ps", "-a", "shop", "--json", env=env))
    assert {p["name"] for p in ps["deploystatus"]["processes"]} == {"web", "worker"}

    # Parameter commands only write SSM: check through boto3 on the same endpoint.
    assert cli("config", "set", "DATABASE_URL=postgres://db", "-a", "shop", env=env).returncode == 0
    ssm = boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    parameter = ssm.get_parameter(Name="/apppack/apps/shop/config/DATABASE_URL")["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert as_json(cli("config", "list", "-a", "shop", "--json", env=env))["variables"] == {
        "DATABASE_URL": {"source": "app"}
    }
    assert as_json(cli("config", "get", "DATABASE_URL", "-a", "shop", "--json", env=env)) == {
        "DATABASE_URL": "postgres://db"
    }
    scaled = cli("ps", "scale", "web", "2", "-a", "shop", "--json", env=env)
    assert scaled.returncode == 0, scaled.stderr
    scaling = json.loads(ssm.get_parameter(Name="/apppack/apps/shop/scaling")["Parameter"]["Value"])
    assert scaling["web"]["min_processes"] == scaling["web"]["max_processes"] == 2


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["config", "list", "-a", "nope"], 1),
        (["ps", "resize", "web", "--cpu", "300", "-a", "shop"], 2),
        (["scheduled-tasks", "create", "--schedule", "every day", "--command", "x", "-a", "shop"], 2),
        (["access", "add", "not-an-email", "-a", "shop"], 2),
    ],
)
def test_user_errors_are_one_line_without_traceback(emulator: dict[str, str], args: list[str], code: int) -> None:
    result = cli(*args, env=emulator_env(emulator))
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_replaying_every_documented_sample_leaves_the_emulator_healthy(emulator: dict[str, str]) -> None:
    env = emulator_env(emulator)
    result = cli("events", "replay", "--wait", "20", "--json", *map(str, AWS_SAMPLES), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = as_json(result)
    assert summary["new_dead_letters"] == 0
    assert summary["undelivered"] == 0
    routed = {Path(e["file"]).name: e["routes"] for e in summary["events"]}
    assert routed["eventbridge_scheduled_event.json"] == []
    assert routed["ecs_deployment_completed.json"] == ["ecs-deployment"]


def _bundle_env(emulator: dict[str, str]) -> dict[str, str]:
    from orchestrator.local.resources import FUNCTION_ROLE_ARN

    return {**emulator_env(emulator), "ORCHESTRATOR_FUNCTION_ROLE_ARN": FUNCTION_ROLE_ARN}


def _wait_deployed(env: dict[str, str], app_id: str) -> list[dict[str, object]]:
    import time

    for _ in range(120):  # the dispatcher polls the queue; bounded, no wall-clock assertion
        rows = as_json(cli("bundle", "list", "--app", app_id, "--json", env=env))
        if rows and all(r["state"] == "deployed" for r in rows):
            return list(rows)
        time.sleep(0.5)
    raise AssertionError(f"{app_id} was not deployed by the bundle handler: {rows}")


def test_bundles_through_the_emulator_s3_event_path(emulator: dict[str, str], tmp_path: Path) -> None:
    """`bundle deploy` while the emulator's dispatcher also delivers the upload's S3 event to the handler:
    whichever gets there first, the CLI ends with the deploy done, never "in progress"."""
    from tests.unit.bundles.zips import bundle_zip, manifest

    env = _bundle_env(emulator)
    for version in ("1", "2", "3"):
        path = tmp_path / f"race-{version}.zip"
        path.write_bytes(bundle_zip(manifest(app_id="e2e-race", version=version)))
        deployed = as_json(cli("bundle", "deploy", str(path), "--json", env=env))
        assert deployed["status"] == "deployed", deployed
    _wait_deployed(env, "e2e-race")
    served = as_json(cli("bundle", "call", "e2e-race", "3", "/topicX", "--json", env=env))
    assert (served["function"], served["body"]["path"]) == ("topic", "/topicX")  # routed as Mattermost does

    # An upload by any other tool is deployed by the handler alone.
    uploaded = tmp_path / "upload-only.zip"
    uploaded.write_bytes(bundle_zip(manifest(app_id="e2e-upload", version="1")))
    assert as_json(cli("bundle", "deploy", str(uploaded), "--upload-only", "--json", env=env))["status"] == "uploaded"
    _wait_deployed(env, "e2e-upload")

    # `my_app 1_0` and `my_app_1 0` share every key: the second is refused before its upload.
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    first.write_bytes(bundle_zip(manifest(app_id="my_app", version="1_0"), static={"hello.txt": b"first"}))
    second.write_bytes(bundle_zip(manifest(app_id="my_app_1", version="0"), static={"hello.txt": b"second"}))
    assert as_json(cli("bundle", "deploy", str(first), "--json", env=env))["status"] == "deployed"
    refused = cli("bundle", "deploy", str(second), env=env)
    assert refused.returncode == 2
    assert "my_app_1 0 collides with another app version" in refused.stderr
    assert "Traceback" not in refused.stderr
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "bundle" in b["Name"])
    static = s3.get_object(Bucket=bucket, Key="static/my_app_1_0_app/hello.txt")["Body"].read()
    assert static == b"first"
    assert s3.get_object(Bucket=bucket, Key="bundles/my_app_1_0.zip")["Body"].read() == first.read_bytes()
