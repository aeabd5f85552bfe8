"""What `orchestrator review-apps` reads and writes: the status parameters, and the records the handlers keep.

The CLI only writes the status parameter (`created`, `deleting`); the parameters handler does the rest, as it
would for a write from AppPack's tooling, the console or the GitHub webhook.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.review_apps.lifecycle import REVIEW_APP_SK
from orchestrator.review_apps.status import ReviewAppStatus, parse_status, status_parameter_name
from orchestrator.routing.web import read_route
from orchestrator.settings import adapter_settings


def _prefix() -> str:
    return adapter_settings().ssm_prefix


def status_name(app: str) -> str:
    ref = AppRef(app)
    return status_parameter_name(str(ref.pipeline), str(ref.pr), _prefix())


def read_status(app: str) -> ReviewAppStatus | None:
    """The review app's status parameter, None when there is none (or it is not AppPack's JSON)."""
    try:
        value = client("ssm").get_parameter(Name=status_name(app))["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    return parse_status(value)


def write_status(app: str, status: ReviewAppStatus) -> None:
    client("ssm").put_parameter(Name=status_name(app), Value=status.to_json(), Type="String", Overwrite=True)


def statuses(pipeline: str) -> list[tuple[str, ReviewAppStatus | None]]:
    """(app key, status) of every status parameter of the pipeline, by PR number (one level: not their config)."""
    path = f"/{_prefix()}/pipelines/{pipeline}/review-apps/pr"
    found: list[tuple[str, ReviewAppStatus | None]] = []
    for page in client("ssm").get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=False):
        for parameter in page.get("Parameters", []):
            pr = parameter["Name"].rsplit("/", 1)[-1]
            if pr.isdigit():
                found.append((f"{pipeline}:{pr}", parse_status(parameter.get("Value"))))
    return sorted(found, key=lambda entry: int(entry[0].rsplit(":", 1)[-1]))


def record(app: str) -> dict[str, Any] | None:
    """The orchestrator's `REVIEW_APP` item: `status` created/destroyed, `destroyed_at`, `removed`."""
    return Store().get(keys.app_pk(app), REVIEW_APP_SK)


def hosts(app: str) -> list[str]:
    """The host names the load balancer routes to the review app (after its first deploy)."""
    route = read_route(Store(), app)
    return list(route.hosts) if route else []


def active_services(app: str, cluster: str) -> list[str]:
    """The review app's ECS services that are still ACTIVE."""
    from orchestrator.adapters.ecs import Ecs

    ref = AppRef(app)
    ecs = Ecs()
    names = [
        n for n in ecs.service_names(cluster, f"{ref.resource_name}-") if "-" not in n[len(ref.resource_name) + 1 :]
    ]
    return sorted(s.name for s in ecs.describe_services(cluster, names).values() if s.status == "ACTIVE")


def pull_request_url(project: str, pr: str) -> str:
    """`<repository>/pull/<N>` for a GitHub source of the CodeBuild project; empty otherwise."""
    projects = client("codebuild").batch_get_projects(names=[project]).get("projects", [])
    source = (projects[0].get("source") or {}) if projects else {}
    location = str(source.get("location") or "")
    if source.get("type") != "GITHUB" or not location.startswith("https://github.com/"):
        return ""
    return f"{location.removesuffix('.git')}/pull/{pr}"
