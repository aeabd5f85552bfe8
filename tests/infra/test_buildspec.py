"""The build's Procfile -> apppack.toml conversion, run as the build container runs it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from infra.buildspec import BUILD_SCRIPT, PROCFILE_TO_APPPACK_TOML, buildspec


def convert(tmp_path: Path, procfile: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "Procfile").write_text(procfile)
    return subprocess.run(
        [sys.executable, "-"], input=PROCFILE_TO_APPPACK_TOML, cwd=tmp_path, capture_output=True, text=True, check=False
    )


def test_release_line_becomes_release_command_and_the_rest_services(tmp_path: Path) -> None:
    result = convert(
        tmp_path,
        "# comment\nrelease: python manage.py migrate\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\n"
        'worker: celery -A app worker -Q "a,b"\n',
    )
    assert result.returncode == 0, result.stderr
    toml = tomllib.loads((tmp_path / "apppack.toml").read_text())
    assert toml == {
        "build": {"system": "buildpack"},
        "deploy": {"release_command": "python manage.py migrate"},
        "services": {
            "web": {"command": "gunicorn app:app --bind 0.0.0.0:$PORT"},
            "worker": {"command": 'celery -A app worker -Q "a,b"'},
        },
    }


def test_no_release_line_no_deploy_section(tmp_path: Path) -> None:
    assert convert(tmp_path, "web: ./run\n").returncode == 0
    assert tomllib.loads((tmp_path / "apppack.toml").read_text()) == {
        "build": {"system": "buildpack"},
        "services": {"web": {"command": "./run"}},
    }


@pytest.mark.parametrize(("procfile", "message"), [("web\n", "line 1"), ("release: x\n", "no process")])
def test_bad_procfile_fails_the_build_clearly(tmp_path: Path, procfile: str, message: str) -> None:
    result = convert(tmp_path, procfile)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "apppack.toml").exists()


def test_buildspec_pushes_one_immutable_tag_and_uploads_artifacts_in_post_build() -> None:
    spec = buildspec()
    assert spec["version"] == "0.2"
    assert spec["env"]["shell"] == "bash"
    assert PROCFILE_TO_APPPACK_TOML in BUILD_SCRIPT
    assert 'IMAGE="$DOCKER_REPO:build-$CODEBUILD_BUILD_NUMBER"' in BUILD_SCRIPT
    assert BUILD_SCRIPT.count("docker push") == 1
    assert ":latest" not in BUILD_SCRIPT
    upload = spec["phases"]["post_build"]["commands"][0]
    assert "build.log test.log apppack.toml commit.txt metadata.toml" in upload
    assert "apppack-test-start" in upload
    assert upload.rstrip().endswith('exit "$TESTS"')


def test_build_script_is_valid_bash(tmp_path: Path) -> None:
    script = tmp_path / "build.sh"
    script.write_text(BUILD_SCRIPT)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
