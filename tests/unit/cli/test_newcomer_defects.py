"""Issue 15: what a new user met. Each test fails on the CLI as it was before the fix."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from tests.unit.cli.conftest import Cli, one_line_error


def _parameter(name: str) -> object:
    try:
        return json.loads(client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    except ClientError:
        return None
    except json.JSONDecodeError:
        return "not json"


# 1. A usage error needs no click (typer vendors its own; click only came with moto).
@pytest.mark.parametrize("args", [["build", "list"], ["nosuch"], ["ps", "scale"]])
def test_usage_errors_do_not_need_click(cli: Cli, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setitem(sys.modules, "click", None)  # `import click` now fails, as without the dev extras
    result = cli(*args)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert "Error:" in result.stderr


def test_demo_without_the_emulator_extra_names_it(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)
    for args in (["demo"], ["local", "up"], ["local", "run", "happy-path"]):
        assert "pip install 'orchestrator[local]'" in one_line_error(cli(*args), 1)


# 2. Endpoints are checked before botocore sees them.
@pytest.mark.parametrize("endpoint", ["notaurl", "127.0.0.1:4566", "ftp://127.0.0.1", "http://", "http://h:99999"])
def test_a_malformed_endpoint_is_a_usage_error(cli: Cli, endpoint: str) -> None:
    line = one_line_error(cli("--endpoint-url", endpoint, "apps"), 2)
    assert "--endpoint-url / AWS_ENDPOINT_URL" in line


@pytest.mark.usefixtures("shop")
def test_an_empty_endpoint_variable_means_aws(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    result = cli("apps", "--json")
    assert result.code == 0, result.stderr
    assert {a["name"] for a in json.loads(result.stdout)} == {"shop", "rev"}


def test_a_dead_emulator_endpoint_is_one_line_with_what_to_do(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORCHESTRATOR_LOCAL_STATE_DIR", str(tmp_path))  # no emulator runs there
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        line = one_line_error(cli("--endpoint-url", f"http://127.0.0.1:{port}", "apps"), 1)
    assert "Could not connect" in line
    assert "start one with `orchestrator local up`" in line


# 3 and 4. build watch ends at once for a build that does not exist, and for a superseded one.
@pytest.mark.usefixtures("shop")
def test_watching_a_build_that_does_not_exist_ends_at_once(cli: Cli) -> None:
    assert one_line_error(cli("build", "watch", "-a", "shop", "--timeout", "20"), 1).endswith(
        "shop has no builds yet; start one with `orchestrator build start -a shop`"
    )
    assert one_line_error(cli("build", "watch", "999", "-a", "shop", "--timeout", "20"), 1).endswith(
        "shop has no build #999 (it has no builds yet)"
    )
    _record(1, deploy={"state": "succeeded", "start": 1, "end": 2})
    assert "shop has no build #999 (the newest is #1)" in one_line_error(cli("build", "watch", "999", "-a", "shop", "--timeout", "20"), 1)


def _record(number: int, **phases: object) -> None:
    Store().put({"primary_id": keys.app_pk("shop"), "secondary_id": keys.build_sk(number), "app": "shop",
                 "build_number": number, "commit": "c" * 40, **phases})  # fmt: skip


@pytest.mark.usefixtures("shop")
def test_a_superseded_build_says_so_and_watch_ends(cli: Cli) -> None:
    done = {"state": "succeeded", "start": 1, "end": 2}
    _record(1, build=done, test=done, finalize=done, superseded_by=2)
    _record(2, build=done, test=done, finalize=done, release={"state": "started", "start": 3})
    watched = cli("build", "watch", "1", "-a", "shop", "--interval", "0.1", "--timeout", "20")
    assert watched.code == 1
    assert "build #1 was superseded by #2" in watched.stderr
    assert "orchestrator build watch 2 -a shop" in watched.stderr
    assert "superseded by #2" in cli("build", "status", "1", "-a", "shop").stdout
    assert "superseded by #2" in cli("build", "list", "-a", "shop").stdout


# 7. Error text and values are never read as rich markup.
@pytest.mark.usefixtures("shop")
def test_brackets_in_errors_and_values_are_shown_as_written(cli: Cli, tmp_path: Path) -> None:
    assert "'[bold]X' is not a valid variable name" in one_line_error(cli("config", "set", "[bold]X=1", "-a", "shop"), 2)
    missing = tmp_path / "[red]x.json"
    assert f"{missing}: cannot read" in one_line_error(cli("events", "explain", str(missing)), 2)
    assert cli("scheduled-tasks", "create", "--schedule", "0 3 * * ? *", "--command", "grep [a-z][a-z0-9-] f",
               "-a", "shop").code == 0  # fmt: skip
    assert "grep [a-z][a-z0-9-] f" in cli("scheduled-tasks", "list", "-a", "shop").stdout


# 9. Shell syntax is warned about before it is written.
@pytest.mark.usefixtures("shop")
def test_shell_syntax_in_a_scheduled_command_is_warned_about(cli: Cli) -> None:
    result = cli("scheduled-tasks", "create", "--schedule", "0 3 * * ? *", "--command",
                 "manage.py dump > /tmp/out && echo $HOME", "-a", "shop")  # fmt: skip
    assert result.code == 0
    assert "warning:" in result.stderr
    assert "> && $" in result.stderr
    plain = cli("scheduled-tasks", "create", "--schedule", "0 4 * * ? *", "--command", "manage.py clearsessions",
                "-a", "shop")  # fmt: skip
    assert "warning" not in plain.stderr


# 10. Confirmations without a terminal say how to confirm.
def test_bundle_delete_without_a_terminal_points_at_yes(cli: Cli) -> None:
    assert "pass --yes" in one_line_error(cli("bundle", "delete", "app", "1.0.0"), 2)


# 12. Parameter Store's limits are checked before anything is written.
@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    ("value", "fragment"), [("", "cannot be empty"), ("x" * 4097, "4097 bytes; a Parameter Store value holds at most 4096")]
)
def test_config_values_parameter_store_refuses_are_user_errors(cli: Cli, value: str, fragment: str) -> None:
    line = one_line_error(cli("config", "set", "A=1", f"FOO={value}", "-a", "shop"), 2)
    assert fragment in line
    assert _parameter("/apppack/apps/shop/config/A") is None  # not even the valid one before it


# 13. Scaling to zero, ASCII counts, AppPack's sizes.
@pytest.mark.usefixtures("shop")
def test_scale_to_zero_and_apppack_sizes(cli: Cli) -> None:
    assert cli("ps", "scale", "worker", "0", "-a", "shop").code == 0
    assert cli("ps", "resize", "web", "--cpu", "0.5", "--memory", "1G", "-a", "shop").code == 0
    scaling = _parameter("/apppack/apps/shop/scaling")
    assert isinstance(scaling, dict)
    assert (scaling["worker"]["min_processes"], scaling["worker"]["max_processes"]) == (0, 0)
    assert (scaling["web"]["cpu"], scaling["web"]["memory"]) == (512, 1024)
    assert "expected a number of processes" in one_line_error(cli("ps", "scale", "web", "٣", "-a", "shop"), 2)
    assert "autoscaling starts at 1" in one_line_error(cli("ps", "scale", "web", "0-2", "-a", "shop"), 2)
    assert "memory '1.3M'" in one_line_error(cli("ps", "resize", "web", "--memory", "1.3M", "-a", "shop"), 2)


# 14. Review-app ids are checked in one place, the same for every command.
COMMANDS = [["build", "list"], ["build", "status"], ["ps"], ["config", "list"], ["scheduled-tasks", "list"],
            ["access", "list"], ["ps", "restart"]]  # fmt: skip
KEYS = [("rev:abc", 2, "'abc' is not a pull request number"), ("rev:0", 2, "'0' is not a pull request number"),
        ("shop:7", 2, "'shop' is an app, not a pipeline"), ("Shop", 2, "'Shop' is not an app name")]  # fmt: skip


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("key", "code", "fragment"), KEYS)
def test_app_keys_are_checked_alike(cli: Cli, command: list[str], key: str, code: int, fragment: str) -> None:
    result = cli(*command, "-a", key)
    assert result.code == code, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


# 15. Errors that name what is wrong.
@pytest.mark.usefixtures("shop")
def test_restart_of_an_unknown_app_says_unknown_app(cli: Cli) -> None:
    assert "unknown app 'nosuch'" in one_line_error(cli("ps", "restart", "-a", "nosuch"), 1)


@pytest.mark.usefixtures("shop")
def test_explain_of_a_malformed_event_names_the_field(cli: Cli, tmp_path: Path) -> None:
    from tests.conftest import load_sample

    event = load_sample("codebuild_build_state_change_succeeded.json")
    event["detail"].pop("build-id", None)
    event["detail"]["build-status"] = 42
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(event))
    rows = json.loads(cli("events", "explain", str(path), "--json").stdout)
    actions = " ".join(r["action"] for row in rows for r in row["routes"])
    assert "rejected as malformed: detail." in actions


def test_times_have_a_date_and_a_zone() -> None:
    from orchestrator.local.views import when

    assert when(1_764_000_000) == "2025-11-24 16:00:00 UTC"
    assert when(None) == "-"


# 18. --version
def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.stdout.startswith("orchestrator ")


# 19. One line per build in 80 columns; CodeBuild's phases collapsed on success, apart from `build` when shown.
def _rendered(renderable: object, width: int = 80) -> str:
    from rich.console import Console

    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_build_views_fit_and_collapse() -> None:
    from orchestrator.local.views import builds_table, timeline

    done = {"state": "succeeded", "start": 1_764_000_000, "end": 1_764_000_060}
    phases = {f"P{i}": {"status": "SUCCEEDED", "start": 1_764_000_000 + i, "end": 1_764_000_001 + i} for i in range(10)}
    record = {"app": "shop", "build_number": 12, "commit": "c" * 40, "codebuild_phases": phases,
              **dict.fromkeys(("build", "test", "finalize", "release", "deploy"), done)}  # fmt: skip
    rows = [line for line in _rendered(builds_table([record, {**record, "build_number": 11}])).splitlines()
            if line.startswith("│")]  # fmt: skip
    assert len(rows) == 2  # one line each: nothing wrapped at 80 columns
    assert "codebuild" not in _rendered(timeline(record), 120)
    shown = _rendered(timeline(record, codebuild_phases=True), 120)
    assert shown.count("codebuild P") == 10
    assert "  └ " not in shown  # not nested under `build`, which ends before them
    failed = {**record, "test": {**done, "state": "failed"}}
    assert "codebuild P" in _rendered(timeline(failed), 120)


# Issue 13: `run` without a command is a usage error, before anything is read or started.
@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("args", [[], ["--"], ["--shell"], ["--detach", "--json"], ["--", " "]])
def test_run_without_a_command_is_a_usage_error(cli: Cli, args: list[str]) -> None:
    line = one_line_error(cli("run", "-a", "shop", *args), 2)
    assert "no command given" in line
