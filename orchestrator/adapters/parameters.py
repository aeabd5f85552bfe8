"""SSM Parameter Store reads for the parameter handler.

Config values are never read: config parameters are only *listed* (DescribeParameters returns names and
versions, never values), and GetParameter refuses any config name. Nothing here asks for decryption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


class ConfigValueReadError(PermissionError):
    """Something tried to read the value of a config parameter; the orchestrator never does."""


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: str
    version: int
    last_modified: datetime | None
    type: str = "String"

    @property
    def fingerprint(self) -> str:
        modified = self.last_modified.isoformat() if self.last_modified else ""
        return f"{self.name}@{self.version}@{modified}"


@dataclass(frozen=True)
class ParameterMetadata:
    """What DescribeParameters says about one parameter (no value)."""

    name: str
    version: int
    last_modified: datetime | None
    arn: str | None = None

    @property
    def fingerprint(self) -> str:
        modified = self.last_modified.isoformat() if self.last_modified else ""
        return f"{self.name}@{self.version}@{modified}"


def _is_config(name: str) -> bool:
    return "/config/" in name or name.endswith("/config")


class Parameters:
    """Parameter Store, as the handler may use it."""

    @property
    def _ssm(self) -> SSMClient:
        ssm: SSMClient = client("ssm")
        return ssm

    def get(self, name: str) -> ParameterValue | None:
        """The current value of a NON-config parameter, or None when it does not exist (deleted)."""
        if _is_config(name):
            raise ConfigValueReadError(f"refusing to read the value of config parameter {name}")
        try:
            found = self._ssm.get_parameter(Name=name)["Parameter"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        return ParameterValue(
            name=found.get("Name", name),
            value=found.get("Value", ""),
            version=int(found.get("Version", 0)),
            last_modified=found.get("LastModifiedDate"),
            type=found.get("Type", "String"),
        )

    def last_modified_user(self, name: str) -> str | None:
        """Who wrote the parameter's current version (DescribeParameters' LastModifiedUser: an IAM ARN), if
        Parameter Store knows; None when it does not (or says "N/A")."""
        filters: list[Any] = [{"Key": "Name", "Option": "Equals", "Values": [name]}]
        found = self._ssm.describe_parameters(ParameterFilters=filters).get("Parameters", [])
        user = str(found[0].get("LastModifiedUser") or "") if found else ""
        return user if user and user != "N/A" else None

    def list_names(self, path: str) -> list[ParameterMetadata]:
        """Every parameter directly under `path` (one level), sorted by name. Metadata only."""
        paginator = self._ssm.get_paginator("describe_parameters")
        found: list[ParameterMetadata] = []
        filters: list[Any] = [{"Key": "Path", "Option": "OneLevel", "Values": [path.rstrip("/")]}]
        for page in paginator.paginate(ParameterFilters=filters):
            for meta in page.get("Parameters", []):
                found.append(
                    ParameterMetadata(
                        name=meta["Name"],
                        version=int(meta.get("Version", 0)),
                        last_modified=meta.get("LastModifiedDate"),
                        arn=meta.get("ARN"),
                    )
                )
        return sorted(found, key=lambda m: m.name)

    def names_under(self, path: str) -> list[str]:
        """Every parameter name under `path` (recursive). Names only, never a value."""
        paginator = self._ssm.get_paginator("describe_parameters")
        filters: list[Any] = [{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/")]}]
        return sorted(m["Name"] for page in paginator.paginate(ParameterFilters=filters) for m in page.get("Parameters", []))

    def delete(self, names: list[str]) -> None:
        """Delete the parameters (DeleteParameters takes 10 names a call; missing names are not an error)."""
        for start in range(0, len(names), 10):
            self._ssm.delete_parameters(Names=names[start : start + 10])
