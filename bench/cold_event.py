"""Figure 3b: a cold invocation, not only a cold import: a fresh interpreter imports a handler and handles the
first event of its kind, against the bench's moto.

Why: deferring imports to the first event lowers the import figure without making a cold start any cheaper
if the first event then imports it all. This row says what a cold Lambda invocation costs in total.

How: the bench process holds a moto world (in-process, `mock_aws`) and prepares each event there, as figure 1
does; a moto server started in the same process serves that same state over loopback, and the fresh
interpreter (nothing imported: not moto, not boto3) is pointed at it with AWS_ENDPOINT_URL. It times
`import <handler module>` and then `handler(event, context)`. The floor, interleaved with it: a fresh
interpreter that imports boto3, builds the clients and makes the bare calls of the event's job (the calls of
figure 1's floor, recorded in a dry run here and replayed there). Both sides pay loopback HTTP to moto.

The child also reports which parts of the orchestrator the first event loaded, so the figure shows what a
cold event of that kind pulls in (e.g. a phase change: not the release path, not Powertools idempotency).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from bench.cases import (
    BENCH_APP,
    CODEBUILD_CASE,
    ECS_DEPLOYMENT_CASE,
    ECS_TASK_CASE,
    PARAMETERS_CASE,
    _container_setup,
    _finish_previous,
    _floor_record_write,
    build_number,
)
from bench.container import build_to_release, deliver, deployment_in_progress
from bench.environment import subprocess_environment
from bench.measure import Samples, ratio
from bench.world import World, fresh_world
from orchestrator.adapters.clients import client
from orchestrator.events.patterns import ECS_DEPLOYMENT_HANDLER

Event = dict[str, Any]
Call = tuple[str, str, dict[str, Any]]  # (service, operation, API parameters)
UNIT = "ratio: median (import + first event) in a fresh interpreter / median (import boto3 + clients + the floor's calls)"

# What the child reports as loaded after its first event: the parts a cold start should only pay for when needed.
WATCHED = (
    "boto3",
    "pydantic_settings",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_xray_sdk",
    "orchestrator.pipeline.release",
    "orchestrator.pipeline.deploy",
    "orchestrator.pipeline.taskdefs",
    "orchestrator.routing.web",
    "orchestrator.parameters.schedules",
    "orchestrator.review_apps.lifecycle",
)

_HANDLER_CHILD = """
import json, sys, time
spec = json.loads(sys.stdin.read())
class Context:
    function_name = "orchestrator-cold"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:orchestrator-cold"
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    def get_remaining_time_in_millis(self):
        return 60_000
module, _, attribute = spec["handler"].rpartition(".")
started = time.perf_counter_ns()
import importlib
handler = getattr(importlib.import_module(module), attribute)
imported = time.perf_counter_ns()
response = handler(spec["event"], Context())
handled = time.perf_counter_ns()
print(json.dumps({"import_ns": imported - started, "event_ns": handled - imported, "response": response,
                  "loaded": [m for m in spec["watched"] if m in sys.modules]}, default=str))
"""

_FLOOR_CHILD = """
import json, sys, time
spec = json.loads(sys.stdin.read())
started = time.perf_counter_ns()
import boto3
from botocore import xform_name
clients = {}
for service, operation, params in spec["calls"]:
    if service not in clients:
        clients[service] = boto3.client(service, endpoint_url=spec["endpoint"], region_name=spec["region"])
    getattr(clients[service], xform_name(operation))(**params)
