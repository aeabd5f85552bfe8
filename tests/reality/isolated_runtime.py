"""Run the handlers as Lambda would: a `python3.12 -I -S` process per function, with nothing on sys.path but
the standard library, the staged asset, the Powertools layer's locked packages and the runtime's boto3.

-I ignores PYTHON* variables and the user site, -S skips site-packages: no package of the development
environment can leak in. Each function keeps one warm process (as a Lambda execution environment does);
an event is sent on stdin, the result comes back on a pipe of its own (stdout carries the handler's logs,
as in Lambda). A handler's exception is raised here, so the dispatcher's retries and dead-letter queue
behave as for an in-process handler.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from orchestrator.events.patterns import EventRoute

_WORKER = r"""
import importlib, json, os, sys, traceback

sys.path[:0] = json.loads(sys.argv[1])
stdlib = os.path.dirname(os.__file__)
allowed = tuple(json.loads(sys.argv[1])) + (stdlib,)


def foreign(path):
    return not path.startswith(allowed) or path.startswith(os.path.join(stdlib, "site-packages"))
results = os.fdopen(int(sys.argv[2]), "w")


class Context:
    def __init__(self, request):
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = 512
        self.aws_request_id = request["request_id"]
        self.log_group_name = "/aws/lambda/" + self.function_name
        self.log_stream_name = "isolated"

    def get_remaining_time_in_millis(self):
        return 60_000


for line in sys.stdin:
    request = json.loads(line)
    try:
        module, _, name = os.environ["_HANDLER"].rpartition(".")
        handler = getattr(importlib.import_module(module), name)
        reply = {"ok": True, "result": handler(request["event"], Context(request))}
    except Exception as error:
        reply = {"ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
    # Every module the handler loaded, and where from: the test proves none came from elsewhere.
    reply["foreign"] = sorted(
        f"{n}: {m.__file__}" for n, m in list(sys.modules.items())
        if getattr(m, "__file__", None) and foreign(m.__file__)
    )
    reply["versions"] = {n: getattr(sys.modules.get(n), "__version__", None) for n in ("boto3", "pydantic")}
    results.write(json.dumps(reply, default=str) + "\n")
    results.flush()
"""


class HandlerFailedError(RuntimeError):
    """The handler raised in the isolated runtime (its traceback is in the message)."""


@dataclass
class Worker:
    process: subprocess.Popen[str]
    results: IO[str]


@dataclass
class IsolatedRuntime:
    python: str
    sys_path: list[Path]  # asset first, then the layer's packages, then the runtime's boto3
    environment: dict[str, str]
    log: IO[str] | None = None
    workers: dict[str, Worker] = field(default_factory=dict)
    invocations: list[dict[str, Any]] = field(default_factory=list)

    def _worker(self, route: EventRoute) -> Worker:
        worker = self.workers.get(route.name)
        if worker is not None and worker.process.poll() is None:
            return worker
        read_fd, write_fd = os.pipe()
        function = f"orchestrator-{route.name}"
        environment = {
            **self.environment,
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "_HANDLER": route.handler,
            "LAMBDA_TASK_ROOT": str(self.sys_path[0]),
            "PATH": "/usr/bin:/bin",
        }
        process = subprocess.Popen(
            [self.python, "-I", "-S", "-c", _WORKER, json.dumps([str(p) for p in self.sys_path]),
             str(write_fd)],
            stdin=subprocess.PIPE, stdout=self.log or subprocess.DEVNULL, stderr=self.log or subprocess.DEVNULL,
            env=environment, text=True, pass_fds=(write_fd,), cwd=self.sys_path[0],
        )  # fmt: skip
        os.close(write_fd)
        worker = Worker(process, os.fdopen(read_fd))
        self.workers[route.name] = worker
        return worker

    def invoke(self, route: EventRoute, event: dict[str, Any], context: Any) -> Any:
        worker = self._worker(route)
        assert worker.process.stdin is not None
        request = {"event": event, "request_id": context.aws_request_id, "function_arn": context.invoked_function_arn}
        worker.process.stdin.write(json.dumps(request) + "\n")
        worker.process.stdin.flush()
        line = worker.results.readline()
        if not line:
            raise HandlerFailedError(f"{route.handler}: the runtime process exited ({worker.process.wait()})")
        reply: dict[str, Any] = json.loads(line)
        self.invocations.append({"route": route.name, **reply})
        if not reply["ok"]:
            raise HandlerFailedError(f"{route.handler}: {reply['error']}\n{reply['trace']}")
        return reply["result"]

    def close(self) -> None:
        for worker in self.workers.values():
            if worker.process.stdin is not None:
                worker.process.stdin.close()
            worker.process.wait(timeout=30)
            worker.results.close()
        self.workers.clear()
