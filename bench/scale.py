"""Figure 4: the per-event cost as the table grows (apps registered, builds recorded).

One moto account grows through the sizes, filled with BatchWriteItem: first 1 app and no history (the
baseline), then 10,000 build records under the measured app (the worst case for any query over its history),
then 100 and 1,000 apps (settings, CONFIG#ecs and lookup items each: the worst case for a Scan). The build
records are clones of a real one that the CodeBuild handler recorded, so they have their real size.
At each size the same representative events as figure 1 are measured.

Flat means: the same API calls, the same number of DynamoDB items read, and no Scan, at every size. The
harness checks it and says so loudly when it is not. Time is reported too, with the bare floor measured at
the same size; moto's own cost can vary with table size (its Query sorts a whole partition), so calls and
items read are the proof and time is the indication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.cases import BENCH_APP, CASES, HandlerCase, discover_handlers
from bench.container import codebuild_events
from bench.measure import Samples, ratio, time_ns
from bench.world import CallMeter, World, declaration, fresh_world, put_items
from orchestrator.adapters.store import Store
from orchestrator.events.patterns import CODEBUILD_HANDLER
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import app_items

UNIT = "API calls and ms per event; ratio: median time / median floor time at the same size"


@dataclass(frozen=True)
class Size:
    apps: int
    builds: int

    @property
    def label(self) -> str:
        return f"{self.apps:,} apps, {self.builds:,} builds"


FULL_SIZES = (Size(1, 0), Size(1, 10_000), Size(100, 10_000), Size(1_000, 10_000))
QUICK_SIZES = (Size(1, 0), Size(1, 40), Size(5, 40))
TEMPLATE_BUILD = 1


def _template_build(world: World) -> dict[str, Any]:
    """A finished build record, written by the CodeBuild handler itself (so it has its real size)."""
    for event in codebuild_events(BENCH_APP, TEMPLATE_BUILD):
        world.invoke(CODEBUILD_HANDLER, event)
    item = Store().get(keys.app_pk(BENCH_APP), keys.build_sk(TEMPLATE_BUILD))
    if item is None:
        raise RuntimeError("the CodeBuild handler did not record the template build")
    return item


def grow(world: World, size: Size) -> int:
    """Add apps and history up to `size` (sizes only grow); returns the measured app's history length.
    Measured events use the build numbers after it (`first_build`)."""
    apps = int(world.state.get("apps", 0))
    if apps == 0:
        put_items(app_items(declaration(BENCH_APP)))
        world.state["template"] = _template_build(world)
        world.state["first_build"] = TEMPLATE_BUILD + 1
        apps = 1
    put_items([item for n in range(apps, size.apps) for item in app_items(declaration(f"app-{n:04d}"))])
    world.state["apps"] = max(apps, size.apps)
    recorded = int(world.state.get("history_builds", 0))
    template: dict[str, Any] = world.state["template"]
    first = int(world.state["first_build"])
    clones = [
        {**template, "secondary_id": keys.build_sk(number), "build_number": number, "commit": f"{number:040x}"}
        for number in range(first, first + max(0, size.builds - recorded))
    ]
    put_items(clones)
    world.state["history_builds"] = recorded + len(clones)
    world.state["first_build"] = first + len(clones)
    return int(world.state["first_build"]) - 1


def measure(world: World, case: HandlerCase, events: int) -> dict[str, Any]:
    case.setup(world)
    times, floors = Samples(), Samples()
    calls: list[CallMeter] = []
    for i in range(events + 1):  # the first event of each size is a warm-up
        event = case.prepare(world, i)
        world.meter.reset()
        with world.meter.counting():
            elapsed = time_ns(lambda event=event: world.invoke(case.handler_path, event))  # type: ignore[misc]
        snapshot = world.meter.snapshot()
        floor = time_ns(lambda i=i: case.bare(world, i))  # type: ignore[misc]
        if i == 0:
            continue
        times.add(elapsed)
        floors.add(floor)
        calls.append(snapshot)
    first = calls[0]
    return {
        "time": times.summary(),
        "floor_time": floors.summary(),
        "ratio": ratio(times.median, floors.median),
        "calls_per_event": first.by_operation(),
        "calls_total": first.total(),
        "items_read_per_event": first.items_read,
        "scans": sum(c.scans for c in calls),
        "identical_every_event": all(c.calls == first.calls and c.items_read == first.items_read for c in calls),
    }


def run(sizes: tuple[Size, ...] = FULL_SIZES, events: int = 30, handlers: set[str] | None = None) -> dict[str, Any]:
    """`handlers`: limit to these handler paths (default: every importable handler whose case scales)."""
    found = [CASES.get(d.handler_path) for d in discover_handlers() if d.importable]
    scaled = [c for c in found if c is not None and c.scale and (handlers is None or c.handler_path in handlers)]
    rows: list[dict[str, Any]] = []
    with fresh_world() as world:
        for size in sizes:
            for case in scaled:
                history = grow(world, size)
                count = min(events, case.measured // 2) if case.measured else events
                rows.append({"handler": case.handler_path, "event": case.event, "apps": size.apps,
                             "builds": size.builds, "measured_app_history": history, "floor": case.floor,
                             **measure(world, case, count)})  # fmt: skip
                world.state["first_build"] = int(world.state["first_build"]) + count + 1
    verdicts = []
    for case in scaled:
        own = [r for r in rows if r["handler"] == case.handler_path]
        same_calls = len({tuple(sorted(r["calls_per_event"].items())) for r in own}) == 1
        same_items = len({r["items_read_per_event"] for r in own}) == 1
        no_scan = all(r["scans"] == 0 for r in own)
        stable = all(r["identical_every_event"] for r in own)
        medians = [r["time"]["median_ms"] for r in own]
        verdicts.append(
            {
                "handler": case.handler_path,
                "flat": same_calls and same_items and no_scan and stable,
                "same_calls_at_every_size": same_calls,
                "same_items_read_at_every_size": same_items,
                "no_scan": no_scan,
                "time_spread": round(max(medians) / min(medians), 2) if medians else None,
                "ratio_spread": round(max(r["ratio"] for r in own) / min(r["ratio"] for r in own), 2) if own else None,
            }
        )
    return {
        "title": "Scale",
        "unit": UNIT,
        "events_per_size": events,
        "sizes": [{"apps": s.apps, "builds": s.builds} for s in sizes],
        "rows": rows,
        "verdicts": verdicts,
        "flat": all(v["flat"] for v in verdicts),
    }
