"""The synthesized buildspec, run in bash as CodeBuild runs it (orchestrator/local/buildspec_runner.py), with
`docker`, `pack` and `aws` shimmed onto moto: a Procfile app, an apppack.toml app and a Dockerfile app each
leave every artifact the orchestrator reads at the keys it reads; a failing test command fails the build;
immutable tags refuse a second push; and the emulator's simulated CodeBuild writes the same artifacts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.buildspec import buildspec
from orchestrator.adapters.artifacts import artifact_key
from orchestrator.adapters.clients import client
from orchestrator.local.apps import local_app
from orchestrator.local.buildspec_runner import BuildRun, build_environment, run_buildspec
from orchestrator.local.emulator import Emulator
from orchestrator.local.server import FAKE_CREDENTIALS
from orchestrator.local.simulate import AppSource
from orchestrator.pipeline.app_registry import build_variables
from orchestrator.pipeline.apppack_toml import parse_apppack_toml
from orchestrator.settings import get_settings

pytestmark = pytest.mark.slow

ARTIFACTS = ("build.log", "commit.txt", "apppack.toml", "metadata.toml", "test.log")
PROCFILE = "release: python manage.py migrate\nweb: gunicorn app:app\nworker: celery -A app worker\n"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        for app in ("procfile-app", "toml-app", "docker-app", "tested-app", "shop"):
            running.register(app)
        yield running


def run_build(app: str, number: int, source: dict[str, str], tmp_path: Path) -> BuildRun:
    settings = get_settings()
    (tmp_path / "source").mkdir()
    for name, text in source.items():
        (tmp_path / "source" / name).write_text(text)
    repository = client("ecr").describe_repositories(repositoryNames=[f"orchestrator/{app}"])["repositories"][0]
    # The app stack's variables (infra/app_stack.py), in AppPack's names.
    project = build_variables(app, "app", repository["repositoryUri"], settings.artifacts_bucket)
    spec = buildspec()
    variables = build_environment(
        spec, project, build_number=number, build_id=f"orchestrator-{app}:{number:08d}", source_version="main",
        resolved_source_version=COMMIT, region=settings.region, source_dir=tmp_path / "build" / "src",
    )  # fmt: skip
    aws = {"AWS_ENDPOINT_URL": settings.endpoint_url or "", **FAKE_CREDENTIALS}
    return run_buildspec(spec, tmp_path / "source", tmp_path / "build", variables, aws_environment=aws)


def artifacts(app: str, number: int) -> dict[str, str]:
    s3 = client("s3")
    found = {}
    for name in ARTIFACTS:
        try:
            body = s3.get_object(Bucket=get_settings().artifacts_bucket, Key=artifact_key(app, number, name))["Body"]
            found[name] = body.read().decode()
        except s3.exceptions.NoSuchKey:
            continue
    return found


def image_tags(app: str) -> list[str]:
    images = client("ecr").list_images(repositoryName=f"orchestrator/{app}")["imageIds"]
    return sorted(i.get("imageTag", "") for i in images)


@pytest.mark.parametrize(
    ("app", "source", "built_with"),
    [
        ("procfile-app", {"Procfile": PROCFILE + "postdeploy: ./seed\n"}, "pack heroku/builder:24"),
        ("toml-app", {"apppack.toml": '[services.web]\ncommand = "./serve"\n[test]\ncommand = "test -f serve"\n',
                      "serve": "#!/bin/sh\n"}, "pack heroku/builder:24"),
        ("docker-app", {"Dockerfile": "FROM python:3.12-slim\n", "Procfile": "web: python -m http.server\n"},
         "dockerfile"),
    ],
)  # fmt: skip
def test_each_kind_of_app_leaves_every_artifact_the_orchestrator_reads(
    emulator: Emulator, tmp_path: Path, app: str, source: dict[str, str], built_with: str
) -> None:
    run = run_build(app, 1, source, tmp_path)
    assert run.status == "SUCCEEDED", run.log
    assert [p.name for p in run.phases] == ["install", "pre_build", "build", "post_build"]
    found = artifacts(app, 1)
    assert sorted(found) == sorted(ARTIFACTS)
    manifest = parse_apppack_toml(found["apppack.toml"], "apppack.toml")  # what the release step reads
    assert manifest.services
    metadata = tomllib.loads(found["metadata.toml"])
    assert metadata["build_number"] == 1
    assert metadata["commit"] == COMMIT
    assert found["commit.txt"].splitlines()[0] == f"commit {COMMIT}"  # `git log -n1`, as AppPack's builder
    assert metadata["built_with"] == built_with
    assert metadata["image"].endswith(f"/orchestrator/{app}:build-1")
    (pushed,) = client("ecr").describe_images(repositoryName=f"orchestrator/{app}")["imageDetails"]
    assert metadata["digest"].endswith("@" + pushed["imageDigest"])  # the digest ECR gave the push
    assert image_tags(app) == ["build-1"]
    assert [c["argv"][0] for c in run.calls if c["tool"] == "docker"].count("push") == 1
    if app == "procfile-app":  # release and postdeploy lines become what the release step runs
        assert manifest.deploy.release_command == "python manage.py migrate"
        assert manifest.review_app.initialize_command == "./seed"
        assert sorted(manifest.services) == ["web", "worker"]


def test_a_failing_test_command_fails_the_build_in_post_build(emulator: Emulator, tmp_path: Path) -> None:
    """As AppPack's `apppack-builder postbuild`: the tests run in the pushed image with CI=true and `[test] env`;
    their failure fails POST_BUILD, so CodeBuild reports FAILED and the orchestrator deploys nothing; the
    artifacts, test.log included, are uploaded anyway."""
    toml = ('[services.web]\ncommand = "./serve"\n[test]\ncommand = "echo CI=$CI MODE=$MODE; echo 2 failed; exit 3"\n'
            'env = ["MODE=strict"]\n')
    run = run_build("tested-app", 1, {"apppack.toml": toml}, tmp_path)
    assert run.status == "FAILED"
    assert [(p.name, p.status) for p in run.phases][-2:] == [("build", "SUCCEEDED"), ("post_build", "FAILED")]
    found = artifacts("tested-app", 1)
    assert "CI=true MODE=strict" in found["test.log"]
    assert "test script failed with exit code 3" in found["test.log"]
    assert "2 failed" not in found["build.log"]  # the test phase has its own log
    assert tomllib.loads(found["metadata.toml"])["processes"] == [
        {"type": "web", "command": ["./serve"], "args": [], "buildpack_id": ""}
    ]


def test_a_build_tag_cannot_be_pushed_twice(emulator: Emulator, tmp_path: Path) -> None:
    source = {"Procfile": "web: ./serve\n"}
    first = tmp_path / "first"
    first.mkdir()
    assert run_build("procfile-app", 7, source, first).status == "SUCCEEDED"
    second = tmp_path / "second"
    second.mkdir()
    run = run_build("procfile-app", 7, {**source, "changed.txt": "x"}, second)
    assert run.status == "FAILED"
    # ECR says ImageTagAlreadyExistsException; moto (whose digests ignore the manifest) ImageAlreadyExists.
    assert "already exists in the repository" in run.log


def test_the_simulated_codebuild_writes_what_the_buildspec_writes(emulator: Emulator, tmp_path: Path) -> None:
    emulator.codebuild.sources["shop"] = AppSource(procfile=PROCFILE)
    client("codebuild").start_build(projectName=local_app("shop").codebuild_project, sourceVersion=COMMIT)
    emulator.run_until_idle()
    simulated = artifacts("shop", 1)
    run = run_build("shop", 2, {"Procfile": PROCFILE}, tmp_path)
    assert run.status == "SUCCEEDED", run.log
    real = artifacts("shop", 2)
    assert sorted(simulated) == sorted(real) == sorted(ARTIFACTS)
    assert parse_apppack_toml(simulated["apppack.toml"], "s") == parse_apppack_toml(real["apppack.toml"], "r")
    simulated_meta, real_meta = tomllib.loads(simulated["metadata.toml"]), tomllib.loads(real["metadata.toml"])
    assert set(simulated_meta) == set(real_meta)
    assert simulated_meta["image"].rsplit(":", 1)[0] == real_meta["image"].rsplit(":", 1)[0]
