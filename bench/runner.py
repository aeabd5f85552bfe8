"""Run the figures and assemble results.json. Figure modules are imported here, after the environment is set."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import SCHEMA_VERSION, environment

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
FIGURES = ("handler_overhead", "pipeline", "cold_start", "scale", "package", "cli")


def _figure_runners(quick: bool) -> dict[str, Callable[[], dict[str, Any]]]:
    from bench import cli, coldstart, overhead, package, pipeline, scale

    return {
        "handler_overhead": lambda: overhead.run(overhead.QUICK if quick else overhead.FULL),
        "pipeline": pipeline.run,
        "cold_start": lambda: coldstart.run(runs=2 if quick else 5, breakdown=not quick, lambda_environment=not quick),
        "scale": lambda: scale.run(scale.QUICK_SIZES if quick else scale.FULL_SIZES, events=3 if quick else 20),
        "package": package.run,
        "cli": lambda: cli.run(runs=2 if quick else 7, ups=1 if quick else 2),
    }


def run_all(*, quick: bool = False, only: Iterable[str] = FIGURES, console: Console | None = None) -> dict[str, Any]:
    environment.prepare()
    from bench import machine, report

    console = console or Console(stderr=True)
    wanted = [name for name in FIGURES if name in set(only)]
    runners = _figure_runners(quick)
    results: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "command": "make bench" if not quick else "python -m bench --quick",
        "quick": quick,
        "machine": machine.describe(ROOT),
        "settings": {"log_level": environment.LOG_LEVEL, "aws": "moto, in process (mock_aws)"},
        "figures": {},
        "durations_s": {},
    }
    for name in wanted:
        started = time.perf_counter()
        with console.status(f"measuring {name.replace('_', ' ')}…"):
            results["figures"][name] = runners[name]()
        results["durations_s"][name] = round(time.perf_counter() - started, 1)
        console.log(f"{name.replace('_', ' ')}: done in {results['durations_s'][name]} s")
    results["summary"] = report.summary(results)
    return results


def write(results: dict[str, Any], path: Path = RESULTS) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False, default=str) + "\n")
