"""apppack.toml read with AppPack's whole schema (apppack-codebuild-image `build/apppacktoml.go`)."""

from __future__ import annotations

import pytest

from orchestrator.pipeline.apppack_toml import AppPackTomlError, parse_apppack_toml

FULL = """
[build]
system = "dockerfile"
dockerfile = "docker/Dockerfile"
builder = "heroku/builder:24"
buildpacks = ["heroku/python"]
[test]
command = "pytest -q"
env = ["DATABASE_URL=sqlite://", "MODE=ci"]
[deploy]
release_command = "python manage.py migrate"
[review_app]
initialize_command = "python manage.py loaddata demo"
pre_destroy_command = "python manage.py dumpdata"
[services.web]
command = "gunicorn app:app"
[services.worker]
command = "celery -A app worker"
"""


def test_every_table_of_apppacks_schema_is_read() -> None:
    toml = parse_apppack_toml(FULL)
    assert (toml.build.system, toml.build.dockerfile, toml.build.builder) == ("dockerfile", "docker/Dockerfile",
                                                                             "heroku/builder:24")  # fmt: skip
    assert toml.build.buildpacks == ["heroku/python"]
    assert (toml.test.command, toml.test.env) == ("pytest -q", ["DATABASE_URL=sqlite://", "MODE=ci"])
    assert toml.review_app.pre_destroy_command == "python manage.py dumpdata"
    assert sorted(toml.services) == ["web", "worker"]


def test_the_builders_own_artifact_form_is_accepted() -> None:
    """What AppPack's builder archives after a buildpack build: system "buildpack" plus the services."""
    toml = parse_apppack_toml('[build]\nsystem = "buildpack"\n[services.web]\ncommand = "web"\n')
    assert toml.build.system == "buildpack"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[build]\nsystem = "buildpacks"\n[services.web]\ncommand = "x"\n', "[build.system]"),
        ('[test]\nenv = ["NOEQUALS"]\n[services.web]\ncommand = "x"\n', "NOEQUALS is not in KEY=VALUE format"),
        ('[test]\ncommand = ""\n[services.web]\ncommand = "x"\n', "[test.command] must not be empty"),
        ('[services.shell]\ncommand = "x"\n', "'shell' is reserved"),
    ],
)
def test_what_apppacks_builder_refuses_is_refused_with_the_table_named(text: str, message: str) -> None:
    with pytest.raises(AppPackTomlError) as error:
        parse_apppack_toml(text)
    assert message in str(error.value)
