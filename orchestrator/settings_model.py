"""The settings model itself (pydantic-settings). Import `orchestrator.settings` instead: it builds this model
on first use, so that importing a module which reads settings does not import pydantic-settings (a fifth of a
second, with asyncio and python-dotenv) before a setting is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, get_origin

from pydantic import Field, TypeAdapter, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from orchestrator import setting_names as names
from orchestrator.settings import endpoint_url_or_none


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=names.ENV_PREFIX, extra="ignore", frozen=True)

    table_name: str = names.DEFAULT_TABLE_NAME
    artifacts_bucket: str = "orchestrator-artifacts"
    bundle_bucket: str = "orchestrator-bundles"
    ssm_prefix: str = Field(default=names.DEFAULT_SSM_PREFIX, pattern=names.SSM_PREFIX_PATTERN)
    cluster_name: str = names.DEFAULT_CLUSTER_NAME
    # Shared networking for Fargate tasks and services (comma-separated lists in the environment).
    subnets: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    function_role_arn: str = ""
    events_role_arn: str = ""
    dlq_url: str = ""
    # Web traffic (orchestrator/routing): the shared load balancer's listener that carries the apps' host
    # rules, the domain apps are served under (`<app>.<apps_domain>`; the ALB's DNS name without one) and
    # the VPC of the target groups. An empty listener ARN means no load balancer: web services get none.
    listener_arn: str = ""
    apps_domain: str = ""
    # The GitHub webhook receiver (orchestrator/review_apps/github.py): the Secrets Manager secret holding the
    # webhook's shared secret. Empty: the receiver refuses every delivery.
    github_webhook_secret_arn: str = ""
    apps_https: bool = False
    vpc_id: str = ""
    # X-Ray subsegments from Powertools' Tracer (it loads the X-Ray SDK: off keeps the cold start cheap).
    # Lambda's built-in tracing (the stack's active tracing) records each invocation either way.
    xray_subsegments: bool = False
    # None means the real AWS endpoints; the emulator points everything at moto.
    endpoint_url: str | None = Field(default=None, validation_alias=names.ENDPOINT_URL_VARIABLE)
    region: str = Field(default=names.DEFAULT_REGION, validation_alias=names.REGION_VARIABLE)
    # Attempts per AWS call (botocore standard retry mode). The CLI lowers it against the emulator, where
    # there is no throttling to ride out and a dead endpoint must fail at once.
    aws_max_attempts: int = Field(default=names.DEFAULT_AWS_MAX_ATTEMPTS, ge=1)
    # The local emulator's state directory, the same wherever a command runs from: ORCHESTRATOR_LOCAL_STATE_DIR,
    # else $XDG_STATE_HOME/orchestrator/local (~/.local/state/orchestrator/local).
    local_state_dir: Path | None = None
    xdg_state_home: Path | None = Field(default=None, validation_alias=names.XDG_STATE_HOME_VARIABLE)

    @field_validator("endpoint_url", mode="before")
    @classmethod
    def _endpoint_url(cls, value: object) -> object:
        return endpoint_url_or_none(value) if isinstance(value, str) else value

    @property
    def emulator_state_dir(self) -> Path:
        return names.emulator_state_dir(self.local_state_dir, self.xdg_state_home)

    def as_environment(self) -> dict[str, str]:
        """These settings as the variables that produce them (what a Lambda or a subprocess is given)."""
        environment = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                continue
            environment[_variable(name, field)] = json.dumps(value) if isinstance(value, list) else str(value)
        return environment

    @classmethod
    def overrides_from_environment(cls, variables: Mapping[str, str]) -> dict[str, object]:
        """The settings a given set of variables produces (another process's environment: a deployed Lambda's),
        as `configure()` takes them; the inverse of `as_environment`. Variables it does not name are ignored."""
        overrides: dict[str, object] = {}
        for name, field in cls.model_fields.items():
            key = _variable(name, field)
            if key in variables:  # validated as the field is (its type and constraints)
                constrained: Any = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
                adapter: TypeAdapter[Any] = TypeAdapter(constrained)
                raw = variables[key]
                overrides[name] = adapter.validate_json(raw) if get_origin(field.annotation) is list else (
                    adapter.validate_python(raw))  # fmt: skip
        return overrides


def _variable(name: str, field: FieldInfo) -> str:
    return field.validation_alias if isinstance(field.validation_alias, str) else names.variable(name)
