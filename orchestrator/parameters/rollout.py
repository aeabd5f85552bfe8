"""Rolling an app's services after a config or scaling change, through the pipeline's task-definition API.

New revisions are built by `orchestrator.pipeline.taskdefs.register_task_definitions` (the same request the
release pipeline registers for a build: image of the deployed build, config names as `secrets`, sizes from
scaling), each claimed under the change's own scope, so a redelivered change never registers twice. The
services then get `UpdateService` with the new revision, which starts a new deployment: ECS reads secrets at
task start, so even a value update with an unchanged set of names restarts the tasks.

What runs now comes from the pipeline's DEPLOYED item (build, commands, revisions; sizes from DEPLOYSTATUS)
and from this module's own record `APP#<app>` / `PARAMETERS#rollout`: the revisions and sizes the parameter handler last rolled out
for that build. While a deploy is in progress nothing is rolled: the deploy registers its revisions from the
current parameters itself, and the post-deploy hook (`after_deploy`) catches anything written meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestrator.adapters.autoscaling import AutoScaling
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.store import Item, Store
from orchestrator.parameters.context import AppContext
from orchestrator.parameters.running import ROLLOUT_SK as ROLLOUT_SK
from orchestrator.parameters.running import ProcessNow as ProcessNow
from orchestrator.parameters.running import RunningApp as RunningApp
from orchestrator.parameters.running import running_app
from orchestrator.parameters.scaling import ProcessScaling

# The pipeline's write path (task definitions, DEPLOYSTATUS) is imported by the methods that change things:
# the CLI's reads (`ps`) use `running()` only and do not load the deploy machinery.

@dataclass
class RolloutResult:
    registered: dict[str, str] = field(default_factory=dict)  # process → new task-definition ARN
    updated: list[str] = field(default_factory=list)  # services given UpdateService
    autoscaling: dict[str, str] = field(default_factory=dict)  # service → enabled/disabled
    skipped: list[str] = field(default_factory=list)
    deployments: dict[str, tuple[str, str]] = field(default_factory=dict)  # process → (service, deployment id)

    def changes(self) -> list[str]:
        lines = [f"registered {arn}" for arn in self.registered.values()]
        lines += [f"updated service {s}" for s in self.updated]
        lines += [f"autoscaling {state} on {s}" for s, state in sorted(self.autoscaling.items())]
        lines += [f"skipped {s}" for s in self.skipped]
        return lines


def scope_for(kind: str, fingerprint: str) -> str:
    """The claim scope of one parameter state: `PARAM#<kind>#<16 hex>`."""
    return f"PARAM#{kind}#{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"


class Rollout:
    def __init__(
        self, store: Store | None = None, ecs: Ecs | None = None, autoscaling: AutoScaling | None = None
    ) -> None:
        self.store = store or Store()
        self.ecs = ecs or Ecs()
        self.autoscaling = autoscaling or AutoScaling()

    # -- what runs now ------------------------------------------------------------------------------------

    def deploy_in_progress(self, ctx: AppContext) -> bool:
        return ctx.deploy_in_progress

    def record(self, ctx: AppContext) -> Item | None:
        """This module's record for the target: as read with the context when it was, else read now."""
        if ctx.states is not None:
            return ctx.state(ROLLOUT_SK)
        return self.store.get(ctx.target.pk, ROLLOUT_SK)

    def running(self, ctx: AppContext) -> RunningApp | None:
        """The deployed build and its processes (the pipeline's DEPLOYED item, then what this module rolled
        out for the same build); None when the app has never deployed."""
        if ctx.deployed_item is None or ctx.build_number is None:
            return None
        return running_app(
            ctx.deployed_item, self.record(ctx), ctx.deploystatus, service_name=ctx.service_name,
            default_cpu=ctx.ecs.default_cpu, default_memory=ctx.ecs.default_memory,
        )  # fmt: skip

    # -- changes ------------------------------------------------------------------------------------------

    def register(
        self,
        ctx: AppContext,
        running: RunningApp,
        *,
        scope: str,
        secrets: Mapping[str, str],
        sizes: Mapping[str, ProcessScaling],
        processes: list[str] | None = None,
    ) -> dict[str, str]:
        """Register new revisions (claimed per scope) for `processes` (default: all). process → ARN."""
        from orchestrator.pipeline.deps import PipelineDeps
        from orchestrator.pipeline.taskdefs import ProcessSize, RuntimeInputs, register_task_definitions

        wanted = processes if processes is not None else sorted(running.processes)
        if not wanted:
            return {}
        inputs = RuntimeInputs(
            app=ctx.ref,
            ecs=ctx.ecs,
            secrets=dict(secrets),
            scaling={
                p: ProcessSize(cpu=s.cpu, memory=s.memory, min_processes=s.min_processes, max_processes=s.max_processes)
                for p, s in sizes.items()
            },
        )
        commands = {p: running.processes[p].command for p in wanted}
        # The claim scope covers what is registered, not only the change that asks: a config fingerprint can
        # come back (a variable added, then deleted) after the sizes changed, and must not get the old revision.
        content = json.dumps(
            {"build": running.build_number, "commands": commands, "secrets": dict(secrets),
             "sizes": {p: sizes[p].model_dump(mode="json") for p in wanted if p in sizes}},
            sort_keys=True,
        )  # fmt: skip
        registered = register_task_definitions(
            ctx.ref,
            running.build_number,
            commands,
            scope=f"{scope}#{hashlib.sha256(content.encode()).hexdigest()[:16]}",
            inputs=inputs,
            deps=PipelineDeps(store=self.store, ecs=self.ecs),
        )
        return {p: r.arn for p, r in registered.items()}

    def apply(
        self,
        ctx: AppContext,
        running: RunningApp,
        *,
        task_definitions: Mapping[str, str],
        sizes: Mapping[str, ProcessScaling] | None,
    ) -> RolloutResult:
        """UpdateService each process's service: the new revision (if any) and, with `sizes`, the desired
        count and autoscaling. Services that do not exist (yet) are skipped."""
        from orchestrator.pipeline.ownership import check_services

        result = RolloutResult(registered=dict(task_definitions))
        # One DescribeServices tells both which services exist and their current desired counts.
        found = self.ecs.describe_services(ctx.ecs.cluster, [p.service for p in running.processes.values()])
        check_services(ctx.ref, found.values())  # before any UpdateService or autoscaling change
        current = {name: info for name, info in found.items() if info.status == "ACTIVE"}
        existing = set(current)
        # Which fixed-size services still have a scalable target to remove: one call for all of them.
        fixed = [now.service for p, now in running.processes.items() if now.service in existing
                 and sizes is not None and p in sizes and not sizes[p].autoscaling]  # fmt: skip
        scalable = self.autoscaling.capacities(ctx.ecs.cluster, sorted(fixed)) if fixed else {}
        for process, now in sorted(running.processes.items()):
            if now.service not in existing:
                result.skipped.append(f"{now.service} (no active service)")
                continue
            size = sizes.get(process) if sizes is not None else None
            desired: int | None = None
            if size is not None:
                count = current[now.service].desired_count if now.service in current else size.min_processes
                desired = (
                    size.min_processes
                    if not size.autoscaling
                    else min(max(count, size.min_processes), size.max_processes)
                )
            revision = task_definitions.get(process)
            if desired is not None and desired == current[now.service].desired_count:
                desired = None  # already there: an UpdateService would change nothing
            if revision is not None or desired is not None:
                updated = self.ecs.update_service(
                    ctx.ecs.cluster, now.service, task_definition=revision, desired_count=desired
                )
                result.updated.append(now.service)
                if revision is not None:  # a new revision is a deployment the release waits for
                    result.deployments[process] = (now.service, updated.primary_deployment_id or "")
            if size is not None:
                if size.autoscaling:
                    self.autoscaling.enable(
                        ctx.ecs.cluster, now.service, minimum=size.min_processes, maximum=size.max_processes,
                        target_cpu=size.target_cpu,
                    )  # fmt: skip
                    result.autoscaling[now.service] = "enabled"
                elif now.service in scalable and self.autoscaling.disable(ctx.ecs.cluster, now.service):
                    result.autoscaling[now.service] = "disabled"
        self._remember(ctx, running, task_definitions, sizes)
        if sizes is not None:
            self._show_sizes(ctx, running, sizes)
        return result

    def _show_sizes(self, ctx: AppContext, running: RunningApp, sizes: Mapping[str, ProcessScaling]) -> None:
        """DEPLOYSTATUS is what AppPack's `ps` shows: it takes the applied sizes and counts."""
        from orchestrator.pipeline.deploy import write_scaled_deploy_status
        from orchestrator.pipeline.taskdefs import ProcessSize

        listed = (ctx.deploystatus or {}).get("processes")
        if int((ctx.deploystatus or {}).get("build_number") or 0) != running.build_number or not isinstance(listed, list):
            return
        shown = {
            p: ProcessSize(cpu=s.cpu, memory=s.memory, min_processes=s.min_processes, max_processes=s.max_processes)
            for p, s in sizes.items()
        }
        write_scaled_deploy_status(self.store, ctx.target.key, running.build_number, listed, shown)

    def _remember(
        self,
        ctx: AppContext,
        running: RunningApp,
        task_definitions: Mapping[str, str],
        sizes: Mapping[str, ProcessScaling] | None,
    ) -> None:
        def change(item: Item | None) -> Item:
            current = dict(item or {})
            processes = (
                dict(current.get("processes") or {}) if current.get("build_number") == running.build_number else {}
            )
            for process, now in running.processes.items():
                entry = dict(processes.get(process) or {"cpu": now.cpu, "memory": now.memory})
                if process in task_definitions:
                    entry["task_definition"] = task_definitions[process]
                if sizes is not None and process in sizes:
                    size = sizes[process]
                    entry.update(cpu=size.cpu, memory=size.memory, min_processes=size.min_processes,
                                 max_processes=size.max_processes)  # fmt: skip
                processes[process] = entry
            return {**current, "build_number": running.build_number, "processes": processes, "at": int(time.time())}

        if ctx.states is None:
            self.store.update(ctx.target.pk, ROLLOUT_SK, change)
            return
        # Start from the item read with the context (absent: None), and put back what was written: a later
        # `running(ctx)` of this invocation sees it without a read.
        before, after = self.store.update(
            ctx.target.pk, ROLLOUT_SK, change, current=ctx.state(ROLLOUT_SK), current_is_read=True
        )
        stored = after or before
        if stored is not None:
            ctx.states[ROLLOUT_SK] = stored
