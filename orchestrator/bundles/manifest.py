"""The bundle manifest (Mattermost Apps `manifest.json`) and its validation rules.

Every rule is a field-level validator so that pydantic reports all broken fields at once.
Fields an app adds beyond these are kept as they are (`extra="allow"`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

ID_CHARS = r"A-Za-z0-9\-_."
APP_ID_PATTERN = rf"^[{ID_CHARS}]{{3,32}}$"
VERSION_PATTERN = rf"^[{ID_CHARS}]{{1,10}}$"
# Function names end up in Lambda names, where `.` and spaces become `-`.
FUNCTION_NAME_PATTERN = r"^[A-Za-z0-9\-_. ]{1,64}$"

# Lambda's current (not deprecated) managed runtimes for .zip packages, from
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Supported runtimes").
LAMBDA_RUNTIMES: frozenset[str] = frozenset(
    {
        "nodejs24.x", "nodejs22.x", "nodejs20.x",
        "python3.14", "python3.13", "python3.12", "python3.11", "python3.10",
        "java25", "java21", "java17", "java11", "java8.al2",
        "dotnet10", "dotnet8",
        "ruby3.4", "ruby3.3",
        "provided.al2023", "provided.al2",
    }
)  # fmt: skip

# Runtimes Lambda no longer accepts for new functions, and what to use instead.
DEPRECATED_RUNTIMES: dict[str, str] = {
    "go1.x": "provided.al2023, with the compiled binary named `bootstrap` at the root of the function zip",
    "nodejs14.x": "nodejs22.x", "nodejs16.x": "nodejs22.x", "nodejs18.x": "nodejs22.x",
    "python3.7": "python3.13", "python3.8": "python3.13", "python3.9": "python3.13",
    "java8": "java21", "ruby2.7": "ruby3.4", "ruby3.2": "ruby3.4",
    "dotnet6": "dotnet8", "dotnetcore3.1": "dotnet8", "provided": "provided.al2023",
}  # fmt: skip

KNOWN_PERMISSIONS: frozenset[str] = frozenset(
    {"act_as_bot", "act_as_user", "remote_oauth2", "remote_webhooks", "user_joined_channel_notification"}
)
PERMISSION_NEEDS: dict[str, str] = {
    "remote_webhooks": "act_as_bot",
    "user_joined_channel_notification": "act_as_bot",
    "remote_oauth2": "act_as_user",
}

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _http_url(value: str) -> str:
    """Mattermost's `httputils.IsValidURL`: an absolute http(s) URL with a host."""
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"{value!r} is not a valid URL: it contains spaces or control characters")
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # `.port` raises on a port that is not a number
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid URL: {error}") from error
    if parts.scheme not in {"http", "https"}:
        raise ValueError(f"{value!r}: the URL scheme must be http or https")
    if not host:
        raise ValueError(f"{value!r}: the URL must contain a host")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Function(BaseModel):
    """One entry of `aws_lambda.functions`."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    path: str = Field(pattern=r"^/")
    name: str = Field(pattern=FUNCTION_NAME_PATTERN)
    handler: NonEmpty
    runtime: str
    # An orchestrator extension (not in Mattermost's format): variables for the function's environment.
    environment: dict[str, str] = Field(default_factory=dict)

    @field_validator("runtime")
    @classmethod
    def _current_runtime(cls, value: str) -> str:
        if value in DEPRECATED_RUNTIMES:
            raise ValueError(f"{value!r} is deprecated and Lambda refuses it; use {DEPRECATED_RUNTIMES[value]}")
        if value not in LAMBDA_RUNTIMES:
            raise ValueError(f"{value!r} is not a current Lambda runtime (one of {', '.join(sorted(LAMBDA_RUNTIMES))})")
        return value

    @field_validator("path")
    @classmethod
    def _clean_path(cls, value: str) -> str:
        if "//" in value or any(part in {".", ".."} for part in value.split("/")):
            raise ValueError("path must not contain empty, '.' or '..' segments")
        return value

    @field_validator("environment")
    @classmethod
    def _environment_names(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for key in value:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
                raise ValueError(f"environment variable name {key!r} is not valid")
            if key.startswith("AWS_") or key.startswith("ORCHESTRATOR_"):
                raise ValueError(f"environment variable {key!r} is reserved")
        return value


class AwsLambda(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    functions: list[Function] = Field(min_length=1)

    @field_validator("functions")
    @classmethod
    def _unique(cls, functions: list[Function]) -> list[Function]:
        from orchestrator.bundles.naming import normalise

        seen: dict[str, str] = {}
        for function in functions:
            normal = normalise(function.name)
            if normal in seen:
                raise ValueError(f"functions {seen[normal]!r} and {function.name!r} have the same Lambda name")
            seen[normal] = function.name
        return functions


class Http(BaseModel):
    """`http`: an app served over HTTP elsewhere. Validated as Mattermost does; we deploy only `aws_lambda`."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    root_url: HttpUrl
    use_jwt: bool = False


class OpenFaasFunction(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    path: NonEmpty
    name: NonEmpty


class OpenFaas(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    functions: list[OpenFaasFunction] = Field(min_length=1)


class Plugin(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    plugin_id: NonEmpty


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    app_id: str = Field(pattern=APP_ID_PATTERN)
    version: str = Field(pattern=VERSION_PATTERN)
    display_name: NonEmpty
    homepage_url: HttpUrl
    description: str = ""
    icon: str = ""
    requested_permissions: list[str] = Field(default_factory=list)
    requested_locations: list[str] = Field(default_factory=list)
    aws_lambda: AwsLambda
    # The other deploy types of Mattermost's `Deploy`: checked as its Validate does, kept, not deployed.
    http: Http | None = None
    open_faas: OpenFaas | None = None
    plugin: Plugin | None = None

    @field_validator("requested_permissions")
    @classmethod
    def _permissions(cls, permissions: list[str]) -> list[str]:
        problems = [f"unknown permission {p!r}" for p in permissions if p not in KNOWN_PERMISSIONS]
        granted = set(permissions)
        problems += [
            f"{p!r} needs {PERMISSION_NEEDS[p]!r}"
            for p in permissions
            if p in PERMISSION_NEEDS and PERMISSION_NEEDS[p] not in granted
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return permissions

    @property
    def functions(self) -> list[Function]:
        return self.aws_lambda.functions

    def to_json_dict(self) -> dict[str, Any]:
        """The manifest as published: every field the app set, extras included."""
        return self.model_dump(mode="json", exclude_defaults=False)
