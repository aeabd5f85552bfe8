"""Logs, build logs, releases and rollback from the operator CLI, on scenarios run in the emulator."""

from __future__ import annotations

import json
from dataclasses import dataclass

from typer.testing import CliRunner

from orchestrator.adapters.clients import client
from orchestrator.cli.main import app
from orchestrator.errors import UserError
from orchestrator.local.emulator import Emulator
from orchestrator.local.scenarios import ScenarioRunner, load_scenario


@dataclass
class Ran:
    exit_code: int
    stdout: str
    error: str  # the one line the console entry point prints for a user error


def run(emulator: Emulator, *args: str) -> Ran:
    """In-process (one moto server per test); a UserError is what `main()` turns into one line and its code."""
    result = CliRunner().invoke(app, ["--endpoint-url", emulator.endpoint_url, *args])
    if isinstance(result.exception, UserError):
        return Ran(result.exception.code, result.stdout, str(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_a_failed_build_shows_its_failing_phase_log() -> None:
    with Emulator() as emulator:
        assert ScenarioRunner(load_scenario("build-failed"), emulator).run().passed
        status = run(emulator, "build", "status", "1", "-a", "shop", "--json")
        assert status.exit_code == 0, status.error
        tail = json.loads(status.stdout)["failed_log_tail"]
        assert any("Phase complete: BUILD State: FAILED" in line for line in tail), tail
        human = run(emulator, "build", "status", "1", "-a", "shop")
        assert "last lines of the build log" in human.stdout
        logs = run(emulator, "build", "logs", "1", "-a", "shop", "--json")
        assert logs.exit_code == 0, logs.error
        assert json.loads(logs.stdout)["log"].startswith("cloudwatch:///aws/codebuild/")
        missing = run(emulator, "build", "logs", "1", "-a", "shop", "--phase", "release")
        assert missing.exit_code == 1
        assert "has no release log" in missing.error


def test_logs_releases_and_rollback_of_a_deployed_app() -> None:
    with Emulator() as emulator:
        runner = ScenarioRunner(load_scenario("rollback"), emulator)
        assert runner.run().passed
        lines = json.loads(run(emulator, "logs", "-a", "shop", "--since", "1w", "--json").stdout)
        assert {line["process"] for line in lines} == {"web", "worker"}, lines  # the release task runs as web
        assert any("release started" in line["message"] for line in lines), lines
        web_only = json.loads(run(emulator, "logs", "-a", "shop", "-p", "web", "--since", "1w", "--json").stdout)
        assert web_only
        assert {line["process"] for line in web_only} == {"web"}
        followed = run(
            emulator, "logs", "-a", "shop", "--since", "1w", "-f", "--for", "0.5", "--interval", "0.1", "--json"
        )
        assert followed.exit_code == 0, followed.error
        assert len(followed.stdout.splitlines()) == len(lines)  # each line once, one JSON object a line

        releases = json.loads(run(emulator, "releases", "-a", "shop", "--json").stdout)
        assert [(r["version"], r["kind"], r["build_number"], r["status"]) for r in releases] == [
            (3, "rollback", 1, "deployed"), (2, "deploy", 2, "deployed"), (1, "deploy", 1, "deployed"),
        ]  # fmt: skip
        table = run(emulator, "releases", "-a", "shop")
        assert "rollback to v1" in table.stdout

        # Back to v2 (build 2) from the CLI: the request parameter is written, the parameter handler performs it,
        # recorded with the parameter writer's identity, tracked to deployed.
        started = run(emulator, "rollback", "v2", "-a", "shop", "--detach", "--json")
        assert started.exit_code == 0, started.error
        asked = json.loads(started.stdout)
        assert (asked["app"], asked["version"]) == ("shop", 2)
        emulator.run_until_idle()
        newest = json.loads(run(emulator, "releases", "-a", "shop", "-n", "1", "--json").stdout)[0]
        assert (newest["version"], newest["description"], newest["status"]) == (4, "rollback to v2", "deployed")
        assert newest["caller"].startswith("arn:aws:"), newest["caller"]

        # Every release names who made it: the build's initiator, a parameter's writer (LastModifiedUser).
        assert run(emulator, "config", "set", "FEATURE=on", "-a", "shop").exit_code == 0
        emulator.run_until_idle()
        history = json.loads(run(emulator, "releases", "-a", "shop", "--json").stdout)
        assert (history[0]["kind"], history[0]["version"]) == ("config", 5)
        assert history[0]["caller"].startswith("arn:aws:"), history[0]["caller"]
        assert {r["caller"] for r in history if r["kind"] == "deploy"} == {"orchestrator"}  # the emulator's initiator

        # Build 1's image is gone: the handler refuses the rollback and changes nothing; `releases` says why.
        client("ecr").batch_delete_image(repositoryName="orchestrator/shop", imageIds=[{"imageTag": "build-1"}])
        assert run(emulator, "rollback", "1", "-a", "shop", "--detach").exit_code == 0
        emulator.run_until_idle()
        assert len(json.loads(run(emulator, "releases", "-a", "shop", "--json").stdout)) == 5
        table = run(emulator, "releases", "-a", "shop")
        assert "refused" in table.stdout
        assert "no longer exists in ECR" in table.stdout
        bad = run(emulator, "rollback", "latest", "-a", "shop")
        assert bad.exit_code == 2
