"""Figure 1: handler overhead, and the duplicate-delivery path.

For each handler that exists, the median time to process one representative managed event against in-process
moto, divided by the median time of the bare boto3 calls its job needs at minimum, measured interleaved with
it in the same moto account (so drift on a noisy machine hits both). Each iteration also re-delivers the same
event (same id): Powertools idempotency should answer it from its record, and its floor is one GetItem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench.cases import CASES, HandlerCase, discover_handlers
from bench.environment import LOG_LEVEL
from bench.measure import Samples, ms, ratio, time_ns
from bench.world import CallMeter, World, fresh_world
from orchestrator.observability import logger

UNIT = "ratio: median handler time / median floor time (same run, same moto)"


@dataclass(frozen=True)
class Iterations:
    warmup: int
    measured: int


FULL = Iterations(warmup=5, measured=60)
QUICK = Iterations(warmup=1, measured=4)


def _timed_count(world: World, handler_path: str, event: dict[str, Any]) -> tuple[int, Any, CallMeter]:
    world.meter.reset()
    with world.meter.counting():
        start = time.perf_counter_ns()
        response = world.invoke(handler_path, event)
        elapsed = time.perf_counter_ns() - start
    snapshot = world.meter.snapshot()
    world.meter.reset()
    return elapsed, response, snapshot


def measure_case(world: World, case: HandlerCase, iterations: Iterations) -> dict[str, Any]:
    if case.measured is not None and case.measured < iterations.measured:
        iterations = Iterations(warmup=min(iterations.warmup, 2), measured=case.measured)
    case.setup(world)
    first, duplicate = Samples(), Samples()
    floor, duplicate_floor = Samples(), Samples()
    first_calls: CallMeter | None = None
    duplicate_calls: CallMeter | None = None
    calls_stable = True
    responses: tuple[Any, Any] | None = None
    for i in range(iterations.warmup + iterations.measured):
        event = case.prepare(world, i)
        t_first, response, calls = _timed_count(world, case.handler_path, event)
        t_duplicate, duplicate_response, dup_calls = _timed_count(world, case.handler_path, event)
        t_floor = time_ns(lambda i=i: case.bare(world, i))  # type: ignore[misc]
        t_duplicate_floor = time_ns(lambda i=i: case.bare_duplicate(world, i))  # type: ignore[misc]
        if i < iterations.warmup:
            continue
        if first_calls is None:
            first_calls, duplicate_calls, responses = calls, dup_calls, (response, duplicate_response)
        elif calls.calls != first_calls.calls or dup_calls.calls != (duplicate_calls or dup_calls).calls:
            calls_stable = False
        first.add(t_first)
        duplicate.add(t_duplicate)
        floor.add(t_floor)
        duplicate_floor.add(t_duplicate_floor)
    if first_calls is None or duplicate_calls is None or responses is None:
        raise RuntimeError("no measured iteration")
    return {
        "handler": case.handler_path,
        "event": case.event,
        "time": first.summary(),
        "floor": case.floor,
        "floor_time": floor.summary(),
        "unit": "ms",
        "ratio": ratio(first.median, floor.median),
        "calls_per_event": first_calls.by_operation(),
        "calls_total": first_calls.total(),
        "dynamodb_calls_by_item": first_calls.by_item_kind(),
        "floor_calls": case.floor_calls,
        "calls_identical_every_iteration": calls_stable,
        "response": _jsonable(responses[0]),
        "duplicate": {
            "event": "the same event again (same EventBridge id)",
            "time": duplicate.summary(),
            "floor": case.duplicate_floor,
            "floor_time": duplicate_floor.summary(),
            "ratio": ratio(duplicate.median, duplicate_floor.median),
            "calls_per_event": duplicate_calls.by_operation(),
            "calls_total": duplicate_calls.total(),
            "same_response": responses[0] == responses[1],
        },
    }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, dict | list | str | int | float | bool | type(None)) else repr(value)


def _retry_quieter(case: HandlerCase, iterations: Iterations, failure: str) -> dict[str, Any] | None:
    """A handler that fails only because of how it logs (a bug to report) is measured again at WARNING,
    and the row says so."""
    previous = logger.log_level
    logger.setLevel("WARNING")
    try:
        with fresh_world() as world:
            row = measure_case(world, case, iterations)
    except Exception:
        return None
    finally:
        logger.setLevel(previous)
    row["log_level"] = "WARNING"
    row["failure_at_default_log_level"] = failure
    return row


def run(iterations: Iterations = FULL) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for found in discover_handlers():
        if not found.importable:
            skipped.append({"handler": found.handler_path, "note": found.note})
            continue
        case = CASES.get(found.handler_path)
        if case is None:
            skipped.append({"handler": found.handler_path, "note": "no representative event in bench/cases.py yet"})
            continue
        try:
            with fresh_world() as world:
                rows.append(measure_case(world, case, iterations))
        except Exception as error:  # a handler mid-development must not stop the other figures
            failure = f"raised at log level {LOG_LEVEL}: {error!r}"[:300]
            row = _retry_quieter(case, iterations, failure)
            if row is None:
                skipped.append({"handler": found.handler_path, "note": f"failed during the benchmark: {failure}"})
            else:
                rows.append(row)
    return {
        "title": "Handler overhead",
        "unit": UNIT,
        "iterations": {"warmup": iterations.warmup, "measured": iterations.measured},
        "rows": rows,
        "skipped": skipped,
    }


__all__ = ["FULL", "QUICK", "Iterations", "measure_case", "ms", "run"]
