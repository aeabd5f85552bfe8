"""`orchestrator bundle ...` end to end, as a user runs it: a real subprocess against moto's server
(the emulator's endpoint), so exit codes, one-line errors and the local runtime are exercised for real."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.adapters import clients
from orchestrator.local.resources import create_core_resources
from orchestrator.settings import configure, get_settings, reset_settings
from tests.integration.bundles.helpers import create_function_role
from tests.unit.bundles.zips import SAMPLE, bundle_zip, manifest, python_function


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def emulator() -> Iterator[dict[str, str]]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # The server answers from this process's moto backends, which an earlier test's mock in this worker may
    # have left items in (a mock resets them when it starts, not when it stops): start from an empty account.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    try:
        reset_settings()
        configure(endpoint_url=endpoint)
        clients.reset_clients()
        create_core_resources(get_settings())
        role = create_function_role()
        yield {
            "PATH": "/usr/bin:/bin",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "ORCHESTRATOR_FUNCTION_ROLE_ARN": role,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    finally:
        reset_settings()
        clients.reset_clients()
        server.stop()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from orchestrator.cli.main import main; main()", "bundle", *args],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_validate_deploy_call_list_delete(emulator: dict[str, str], tmp_path: Path) -> None:
    zipped = tmp_path / "hello.zip"
    built = as_json(run(emulator, "build", str(SAMPLE), "-o", str(zipped), "--json"))
    assert built["valid"] is True

    assert as_json(run(emulator, "validate", str(zipped), "--json"))["app_id"] == "hello-bundle"
    table = run(emulator, "validate", str(zipped))
    assert table.returncode == 0
    assert "hello-bundle" in table.stdout

    data = as_json(run(emulator, "deploy-data", str(zipped)))
    assert data["manifest_key"] == "manifests/hello-bundle_v1.0.0.json"
    assert data["lambda_functions"]["send"]["name"] == "hello-bundle_v1-0-0_send"

    deployed = as_json(run(emulator, "deploy", str(zipped), "--json"))
    assert deployed["status"] == "deployed"
    again = as_json(run(emulator, "deploy", str(zipped), "--json"))
    assert (again["status"], again["changes"]) == ("unchanged", [])

    sent = as_json(
        run(emulator, "call", "hello-bundle", "v1.0.0", "/send", "--data", '{"values": {"name": "Ada"}}', "--json")
    )
    assert (sent["function"], sent["status_code"], sent["body"]["text"]) == ("send", 200, "Hello, Ada!")
    pong = run(emulator, "call", "hello-bundle", "v1.0.0", "/ping")
    assert pong.returncode == 0, pong.stderr
    assert "pong" in pong.stdout

    boom = run(emulator, "call", "hello-bundle", "v1.0.0", "/boom")
    assert boom.returncode == 1
    assert boom.stderr.strip().count("\n") == 0
    assert "RuntimeError: boom: this route fails on purpose" in boom.stderr
    assert "Traceback" not in boom.stderr
    missing = run(emulator, "call", "hello-bundle", "v1.0.0", "/nowhere")
    assert missing.returncode == 1
    assert "answered 404" in missing.stderr
    bad_data = run(emulator, "call", "hello-bundle", "v1.0.0", "/send", "--data", "{oops")
    assert bad_data.returncode == 2

    listed = as_json(run(emulator, "list", "--json"))
    assert [(r["app_id"], r["version"], r["state"]) for r in listed] == [("hello-bundle", "v1.0.0", "deployed")]
    assert "hello-bundle" in run(emulator, "list").stdout

    removed = as_json(run(emulator, "delete", "hello-bundle", "v1.0.0", "--yes", "--json"))
    assert "function hello-bundle_v1-0-0_main" in removed["removed"]
    gone = run(emulator, "call", "hello-bundle", "v1.0.0", "/ping")
    assert gone.returncode == 1
    assert "not published" in gone.stderr


def test_an_invalid_bundle_exits_2_with_every_error_listed(emulator: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bundle_zip(manifest(app_id="x", homepage_url="nope"), functions={"main": python_function()}))
    result = run(emulator, "validate", str(bad))
    assert result.returncode == 2
    assert "manifest.json: [manifest.app_id]" in result.stderr
    assert "manifest.json: [manifest.homepage_url]" in result.stderr
    assert "topic.zip: [function.missing]" in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("bad.zip: invalid bundle: 3 errors")
    report = run(emulator, "deploy", str(bad), "--json")
    assert report.returncode == 2
    assert len(json.loads(report.stdout)["errors"]) == 3


def test_prune_keeps_the_newest(emulator: dict[str, str], tmp_path: Path) -> None:
    for version in ("1", "2", "3"):
        path = tmp_path / f"p{version}.zip"
        path.write_bytes(bundle_zip(manifest(app_id="prune-me", version=version)))
        assert as_json(run(emulator, "deploy", str(path), "--json"))["status"] == "deployed"
    dry = as_json(run(emulator, "prune", "--keep", "2", "--app", "prune-me", "--dry-run", "--json"))
    assert [(r["version"], r["deleted"]) for r in dry] == [("1", False)]
    done = as_json(run(emulator, "prune", "--keep", "2", "--app", "prune-me", "--yes", "--json"))
    assert [(r["version"], r["deleted"]) for r in done] == [("1", True)]
    states = {r["version"]: r["state"] for r in as_json(run(emulator, "list", "--app", "prune-me", "--json"))}
    assert states == {"1": "deleted", "2": "deployed", "3": "deployed"}


def test_upload_only_leaves_the_deploy_to_the_handler(emulator: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "u.zip"
    path.write_bytes(bundle_zip(manifest(app_id="upload-only")))
    result = as_json(run(emulator, "deploy", str(path), "--upload-only", "--json"))
    assert (result["status"], result["key"]) == ("uploaded", "bundles/upload-only_1.0.0.zip")
    assert as_json(run(emulator, "list", "--app", "upload-only", "--json")) == []


def test_validate_warns_where_a_mattermost_server_differs_and_call_paths_start_with_a_slash(
    emulator: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "warn.zip"
    path.write_bytes(bundle_zip(manifest(app_id="com.example.long-app-id", version="v1.0.0-rc1")))
    report = as_json(run(emulator, "validate", str(path), "--json"))
    assert report["valid"] is True
    assert {(w["rule"], w["message"].split(":")[0]) for w in report["warnings"]} == {
        ("function.path", "function 'topic'"),
    }
    long = manifest(app_id="com.example.long-app-id", version="v1.0.0-rc1",
                    aws_lambda={"functions": [{"path": "/", "name": "main" * 8, "handler": "app.handler",
                                               "runtime": "python3.12"}]})  # fmt: skip
    path.write_bytes(bundle_zip(long, functions={"main" * 8: python_function()}))
    text = run(emulator, "validate", str(path))
    assert text.returncode == 0
    assert "warning: manifest.json: [function.name]" in text.stderr
    assert "'com.example.long-app-id_v1.0.0-rc1_" in text.stderr  # what a server would invoke

    no_slash = run(emulator, "call", "hello-bundle", "v1.0.0", "send")
    assert no_slash.returncode == 2
    assert no_slash.stderr.strip() == "error: call path must start with '/': 'send'"
