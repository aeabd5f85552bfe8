"""CodeBuild: look up a build's number and commit when an event does not carry them."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class BuildInfo:
    build_number: int
    commit: str
    source_version: str


class CodeBuild:
    def describe_build(self, build_arn: str) -> BuildInfo | None:
        # BatchGetBuilds takes build ids ("project:uuid"), the part of the ARN after "build/".
        build_id = build_arn.split(":build/", 1)[-1]
        builds = client("codebuild").batch_get_builds(ids=[build_id]).get("builds", [])
        if not builds:
            return None
        build = builds[0]
        return BuildInfo(
            build_number=int(build.get("buildNumber", 0)),
            commit=build.get("resolvedSourceVersion") or build.get("sourceVersion", ""),
            source_version=build.get("sourceVersion", ""),
        )

    def start_build(self, project: str, source_version: str | None = None) -> str:
        kwargs = {"projectName": project}
        if source_version:
            kwargs["sourceVersion"] = source_version
        build_arn: str = client("codebuild").start_build(**kwargs)["build"]["arn"]
        return build_arn
