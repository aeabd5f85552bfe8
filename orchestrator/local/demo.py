"""`make demo`: a git push to a running app on this machine, through the real handlers.

It starts the embedded AWS, registers the demo app (the hello sample, a local folder: its processes run
for real), sets one config value, starts a CodeBuild build of a commit (what the GitHub webhook does on a
push), and lets the simulated AWS and the handlers take it from there, showing live progress. It ends with
the build record as a timeline, DEPLOYSTATUS, and one request to the app's URL through the local router.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from orchestrator.local.views import RECORD_PHASES, build_status, deploystatus_panel, state_text, timeline

DEMO_APP = "demo"
DEMO_SAMPLE = "hello"
DEMO_GREETING = "greetings from config"


def pipeline_deployed() -> bool:
    """Whether the release/deploy handlers exist in this checkout (the demo then expects a deploy)."""
    return all(
        importlib.util.find_spec(f"orchestrator.handlers.{name}") is not None for name in ("ecs_task", "ecs_deployment")
    )


def _progress(record: dict[str, Any] | None, feed: list[str], tick: int) -> Group:
    table = Table("phase", "state", title=f"build #1 of {DEMO_APP}  ·  simulated t+{tick * 5}s", title_justify="left")
    for phase in RECORD_PHASES:
        table.add_row(phase, state_text(((record or {}).get(phase) or {}).get("state")))
    events = Text("\n".join(feed[-8:]) or "waiting for the first event…", style="dim")
    return Group(table, Text("latest events", style="bold"), events)


@dataclass
class DemoResult:
    """What `demo --json` prints: the build record, DEPLOYSTATUS and the dead letters, if any."""

    app: str
    ok: bool = False
    outcome: str = "no build record"
    build: dict[str, Any] | None = None
    deploystatus: dict[str, Any] | None = None
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    events_handled: int = 0
    simulated_steps: int = 0
    url: str | None = None
    http_status: int | None = None  # of GET url through the local router
    http_first_line: str | None = None


def run_demo(console: Console, app: str = DEMO_APP, stacks: Path | None = None) -> DemoResult:
    """Run the demo, showing its progress on `console`; the result says whether the app was deployed.
    With `stacks` (a synthesized cloud assembly), its stacks are deployed into the embedded AWS and are
    what the demo runs on; otherwise the emulator creates the same resources itself (seconds faster)."""
    started = time.monotonic()
    what = f"the stacks of {stacks}" if stacks else "the orchestrator's resources"
    console.print(f"starting the embedded AWS (moto) and {what}…", style="dim")
    from orchestrator.adapters import operator as operations
    from orchestrator.adapters.clients import client
    from orchestrator.adapters.store import Store
    from orchestrator.local.emulator import Emulator
    from orchestrator.local.http_probe import request
    from orchestrator.local.resources import OwnResources
    from orchestrator.local.scenarios import source_folder
    from orchestrator.local.simulate import AppSource
    from orchestrator.local.stack_resources import StackResources
    from orchestrator.pipeline import keys
    from orchestrator.pipeline.deploystatus import deploystatus_value

    expect_deploy = pipeline_deployed()
    feed: list[str] = []
    result = DemoResult(app)
    resources = StackResources(cdk_out=stacks) if stacks is not None else OwnResources()
    with Emulator(resources=resources, serve_web=True) as emulator:
        console.print(Text.assemble(("embedded AWS", "bold"), f" (moto) at {emulator.endpoint_url}"))
        source = source_folder(DEMO_SAMPLE)
        project = emulator.register(app, source=AppSource(directory=source)).codebuild_project
        console.print(Text(f"registered app {app}: table items, CodeBuild project {project}, ECR repository"))
        console.print(Text(f"its source is the {DEMO_SAMPLE} sample ({source}): its processes run on this machine"))
        operations.config_set(operations.target_of(app), {"GREETING": DEMO_GREETING})
        console.print(Text(f"config set GREETING on {app} (an SSM SecureString)"))
        emulator.dispatcher.listeners.append(
            lambda inv: feed.append(
                f"{inv.detail_type:<30} → {inv.route:<15} {'ok' if inv.ok else 'FAILED: ' + str(inv.error)}"
                f"{'' if not isinstance(inv.response, dict) else '  ' + str(inv.response.get('status', ''))}"
            )
        )
        commit = hashlib.sha1(b"orchestrator demo push").hexdigest()
        client("codebuild").start_build(projectName=project, sourceVersion=commit)
        console.print(Text(f"git push {commit[:12]} → CodeBuild StartBuild"))
        store = Store()
        quiet = 0
        with Live(_progress(None, feed, 0), console=console, refresh_per_second=10, transient=True) as live:
            for _ in range(400):
                report = emulator.step()
                record = store.get(keys.app_pk(app), keys.build_sk(1))
                live.update(_progress(record, feed, report.tick))
                if emulator.local_pending:  # a release or a rollout runs for real: give it real time
                    time.sleep(0.05)
                    quiet = 0
                    continue
                quiet = quiet + 1 if report.active == 0 and emulator.scheduler.pending == 0 else 0
                if quiet >= 2:
                    break
        record = store.get(keys.app_pk(app), keys.build_sk(1))
        status = deploystatus_value(store.get(keys.app_pk(app), keys.DEPLOYSTATUS_SK))
        dead = emulator.dead_letters()
        result.dead_letters, result.deploystatus, result.build = dead, status, record
        result.events_handled, result.simulated_steps = len(emulator.dispatcher.invocations), emulator.clock.tick
        if record is None:
            console.print("no build record was written", style="red")
            return result
        console.print(timeline(record))
        console.print(deploystatus_panel(status))
        for letter in dead:
            console.print(Text.assemble(("dead letter ", "red"), f"{letter['function']}: {letter['error']}"))
        outcome = build_status(record)
        if emulator.router is not None and outcome == "deployed":
            from orchestrator.settings import get_settings

            result.url = emulator.router.url(f"{app}.{get_settings().apps_domain}")
            result.http_status, result.http_first_line = request(result.url)
            console.print(Text.assemble(("GET ", "bold"), f"{result.url} → ",
                                        (str(result.http_status), "green" if result.http_status == 200 else "red"),
                                        f"  {result.http_first_line}"))  # fmt: skip
        ok = not dead and (
            outcome == "deployed" and result.http_status == 200
            if expect_deploy
            else (record.get("finalize") or {}).get("state") == "succeeded"
        )
        result.ok, result.outcome = ok, outcome
        if not expect_deploy:
            console.print(
                "[yellow]the release/deploy handlers are not in this checkout yet: the demo stops after the build[/]"
            )
        took = time.monotonic() - started
        console.print(
            f"[{'green' if ok else 'red'}]{'✓' if ok else '✗'} {outcome}[/] · {len(emulator.dispatcher.invocations)} "
            f"events handled · {emulator.clock.tick} simulated steps · {took:.1f}s"
        )
        return result
