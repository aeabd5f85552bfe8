"""Deploy-time configuration, read from the CDK context (cdk.json, `-c key=value`, or a file).

| context key | meaning | default |
|---|---|---|
| `apps` | list of apps: `[{"name": "myapp", "kind": "app"}]` (JSON string when given with `-c`) | `[]` |
| `appsFile` | path of a JSON file: a list of apps, or `{"apps": [...]}`; merged with `apps` | none |
| `ssmPrefix` | first segment of every SSM parameter the orchestrator watches | `apppack` |
| `powertoolsLayerVersion` | version of the AWS-published Powertools for AWS Lambda (Python) V3 layer | see below |
| `natGateways` | 0: tasks run in public subnets with a public IP (no NAT cost); N: private subnets behind N NAT gateways | `0` |
| `maxAzs` | availability zones of the VPC | `2` |
| `reservedConcurrency` | reserved concurrent executions of each route function (5 routes) | `10` |
| `alarmTopicArn` | SNS topic that receives the dead-letter-queue alarm | none |
| `domain` | apps are served as `<app>.<domain>` (e.g. `apps.example.com`); needs `hostedZoneId` or `certificateArn` | none: HTTP on the ALB's DNS name |
| `hostedZoneId` | Route 53 zone of `domain`: a DNS-validated wildcard certificate and a `*.<domain>` alias record | none |
| `certificateArn` | an issued ACM certificate for `*.<domain>` (DNS records are then yours to create) | none |
| `githubWebhook` | `true`: a GitHub webhook receiver (Lambda function URL, generated secret in Secrets Manager) that destroys a pull request's review app when the PR is closed | `false` |
| `dashboard` | `true`: the web dashboard's stack (`OrchestratorDashboard`): a static site in a private bucket behind CloudFront, a Cognito user pool (MFA required) and an identity pool that maps each user to the users roles of their apps | `false` |
| `dashboardSite` | folder of the built site (`make dashboard` builds it) | `dashboard/dist` |
| `dashboardAuthDomain` | prefix of the Cognito hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`; unique per region) | `orchestrator-<account>` |
| `account` / `region` | target environment; otherwise CDK_DEFAULT_ACCOUNT/REGION, else environment-agnostic | |
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infra.lambda_env import require_layer
from orchestrator.pipeline.app_registry import APP_NAME_PATTERN, RESERVED_APP_NAMES, AppKind
from orchestrator.routing.hosts import host_name_error

# AWSLambdaPowertoolsPythonV3-python312-arm64:27 (Powertools 3.23.0). Only versions mapped and locked in
# infra/lambda/environment.toml are accepted (infra/lambda_env.py). Newer versions: SSM public parameter
# /aws/service/powertools/python/arm64/python3.12/latest.
DEFAULT_POWERTOOLS_LAYER_VERSION = 27
DEFAULT_SSM_PREFIX = "apppack"


class ConfigError(ValueError):
    """The CDK context does not describe a valid deployment."""


class AppSpec(BaseModel):
    """One declared app. `repository` (a GitHub https URL) is optional: without it the project builds
    the zip at `s3://<artifacts>/sources/<name>.zip`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=APP_NAME_PATTERN)
    kind: AppKind = "app"
    repository: str | None = Field(default=None, pattern=r"^https://github\.com/[\w.-]+/[\w.-]+?(\.git)?$")
    branch: str = "main"
    webhook: bool = True  # build on push (and on pull requests for pipelines); needs CodeBuild GitHub credentials

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_APP_NAMES:
            raise ValueError(f"app name {name!r} is reserved (it is a path segment of the SSM layout)")
        return name


class InfraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    apps: tuple[AppSpec, ...] = ()
    ssm_prefix: str = Field(default=DEFAULT_SSM_PREFIX, pattern=r"^[A-Za-z0-9_.\-]+$")
    powertools_layer_version: int = Field(default=DEFAULT_POWERTOOLS_LAYER_VERSION, ge=1)
    architecture: Literal["arm64"] = "arm64"
    nat_gateways: int = Field(default=0, ge=0, le=3)
    max_azs: int = Field(default=2, ge=1, le=6)
    # Lambda keeps 100 unreserved executions per account; 5 routes x 10 fit the default quota of 1000.
    reserved_concurrency: int = Field(default=10, ge=1, le=200)
    alarm_topic_arn: str | None = None
    # Notifications (infra/constructs/notifications.py): who is told of failed builds, releases and deploys.
    notify_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    notify_webhook_url: str | None = Field(default=None, pattern=r"^(https://\S+|secretsmanager:[\w/+=.@-]+)$")
    notify_webhook_secret_name: str | None = Field(default=None, pattern=r"^[\w/+=.@-]+$")
    domain: str | None = None
    hosted_zone_id: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]{1,31}$")
    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate/[\w-]+$")
    github_webhook: bool = False
    dashboard: bool = False
    dashboard_site: str = "dashboard/dist"
    dashboard_auth_domain: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    account: str | None = None
    region: str | None = None

    @field_validator("powertools_layer_version")
    @classmethod
    def _pinned(cls, version: int) -> int:
        require_layer(version)  # the asset and the tests are built from that layer's lock
        return version

    @field_validator("domain")
    @classmethod
    def _host(cls, domain: str | None) -> str | None:
        error = host_name_error(domain) if domain is not None else None
        if error:
            raise ValueError(f"domain: {error}")
        return domain

    @field_validator("dashboard_auth_domain")
    @classmethod
    def _cognito_prefix(cls, prefix: str | None) -> str | None:
        reserved = [word for word in ("aws", "amazon", "cognito") if prefix and word in prefix]
        if reserved:
            raise ValueError(f"dashboardAuthDomain: Cognito refuses a domain prefix containing {reserved[0]!r}")
        return prefix

    @model_validator(mode="after")
    def _webhook(self) -> InfraConfig:
        if self.notify_webhook_secret_name and not self.notify_webhook_url:
            raise ValueError("notifyWebhookSecretName needs notifyWebhookUrl (the endpoint it authorizes)")
        return self

    @model_validator(mode="after")
    def _tls(self) -> InfraConfig:
        if self.domain is None and (self.hosted_zone_id or self.certificate_arn):
            raise ValueError("hostedZoneId and certificateArn need a domain (the apps are served as <app>.<domain>)")
        if self.domain is not None and not (self.hosted_zone_id or self.certificate_arn):
            raise ValueError(f"domain {self.domain!r} needs hostedZoneId (a certificate is made) or certificateArn")
        if self.hosted_zone_id and self.certificate_arn:
            raise ValueError("give hostedZoneId or certificateArn, not both")
        return self

    @property
    def https(self) -> bool:
        """Whether the ALB serves HTTPS (a certificate is made or given)."""
        return self.domain is not None

    @field_validator("apps")
    @classmethod
    def _unique(cls, apps: tuple[AppSpec, ...]) -> tuple[AppSpec, ...]:
        names = [a.name for a in apps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"apps declared more than once: {', '.join(duplicates)}")
        return apps


def _json_value(value: Any, key: str) -> Any:
    """`-c key=value` gives strings; cdk.json gives JSON values."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ConfigError(f"context {key!r} is not valid JSON: {error}") from error
    return value


def _apps_from_file(path: str, base: Path) -> list[Any]:
    file = Path(path) if Path(path).is_absolute() else base / path
    try:
        data = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"appsFile {file}: {error}") from error
    apps = data.get("apps") if isinstance(data, dict) else data
    if not isinstance(apps, list):
        raise ConfigError(f"appsFile {file}: expected a list of apps or {{'apps': [...]}}")
    return apps


def load_config(context: dict[str, Any], *, base: Path | None = None) -> InfraConfig:
    """Build the configuration from context values (`app.node.try_get_context` of each key)."""
    base = base or Path.cwd()
    apps: list[Any] = []
    if context.get("apps") is not None:
        declared = _json_value(context["apps"], "apps")
        if not isinstance(declared, list):
            raise ConfigError("context 'apps' must be a list of {name, kind?}")
        apps.extend(declared)
    if context.get("appsFile"):
        apps.extend(_apps_from_file(str(context["appsFile"]), base))

    def pick(key: str, env: str | None = None) -> Any:
        value = context.get(key)
        if value is None and env:
            value = os.environ.get(env)
        return value

    values = {
        "apps": apps,
        "ssm_prefix": pick("ssmPrefix"),
        "powertools_layer_version": pick("powertoolsLayerVersion"),
        "nat_gateways": pick("natGateways"),
        "max_azs": pick("maxAzs"),
        "reserved_concurrency": pick("reservedConcurrency"),
        "alarm_topic_arn": pick("alarmTopicArn"),
        "notify_email": pick("notifyEmail"),
        "notify_webhook_url": pick("notifyWebhookUrl"),
        "notify_webhook_secret_name": pick("notifyWebhookSecretName"),
        "domain": pick("domain"),
        "hosted_zone_id": pick("hostedZoneId"),
        "certificate_arn": pick("certificateArn"),
        "github_webhook": None
        if pick("githubWebhook") is None
        else _json_value(pick("githubWebhook"), "githubWebhook"),
        "dashboard": None if pick("dashboard") is None else _json_value(pick("dashboard"), "dashboard"),
        "dashboard_site": pick("dashboardSite"),
        "dashboard_auth_domain": pick("dashboardAuthDomain"),
        "account": pick("account", "CDK_DEFAULT_ACCOUNT"),
        "region": pick("region", "CDK_DEFAULT_REGION"),
    }
    try:
        return InfraConfig.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        raise ConfigError(f"invalid CDK context: {error}") from error


CONTEXT_KEYS = (
    "apps",
    "appsFile",
    "ssmPrefix",
    "powertoolsLayerVersion",
    "natGateways",
    "maxAzs",
    "reservedConcurrency",
    "alarmTopicArn",
    "notifyEmail",
    "notifyWebhookUrl",
    "notifyWebhookSecretName",
    "domain",
    "hostedZoneId",
    "certificateArn",
    "githubWebhook",
    "dashboard",
    "dashboardSite",
    "dashboardAuthDomain",
    "account",
    "region",
)
