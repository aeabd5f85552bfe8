"""What deploying a bundle creates: pure, computed from the bundle alone (no AWS)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

from orchestrator.bundles import naming
from orchestrator.bundles.validation import Bundle

FUNCTION_TIMEOUT_SECONDS = 30
FUNCTION_MEMORY_MB = 256
OWNER_TAG = "orchestrator:bundle"  # value "<app_id>/<version>": which app version owns the function
MANAGED_TAG = "orchestrator:managed"  # value "bundles": the stack's invoke policy is conditioned on it
MANAGED_VALUE = "bundles"


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a Lambda function's configuration must match."""

    function: str  # the manifest function name
    name: str  # the Lambda function name
    path: str
    handler: str
    runtime: str
    environment: dict[str, str]
    code: bytes
    code_sha256: str
    timeout: int = FUNCTION_TIMEOUT_SECONDS
    memory: int = FUNCTION_MEMORY_MB

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "handler": self.handler,
            "runtime": self.runtime,
            "code_sha256": self.code_sha256,
        }


@dataclass(frozen=True)
class StaticAsset:
    path: str
    key: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class DeployPlan:
    app_id: str
    version: str
    static: list[StaticAsset]
    functions: list[FunctionSpec]
    manifest_key: str
    manifest: dict[str, Any]
    tags: dict[str, str]

    def deploy_data(self) -> dict[str, Any]:
        """The shape of Mattermost's `appsctl terraform generate-data`."""
        return {
            "static_files": {asset.path: {"key": asset.key} for asset in self.static},
            "lambda_functions": {
                spec.function: {"name": spec.name, "handler": spec.handler, "runtime": spec.runtime}
                for spec in self.functions
            },
            "manifest_key": self.manifest_key,
        }


def plan_deploy(bundle: Bundle, *, bundle_bucket: str) -> DeployPlan:
    app_id, version = bundle.app_id, bundle.version
    static = [
        StaticAsset(
            path=path,
            key=naming.static_key(app_id, version, path),
            data=data,
            content_type=mimetypes.guess_type(path)[0] or "application/octet-stream",
        )
        for path, data in sorted(bundle.static_files.items())
    ]
    functions = []
    for function in bundle.manifest.functions:
        package = bundle.functions[function.name]
        environment = {
            **function.environment,
            "ORCHESTRATOR_APP_ID": app_id,
            "ORCHESTRATOR_APP_VERSION": version,
            "ORCHESTRATOR_STATIC_BUCKET": bundle_bucket,
            "ORCHESTRATOR_STATIC_PREFIX": naming.app_prefix(app_id, version),
        }
        functions.append(
            FunctionSpec(
                function=function.name,
                name=naming.lambda_name(app_id, version, function.name),
                path=function.path,
                handler=function.handler,
                runtime=function.runtime,
                environment=environment,
                code=package.data,
                code_sha256=package.sha256,
            )
        )
    return DeployPlan(
        app_id=app_id,
        version=version,
        static=static,
        functions=functions,
        manifest_key=naming.manifest_key(app_id, version),
        manifest=bundle.manifest_raw,
        tags={OWNER_TAG: f"{app_id}/{version}", MANAGED_TAG: MANAGED_VALUE},
    )
