"""`orchestrator bundle ...` in process against moto: output streams, exit codes and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.settings import configure
from tests.conftest import fresh_aws
from tests.unit.bundles.zips import SAMPLE, bundle_zip
from tests.unit.cli.conftest import Cli, one_line_error


@pytest.fixture
def bundle(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "hello.zip"
    assert cli("bundle", "build", str(SAMPLE), "-o", str(path)).code == 0
    return path


@pytest.fixture
def aws() -> Iterator[None]:
    with fresh_aws():
        yield


@pytest.mark.usefixtures("aws")
def test_log_lines_go_to_stderr_so_json_output_parses(cli: Cli, bundle: Path) -> None:
    # A role that does not exist: CreateFunction fails, and the deploy logs an error while it runs.
    configure(function_role_arn="arn:aws:iam::123456789012:role/no-such-role")
    result = cli("bundle", "deploy", str(bundle), "--json")
    assert result.code == 1
    assert json.loads(result.stdout)["status"] == "failed"  # stdout holds the JSON result and nothing else
    assert '"message":"bundle deploy failed"' in result.stderr


def test_build_to_an_unwritable_place_is_one_line(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "hello.zip"
    line = one_line_error(cli("bundle", "build", str(SAMPLE), "-o", str(target)), 2)
    assert line.endswith(f"{target}: cannot write: No such file or directory")
    assert "cannot write: Is a directory" in one_line_error(cli("bundle", "build", str(SAMPLE), "-o", str(tmp_path)), 2)


@pytest.mark.usefixtures("aws")
def test_deploy_without_the_function_role_changes_nothing(cli: Cli, bundle: Path) -> None:
    from orchestrator.adapters.clients import client
    from orchestrator.settings import get_settings

    assert "ORCHESTRATOR_FUNCTION_ROLE_ARN" in one_line_error(cli("bundle", "deploy", str(bundle)), 2)
    assert client("s3").list_objects_v2(Bucket=get_settings().bundle_bucket).get("KeyCount") == 0
    listed = cli("bundle", "list", "--json")
    assert json.loads(listed.stdout) == []
    uploaded = cli("bundle", "deploy", str(bundle), "--upload-only", "--json")
    assert uploaded.code == 0, uploaded.stderr
    assert json.loads(uploaded.stdout)["key"] == "bundles/hello-bundle_v1.0.0.zip"


def test_bundle_validate_of_a_deep_manifest_names_the_nesting_without_a_traceback(cli: Cli, tmp_path: Path) -> None:
    # Issue 10, defect 7: this raised RecursionError and printed a traceback.
    path = tmp_path / "deep.zip"
    path.write_bytes(bundle_zip(b'{"custom_field": ' + b"[" * 2000 + b"]" * 2000 + b"}"))
    result = cli("bundle", "validate", str(path))
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert "manifest.json: [manifest.json] is nested too deeply: 2001 levels (at most 32)" in result.stderr
    assert result.stderr.splitlines()[-1].endswith("deep.zip: invalid bundle: 1 error")
