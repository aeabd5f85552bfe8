"""Figure 6: the CLI as a user feels it, in wall time of whole processes.

Each sample is one `orchestrator ...` process; the baseline is `python -c "import boto3"`, run interleaved
with them in the same run. Help must stay below the baseline (nothing heavy is imported for it), a table
command against the emulator within 2x. `local up` is timed from the command to its prompt (the emulator
is ready then), each cold start beside an `import boto3` sample, then the `local register` that follows it at
once (it waits for the emulator's ECS and EC2, made after ready); `demo` is timed to its first line of output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.environment import subprocess_environment
from bench.measure import Samples, ratio

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "orchestrator")
BASELINE = [sys.executable, "-c", "import boto3"]
HELP = {"orchestrator --help": ["--help"], "orchestrator build --help": ["build", "--help"]}
TABLES = {"orchestrator build list -a demo": ["build", "list", "-a", "demo"], "orchestrator ps -a demo": ["ps", "-a", "demo"]}
TARGETS = {"help": 1.0, "table": 2.0}  # at most this many times `import boto3` (the targets)


def _wall_ns(command: list[str], env: dict[str, str]) -> int:
    started = time.perf_counter_ns()
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True, timeout=300)
    return time.perf_counter_ns() - started


def _cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=timeout)


def _first_line_ns(command: list[str], env: dict[str, str]) -> int:
    """Time until the process prints its first line (stdout or stderr), then stop it."""
    started = time.perf_counter_ns()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        process.stdout.readline()
        return time.perf_counter_ns() - started
    finally:
        process.terminate()
        process.wait(timeout=60)


def run(runs: int = 7, ups: int = 2) -> dict[str, Any]:
    base_env = subprocess_environment()
    samples: dict[str, Samples] = {name: Samples() for name in ["import boto3", *HELP, *TABLES]}
    up_samples, up_baseline, first_command, demo_samples = Samples(), Samples(), Samples(), Samples()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as state:
        env = {**base_env, "ORCHESTRATOR_LOCAL_STATE_DIR": state}
        for _ in range(ups):  # each a cold start of the emulator, stopped after; the baseline interleaved
            up_baseline.add(_wall_ns(BASELINE, base_env))
            started = time.perf_counter_ns()
            endpoint = _cli(env, "local", "up").stdout.splitlines()[0].split("=", 1)[1]
            up_samples.add(time.perf_counter_ns() - started)
            # Ready means ready: the next command works at once (it waits only for what it needs).
            first_command.add(_wall_ns([CLI, "local", "register", "demo"], {**env, "AWS_ENDPOINT_URL": endpoint}))
            _cli(env, "local", "down")
        exports = _cli(env, "local", "up").stdout
        try:
            endpoint = exports.splitlines()[0].split("=", 1)[1]
            emulator = {**env, "AWS_ENDPOINT_URL": endpoint}
            _cli(emulator, "local", "register", "demo")
            _cli(emulator, "build", "start", "-a", "demo")
            _cli(emulator, "build", "watch", "1", "-a", "demo", "--interval", "0.5", "--json")  # deployed
            for command in [BASELINE, *([CLI, *args] for args in HELP.values())]:  # warm-up, not counted
                _wall_ns(command, base_env)
            for args in TABLES.values():
                _wall_ns([CLI, *args], emulator)
            for _ in range(runs):  # interleaved: drift on a shared machine hits every command alike
                samples["import boto3"].add(_wall_ns(BASELINE, base_env))
                for name, args in HELP.items():
                    samples[name].add(_wall_ns([CLI, *args], base_env))
                for name, args in TABLES.items():
                    samples[name].add(_wall_ns([CLI, *args], emulator))
        finally:
            _cli(env, "local", "down")
        for _ in range(max(1, ups)):
            demo_samples.add(_first_line_ns([CLI, "demo"], {**base_env, "TERM": os.environ.get("TERM", "dumb")}))
    baseline = samples["import boto3"].median
    rows = [
        {"command": name, "kind": kind, "time": samples[name].summary(), "ratio": ratio(samples[name].median, baseline),
         "target_ratio": TARGETS[kind]}
        for kind, names in (("help", HELP), ("table", TABLES))
        for name in names
    ]  # fmt: skip
    return {
        "title": "CLI (whole processes, wall time)",
        "unit": 'ratio: median wall time of the command / median wall time of python -c "import boto3"',
        "runs": runs,
        "baseline": {"command": 'python -c "import boto3"', "time": samples["import boto3"].summary()},
        "rows": rows,
        "local_up": {"time": up_samples.summary(), "target_s": 3.0, "baseline": up_baseline.summary(),
                     "ratio": ratio(up_samples.median, up_baseline.median),
                     "then_register": first_command.summary()},
        "demo_first_line": {"time": demo_samples.summary()},
    }
