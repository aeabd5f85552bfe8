"""Rollback: put an earlier release's task definitions back on every service, without a rebuild.

- **Checked before anything changes.** The release must exist and not be the current one, no deploy or
  rollback may be in flight, and every task definition must still be registered with its image still in
  ECR. Any failed check refuses the rollback (RollbackRefusedError) and nothing is written.
- **A release of its own.** The rollback is recorded as a new release, "rollback to vN", under the
  request's scope (`ROLLBACK#<request id>`, pipeline/rollback_requests.py), so repeating the same request
  records and updates nothing twice.
- **Each service once.** UpdateService is claimed per process under `ROLLBACK#<request>` (pipeline/claims.py).
  Its deployment id is mapped to the release (`DEPLOYMENT#<id>`, with `release`), so the ECS deployment
  events end the release as they end a deploy: all COMPLETED → deployed; FAILED or a circuit-breaker
  rollback → failed. DEPLOYSTATUS says so once the release ends.
- **Only what ran then.** A process type added after the target release is scaled to 0 (its service stays).
- **What runs now.** DEPLOYED names the release's build and task definitions, so config and scaling changes
  and scheduled tasks build on the rolled-back revisions; the scheduled rules are re-pointed at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.autoscaling import AutoScaling
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.images import Images
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.claims import claimed
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.release_deployments import track_release_deployments
from orchestrator.pipeline.releases import (
    RECENT,
    Release,
    ReleaseService,
    get_release,
    list_releases,
    record_release,
)
from orchestrator.pipeline.taskdefs import WEB_PROCESS, load_ecs_config

ROLLBACK_SCOPE = "ROLLBACK#"


class RollbackRefusedError(ValueError):
    """The rollback cannot be done as asked; nothing was changed."""


@dataclass
class RollbackDeps:
    store: Store = field(default_factory=Store)
    ecs: Ecs = field(default_factory=Ecs)
    images: Images = field(default_factory=Images)
    autoscaling: AutoScaling = field(default_factory=AutoScaling)


def _image_parts(image: str) -> tuple[str, str] | None:
    """`<registry>/<repository>:<tag>` → (repository, tag); None for a digest or untagged reference."""
    if "@" in image:
        return None
    path = image.split("/", 1)[-1]
    repository, sep, tag = path.rpartition(":")
    return (repository, tag) if sep and repository and tag else None


def rollback_target(app: str, version: int | None, deps: RollbackDeps) -> Release:
    """The release to return to (default: the newest earlier one that deployed), once every check has passed."""
    releases = list_releases(deps.store, app, 2)
    if not releases:
        raise RollbackRefusedError(f"{app} has no releases yet: nothing to roll back to")
    current = releases[0]
    if current.status == "deploying":
        raise RollbackRefusedError(
            f"release v{current.version} ({current.description}) is still deploying; wait for it to end"
        )
    if version is None:  # the newest earlier release that ran
        earlier = [r for r in list_releases(deps.store, app, RECENT)[1:] if r.status == "deployed"]
        if not earlier:
            raise RollbackRefusedError(f"{app} has no earlier release that deployed (current: v{current.version})")
        version = earlier[0].version
    target = get_release(deps.store, app, version)
    if target is None:
        raise RollbackRefusedError(f"{app} has no release v{version} (the newest is v{current.version})")
    if target.version == current.version:
        raise RollbackRefusedError(f"v{version} is the current release")
    if target.status != "deployed":
        raise RollbackRefusedError(f"v{version} never finished deploying ({target.status}); choose a release that ran")
    if not target.task_definitions:
        raise RollbackRefusedError(f"release v{version} names no task definitions")
    claim = deps.store.get(keys.app_pk(app), keys.DEPLOY_CLAIM_SK)
    if claim is not None:
        holder = deps.store.get(keys.app_pk(app), keys.build_sk(int(claim["build_number"])))
        if holder is not None and (holder.get("deploy") or {}).get("state") == "started":
            raise RollbackRefusedError(f"build {claim['build_number']} is deploying; wait for it to end")
    for process, arn in sorted(target.task_definitions.items()):
        image = deps.images.task_definition_image(arn)
        if image is None:
            raise RollbackRefusedError(
                f"v{version}'s task definition for {process} ({arn.rsplit('/', 1)[-1]}) is no longer registered"
            )
        parts = _image_parts(image)
        if parts is not None and not deps.images.image_exists(*parts):
            raise RollbackRefusedError(
                f"v{version}'s image {parts[0]}:{parts[1]} (build {target.build_number}) no longer exists in ECR; "
                "rollback refused, nothing changed"
            )
    return target


def start_rollback(app: str, target: Release, request_id: str, caller: str, deps: RollbackDeps) -> Release:
    """Record the rollback's release and re-point every service at `target`'s task definitions. Safe to
    repeat with the same `request_id`."""
    scope = f"{ROLLBACK_SCOPE}{request_id}"
    release, _ = record_release(
        deps.store, app, scope=scope, kind="rollback", description=f"rollback to v{target.version}",
        build_number=target.build_number, task_definitions=target.task_definitions, caller=caller,
        rollback_of=target.version,
    )  # fmt: skip
    ref = AppRef(app)
    ecs = load_ecs_config(ref, PipelineDeps(store=deps.store, ecs=deps.ecs))
    found = deps.ecs.describe_services(ecs.cluster, [ref.ecs_name(p) for p in sorted(target.task_definitions)])
    services: dict[str, ReleaseService] = {}
    for process, arn in sorted(target.task_definitions.items()):
        name = ref.ecs_name(process)
        info = found.get(name)
        if info is None or info.status != "ACTIVE":
            continue  # a process type without a service now: the next deploy creates it

        def update(name: str = name, arn: str = arn) -> dict[str, Any]:
            updated = deps.ecs.update_service(ecs.cluster, name, task_definition=arn)
            return {"deployment_id": updated.primary_deployment_id or ""}

        result, _ = claimed(deps.store, app, scope, "rollback-service", process, update)
        deployment = str(result.get("deployment_id") or "")
        services[process] = ReleaseService(service=name, deployment_id=deployment)
    track_release_deployments(deps.store, app, release.version, services)
    _scale_down_added(app, scope, target, ecs.cluster, deps)
    _point_deployed(deps.store, app, target)
    return get_release(deps.store, app, release.version) or release


def _scale_down_added(app: str, scope: str, target: Release, cluster: str, deps: RollbackDeps) -> None:
    """Process types that run now but did not exist in the target release go to 0 tasks (their services stay,
    so a later deploy that has them again scales them back up). Their autoscaling target goes first: with a
    minimum above 0 it would start the tasks again. Once per process, claimed under the scope."""
    deployed = deps.store.get(keys.app_pk(app), keys.DEPLOYED_SK) or {}
    ref = AppRef(app)
    added = sorted(set(deployed.get("processes") or {}) - set(target.task_definitions))
    found = deps.ecs.describe_services(cluster, [ref.ecs_name(p) for p in added]) if added else {}
    for process in added:
        info = found.get(ref.ecs_name(process))
        if info is None or info.status != "ACTIVE":
            continue

        def scale_down(name: str = ref.ecs_name(process)) -> dict[str, Any]:
            autoscaled = deps.autoscaling.disable(cluster, name)
            deps.ecs.update_service(cluster, name, desired_count=0)
            return {"desired_count": 0, "autoscaling_removed": autoscaled}

        claimed(deps.store, app, scope, "rollback-scale-down", process, scale_down)


def _point_deployed(store: Store, app: str, target: Release) -> None:
    """DEPLOYED names the rolled-back build and revisions; the parameter handler's own record of what it rolled
    out (for the build that ran) no longer applies."""
    build = store.get(keys.app_pk(app), keys.build_sk(target.build_number)) or {}
    deployed = store.get(keys.app_pk(app), keys.DEPLOYED_SK) or {}
    processes = {
        p: {"command": (deployed.get("processes") or {}).get(p, {}).get("command")
            or ((build.get("plan") or {}).get("processes") or {}).get(p, {}).get("command") or "",
            "task_definition": arn}
        for p, arn in target.task_definitions.items()
    }  # fmt: skip
    one_off = target.task_definitions.get(WEB_PROCESS) or target.task_definitions[sorted(target.task_definitions)[0]]
    store.put({
        **deployed, "primary_id": keys.app_pk(app), "secondary_id": keys.DEPLOYED_SK, "app": app,
        "build_number": target.build_number, "commit": build.get("commit") or deployed.get("commit") or "",
        "processes": processes, "task_definition": one_off,
        "container_name": deployed.get("container_name") or (build.get("plan") or {}).get("container_name") or "",
        "hooks": "done", "hooks_error": "",
    })  # fmt: skip
    from orchestrator.parameters.rollout import ROLLOUT_SK

    store.delete(keys.app_pk(app), ROLLOUT_SK)
