"""Where a record-only event's time goes: `python -m bench.per_event codebuild|deployment [EVENTS]`.

Runs a handler case of figure 1 (bench/cases.py) for EVENTS events after 3 unmeasured ones and prints, for the
first delivery and for the duplicate, the median handler time split into time inside botocore calls (botocore
and in-process moto) and the rest (the orchestrator's Python, pydantic, Powertools), beside the case's floor,
and the median time of each AWS operation the first delivery makes. A diagnostic, not a figure: the medians of
one process on a loaded machine; compare runs taken interleaved.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from bench.environment import prepare

prepare()

import botocore.client  # noqa: E402  (after the environment is set, like the rest of the bench)

from bench.cases import CODEBUILD_CASE, ECS_DEPLOYMENT_CASE, HandlerCase  # noqa: E402
from bench.world import fresh_world  # noqa: E402

CASES = {"codebuild": CODEBUILD_CASE, "deployment": ECS_DEPLOYMENT_CASE}
WARMUP = 3


class CallClock:
    """Time spent inside botocore's `_make_api_call`, in total and by operation while `recording`."""

    def __init__(self) -> None:
        self.inside = 0.0
        self.recording = False
        self.by_operation: dict[str, list[float]] = {}
        self._original = botocore.client.BaseClient._make_api_call

    def install(self) -> None:
        clock, original = self, self._original

        def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
            start = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                elapsed = time.perf_counter() - start
                clock.inside += elapsed
                if clock.recording:
                    clock.by_operation.setdefault(operation, []).append(elapsed)

        botocore.client.BaseClient._make_api_call = timed  # type: ignore[method-assign]


def run(case: HandlerCase, events: int) -> None:
    clock = CallClock()
    clock.install()
    samples: dict[str, list[tuple[float, float]]] = {"first": [], "duplicate": []}
    floors: dict[str, list[float]] = {"first": [], "duplicate": []}
    with fresh_world() as world:
        case.setup(world)
        for i in range(WARMUP + events):
            event = case.prepare(world, i)
            for kind in ("first", "duplicate"):
                clock.inside, clock.recording = 0.0, kind == "first" and i >= WARMUP
                start = time.perf_counter()
                world.invoke(case.handler_path, event)
                total = time.perf_counter() - start
                clock.recording = False
                if i >= WARMUP:
                    samples[kind].append((total, clock.inside))
            start = time.perf_counter()
            case.bare(world, i)
            middle = time.perf_counter()
            case.bare_duplicate(world, i)
            end = time.perf_counter()
            if i >= WARMUP:
                floors["first"].append(middle - start)
                floors["duplicate"].append(end - middle)
    median = statistics.median
    for kind, rows in samples.items():
        total, inside = median(r[0] for r in rows), median(r[1] for r in rows)
        rest, floor = median(r[0] - r[1] for r in rows), median(floors[kind])
        print(
            f"{kind}: {total * 1e3:.1f} ms = calls {inside * 1e3:.1f} + the rest {rest * 1e3:.1f} (medians); "
            f"floor {floor * 1e3:.1f} ms; ratio {total / floor:.2f}x"
        )
    for operation, times in sorted(clock.by_operation.items()):
        print(f"  {operation}: {len(times) // max(events, 1)} per event, median {median(times) * 1e3:.1f} ms")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in CASES:
        print(f"usage: python -m bench.per_event {{{'|'.join(CASES)}}} [EVENTS]", file=sys.stderr)
        return 2
    run(CASES[argv[0]], int(argv[1]) if len(argv) > 1 else 30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
