"""Figure 3: cold start, as the import time of each handler module in a fresh interpreter.

Each sample is a new `python -c` that times `import <module>` with perf_counter_ns; the baseline is
`import boto3` in the same kind of interpreter, run interleaved with the handlers. Median of several runs.
Bytecode is already compiled (as in a Lambda asset that ships .pyc files or after the first import): a warm-up
import per module, not counted, writes it. The same figure is taken in the pinned Lambda environment
(python3.12, the asset, the layer's packages and the runtime's boto3: bench/lambda_environment.py).

Beside it, `bench/cold_event.py` takes the cold INVOCATION: import plus the first event of its kind, so that
deferring imports to the first event cannot pass for a cheaper cold start.

A separate run per handler checks that the import builds no boto3 client (it patches botocore's
`Session.create_client` before importing) and reads `-X importtime` to say which packages the time goes to.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import cold_event
from bench.cases import discover_handlers
from bench.environment import subprocess_environment
from bench.lambda_environment import LambdaInterpreter
from bench.lambda_environment import build as build_lambda_environment
from bench.measure import Samples, ms, ratio
from orchestrator.review_apps import GITHUB_WEBHOOK_HANDLER

UNIT = "ratio: median import time of the handler module / median import time of boto3 (fresh interpreters)"
ROOT = Path(__file__).resolve().parent.parent
BASELINE = "boto3"

_TIMER = "import time; t = time.perf_counter_ns(); import {module}; print(time.perf_counter_ns() - t)"
_CLIENT_SPY = """
import json, sys, botocore.session
created = []
original = botocore.session.Session.create_client
def spy(self, *args, **kwargs):
    frame, creator = sys._getframe(1), "?"
    while frame is not None:  # the innermost caller outside boto3/botocore
        name = frame.f_globals.get("__name__", "")
        if name.split(".")[0] not in {"boto3", "botocore"}:
            creator = name
            break
        frame = frame.f_back
    created.append({"service": args[0] if args else kwargs.get("service_name"), "created_by": creator})
    return original(self, *args, **kwargs)
botocore.session.Session.create_client = spy
import {module}
print(json.dumps(created))
"""


def _python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=ROOT,
        env=subprocess_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def import_ns(module: str) -> int:
    return int(_python(_TIMER.format(module=module)).stdout.strip().splitlines()[-1])


def lambda_import_ns(interpreter: LambdaInterpreter, module: str) -> int:
    """The same timing in the pinned Lambda environment (python3.12, asset + layer + runtime boto3)."""
    result = subprocess.run(interpreter.command(_TIMER.format(module=module)), cwd=tempfile.gettempdir(),
                            env=subprocess_environment(), capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    return int(result.stdout.strip().splitlines()[-1])


def run_in_lambda_environment(modules: list[str], runs: int) -> dict[str, Any]:
    """Each handler's import against `import boto3`, both in the pinned Lambda environment; interleaved."""
    with tempfile.TemporaryDirectory(prefix="bench-lambda-env-") as root:
        interpreter = build_lambda_environment(Path(root))
        if isinstance(interpreter, str):
            return {"skipped": interpreter}
        samples: dict[str, Samples] = {name: Samples() for name in [BASELINE, *modules]}
        for name in samples:  # warm-up, not counted: writes the bytecode (an asset would ship it)
            lambda_import_ns(interpreter, name)
        for _ in range(runs):
            for name in samples:
                samples[name].add(lambda_import_ns(interpreter, name))
    baseline = samples[BASELINE]
    return {
        "python": interpreter.python,
        "baseline": {"module": BASELINE, "time": baseline.summary()},
        "rows": [
            {"module": m, "time": samples[m].summary(), "ratio": ratio(samples[m].median, baseline.median)}
            for m in modules
        ],
    }


def clients_built_on_import(module: str) -> list[dict[str, str]]:
    """Every botocore client created while importing `module`: its service and the module that built it."""
    created: list[dict[str, str]] = json.loads(
        _python(_CLIENT_SPY.replace("{module}", module)).stdout.strip().splitlines()[-1]
    )
    return created


def import_breakdown(module: str, top: int = 6) -> list[dict[str, Any]]:
    """Self time of every module imported, added up by top-level package (`-X importtime`)."""
    stderr = _python(f"import {module}", "-X", "importtime").stderr
    totals: dict[str, int] = defaultdict(int)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3:
            continue
        name = fields[2].strip()
        totals[name.split(".")[0]] += int(fields[0].strip())
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [{"package": name, "self_ms": round(us / 1000, 1)} for name, us in ranked]


def run(
    runs: int = 9,
    breakdown: bool = True,
    modules: list[str] | None = None,
    lambda_environment: bool = True,
    first_event: bool = True,
) -> dict[str, Any]:
    """`modules`: the handler modules to measure (default: every handler that imports)."""
    skipped: list[dict[str, str]] = []
    if modules is None:
        modules = []
        for found in discover_handlers():
            if found.importable:
                modules.append(found.handler_path.rpartition(".")[0])
            else:
                skipped.append({"handler": found.handler_path, "note": found.note})
        modules.append(GITHUB_WEBHOOK_HANDLER.rpartition(".")[0])  # behind its function URL, not an event route
    samples: dict[str, Samples] = {name: Samples() for name in [BASELINE, *modules]}
    for name in samples:  # warm-up, not counted: writes any bytecode still missing
        import_ns(name)
    for _ in range(runs):  # interleaved, so drift on a shared machine hits every module alike
        for name in samples:
            samples[name].add(import_ns(name))
    baseline = samples[BASELINE]
    rows = []
    for module in modules:
        created = clients_built_on_import(module)
        rows.append(
            {
                "module": module,
                "time": samples[module].summary(),
                "unit": "ms",
                "floor": f"import {BASELINE}",
                "floor_time": baseline.summary(),
                "ratio": ratio(samples[module].median, baseline.median),
                "clients_built_on_import": created,
                "orchestrator_clients_on_import": [c for c in created if c["created_by"].startswith("orchestrator")],
                "no_orchestrator_client_at_import": not any(
                    c["created_by"].startswith("orchestrator") for c in created
                ),
                "heaviest_packages": import_breakdown(module) if breakdown else [],
            }
        )
    return {
        "title": "Cold start (import)",
        "unit": UNIT,
        "runs": runs,
        "baseline": {"module": BASELINE, "time": baseline.summary(), "median_ms": ms(baseline.median)},
        "rows": rows,
        "skipped": skipped,
        "lambda_environment": run_in_lambda_environment(modules, runs)
        if lambda_environment
        else {"skipped": "not asked"},
        "first_event": cold_event.run(runs) if first_event else {"skipped": "not asked"},
    }
