"""The one settings model. Only this module reads the environment.

The CDK stack sets these variables on every Lambda; the local emulator sets the same ones.
"""

from __future__ import annotations

import json
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore", frozen=True)

    table_name: str = "orchestrator"
    artifacts_bucket: str = "orchestrator-artifacts"
    bundle_bucket: str = "orchestrator-bundles"
    ssm_prefix: str = Field(default="apppack", pattern=r"^[A-Za-z0-9_.\-]+$")
    cluster_name: str = "orchestrator"
    # Shared networking for Fargate tasks and services (comma-separated lists in the environment).
    subnets: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    function_role_arn: str = ""
    events_role_arn: str = ""
    dlq_url: str = ""
    # None means the real AWS endpoints; the emulator points everything at moto.
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    region: str = Field(default="us-east-1", validation_alias="AWS_DEFAULT_REGION")


    def as_environment(self) -> dict[str, str]:
        """These settings as the variables that produce them (what a Lambda or a subprocess is given)."""
        environment = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                continue
            key = field.validation_alias if isinstance(field.validation_alias, str) else f"ORCHESTRATOR_{name.upper()}"
            environment[key] = json.dumps(value) if isinstance(value, list) else str(value)
        return environment


_overrides: dict[str, object] = {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    return settings.model_copy(update=_overrides) if _overrides else settings


def configure(**overrides: object) -> Settings:
    """Override settings for this process (the CLI's --endpoint-url, the emulator's resource names)."""
    _overrides.update({k: v for k, v in overrides.items() if v is not None})
    get_settings.cache_clear()
    return get_settings()


def reset_settings() -> None:
    """Forget overrides and cached settings (the emulator and tests change the environment)."""
    _overrides.clear()
    get_settings.cache_clear()
