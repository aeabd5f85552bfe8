"""ECS's service scheduler and the load balancer's target registration, for services of local-source apps.

A rollout of a service starts `desiredCount` new processes of the deployment's task definition, waits until
each answers its target group's health check (or, without a load balancer, is still running after a
moment), then registers the new processes as targets and deregisters the old ones in moto's ELBv2, and
stops the old processes only after a drain delay, once the router has stopped sending them requests. So no
request fails during a deploy. A new process that exits, or is not healthy within the timeout, fails the
rollout: the new processes are stopped and the old ones keep serving (the circuit breaker's rollback).

Between rollouts the count follows the service's `desiredCount` (`ps scale web 3` runs three), and a process
that exits on its own is replaced, as ECS replaces a stopped task of a service.
"""

from __future__ import annotations

import contextlib
import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.local.processes import LocalProcess, ProcessSupervisor
from orchestrator.local.task_runtime import LaunchError, LocalImages, container_launch
from orchestrator.settings import get_settings

HEALTH_TIMEOUT_SECONDS = 30.0  # a new process must be healthy this soon after it starts
DRAIN_SECONDS = 1.0  # deregistered targets get this long to finish their requests (ALB's deregistration delay)
WORKER_SETTLE_SECONDS = 0.5  # a process without a port counts as started once it ran this long
Outcome = Callable[[str, str], None]  # (completed | rollback, reason)


def answers_health_check(process: LocalProcess, path: str) -> bool:
    if process.port is None:
        return False
    connection = http.client.HTTPConnection(process.address, process.port, timeout=1.0)
    try:
        connection.request("GET", path, headers={"Host": process.address, "User-Agent": "ELB-HealthChecker/2.0"})
        return 200 <= connection.getresponse().status < 400
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class Rollout:
    deployment_id: str
    task_definition: str
    starting: list[LocalProcess] = field(default_factory=list)
    on_done: Outcome | None = None
    started: float = field(default_factory=time.monotonic)


@dataclass
class LocalService:
    arn: str
    name: str
    task_definition: str = ""  # what `serving` runs
    target_groups: list[str] = field(default_factory=list)
    health_check_path: str = "/"
    serving: list[LocalProcess] = field(default_factory=list)
    rollout: Rollout | None = None
    joining: list[LocalProcess] = field(default_factory=list)  # scaling up: started, not yet targets
    draining: list[tuple[LocalProcess, float]] = field(default_factory=list)


