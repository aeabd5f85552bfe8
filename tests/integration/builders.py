"""Test helpers: declare apps in the table, build event streams."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestrator.adapters.store import Store
from orchestrator.local.aws_events import codebuild_build_events
from orchestrator.pipeline.app_registry import AppDeclaration, EcsConfig, app_items

START = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def declare_app(name: str = "demo", kind: str = "app") -> AppDeclaration:
    app = AppDeclaration(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        codebuild_project=f"{name}-build",
        ecr_repository=f"orchestrator/{name}",
        ecs=EcsConfig(
            cluster="orchestrator",
            execution_role_arn=f"arn:aws:iam::123456789012:role/{name}-execution",
            task_role_arn=f"arn:aws:iam::123456789012:role/{name}-task",
            log_group=f"/orchestrator/apps/{name}",
            image_repository_uri=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/orchestrator/{name}",
            subnets=["subnet-0123456789abcdef0"],
            security_groups=["sg-0123456789abcdef0"],
        ),
    )
    store = Store()
    for item in app_items(app):
        store.put(item)
    return app


def build_events(app: str = "demo", number: int = 1, fail_phase: str | None = None, **kw: Any) -> list[dict[str, Any]]:
    return codebuild_build_events(
        project=f"{app}-build",
        build_uuid=f"00000000-0000-0000-0000-{number:012d}",
        build_number=number,
        commit=f"{number:040x}",
        start=START,
        fail_phase=fail_phase,
        **kw,
    )


def create_review_app(pipeline: str, pr: int | str, status: str = "created") -> str:
    """Write review app `<pipeline>:<pr>`'s status parameter as `review-apps create` does; returns its name."""
    from orchestrator.adapters.clients import client
    from orchestrator.review_apps.status import ReviewAppStatus, status_parameter_name

    name = status_parameter_name(pipeline, str(pr), "apppack")
    value = ReviewAppStatus(pull_request=f"pr/{pr}", status=status, branch=f"feature-{pr}", title=f"PR {pr}")
    client("ssm").put_parameter(Name=name, Value=value.to_json(), Type="String", Overwrite=True)
    return name
