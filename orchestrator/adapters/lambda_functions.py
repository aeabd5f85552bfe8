"""Lambda functions of function-app bundles: read, create, update (waiting until ready), publish, alias, invoke."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.bounded_json import JsonBoundsError, load_json

WAITER_CONFIG = {"Delay": 1, "MaxAttempts": 300}


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


@dataclass(frozen=True)
class FunctionState:
    """A function's configuration as Lambda reports it ($LATEST or one qualifier)."""

    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    role: str
    code_sha256: str
    environment: dict[str, str]
    timeout: int
    memory: int
    state: str
    last_update_status: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InvokeResult:
    status_code: int
    payload: Any
    function_error: str | None = None
    log_tail: str = ""


def _state(configuration: dict[str, Any], tags: dict[str, str]) -> FunctionState:
    return FunctionState(
        name=configuration["FunctionName"],
        arn=configuration["FunctionArn"],
        version=str(configuration.get("Version", "$LATEST")),
        handler=configuration.get("Handler", ""),
        runtime=configuration.get("Runtime", ""),
        role=configuration.get("Role", ""),
        code_sha256=configuration.get("CodeSha256", ""),
        environment=dict(configuration.get("Environment", {}).get("Variables", {})),
        timeout=int(configuration.get("Timeout", 3)),
        memory=int(configuration.get("MemorySize", 128)),
        state=configuration.get("State", "Active"),
        last_update_status=configuration.get("LastUpdateStatus", "Successful"),
        tags=tags,
    )


class LambdaFunctions:
    """The only code that calls the Lambda API for bundles."""

    @property
    def _client(self) -> Any:
        return client("lambda")

    def get(self, name: str, qualifier: str | None = None) -> FunctionState | None:
        kwargs: dict[str, Any] = {"FunctionName": name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        try:
            response = self._client.get_function(**kwargs)
        except ClientError as error:
            if _not_found(error):
                return None
            raise
        return _state(response["Configuration"], dict(response.get("Tags", {})))

    def create(
        self, *, name: str, role: str, handler: str, runtime: str, code: bytes, environment: dict[str, str],
        timeout: int, memory: int, tags: dict[str, str],
    ) -> FunctionState:  # fmt: skip
        response = self._client.create_function(
            FunctionName=name,
            Role=role,
            Handler=handler,
            Runtime=runtime,
            Code={"ZipFile": code},
            Environment={"Variables": environment},
            Timeout=timeout,
            MemorySize=memory,
            Tags=tags,
            Publish=False,
        )
        if response.get("State") != "Active":  # usually Pending: wait until it can be published and invoked
            self.wait_active(name)
        return _state(response, tags)

    def update_code(self, name: str, code: bytes) -> str:
        """New code for $LATEST; returns its CodeSha256 once Lambda has finished the update."""
        self.wait_updated(name)
        response = self._client.update_function_code(FunctionName=name, ZipFile=code, Publish=False)
        self.wait_updated(name)
        return str(response["CodeSha256"])

    def update_configuration(
        self, name: str, *, role: str, handler: str, runtime: str, environment: dict[str, str], timeout: int,
        memory: int,
    ) -> None:  # fmt: skip
        self.wait_updated(name)
        self._client.update_function_configuration(
            FunctionName=name,
            Role=role,
            Handler=handler,
            Runtime=runtime,
            Environment={"Variables": environment},
            Timeout=timeout,
            MemorySize=memory,
        )
        self.wait_updated(name)

    def wait_active(self, name: str) -> None:
        self._client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAITER_CONFIG)

    def wait_updated(self, name: str) -> None:
        self._client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAITER_CONFIG)

    def publish_version(self, name: str, code_sha256: str) -> str:
        """Publish $LATEST as a numbered version. Lambda returns the existing version when nothing changed
        since the last publish, and refuses when $LATEST's code is not `code_sha256` (someone else's update)."""
        response = self._client.publish_version(FunctionName=name, CodeSha256=code_sha256)
        return str(response["Version"])

    def alias_version(self, name: str, alias: str) -> str | None:
        try:
            response = self._client.get_alias(FunctionName=name, Name=alias)
        except ClientError as error:
            if _not_found(error):
                return None
            raise
        return str(response["FunctionVersion"])

    def point_alias(self, name: str, alias: str, version: str, *, exists: bool | None = None) -> None:
        """`exists`: whether the alias exists, as the caller just read it (else it is read here)."""
        if not (exists if exists is not None else self.alias_version(name, alias) is not None):
            self._client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        else:
            self._client.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)

    def delete(self, name: str) -> bool:
        try:
            self._client.delete_function(FunctionName=name)
        except ClientError as error:
            if _not_found(error):
                return False
            raise
        return True

    def invoke(self, name: str, payload: dict[str, Any], qualifier: str | None = None) -> InvokeResult:
        kwargs: dict[str, Any] = {
            "FunctionName": name,
            "InvocationType": "RequestResponse",
            "Payload": json.dumps(payload).encode(),
        }
        if qualifier:
            kwargs["Qualifier"] = qualifier
        response = self._client.invoke(**kwargs)
        body = response["Payload"].read()
        try:
            decoded: Any = load_json(body, what="function response") if body else None
        except JsonBoundsError:
            decoded = body.decode("utf-8", "replace")
        return InvokeResult(
            status_code=int(response.get("StatusCode", 200)),
            payload=decoded,
            function_error=response.get("FunctionError"),
        )
