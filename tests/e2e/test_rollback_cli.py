"""`orchestrator rollback` against a running emulator: the CLI writes the request, the parameter handler (in
the emulator's process) performs or refuses it, and the CLI waits for that verdict."""

from __future__ import annotations

from tests.e2e.conftest import as_json, cli, emulator_env


def test_rollback_waits_until_deployed_and_a_refusal_exits_1(emulator: dict[str, str]) -> None:
    env = emulator_env(emulator)
    for number in (1, 2):
        assert as_json(cli("build", "start", "-a", "shop", "--json", env=env))["build_number"] == number
        watched = cli("build", "watch", str(number), "-a", "shop", "--interval", "0.5", "--json", env=env)
        assert watched.returncode == 0, watched.stderr

    done = cli("rollback", "v1", "-a", "shop", "--interval", "0.3", "--timeout", "150", "--json", env=env, timeout=200)
    assert done.returncode == 0, done.stderr
    outcome = as_json(done)
    assert (outcome["outcome"], outcome["version"], outcome["release"]) == ("deployed", 1, 3)
    assert outcome["caller"].startswith("arn:aws:")
    releases = as_json(cli("releases", "-a", "shop", "-n", "1", "--json", env=env))
    assert (releases[0]["kind"], releases[0]["rollback_of"], releases[0]["status"]) == ("rollback", 1, "deployed")

    refused = cli("rollback", "9", "-a", "shop", "--interval", "0.3", "--timeout", "150", env=env, timeout=200)
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "no release v9" in refused.stderr
    assert len(as_json(cli("releases", "-a", "shop", "--json", env=env))) == 3