class LocalServices:
    def __init__(self, supervisor: ProcessSupervisor, images: LocalImages) -> None:
        self.supervisor, self.images = supervisor, images
        self.services: dict[str, LocalService] = {}

    def is_local(self, task_definition_arn: str) -> bool:
        definition = client("ecs").describe_task_definition(taskDefinition=task_definition_arn)["taskDefinition"]
        image = str(definition["containerDefinitions"][0].get("image", ""))
        return self.images.for_image(image) is not None

    def roll_out(self, service: dict[str, Any], deployment_id: str, on_done: Outcome) -> None:
        """Start the rollout of `service`'s current task definition (a newer one supersedes it)."""
        local = self.services.setdefault(
            service["serviceArn"], LocalService(service["serviceArn"], service["serviceName"])
        )
        if local.rollout is not None:
            self._abandon(local)
        for process in local.joining:
            self.supervisor.stop(process)
        local.joining = []
        local.target_groups = [
            lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")
        ]
        if local.target_groups:
            groups = client("elbv2").describe_target_groups(TargetGroupArns=local.target_groups[:1])["TargetGroups"]
            local.health_check_path = str(groups[0].get("HealthCheckPath") or "/")
        local.rollout = Rollout(deployment_id, service["taskDefinition"], on_done=on_done)

    @property
    def pending(self) -> int:
        """Rollouts under way and processes draining: the emulator is not idle while there are any."""
        return sum((s.rollout is not None) + len(s.draining) + len(s.joining) for s in self.services.values())

    def step(self) -> int:
        if not self.services:
            return 0
        acted = 0
        desired = self._desired_counts()
        for local in self.services.values():
            count = desired.get(local.arn, 0)
            acted += self._drain(local) + self._replace_exited(local)
            if local.rollout is not None:
                acted += self._advance_rollout(local, count)
            else:
                acted += self._scale(local, count)
        return acted

    def stop_all(self) -> None:
        for local in self.services.values():
            if local.rollout is not None:
                self._abandon(local)
            # The processes stop whatever happens to the load balancer's bookkeeping (moto may be gone).
            with contextlib.suppress(Exception):
                self._deregister(local, local.serving)
            for process in local.serving + local.joining + [p for p, _ in local.draining]:
                self.supervisor.stop(process)
            local.serving, local.joining, local.draining = [], [], []

    # --- the steps --------------------------------------------------------------------------------

    def _desired_counts(self) -> dict[str, int]:
        ecs, cluster = client("ecs"), get_settings().cluster_name
        arns = list(self.services)
        counts: dict[str, int] = {}
        for start in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster, services=arns[start : start + 10])["services"]:
                active = service.get("status") == "ACTIVE"
                counts[service["serviceArn"]] = int(service.get("desiredCount", 0)) if active else 0
        return counts

    def _start(self, local: LocalService, task_definition: str) -> LocalProcess | None:
        definition = client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
        try:
            launch = container_launch(definition, self.images)
        except LaunchError:
            return None
        if launch is None:
            return None
        try:
            return self.supervisor.start(launch)
        except OSError:
            return None

    def _ready(self, local: LocalService, process: LocalProcess) -> bool:
        if process.launch.listens:
            return answers_health_check(process, local.health_check_path)
        return time.monotonic() - process.started >= WORKER_SETTLE_SECONDS

    def _advance_rollout(self, local: LocalService, count: int) -> int:
        rollout = local.rollout
        assert rollout is not None
        while len(rollout.starting) < count:
            process = self._start(local, rollout.task_definition)
            if process is None:
                return self._fail(local, "ECS deployment circuit breaker: task failed to start.")
            rollout.starting.append(process)
        if any(p.exit_code is not None for p in rollout.starting):
            code = next(p.exit_code for p in rollout.starting if p.exit_code is not None)
            return self._fail(local, f"ECS deployment circuit breaker: essential container exited with code {code}.")
        if not all(self._ready(local, p) for p in rollout.starting):
            if time.monotonic() - rollout.started > HEALTH_TIMEOUT_SECONDS:
                return self._fail(
                    local, f"ECS deployment circuit breaker: health checks failed on {local.health_check_path}."
                )
            return 1
        # Healthy: the new processes take the traffic, then the old ones drain.
        self._register(local, rollout.starting)
        self._retire(local, local.serving)
        local.serving, local.task_definition, local.rollout = rollout.starting, rollout.task_definition, None
        if rollout.on_done is not None:
            rollout.on_done("completed", "")
        return 1

    def _fail(self, local: LocalService, reason: str) -> int:
        rollout = local.rollout
        assert rollout is not None
        self._abandon(local)
        if rollout.on_done is not None:
            rollout.on_done("rollback", reason)
        return 1

    def _abandon(self, local: LocalService) -> None:
        if local.rollout is not None:
            for process in local.rollout.starting:
                self.supervisor.stop(process)
        local.rollout = None

    def _scale(self, local: LocalService, count: int) -> int:
        """Follow desiredCount between rollouts: new processes join the targets once healthy."""
        acted = 0
        for process in list(local.joining):
            if process.exit_code is not None:
                self.supervisor.finish(process)
                local.joining.remove(process)
                acted += 1
            elif self._ready(local, process):
                self._register(local, [process])
                local.serving.append(process)
                local.joining.remove(process)
                acted += 1
        surplus = len(local.serving) + len(local.joining) - count
        if surplus > 0:
            while surplus and local.joining:
                self.supervisor.stop(local.joining.pop())
                surplus -= 1
            if surplus:
                self._retire(local, local.serving[-surplus:])
                local.serving = local.serving[:-surplus]
            acted += 1
        elif surplus < 0 and local.task_definition:
            for _ in range(-surplus):
                started = self._start(local, local.task_definition)
                if started is not None:
                    local.joining.append(started)
            acted += 1
        return acted

    def _replace_exited(self, local: LocalService) -> int:
        exited = [p for p in local.serving if p.exit_code is not None]
        if not exited:
            return 0
        self._deregister(local, exited)
        for process in exited:
            self.supervisor.finish(process)
        local.serving = [p for p in local.serving if p not in exited]
        return 1  # the next step scales back up to desiredCount

    def _retire(self, local: LocalService, processes: list[LocalProcess]) -> None:
        self._deregister(local, processes)
        now = time.monotonic()
        local.draining += [(p, now) for p in processes]

    def _drain(self, local: LocalService) -> int:
        now = time.monotonic()
        done = [p for p, since in local.draining if now - since >= DRAIN_SECONDS]
        for process in done:
            self.supervisor.stop(process)
        local.draining = [(p, since) for p, since in local.draining if p not in done]
        return len(done)

    @staticmethod
    def _targets(processes: list[LocalProcess]) -> list[dict[str, Any]]:
        return [{"Id": p.address, "Port": p.port} for p in processes if p.port is not None]

    def _register(self, local: LocalService, processes: list[LocalProcess]) -> None:
        targets = self._targets(processes)
        for group in local.target_groups if targets else []:
            client("elbv2").register_targets(TargetGroupArn=group, Targets=targets)

    def _deregister(self, local: LocalService, processes: list[LocalProcess]) -> None:
        targets = self._targets(processes)
        for group in local.target_groups if targets else []:
            client("elbv2").deregister_targets(TargetGroupArn=group, Targets=targets)
