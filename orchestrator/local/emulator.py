"""The embedded AWS: moto on a loopback port, the orchestrator's resources, the simulators and the
dispatcher, advanced one simulated step at a time.

    emulator = Emulator(); emulator.start()          # moto up, resources created, routing in place
    emulator.register("demo")                         # the app's items and per-app resources
    emulator.run_until_idle()                         # simulate and dispatch until nothing is left to do
    emulator.stop()
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from orchestrator.adapters import clients
from orchestrator.handlers.common import reset_idempotency
from orchestrator.local.acm_issuance import CertificateIssuanceSimulator
from orchestrator.local.behaviour import Behaviour
from orchestrator.local.dispatcher import Dispatcher, dead_letters
from orchestrator.local.local_services import LocalServices
from orchestrator.local.local_sources import LocalSources
from orchestrator.local.processes import ProcessSupervisor
from orchestrator.local.resources import OwnResources, Routing
from orchestrator.local.router import LocalRouter
from orchestrator.local.server import MotoServer, ensure_local_credentials
from orchestrator.local.simulate import (
    AppSource,
    Bus,
    Clock,
    CodeBuildSimulator,
    EcsDeploymentSimulator,
    EcsTaskSimulator,
    Scheduler,
    SsmChangeSimulator,
)
from orchestrator.local.task_runtime import LocalImages
from orchestrator.observability import logger as powertools_logger
from orchestrator.pipeline.app_registry import AppDeclaration, AppKind
from orchestrator.settings import configure, get_settings, reset_settings

LOCAL_WORK_SECONDS = 120.0  # how long run_until_idle waits for real processes (a release, a rollout)
LOCAL_POLL_SECONDS = 0.05  # between steps while only real processes are under way


class EmulatorResources(Protocol):
    """Provisions the resources and routing the emulator runs on, and declares apps."""

    @property
    def fresh_account(self) -> bool: ...  # start from an empty moto

    def provision(self) -> Routing: ...

    def register(self, name: str, kind: AppKind) -> AppDeclaration: ...


@dataclass
class StepReport:
    tick: int
    simulated: int
    delivered: int

    @property
    def active(self) -> int:
        return self.simulated + self.delivered


@dataclass
class Emulator:
    behaviour: Behaviour = field(default_factory=Behaviour)
    port: int = 0
    log_path: Path | None = None
    poll_all_queues: bool = False  # a long-running emulator also receives events from outside
    # Where the table, buckets, rules and apps come from: the emulator's own code, or the deployed stacks.
    resources: EmulatorResources = field(default_factory=OwnResources)
    server: MotoServer = field(init=False)
    clock: Clock = field(default_factory=Clock)
    routing: Routing | None = field(default=None, init=False)
    # Apps with a local source run as processes; `serve_web` also starts the router (port 0: any free port).
    serve_web: bool = False
    router_port: int = 0
    workdir: Path | None = None  # where local builds are kept (default: a temporary folder, removed on stop)
    router: LocalRouter | None = field(default=None, init=False)
    _log_stream: IO[str] | None = field(default=None, init=False)
    _quietened_level: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.server = MotoServer.for_process(self.port)
        self.scheduler = Scheduler(self.clock)
        self.bus = Bus()
        self.parameters = SsmChangeSimulator(self.clock, self.bus)
        self._own_workdir = self.workdir is None
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix="orchestrator-local-"))
        self.images = LocalImages(self.workdir / "images")
        self.supervisor = ProcessSupervisor()
        self.local_services = LocalServices(self.supervisor, self.images)
        self.local_sources = LocalSources(self.workdir)
        self.codebuild = CodeBuildSimulator(
            self.clock, self.scheduler, self.bus, self.behaviour, self.images, self.local_sources
        )
        self.tasks = EcsTaskSimulator(self.clock, self.scheduler, self.bus, self.behaviour, self.supervisor, self.images)
        self.deployments = EcsDeploymentSimulator(self.clock, self.scheduler, self.bus, self.behaviour,
                                                  self.local_services)  # fmt: skip
        self.certificates = CertificateIssuanceSimulator(self.clock, self.scheduler, self.bus)
        self._dispatcher: Dispatcher | None = None

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the emulator is not started")
        return self._dispatcher

    def start(self) -> str:
        """Serve moto, point this process at it, and provision what the stacks create (or adopt the stacks)."""
        ensure_local_credentials()
        endpoint = self.server.start()
        if self.resources.fresh_account:
            self.server.reset()
        configure(endpoint_url=endpoint)
        clients.reset_clients()
        reset_idempotency()
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self.routing = self.resources.provision()
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_stream = self.log_path.open("a", buffering=1)
        else:
            self._quietened_level = powertools_logger.log_level
            powertools_logger.setLevel(logging.CRITICAL)
        self._dispatcher = Dispatcher(self.routing, log_stream=self._log_stream, clock=lambda: self.clock.tick)
        # Reset above, and nothing here writes a parameter: the store is empty (asking costs SSM's model).
        # Under `local up` a parameter written between ready and now is new to the simulator, and its first
        # step reports it as created, which it was.
        self.parameters.versions = {}
        if self.serve_web and self.router is None:  # the daemon starts its router before it is ready
            self.router = LocalRouter(self.router_port)
            self.router.start()
        return endpoint

    def stop(self) -> None:
        # The in-process server is reused by the next emulator of this process (it is reset on start);
        # its thread ends with the process. This process talks to real AWS again, unless told otherwise.
        # Every process the emulator started stops first (their last output still goes to the logs).
        self.stop_processes()
        if self.router is not None:
            self.router.stop()
            self.router = None
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        reset_settings()
        clients.reset_clients()
        reset_idempotency()
        if self._log_stream is not None:
            self._log_stream.close()
            self._log_stream = None
        if self._quietened_level is not None:  # this process logs as before the emulator ran
            powertools_logger.setLevel(self._quietened_level)
            self._quietened_level = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def stop_processes(self) -> None:
        for task in self.tasks.running.values():
            self.supervisor.stop(task[0])
        self.tasks.running.clear()
        self.local_services.stop_all()
        self.supervisor.stop_all()

    def register(self, name: str, kind: AppKind = "app", source: AppSource | None = None) -> AppDeclaration:
        app = self.resources.register(name, kind)
        if source is not None:
            self.codebuild.sources[name] = source
            if source.directory is not None:
                self.local_sources.set(name, source.directory)
        return app

    @property
    def local_pending(self) -> int:
        """Real processes under way: release tasks running, rollouts waiting for health, targets draining."""
        return self.tasks.pending + self.local_services.pending

    def step(self, advance: bool = True) -> StepReport:
        """One simulated step: observe moto, run what is due, deliver the events to the handlers. Without
        `advance` the clock stands still (a long-running emulator letting the wall clock catch up)."""
        if advance:
            self.clock.tick += 1
        simulated = self.parameters.step() + self.codebuild.step()
        simulated += self.scheduler.run_due()
        simulated += self.tasks.step() + self.deployments.step() + self.certificates.step()
        simulated += self.local_services.step()
        self.supervisor.flush_logs()
        if self.router is not None:
            self.router.refresh(get_settings().listener_arn)
        # Deliver what this step emitted; handlers' own effects (RunTask, UpdateService...) are seen next
        # step. Events from outside (`events replay`, the AWS CLI) arrive on any queue: poll them all.
        routes = None if self.poll_all_queues else set(self.bus.touched_routes)
        self.bus.touched_routes.clear()
        delivered = self.dispatcher.poll(routes)
        return StepReport(self.clock.tick, simulated, delivered)

    def run_until_idle(
        self, max_steps: int = 400, quiet_steps: int = 2, on_step: Callable[[StepReport], None] | None = None
    ) -> int:
        """Step until nothing happened for `quiet_steps` steps and nothing is scheduled. Returns steps taken."""
        quiet, taken, counted = 0, 0, 0
        deadline = time.monotonic() + LOCAL_WORK_SECONDS
        while counted < max_steps:
            report = self.step()
            taken += 1
            if on_step is not None:
                on_step(report)
            waiting = self.scheduler.pending + self.dispatcher.pending_retries
            if self.local_pending and time.monotonic() < deadline:
                # Real processes take real time: wait for them without spending the simulated budget.
                time.sleep(LOCAL_POLL_SECONDS)
                quiet = 0
                continue
            counted += 1
            quiet = quiet + 1 if report.active == 0 and waiting == 0 else 0
            if quiet >= quiet_steps:
                return taken
        raise TimeoutError(f"the emulator did not settle within {max_steps} simulated steps")

    def redrive(self) -> list[dict[str, Any]]:
        """Deliver every dead letter again (the operator's recovery, `orchestrator events redrive`)."""
        from orchestrator.local.replay import redrive_dead_letters

        rows = redrive_dead_letters()
        self.bus.touched_routes.update(str(r["function"]).removeprefix("orchestrator-") for r in rows if r["redriven"])
        return rows

    def dead_letters(self) -> list[dict[str, Any]]:
        if self.routing is None:
            return []
        return dead_letters(self.routing.dlq_url)

