"""What ECS would do to start a container, for apps whose source is a local folder.

- The "image" of build N is a snapshot of the source taken when build N ran (`LocalImages`), the way the
  buildpack image freezes the code: a redeploy of build 1 runs build 1's code even after the folder changed.
  The snapshot carries the build's `metadata.toml` at `.build/metadata.toml`, as a buildpack image carries
  its own metadata, so the app can say which build it is.
- The container's environment is the task definition's `environment`, then its `secrets`, each value read
  from the SSM parameter it names (what the execution role does in AWS), then the overrides of RunTask.
- An image that is not a local snapshot (an app with no local source) gives no launch: such tasks keep the
  simulation of `local/simulate.py`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.local.processes import Launch

METADATA_IN_IMAGE = Path(".build") / "metadata.toml"
_IMAGE = re.compile(r"^[^/]+/(?P<repository>[^:@]+):build-(?P<number>\d+)$")  # <registry>/<repository>:build-N
_SKIPPED = shutil.ignore_patterns(".git", "__pycache__", ".venv", "node_modules", ".build")


class LaunchError(ValueError):
    """The container cannot be started (a secret's parameter is missing): the task stops before it runs."""


class LocalImages:
    """Snapshots of local sources, one folder per build: `<root>/<repository>/build-<N>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, repository: str, number: int) -> Path:
        return self.root / repository / f"build-{number}"

    def build(
        self, repository: str, number: int, source: Path, metadata: Callable[[Path], str],
        changes: dict[str, str] | None = None,
    ) -> Path:
        """Snapshot `source` as build `number` (again: replaced); `changes` are files the commit changed.
        `metadata` makes the image's metadata.toml from the snapshot (its `[[processes]]` are its Procfile's)."""  # fmt: skip
        target = self.folder(repository, number)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=_SKIPPED, symlinks=True)
        for name, text in (changes or {}).items():
            path = (target / name).resolve()
            if not path.is_relative_to(target.resolve()):
                raise ValueError(f"changed file {name!r} is outside the source")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (target / METADATA_IN_IMAGE).parent.mkdir(exist_ok=True)
        (target / METADATA_IN_IMAGE).write_text(metadata(target))
        return target

    def for_image(self, image: str) -> Path | None:
        match = _IMAGE.search(image)
        if match is None:
            return None
        folder = self.folder(match["repository"], int(match["number"]))
        return folder if folder.is_dir() else None


def parameter_name(value_from: str) -> str:
    """A secret's `valueFrom` (a parameter ARN or name) as the parameter's name."""
    if value_from.startswith("arn:"):
        return "/" + value_from.split(":parameter/", 1)[1].lstrip("/")
    return value_from


def resolve_secrets(secrets: list[dict[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    ssm = client("ssm")
    for secret in secrets:
        name = parameter_name(secret["valueFrom"])
        try:
            values[secret["name"]] = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as error:
            raise LaunchError(
                f"ResourceInitializationError: unable to retrieve secret {secret['name']} from {name}: "
                f"{error.response.get('Error', {}).get('Code', 'error')}"
            ) from error
    return values


def container_launch(
    task_definition: dict[str, Any], images: LocalImages, overrides: dict[str, Any] | None = None
) -> Launch | None:
    """The launch of the task's (first, essential) container, or None when its image is not a local build."""
    container = task_definition["containerDefinitions"][0]
    folder = images.for_image(str(container.get("image", "")))
    if folder is None:
        return None
    override: dict[str, Any] = next(
        (o for o in (overrides or {}).get("containerOverrides", []) if o.get("name") == container["name"]), {}
    )
    argv = list(override.get("command") or container.get("command") or [])
    if not argv:
        raise LaunchError(f"container {container['name']} has no command")
    environment = {e["name"]: e["value"] for e in container.get("environment", [])}
    environment.update(resolve_secrets(container.get("secrets", [])))
    environment.update({e["name"]: e["value"] for e in override.get("environment", [])})
    options = (container.get("logConfiguration") or {}).get("options", {})
    prefix = options.get("awslogs-stream-prefix") or task_definition.get("family", "task")
    return Launch(
        argv=argv,
        cwd=folder,
        environment=environment,
        log_group=str(options.get("awslogs-group", f"/ecs/{task_definition.get('family', 'task')}")),
        stream_prefix=f"{prefix}/{container['name']}",
        listens=bool(container.get("portMappings")),
    )