print(time.perf_counter_ns() - started)
"""


@dataclass(frozen=True)
class ColdEvent:
    name: str
    handler_path: str
    setup: Callable[[World], None]
    prepare: Callable[[World, int], Event]
    bare: Callable[[World, int], None]
    floor: str


def _deployment_in_progress(world: World, i: int) -> Event:
    _finish_previous(world, i)
    number = build_number(world, i)
    deliver(world, [build_to_release(world, BENCH_APP, number)])
    return deployment_in_progress(BENCH_APP, number)[0]


EVENTS = (
    ColdEvent("CodeBuild phase change (INSTALL)", CODEBUILD_CASE.handler_path, CODEBUILD_CASE.setup,
              CODEBUILD_CASE.prepare, CODEBUILD_CASE.bare, CODEBUILD_CASE.floor),
    ColdEvent("ECS deployment IN_PROGRESS", ECS_DEPLOYMENT_HANDLER, _container_setup, _deployment_in_progress,
              lambda world, i: _floor_record_write(world, i, "deploy"), "1 UpdateItem (conditional, same table)"),
    ColdEvent("ECS deployment COMPLETED (1 of 2)", ECS_DEPLOYMENT_CASE.handler_path, ECS_DEPLOYMENT_CASE.setup,
              ECS_DEPLOYMENT_CASE.prepare, ECS_DEPLOYMENT_CASE.bare, ECS_DEPLOYMENT_CASE.floor),
    ColdEvent("Release task STOPPED (starts the deploy)", ECS_TASK_CASE.handler_path, ECS_TASK_CASE.setup,
              ECS_TASK_CASE.prepare, ECS_TASK_CASE.bare, ECS_TASK_CASE.floor),
    ColdEvent("Config variable created", PARAMETERS_CASE.handler_path, PARAMETERS_CASE.setup,
              PARAMETERS_CASE.prepare, PARAMETERS_CASE.bare, PARAMETERS_CASE.floor),
)  # fmt: skip


class _DryRunResponse:
    status_code = 200
    headers: ClassVar[dict[str, str]] = {}


def recorded_calls(world: World, bare: Callable[[World, int], None], i: int) -> list[Call] | None:
    """The calls `bare(world, i)` makes, recorded and not sent (a dry run); None when the floor reads what a
    call answers (it cannot run dry) and so cannot be replayed."""
    calls: list[Call] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.service_model.service_name, model.name, dict(params)))

    def skip(**_: Any) -> tuple[_DryRunResponse, dict[str, Any]]:
        return _DryRunResponse(), {}

    services = ("dynamodb", "ecs", "ssm")
    for service in services:
        events = client(service).meta.events
        events.register_first("before-parameter-build", record)
        events.register_first("before-call", skip)
    try:
        bare(world, i)
    except (KeyError, TypeError, AttributeError):
        return None
    finally:
        for service in services:
            events = client(service).meta.events
            events.unregister("before-parameter-build", record)
            events.unregister("before-call", skip)
    try:
        json.dumps(calls)
    except TypeError:
        return None
    return calls


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in this process (it serves the state `mock_aws` holds here); its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _child(code: str, spec: dict[str, Any], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(spec, default=str), env=env,
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"cold event child failed: {result.stderr.strip()[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def served_environment(world: World, endpoint: str) -> dict[str, str]:
    """The environment of a fresh interpreter that sees `world` through the moto server at `endpoint`."""
    return {**subprocess_environment(), **world.settings.as_environment(), "AWS_ENDPOINT_URL": endpoint}


def cold_invocation(handler_path: str, event: Event, env: dict[str, str], watched: tuple[str, ...] = WATCHED) -> Any:
    """A fresh interpreter imports the handler and handles `event`: its import and event times (ns), its
    response, and which of `watched` it had loaded by then."""
    spec = {"handler": handler_path, "event": event, "watched": list(watched)}
    return json.loads(_child(_HANDLER_CHILD, spec, env))


def measure(event: ColdEvent, runs: int) -> dict[str, Any]:
    """`runs` cold invocations of `event`'s handler, each with a new event of its kind, interleaved with the floor."""
    imports, events, totals, floors = Samples(), Samples(), Samples(), Samples()
    loaded: set[str] = set()
    responses: list[Any] = []
    floor_replayable = True
    with fresh_world() as world, moto_server() as endpoint:
        event.setup(world)
        env = served_environment(world, endpoint)
        for i in range(runs + 1):  # the first is a warm-up, not counted: writes any bytecode still missing
            payload = event.prepare(world, i)
            calls = recorded_calls(world, event.bare, i)
            child = cold_invocation(event.handler_path, payload, env)
            floor_ns = None
            if calls is not None:
                floor_ns = int(_child(_FLOOR_CHILD, {"calls": calls, "endpoint": endpoint,
                                                     "region": world.settings.region}, env))  # fmt: skip
            else:
                floor_replayable = False
            if i == 0:
                continue
            imports.add(child["import_ns"])
            events.add(child["event_ns"])
            totals.add(child["import_ns"] + child["event_ns"])
            if floor_ns is not None:
                floors.add(floor_ns)
            loaded.update(child["loaded"])
            responses.append(child["response"])
    return {
        "event": event.name,
        "handler": event.handler_path,
        "import": imports.summary(),
        "first_event": events.summary(),
        "total": totals.summary(),
        "floor": event.floor if floor_replayable else f"{event.floor} (not replayable: reads what a call answers)",
        "floor_time": floors.summary() if floors.values else None,
        "ratio": ratio(totals.median, floors.median) if floors.values else None,
        "loaded_after_first_event": sorted(loaded),
        "not_loaded": [m for m in WATCHED if m not in loaded],
        "responses": responses[-1:],
    }


def run(runs: int = 5, events: tuple[ColdEvent, ...] = EVENTS) -> dict[str, Any]:
    return {
        "title": "Cold start (first event)",
        "unit": UNIT,
        "runs": runs,
        "rows": [measure(event, runs) for event in events],
    }
