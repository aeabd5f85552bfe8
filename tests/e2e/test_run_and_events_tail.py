"""`orchestrator run` and `orchestrator events tail` against a running emulator, as an operator runs them."""

from __future__ import annotations

import json

from tests.e2e.conftest import as_json, cli, emulator_env


def test_after_a_deploy_the_events_are_tailed_and_a_command_runs(emulator: dict[str, str]) -> None:
    env = emulator_env(emulator)
    assert as_json(cli("build", "start", "-a", "shop", "--json", env=env))["build_number"] == 1
    watched = cli("build", "watch", "1", "-a", "shop", "--interval", "0.5", "--json", env=env)
    assert watched.returncode == 0, watched.stderr

    tailed = cli("events", "tail", "-a", "shop", "--since", "1h", "--no-follow", "--json", env=env)
    assert tailed.returncode == 0, tailed.stderr
    events = [json.loads(line) for line in tailed.stdout.splitlines()]
    keys = [f"{e['detail']['stage']}:{e['detail']['state']}" for e in events]
    assert keys.count("deploy:succeeded") == 1
    assert len(keys) == len(set(keys))
    assert {e["source"] for e in events} == {"orchestrator"}
    bounded = cli("events", "tail", "--since", "1h", "--limit", "2", "--json", env=env)
    assert len(bounded.stdout.splitlines()) == 2
    human = cli("events", "tail", "-a", "shop", "--since", "1h", "--timeout", "1", env=env)
    assert "shop build 1: deploy succeeded" in human.stdout

    ran = cli("run", "-a", "shop", "--interval", "0.2", "--timeout", "120", "--json", "--", "python", "manage.py",
              "migrate", env=env)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    outcome = as_json(ran)
    assert outcome["exit_code"] == 0
    assert outcome["task_definition"].split("/")[-1].startswith("shop-")

    detached = cli("run", "-a", "shop", "--detach", "--", "echo", "$HOME", env=env)
    assert detached.returncode == 0, detached.stderr
    assert "warning:" in detached.stderr
    assert "$" in detached.stderr
    assert len(detached.stdout.strip()) >= 32  # the task id


def test_user_errors_are_one_line(emulator: dict[str, str]) -> None:
    env = emulator_env(emulator)
    for args in (["run", "-a", "nope", "--", "true"], ["run", "-a", "shop"], ["events", "tail", "--since", "soon"]):
        result = cli(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
