"""`apppack.toml`: what a build tells the orchestrator to run.

    [services.web]
    command = "gunicorn app.wsgi"
    healthcheck_path = "/health"   # the load balancer's health check of `web` (default "/")
    [deploy]
    release_command = "python manage.py migrate"
    [review_app]
    initialize_command = "python manage.py loaddata demo"

AppPack's schema (apppack-codebuild-image `build/apppacktoml.go`) is read whole: `[build] system`
("buildpack", the default, or "dockerfile"), `buildpacks`, `builder`, `dockerfile`; `[test] command` and
`env` (KEY=VALUE; the buildspec runs it in POST_BUILD); `[review_app] pre_destroy_command`. AppPack has only
`command` per service and keeps the health check path in the app's settings; its parser ignores unknown
keys, so `healthcheck_path` is an orchestrator extension an AppPack build accepts. The service name `shell`
is refused: `<app>-shell` is the family of AppPack's `shell` / `ps exec`. Commands are split with shlex
into an argument vector; ECS runs them without a shell.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestrator.pipeline.names import process_name_error

APPPACK_TOML = "apppack.toml"
SHELL_PROCESS = "shell"  # the `<app>-shell` family registered with every release


class AppPackTomlError(ValueError):
    """apppack.toml is missing or invalid; the message names the file and the problem."""


def split_command(command: str) -> list[str]:
    """The argument vector of a command line (shlex, POSIX rules)."""
    return shlex.split(command)


def _command(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise ValueError("must not be empty")
    try:
        split_command(value)
    except ValueError as error:
        raise ValueError(f"cannot be split into arguments ({error})") from error
    return value.strip()


class _Table(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


HEALTHCHECK_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]{0,1023}")  # ALB: 1-1024 characters
DEFAULT_HEALTHCHECK_PATH = "/"


class ServiceSpec(_Table):
    command: str
    healthcheck_path: str | None = None

    @field_validator("command")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _command(value) or value

    @field_validator("healthcheck_path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not HEALTHCHECK_PATH.fullmatch(value):
            raise ValueError(f"{value!r} must be a URL path starting with / (at most 1024 characters, no spaces)")
        return value


class DeploySpec(_Table):
    release_command: str | None = None

    @field_validator("release_command")
    @classmethod
    def _valid(cls, value: str | None) -> str | None:
        return _command(value)


class ReviewAppSpec(_Table):
    initialize_command: str | None = None
    pre_destroy_command: str | None = None

    @field_validator("initialize_command", "pre_destroy_command")
    @classmethod
    def _valid(cls, value: str | None) -> str | None:
        return _command(value)


class BuildSpec(_Table):
    """AppPack's `[build]`: `system` is "buildpack" (also when empty) or "dockerfile"."""

    system: Literal["", "buildpack", "dockerfile"] = ""
    buildpacks: list[str] = Field(default_factory=list)
    builder: str = ""
    dockerfile: str = ""


class TestPhaseSpec(_Table):
    """AppPack's `[test]`: run in the built image in POST_BUILD with CI=true and `env` (KEY=VALUE)."""

    command: str | None = None
    env: list[str] = Field(default_factory=list)

    @field_validator("command")
    @classmethod
    def _valid(cls, value: str | None) -> str | None:
        return _command(value)

    @field_validator("env")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        for entry in value:
            if "=" not in entry:
                raise ValueError(f"{entry} is not in KEY=VALUE format")
        return value


class AppPackToml(_Table):
    build: BuildSpec = Field(default_factory=BuildSpec)
    test: TestPhaseSpec = Field(default_factory=TestPhaseSpec)
    services: dict[str, ServiceSpec] = Field(min_length=1)
    deploy: DeploySpec = Field(default_factory=DeploySpec)
    review_app: ReviewAppSpec = Field(default_factory=ReviewAppSpec)

    @field_validator("services")
    @classmethod
    def _names(cls, value: dict[str, ServiceSpec]) -> dict[str, ServiceSpec]:
        for name in value:
            error = process_name_error(name)
            if error is not None:
                raise ValueError(error)
            if name == SHELL_PROCESS:
                raise ValueError(f"{name!r} is reserved: <app>-shell is the task family of `shell` and `ps exec`")
        return value


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "too_short" and item["loc"] == ("services",):
            message = "must define at least one [services.<name>] with a command"
        parts.append(f"[{where}] {message}" if where else message)
    return "; ".join(parts)


def parse_apppack_toml(text: str | None, where: str = APPPACK_TOML) -> AppPackToml:
    """Parse and validate; raises AppPackTomlError("<where>: <problem>")."""
    if text is None:
        raise AppPackTomlError(f"{where}: not found (the build must upload it)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AppPackTomlError(f"{where}: not valid TOML: {error}") from error
    try:
        return AppPackToml.model_validate(data)
    except ValidationError as error:
        raise AppPackTomlError(f"{where}: {_describe(error)}") from error
