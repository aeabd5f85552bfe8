"""Parameter Store reads for the release pipeline.

Config parameters are only *listed* (DescribeParameters returns names and ARNs, never values): task
definitions reference them through `secrets.valueFrom` and ECS resolves them at task start. The one
value read is the `scaling` parameter, a plain String, without decryption.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class ParameterName:
    name: str  # the full name, /<prefix>/apps/<app>/config/<VAR>
    arn: str | None  # None when the service does not return it (ECS accepts the name in the same region)

    @property
    def value_from(self) -> str:
        return self.arn or self.name


class SsmNames:
    def list_names(self, path: str) -> list[ParameterName]:
        """Every parameter under `path` (recursive), names and ARNs only."""
        paginator = client("ssm").get_paginator("describe_parameters")
        found: list[ParameterName] = []
        filters = [{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}]
        for page in paginator.paginate(ParameterFilters=filters):
            found.extend(ParameterName(p["Name"], p.get("ARN")) for p in page.get("Parameters", []))
        return sorted(found, key=lambda p: p.name)

    def read_string(self, name: str) -> str | None:
        """A String parameter's value (never decrypted), or None when it does not exist."""
        try:
            response = client("ssm").get_parameter(Name=name, WithDecryption=False)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        value: str = response["Parameter"]["Value"]
        return value
