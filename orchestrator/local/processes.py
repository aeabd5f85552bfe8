"""Real processes for ECS tasks of apps with a local source, the way `heroku local` runs a Procfile.

Each process is a task: it gets its own loopback address (127.0.x.y, as awsvpc gives each task its own IP)
and a free `PORT`, runs in its own session (so stopping it stops whatever it spawned), and its stdout and
stderr go, line by line, to moto's CloudWatch Logs under the awslogs stream `<prefix>/<container>/<task-id>`.
Output is collected by a reader thread and written by `flush_logs` from the emulator's thread, so only one
thread talks to moto. Every process the supervisor starts is stopped by `stop_all` (and each is recorded in
`pids`, so a caller can prove nothing is left).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.adapters.clients import client

STOP_GRACE_SECONDS = 5.0  # ECS's stopTimeout default is 30 s; a local process gets less before SIGKILL
MAX_EVENTS_PER_PUT = 5000  # PutLogEvents' limit


@dataclass(frozen=True)
class Launch:
    """What one container of a task runs: argv in a folder with an environment, logging to a stream."""

    argv: list[str]
    cwd: Path
    environment: dict[str, str]
    log_group: str
    stream_prefix: str  # `<awslogs-stream-prefix>/<container>`; the task id completes the stream name
    listens: bool = False  # a web process: give it a PORT and expect it to answer there


def child_path() -> str:
    """PATH for a process: this interpreter's folder first (so `python` is the emulator's), then the
    system's default search path."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.defpath.lstrip(os.pathsep)])


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


_addresses = itertools.count(2)


def next_address() -> str:
    """A loopback address no other local task of this process has (Linux answers on all of 127/8)."""
    n = next(_addresses) % (254 * 250)
    return f"127.0.{n // 254 + 1}.{n % 254 + 1}"


@dataclass
class LocalProcess:
    task_id: str
    launch: Launch
    popen: subprocess.Popen[bytes]
    address: str
    port: int | None
    started: float = field(default_factory=time.monotonic)
    _lines: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stream_created: bool = False
    _reader: threading.Thread | None = None

    @property
    def log_stream(self) -> str:
        return f"{self.launch.stream_prefix}/{self.task_id}"

    @property
    def exit_code(self) -> int | None:
        return self.popen.poll()

    @property
    def output_done(self) -> bool:
        return self._reader is None or not self._reader.is_alive()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in iter(self.popen.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self._lines.append((int(time.time() * 1000), line))

    def take_lines(self) -> list[tuple[int, str]]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines


class ProcessSupervisor:
    """Starts, watches and stops the local processes of tasks."""

    def __init__(self, pid_file: Path | None = None) -> None:
        self.processes: list[LocalProcess] = []
        self.pids: list[int] = []  # every process ever started (the leak check's list)
        self.pid_file = pid_file  # the same list on disk, for `local down` should this process be killed

    def start(self, launch: Launch, task_id: str | None = None) -> LocalProcess:
        address = next_address()
        port = free_port(address) if launch.listens else None
        environment = {"PATH": child_path(), **launch.environment}
        if port is not None:
            environment["PORT"] = str(port)
        popen = subprocess.Popen(
            launch.argv, cwd=launch.cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        process = LocalProcess(task_id or uuid.uuid4().hex, launch, popen, address, port)
        process._reader = threading.Thread(target=process._read, name=f"logs-{process.task_id}", daemon=True)
        process._reader.start()
        self.processes.append(process)
        self.pids.append(popen.pid)
        if self.pid_file is not None:
            with self.pid_file.open("a") as pids:
                pids.write(f"{popen.pid}\n")
        return process

    def start_failed(self, launch: Launch, task_id: str, error: OSError) -> None:
        """A command that cannot be started (no such program): logged to the task's stream as ECS would."""
        stream = f"{launch.stream_prefix}/{task_id}"
        self._put(launch.log_group, stream, [(int(time.time() * 1000), f"cannot start {launch.argv!r}: {error}")],
                  create=True)  # fmt: skip

    def stop(self, process: LocalProcess, grace: float = STOP_GRACE_SECONDS) -> int:
        """SIGTERM to the process's session, SIGKILL after `grace`; returns the exit code."""
        if process.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGTERM)
            try:
                process.popen.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        self._kill_session(process.popen.pid)
        self.finish(process)
        return int(process.popen.returncode)

    @staticmethod
    def _kill_session(pid: int) -> None:
        """Whatever the process left behind in its session (a child it spawned) goes too."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

    def finish(self, process: LocalProcess) -> None:
        """Forget an exited process, once its output is written."""
        if process._reader is not None:
            process._reader.join(2)
        # Its last lines may be lost (moto gone), but stopping must never stop halfway.
        with contextlib.suppress(ClientError, BotoCoreError):
            self._flush(process)
        if process.popen.stdout is not None:
            process.popen.stdout.close()
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            self.stop(process)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)

    def flush_logs(self) -> None:
        for process in list(self.processes):
            self._flush(process)

    def _flush(self, process: LocalProcess) -> None:
        lines = process.take_lines()
        if not lines:
            return
        self._put(process.launch.log_group, process.log_stream, lines, create=not process._stream_created)
        process._stream_created = True

    @staticmethod
    def _put(group: str, stream: str, lines: list[tuple[int, str]], create: bool) -> None:
        logs = client("logs")
        if create:
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code == "ResourceNotFoundException":
                    logs.create_log_group(logGroupName=group)
                    logs.create_log_stream(logGroupName=group, logStreamName=stream)
                elif code != "ResourceAlreadyExistsException":
                    raise
        for start in range(0, len(lines), MAX_EVENTS_PER_PUT):
            chunk = lines[start : start + MAX_EVENTS_PER_PUT]
            events = [{"timestamp": when, "message": line or " "} for when, line in chunk]
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def stop_leftovers(pid_file: Path) -> list[int]:
    """Kill the sessions of the processes `pid_file` lists that still run (their emulator was killed before
    it could stop them); returns their pids. The file is removed."""
    try:
        pids = [int(line) for line in pid_file.read_text().split() if line.isdigit()]
    except OSError:
        return []
    killed = []
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    pid_file.unlink(missing_ok=True)
    return killed
