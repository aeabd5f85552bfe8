"""Which handlers exist, and the representative managed event of each, with the floor of its job.

Handlers are discovered from `orchestrator.events.patterns.event_routes` (the same list the stack and the
emulator read). A handler whose module does not import yet is skipped with the import error as its note.

A case says, for one handler:
- `setup`: what the account must hold once (an app declared, services created...), not measured;
- `prepare(world, i)`: builds the i-th event, distinct from every other (its own id and its own build),
  after any unmeasured events that must come first, so the measured event does real work;
- `bare(world, i)`: the bare boto3 calls that the handler's job needs at minimum, on the same moto table,
  measured as the floor;
- `bare_duplicate(world, i)`: the floor of recognising a redelivery (one read of one item).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from bench.world import World, declare_apps
from orchestrator.adapters.clients import client
from orchestrator.events.patterns import CODEBUILD_HANDLER, event_routes
from orchestrator.local.aws_events import CODEBUILD_PHASES, codebuild_build_events
from orchestrator.pipeline import keys
from orchestrator.settings import get_settings

BENCH_APP = "bench"
FLOOR_PK = "APP#bench-floor"  # the floor's own items, next to the handler's in the same table
START = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
Event = dict[str, Any]


@dataclass(frozen=True)
class HandlerCase:
    handler_path: str
    event: str  # the representative event, in words
    floor: str  # the floor, in words
    floor_calls: int  # how many bare calls the floor makes
    setup: Callable[[World], None]
    prepare: Callable[[World, int], Event]
    bare: Callable[[World, int], None]
    duplicate_floor: str = "1 GetItem"

    def bare_duplicate(self, world: World, i: int) -> None:
        client("dynamodb").get_item(
            TableName=world.settings.table_name,
            Key={"primary_id": {"S": FLOOR_PK}, "secondary_id": {"S": f"DUP#{i:010d}"}},
            ConsistentRead=True,
        )


@dataclass(frozen=True)
class Discovered:
    route: str
    handler_path: str
    importable: bool
    note: str = ""


def discover_handlers() -> list[Discovered]:
    settings = get_settings()
    found: list[Discovered] = []
    for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
        module, _, attribute = route.handler.rpartition(".")
        try:
            imported = import_module(module)
        except Exception as error:  # a handler still being written: skip it, say why
            found.append(Discovered(route.name, route.handler, False, f"does not import yet: {error!r}"[:200]))
            continue
        if not callable(getattr(imported, attribute, None)):
            found.append(Discovered(route.name, route.handler, False, f"{module} has no `{attribute}` yet"))
            continue
        found.append(Discovered(route.name, route.handler, True))
    return found


# --- CodeBuild: a Build Phase Change (BUILD succeeded) for a build whose IN_PROGRESS is recorded ----------


def build_number(world: World, i: int) -> int:
    """Build numbers of measured events start after any history the scale figure recorded."""
    return int(world.state.get("first_build", 1)) + i


def codebuild_events(app: str, number: int) -> list[Event]:
    """The 12 events of one successful build: IN_PROGRESS, 10 phase changes, SUCCEEDED."""
    return codebuild_build_events(
        project=f"{app}-build",
        build_uuid=f"00000000-0000-0000-0000-{number:012d}",
        build_number=number,
        commit=f"{number:040x}",
        start=START,
    )


PHASE_EVENT_INDEX = CODEBUILD_PHASES.index("BUILD") + 1  # events[0] is IN_PROGRESS


def _codebuild_setup(world: World) -> None:
    declare_apps([BENCH_APP])


def _codebuild_prepare(world: World, i: int) -> Event:
    events = codebuild_events(BENCH_APP, build_number(world, i))
    world.invoke(CODEBUILD_HANDLER, events[0])  # the build is started and recorded, not measured
    return events[PHASE_EVENT_INDEX]


def _codebuild_bare(world: World, i: int) -> None:
    """One conditional UpdateItem that moves one phase of one build record forward."""
    client("dynamodb").update_item(
        TableName=world.settings.table_name,
        Key={"primary_id": {"S": FLOOR_PK}, "secondary_id": {"S": keys.build_sk(build_number(world, i))}},
        UpdateExpression="SET #phase = :phase",
        ConditionExpression="attribute_not_exists(#phase.#end)",
        ExpressionAttributeNames={"#phase": "build", "#end": "end"},
        ExpressionAttributeValues={
            ":phase": {
                "M": {
                    "state": {"S": "succeeded"},
                    "start": {"N": "1793534400"},
                    "end": {"N": "1793534435"},
                    "arns": {"L": [{"S": f"arn:aws:codebuild:us-east-1:123456789012:build/bench-build:{i}"}]},
                    "logs": {"S": "https://console.aws.amazon.com/cloudwatch/home"},
                }
            }
        },
    )


CODEBUILD_CASE = HandlerCase(
    handler_path=CODEBUILD_HANDLER,
    event="Build Phase Change (BUILD succeeded), build already IN_PROGRESS",
    floor="1 UpdateItem (conditional, same table)",
    floor_calls=1,
    setup=_codebuild_setup,
    prepare=_codebuild_prepare,
    bare=_codebuild_bare,
)


CASES: dict[str, HandlerCase] = {case.handler_path: case for case in (CODEBUILD_CASE,)}
