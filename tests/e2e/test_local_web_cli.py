"""The local web workflow through the CLI, as an operator runs it: `local up`, `local register --source`,
a build, `open`, `apps`, `ps`, `ps scale`, and `local down`, which leaves no app process behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from orchestrator.local.http_probe import request
from tests.e2e.conftest import ROOT, as_json, cli

pytestmark = pytest.mark.xdist_group("local-web-cli")
HELLO = ROOT / "orchestrator" / "local" / "samples" / "hello"


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_a_local_source_is_served_at_its_url_and_local_down_stops_every_process(tmp_path: Path) -> None:
    state_dir = tmp_path / "emulator"
    up = cli("local", "up", "--state-dir", str(state_dir), "--json")
    assert up.returncode == 0, up.stderr
    state = as_json(up)
    env = {"AWS_ENDPOINT_URL": state["endpoint"], "ORCHESTRATOR_LOCAL_STATE_DIR": str(state_dir)}
    pids: list[int] = []
    try:
        refused = cli("local", "register", "hello", "--source", str(tmp_path), env=env)
        assert (refused.returncode, refused.stderr.count("\n")) == (2, 1)
        assert "not a folder with a Procfile" in refused.stderr
        registered = cli("local", "register", "hello", "--source", str(HELLO), "--json", env=env)
        assert registered.returncode == 0, registered.stderr
        assert as_json(registered)["source"] == str(HELLO)
        assert cli("open", "-a", "hello", env=env).returncode == 1  # no deploy yet: no URL
        assert cli("build", "start", "-a", "hello", env=env).returncode == 0
        watched = cli("build", "watch", "1", "-a", "hello", env=env, timeout=300)
        assert watched.returncode == 0, watched.stdout + watched.stderr
        opened = cli("open", "-a", "hello", "--json", env=env)
        assert opened.returncode == 0, opened.stderr
        url = as_json(opened)["url"]
        assert url == f"http://hello.localhost:{state['router_port']}"
        assert request(url) == (200, "hello from build 1: (GREETING is not set)")
        assert {a["name"]: a["url"] for a in as_json(cli("apps", "--json", env=env))} == {"hello": url}
        assert as_json(cli("ps", "-a", "hello", "--json", env=env))["url"] == url
        assert cli("ps", "scale", "web", "2", "-a", "hello", env=env).returncode == 0
        deadline = time.monotonic() + 120
        while len(pids := _pids(state_dir)) < 3 and time.monotonic() < deadline:  # release, web, a second web
            time.sleep(0.2)
        assert len(pids) >= 3
        assert request(url)[0] == 200
    finally:
        pids = _pids(state_dir) or pids
        down = cli("local", "down", "--state-dir", str(state_dir))
        assert down.returncode == 0, down.stderr
    assert pids
    assert [pid for pid in pids if running(pid)] == []
    assert not (state_dir / "pids").exists()


def _pids(state_dir: Path) -> list[int]:
    try:
        return [int(p) for p in (state_dir / "pids").read_text().split()]
    except OSError:
        return []


def test_open_refuses_an_unknown_app_in_one_line(tmp_path: Path) -> None:
    result = cli("open", "-a", "nosuchapp", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

