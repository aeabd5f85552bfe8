"""Review apps' status parameters (plain Strings, never config) and the GitHub webhook's secret."""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

SECRET_CACHE_SECONDS = 300  # a rotated secret is picked up within five minutes, without a call per delivery


class StatusParameters:
    def read(self, name: str) -> str | None:
        """The status parameter's value, None when there is none."""
        try:
            value: str = client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        return value

    def write(self, name: str, value: str) -> None:
        client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


class Secrets:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, str]] = {}

    def value(self, secret_id: str) -> str:
        cached = self._cache.get(secret_id)
        if cached is not None and time.monotonic() - cached[0] < SECRET_CACHE_SECONDS:
            return cached[1]
        value = str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
        self._cache[secret_id] = (time.monotonic(), value)
        return value
