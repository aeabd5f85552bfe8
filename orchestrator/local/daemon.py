"""`orchestrator local up` runs this in the background: the emulator, stepping every half second when idle.

The state directory holds `state.json` (pid, port, endpoint, router port), the moto server's and handlers'
logs, and the local apps' builds and processes (`sources.json`, `images/`, `pids`). The daemon serves the
local router (`http://<app>.localhost:<router port>`). `orchestrator local down` stops the process named
there, which stops every app process it started; `pids` lets `down` finish the job if it had to be killed. Each state directory is one emulator: two
directories, two separate emulators on two ports. Its default does not depend on the current directory
(`Settings.emulator_state_dir`), so every command finds the same emulator from anywhere.

Ready (`state.json` written, `local up` returns) means moto answers and the resources every command needs
exist. ECS, EC2, ELBv2, SSM and Application Auto Scaling come right after (moto's modules for them import all
of its EC2): until then the server holds their requests, so a command that needs them waits instead of
failing. The simulators and handlers are imported and started last; events wait in their queues meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from orchestrator.bounded_json import JsonBoundsError, load_json

if TYPE_CHECKING:
    from orchestrator.local.emulator import Emulator
    from orchestrator.local.resources import Routing
    from orchestrator.local.router import LocalRouter
    from orchestrator.pipeline.app_registry import AppDeclaration, AppKind

STATE_FILE = "state.json"
PIDS_FILE = "pids"  # every app process the emulator started, one pid a line
STEP_SECONDS = 0.5  # between steps while nothing happens (events from outside are picked up this fast)
BUSY_STEP_SECONDS = 0.05  # while a simulated build, task or deployment is under way


def state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def read_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = load_json(state_path(state_dir).read_bytes(), what="emulator state")
    except (OSError, JsonBoundsError):
        return None
    return data


def running_state(state_dir: Path) -> dict[str, Any] | None:
    """The state of the emulator of `state_dir` when its process is alive; None otherwise."""
    state = read_state(state_dir)
    if state is None or not alive(int(state.get("pid", 0))):
        return None
    return state


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clock_advances(busy: bool, simulated: datetime, wall: datetime) -> bool:
    """Simulated time runs fast while something is under way; idle, it waits for the wall clock, so the
    records' times stay close to the real ones however long the emulator runs."""
    return busy or simulated < wall


@dataclass(frozen=True)
class _Provisioned:
    """The resources the daemon made before the emulator started (`Emulator.resources`)."""

    routing: Routing
    fresh_account: bool = False

    def provision(self) -> Routing:
        return self.routing

    def register(self, name: str, kind: AppKind) -> AppDeclaration:
        from orchestrator.local.resources import OwnResources

        return OwnResources().register(name, kind)


def write_state(state_dir: Path, state: dict[str, Any]) -> None:
    tmp = state_path(state_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(state_path(state_dir))


def serve(state_dir: Path, port: int, router_port: int = 0) -> None:
    from orchestrator.local.moto_patches import HELD_SERVICES
    from orchestrator.local.resources import FUNCTION_ROLE_ARN, OwnResources
    from orchestrator.local.router import LocalRouter
    from orchestrator.local.server import MotoServer, ensure_local_credentials
    from orchestrator.settings import configure

    stop = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    state_dir.mkdir(parents=True, exist_ok=True)
    emulator: Emulator | None = None
    router: LocalRouter | None = None
    try:
        ensure_local_credentials()
        server = MotoServer.for_process(port)
        endpoint = server.start(hold=HELD_SERVICES)
        configure(endpoint_url=endpoint)
        resources = OwnResources()
        routing = resources.provision_core()
        router = LocalRouter(router_port)
        router.start()
        write_state(state_dir, {"pid": os.getpid(), "port": server.port, "endpoint": endpoint, "started": time.time(),
                                "dlq_url": routing.dlq_url, "function_role_arn": FUNCTION_ROLE_ARN,
                                "router_port": router.port})  # fmt: skip
        resources.provision_network()
        server.release_held()
        if stop:  # `local down` while the network was being made: nothing else to start
            return
        from orchestrator.local.emulator import Emulator

        emulator = Emulator(port=server.port, log_path=state_dir / "handlers.log", poll_all_queues=True,
                            serve_web=True, workdir=state_dir, resources=_Provisioned(routing))  # fmt: skip
        emulator.router = router
        emulator.supervisor.pid_file = state_dir / PIDS_FILE
        emulator.start()
        step_until(emulator, lambda: stop)
    finally:
        if emulator is not None:
            emulator.stop()
        elif router is not None:
            router.stop()
        state_path(state_dir).unlink(missing_ok=True)


def step_until(emulator: Emulator, stopped: Callable[[], bool]) -> None:
    busy = False
    while not stopped():
        advance = clock_advances(busy, emulator.clock.now(), datetime.now(UTC))
        busy = waiting = False
        try:
            report = emulator.step(advance=advance)
            busy = report.active > 0 or emulator.scheduler.pending > 0
            waiting = emulator.local_pending > 0  # real processes: step quickly, but in real time
        except Exception as error:  # keep serving: the error is in the log, the next step retries
            print(f"step failed: {type(error).__name__}: {error}", flush=True)
        # One step is one simulated tick: while something is under way, tick on quickly (as `make demo`
        # and `local run` do), and idle at the slower pace.
        time.sleep(BUSY_STEP_SECONDS if busy or waiting else STEP_SECONDS)


@dataclass(frozen=True)
class Background:
    """The emulator forked off the `local up` process."""

    pid: int

    def exit_code(self) -> int | None:
        """Its exit code once it has exited (it is this process's child until this process ends)."""
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return os.waitstatus_to_exitcode(status) if pid else None

    def terminate(self) -> None:
        os.kill(self.pid, signal.SIGTERM)


def start_in_background(state_dir: Path, port: int, router_port: int) -> Background:
    """Fork the emulator off this process, in its own session, its output appended to `emulator.log`.

    A fork, not a new interpreter: the emulator keeps what `local up` has imported already (the settings
    model, pydantic), and starts at once."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log = os.open(state_dir / "emulator.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(log)
        return Background(pid)
    code = 1
    try:  # the emulator: nothing here returns into the caller's code
        os.setsid()
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 256)  # no pipe of the caller's stays open here (`eval "$(...)"` waits for its end)
        serve(state_dir, port, router_port)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--router-port", type=int, default=0)
    args = parser.parse_args()
    serve(args.state_dir, args.port, args.router_port)


if __name__ == "__main__":
    main()
